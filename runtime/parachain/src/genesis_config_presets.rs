//! Genesis presets: `development` (Alice collates alone; what `polkadot-omni-node --dev`
//! runs) and `local_testnet` (Alice and Bob collate; for a local relay chain). Both start
//! with the well-known development accounts endowed and Alice as sudo, like the solochain's.
//!
//! `scripts/gen-parachain-specs.sh` turns them into `chain-specs/parachain-*.json`.

use crate::{
	configs::collators::CANDIDACY_BOND, constants::currency::*, AccountId, AuraId, Balance,
	BalancesConfig, CollatorSelectionConfig, ParachainInfoConfig, PolkadotXcmConfig,
	RuntimeGenesisConfig, SessionConfig, SessionKeys, SudoConfig,
};
use alloc::{vec, vec::Vec};
use cumulus_primitives_core::ParaId;
use frame_support::build_struct_json_patch;
use serde_json::Value;
use sp_genesis_builder::{self, PresetId};
use sp_keyring::Sr25519Keyring;

/// The para id of the local-relay chain specs: the first id a relay chain hands to a
/// parachain that is not a system chain. On a public testnet the id is the one reserved there
/// (docs/launching-a-parachain.md).
pub const PARA_ID: u32 = 2_000;
/// What every endowed development account starts with (the solochain's amount).
pub const ENDOWMENT: Balance = 1_000_000 * UNITS;

/// A genesis collator: its account, which is also its session (Aura) key's seed.
fn collator(key: Sr25519Keyring) -> (AccountId, AuraId) {
	(key.to_account_id(), key.public().into())
}

/// Builds a genesis patch: endowed accounts, invulnerable collators with their Aura keys, a
/// sudo key and the para id.
fn parachain_genesis(
	collators: Vec<(AccountId, AuraId)>,
	endowed: Vec<AccountId>,
	root: AccountId,
	para_id: ParaId,
) -> Value {
	build_struct_json_patch!(RuntimeGenesisConfig {
		balances: BalancesConfig {
			balances: endowed.iter().cloned().map(|who| (who, ENDOWMENT)).collect::<Vec<_>>(),
		},
		parachain_info: ParachainInfoConfig { parachain_id: para_id },
		collator_selection: CollatorSelectionConfig {
			invulnerables: collators.iter().map(|(who, _)| who.clone()).collect::<Vec<_>>(),
			candidacy_bond: CANDIDACY_BOND,
		},
		session: SessionConfig {
			keys: collators
				.into_iter()
				.map(|(who, aura)| (who.clone(), who, SessionKeys { aura }))
				.collect::<Vec<_>>(),
		},
		polkadot_xcm: PolkadotXcmConfig { safe_xcm_version: Some(xcm::prelude::XCM_VERSION) },
		sudo: SudoConfig { key: Some(root) },
	})
}

fn well_known_accounts() -> Vec<AccountId> {
	Sr25519Keyring::well_known().map(|k| k.to_account_id()).collect()
}

/// `development`: Alice collates alone.
pub fn development_config_genesis() -> Value {
	parachain_genesis(
		vec![collator(Sr25519Keyring::Alice)],
		well_known_accounts(),
		Sr25519Keyring::Alice.to_account_id(),
		PARA_ID.into(),
	)
}

/// `local_testnet`: Alice and Bob collate, for a local relay chain.
pub fn local_testnet_genesis() -> Value {
	parachain_genesis(
		vec![collator(Sr25519Keyring::Alice), collator(Sr25519Keyring::Bob)],
		well_known_accounts(),
		Sr25519Keyring::Alice.to_account_id(),
		PARA_ID.into(),
	)
}

/// The JSON patch of a named preset, if there is one by that name.
pub fn get_preset(id: &PresetId) -> Option<Vec<u8>> {
	mlchain_runtime_common::presets::named_preset(id, development_config_genesis, local_testnet_genesis)
}

/// The names of the presets this runtime has.
pub fn preset_names() -> Vec<PresetId> {
	mlchain_runtime_common::presets::preset_names()
}
