//! Chain specifications: `dev` and `local` come from the runtime's genesis presets, anything
//! else is read from a JSON file (for example `chain-specs/local-testnet.json`).

use mlchain_runtime::{constants::currency, Block, WASM_BINARY};
use sc_chain_spec::ChainSpecExtension;
use sc_service::ChainType;
use serde::{Deserialize, Serialize};

/// Node-side extensions carried in a chain spec.
#[derive(Default, Clone, Serialize, Deserialize, ChainSpecExtension)]
#[serde(rename_all = "camelCase")]
pub struct Extensions {
	/// Blocks known to be bad: never imported.
	pub bad_blocks: sc_client_api::BadBlocks<Block>,
	/// The light-client sync state, filled in by `sync_state_genSyncSpec`.
	pub light_sync_state: sc_sync_state_rpc::LightSyncStateExtension,
}

/// The chain spec type of this node.
pub type ChainSpec = sc_service::GenericChainSpec<Extensions>;

fn wasm_binary() -> Result<&'static [u8], String> {
	WASM_BINARY.ok_or_else(|| {
		"The runtime's Wasm binary is missing: the node was built with SKIP_WASM_BUILD. \
		 Rebuild without it (scripts/setup.sh prepares the Wasm toolchain)."
			.to_string()
	})
}

/// Token symbol and decimals, for wallets and explorers.
fn properties() -> sc_chain_spec::Properties {
	let mut properties = sc_chain_spec::Properties::new();
	properties.insert("tokenSymbol".into(), currency::TOKEN_SYMBOL.into());
	properties.insert("tokenDecimals".into(), currency::DECIMALS.into());
	properties.insert("ss58Format".into(), 42.into());
	properties
}

/// A chain spec whose genesis is one of the runtime's presets.
fn from_preset(
	name: &str,
	id: &str,
	chain_type: ChainType,
	preset: &str,
) -> Result<ChainSpec, String> {
	Ok(ChainSpec::builder(wasm_binary()?, Default::default())
		.with_name(name)
		.with_id(id)
		.with_protocol_id("mlchain")
		.with_chain_type(chain_type)
		.with_genesis_config_preset_name(preset)
		.with_properties(properties())
		.build())
}

/// `--dev`: Alice validates alone.
pub fn development_chain_spec() -> Result<ChainSpec, String> {
	from_preset(
		"mlchain development",
		"mlchain_dev",
		ChainType::Development,
		sp_genesis_builder::DEV_RUNTIME_PRESET,
	)
}

/// `--chain local`: Alice, Bob, Charlie and Dave validate.
pub fn local_chain_spec() -> Result<ChainSpec, String> {
	from_preset(
		"mlchain local testnet",
		"mlchain_local_testnet",
		ChainType::Local,
		sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET,
	)
}
