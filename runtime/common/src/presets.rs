//! The genesis presets both runtimes offer, by name: `development` (one block producer, for a
//! node on its own) and `local_testnet` (two, for a local network). Each runtime writes its own
//! patches, since their block producers differ (validators with stake, or collators); the
//! names and their encoding are shared so tools see the same two presets on either chain.

use alloc::{vec, vec::Vec};
use serde_json::Value;
use sp_genesis_builder::{PresetId, DEV_RUNTIME_PRESET, LOCAL_TESTNET_RUNTIME_PRESET};

/// The JSON patch of the preset named `id`, built by the matching function; `None` for a name
/// this runtime does not have.
pub fn named_preset(
	id: &PresetId,
	development: impl FnOnce() -> Value,
	local_testnet: impl FnOnce() -> Value,
) -> Option<Vec<u8>> {
	let patch = match id.as_ref() {
		DEV_RUNTIME_PRESET => development(),
		LOCAL_TESTNET_RUNTIME_PRESET => local_testnet(),
		_ => return None,
	};
	// Writing a `Value` cannot fail (its map keys are strings); no preset beats a panic.
	serde_json::to_vec(&patch).ok()
}

/// The names of the presets [`named_preset`] knows.
pub fn preset_names() -> Vec<PresetId> {
	vec![PresetId::from(DEV_RUNTIME_PRESET), PresetId::from(LOCAL_TESTNET_RUNTIME_PRESET)]
}
