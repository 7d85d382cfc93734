//! The chain specs in `chain-specs/` are what the runtime's presets generate today.
//!
//! The runtime Wasm inside a spec is left out of the comparison: its bytes depend on where
//! and with which toolchain it was built (panic locations carry source paths), so two honest
//! builds can differ. Everything that defines the network — name, id, boot nodes, properties,
//! every genesis storage entry — must match exactly. `scripts/gen-chain-specs.sh` rewrites
//! both files.

use serde_json::Value;
use std::{path::Path, process::Command};

const NODE: &str = env!("CARGO_BIN_EXE_mlchain-node");
/// `:code` — the storage key of the runtime Wasm.
const CODE_KEY: &str = "0x3a636f6465";

fn export(raw: bool) -> Value {
	let mut cmd = Command::new(NODE);
	cmd.args(["export-chain-spec", "--chain", "local"]);
	if raw {
		cmd.arg("--raw");
	}
	let output = cmd.output().unwrap();
	assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
	serde_json::from_slice(&output.stdout).unwrap()
}

fn checked_in(name: &str) -> Value {
	let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../chain-specs").join(name);
	let text = std::fs::read_to_string(&path)
		.unwrap_or_else(|e| panic!("{}: {e}; run scripts/gen-chain-specs.sh", path.display()));
	serde_json::from_str(&text).unwrap()
}

/// Removes the Wasm from a plain or raw spec, and checks it was there.
fn without_code(mut spec: Value) -> Value {
	let genesis = &mut spec["genesis"];
	let removed = if let Some(top) = genesis.pointer_mut("/raw/top").and_then(Value::as_object_mut)
	{
		top.remove(CODE_KEY)
	} else {
		genesis["runtimeGenesis"].as_object_mut().and_then(|g| g.remove("code"))
	};
	assert!(removed.is_some_and(|c| c.as_str().is_some_and(|c| c.len() > 100_000)));
	spec
}

#[test]
fn checked_in_chain_specs_match_the_runtime() {
	for (name, raw) in [("local-testnet.json", false), ("local-testnet-raw.json", true)] {
		let expected = without_code(export(raw));
		let actual = without_code(checked_in(name));
		assert!(
			expected == actual,
			"chain-specs/{name} is stale: run scripts/gen-chain-specs.sh and commit the result"
		);
	}
}

/// The parachain's specs are generated natively (runtime/parachain, no node). A node of the
/// same release turns the plain local spec into raw storage by running the runtime *Wasm*'s
/// genesis builder; that must give exactly the checked-in raw spec, so the Wasm and the native
/// generation agree. (mlchain-node drops the parachain extensions, which it does not know, and
/// adds its own empty ones; only the genesis storage is compared.)
#[test]
fn parachain_raw_spec_is_what_the_runtime_wasm_builds_from_the_plain_spec() {
	let plain = Path::new(env!("CARGO_MANIFEST_DIR")).join("../chain-specs/parachain-local.json");
	let output = Command::new(NODE)
		.args(["build-spec", "--raw", "--chain"])
		.arg(&plain)
		.output()
		.unwrap();
	assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
	let built: Value = serde_json::from_slice(&output.stdout).unwrap();
	let checked_in = checked_in("parachain-local-raw.json");
	let top = |spec: &Value| spec.pointer("/genesis/raw/top").cloned().expect("raw genesis");
	assert!(top(&built).as_object().is_some_and(|t| t.len() > 10));
	assert!(
		top(&built) == top(&checked_in),
		"chain-specs/parachain-local-raw.json differs from the Wasm's genesis: run scripts/gen-parachain-specs.sh"
	);
}
