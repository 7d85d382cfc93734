//! The parachain's chain specs in `chain-specs/`, generated from the genesis presets without a
//! node: the JSON shape is sc-chain-spec's (what polkadot-omni-node and chain-spec-builder
//! read), with the parachain extensions `relay_chain` and `para_id`.
//!
//! - `parachain-dev.json`: the `development` preset as a patch, for `polkadot-omni-node --dev`.
//! - `parachain-local.json`: the `local_testnet` preset as a patch, for a local relay chain.
//! - `parachain-local-raw.json`: the same genesis as raw storage, what every collator of the
//!   local network and the relay-chain registration (genesis head) must share.
//!
//! `scripts/gen-parachain-specs.sh` runs [`write_or_check_parachain_chain_specs`] with
//! `MLCHAIN_WRITE_CHAIN_SPECS=1` to rewrite them. Otherwise the test checks that the checked-in
//! files are what the presets produce today. As for the solochain's specs, the Wasm inside is
//! left out of the comparison: its bytes depend on the toolchain and paths of the build.

use super::*;
use serde_json::{json, Value};
use std::path::PathBuf;

/// The relay chain the local specs are for: a local Paseo (the test relay the Polkadot docs
/// use). Only a label: the collator is told its relay chain after `--` on its command line.
const LOCAL_RELAY: &str = "paseo-local";
/// The relay chains' limit on a parachain's code (`max_code_size` of Polkadot's and Paseo's
/// host configuration, 3 MiB).
const MAX_CODE_SIZE: usize = 3 * 1024 * 1024;
/// `:code`, the storage key of the runtime Wasm.
const CODE_KEY: &str = "0x3a636f6465";

fn hex(bytes: &[u8]) -> String {
	format!("0x{}", bytes.iter().map(|b| format!("{b:02x}")).collect::<String>())
}

fn properties() -> Value {
	json!({
		"ss58Format": 42,
		"tokenDecimals": crate::constants::currency::DECIMALS,
		"tokenSymbol": crate::constants::currency::TOKEN_SYMBOL,
	})
}

/// A chain spec of `preset` for the local relay chain: genesis as the preset's patch with the
/// runtime code, or as raw storage.
fn spec(name: &str, id: &str, chain_type: &str, preset: &str, raw: bool, code: &[u8]) -> Value {
	let genesis = if raw {
		let mut storage = genesis_config(preset).build_storage().expect("genesis builds");
		storage.top.insert(sp_core::storage::well_known_keys::CODE.to_vec(), code.to_vec());
		assert!(storage.children_default.is_empty(), "no child tries at genesis");
		let top: serde_json::Map<String, Value> =
			storage.top.iter().map(|(k, v)| (hex(k), Value::String(hex(v)))).collect();
		json!({ "raw": { "top": top, "childrenDefault": {} } })
	} else {
		let patch: Value =
			serde_json::from_slice(&genesis_config_presets::get_preset(&preset.into()).unwrap())
				.unwrap();
		json!({ "runtimeGenesis": { "code": hex(code), "patch": patch } })
	};
	json!({
		"name": name,
		"id": id,
		"chainType": chain_type,
		"bootNodes": [],
		"telemetryEndpoints": null,
		"protocolId": "mlchain-para",
		"properties": properties(),
		"relay_chain": LOCAL_RELAY,
		"para_id": PARA_ID,
		"codeSubstitutes": {},
		"genesis": genesis,
	})
}

/// Every spec file and its contents, built with `code` as the runtime.
fn specs(code: &[u8]) -> Vec<(&'static str, Value)> {
	let dev = sp_genesis_builder::DEV_RUNTIME_PRESET;
	let local = sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET;
	vec![
		(
			"parachain-dev.json",
			spec("mlchain parachain dev", "mlchain_parachain_dev", "Development", dev, false, code),
		),
		(
			"parachain-local.json",
			spec("mlchain parachain local", "mlchain_parachain_local", "Local", local, false, code),
		),
		(
			"parachain-local-raw.json",
			spec("mlchain parachain local", "mlchain_parachain_local", "Local", local, true, code),
		),
	]
}

fn spec_path(name: &str) -> PathBuf {
	PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../chain-specs").join(name)
}

/// Replaces the Wasm of a plain or raw spec with a marker, and checks it was there.
fn without_code(mut spec: Value) -> Value {
	let genesis = &mut spec["genesis"];
	let code = if let Some(top) = genesis.pointer_mut("/raw/top").and_then(Value::as_object_mut) {
		top.remove(CODE_KEY)
	} else {
		genesis["runtimeGenesis"].as_object_mut().and_then(|g| g.remove("code"))
	};
	assert!(code.is_some_and(|c| c.as_str().is_some_and(|c| c.starts_with("0x") && c.len() > 2)));
	spec
}

#[test]
fn write_or_check_parachain_chain_specs() {
	if std::env::var_os("MLCHAIN_WRITE_CHAIN_SPECS").is_some() {
		let wasm = crate::WASM_BINARY.expect("built with the Wasm runtime (not SKIP_WASM_BUILD)");
		// zstd-compressed as relay chains and nodes expect runtime code (they detect the
		// compression by its prefix): a relay chain refuses code above its `max_code_size`.
		let code = sp_maybe_compressed_blob::compress_strongly(
			wasm,
			sp_maybe_compressed_blob::CODE_BLOB_BOMB_LIMIT,
		)
		.expect("the runtime compresses below the bomb limit");
		assert!(code.len() < MAX_CODE_SIZE, "{} bytes of code: too big for a relay chain", code.len());
		for (name, spec) in specs(&code) {
			let text = serde_json::to_string_pretty(&spec).unwrap() + "\n";
			std::fs::write(spec_path(name), text).expect("write chain spec");
		}
		return;
	}
	// The comparison does not depend on the Wasm, so any bytes stand in for it.
	for (name, expected) in specs(b"stand-in for the runtime Wasm") {
		let path = spec_path(name);
		let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
			panic!("{}: {e}; run scripts/gen-parachain-specs.sh", path.display())
		});
		let actual: Value = serde_json::from_str(&text).unwrap();
		assert!(
			without_code(actual) == without_code(expected),
			"chain-specs/{name} is stale: run scripts/gen-parachain-specs.sh and commit the result"
		);
	}
}

#[test]
fn the_raw_local_spec_holds_the_local_presets_collators_and_para_id() {
	let (_, raw) = specs(b"code").into_iter().find(|(n, _)| *n == "parachain-local-raw.json").unwrap();
	let top = raw.pointer("/genesis/raw/top").and_then(Value::as_object).unwrap();
	// parachain-info's `ParachainId` (twox128("ParachainInfo") ++ twox128("ParachainId")).
	let key = [
		sp_io::hashing::twox_128(b"ParachainInfo"),
		sp_io::hashing::twox_128(b"ParachainId"),
	]
	.concat();
	assert_eq!(top[&hex(&key)], Value::String(hex(&PARA_ID.encode())));
	let key = [sp_io::hashing::twox_128(b"Aura"), sp_io::hashing::twox_128(b"Authorities")].concat();
	let authorities = top[&hex(&key)].as_str().unwrap();
	// Two sr25519 keys: a compact length prefix (8 = 2 << 2) and 64 bytes.
	assert_eq!(authorities.len(), 2 + 2 * (1 + 64));
	assert_eq!(raw["para_id"], json!(PARA_ID));
	assert_eq!(raw["relay_chain"], json!(LOCAL_RELAY));
}
