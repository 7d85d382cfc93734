//! Genesis presets: `development` (Alice alone validates) and `local_testnet` (Alice, Bob,
//! Charlie and Dave validate, Eve and Ferdie nominate).
//!
//! The node builds its `dev` and `local` chain specs from these, and
//! `scripts/gen-chain-specs.sh` writes them to `chain-specs/`. Validator stashes are the
//! well-known development accounts; their session keys derive from the same seeds
//! (`//Alice` → BABE sr25519 key and GRANDPA ed25519 key), so `--alice` etc. find them.

use crate::{
	constants::currency::*, AccountId, BabeConfig, Balance, BalancesConfig, RuntimeGenesisConfig,
	SessionConfig, SessionKeys, StakerStatus, StakingConfig, SudoConfig, BABE_GENESIS_EPOCH_CONFIG,
};
use alloc::{vec, vec::Vec};
use frame_support::build_struct_json_patch;
use serde_json::Value;
use sp_genesis_builder::{self, PresetId};
use sp_keyring::{Ed25519Keyring, Sr25519Keyring};

/// What every endowed development account starts with.
pub const ENDOWMENT: Balance = 1_000_000 * UNITS;
/// What each genesis validator bonds.
pub const VALIDATOR_BOND: Balance = 100_000 * UNITS;
/// What each genesis nominator bonds.
pub const NOMINATOR_BOND: Balance = 50_000 * UNITS;

/// A genesis validator: its stash account and session keys.
struct Validator {
	stash: AccountId,
	keys: SessionKeys,
}

/// A development validator: the account of `seed`'s sr25519 key is the stash, the same key is
/// the BABE key, and the ed25519 key of the same seed is the GRANDPA key.
fn validator(babe: Sr25519Keyring, grandpa: Ed25519Keyring) -> Validator {
	Validator {
		stash: babe.to_account_id(),
		keys: SessionKeys { babe: babe.public().into(), grandpa: grandpa.public().into() },
	}
}

/// Builds a genesis patch: endowed accounts, validators bonded with session keys, nominators
/// backing all validators, and a sudo key.
fn testnet_genesis(
	validators: Vec<Validator>,
	nominators: Vec<AccountId>,
	endowed: Vec<AccountId>,
	validator_count: u32,
	root: AccountId,
) -> Value {
	let validator_stashes: Vec<AccountId> = validators.iter().map(|v| v.stash.clone()).collect();
	// (stash, controller, bond, role); controllers are deprecated, so stash == controller.
	let mut stakers: Vec<(AccountId, AccountId, Balance, StakerStatus<AccountId>)> =
		validator_stashes
			.iter()
			.map(|stash| (stash.clone(), stash.clone(), VALIDATOR_BOND, StakerStatus::Validator))
			.collect();
	stakers.extend(nominators.iter().map(|who| {
		let targets = StakerStatus::Nominator(validator_stashes.clone());
		(who.clone(), who.clone(), NOMINATOR_BOND, targets)
	}));

	build_struct_json_patch!(RuntimeGenesisConfig {
		balances: BalancesConfig {
			balances: endowed.iter().cloned().map(|who| (who, ENDOWMENT)).collect::<Vec<_>>(),
		},
		babe: BabeConfig { epoch_config: BABE_GENESIS_EPOCH_CONFIG },
		session: SessionConfig {
			keys: validators
				.into_iter()
				.map(|v| (v.stash.clone(), v.stash, v.keys))
				.collect::<Vec<_>>(),
		},
		staking: StakingConfig {
			validator_count,
			minimum_validator_count: 1,
			invulnerables: Vec::new(),
			stakers,
			slash_reward_fraction: sp_runtime::Perbill::from_percent(10),
			min_validator_bond: 10 * UNITS,
			min_nominator_bond: UNITS,
		},
		sudo: SudoConfig { key: Some(root) },
	})
}

fn well_known_accounts() -> Vec<AccountId> {
	Sr25519Keyring::well_known().map(|k| k.to_account_id()).collect()
}

/// `development`: a single validator (Alice) that produces and finalises blocks alone.
pub fn development_config_genesis() -> Value {
	testnet_genesis(
		vec![validator(Sr25519Keyring::Alice, Ed25519Keyring::Alice)],
		Vec::new(),
		well_known_accounts(),
		1,
		Sr25519Keyring::Alice.to_account_id(),
	)
}

/// `local_testnet`: four validators (Alice, Bob, Charlie, Dave) with Eve and Ferdie
/// nominating all four. Room for eight validators, so a newcomer who bonds and validates is
/// elected at the next era without outbidding anyone (docs/running-a-validator.md).
pub fn local_testnet_genesis() -> Value {
	testnet_genesis(
		vec![
			validator(Sr25519Keyring::Alice, Ed25519Keyring::Alice),
			validator(Sr25519Keyring::Bob, Ed25519Keyring::Bob),
			validator(Sr25519Keyring::Charlie, Ed25519Keyring::Charlie),
			validator(Sr25519Keyring::Dave, Ed25519Keyring::Dave),
		],
		vec![Sr25519Keyring::Eve.to_account_id(), Sr25519Keyring::Ferdie.to_account_id()],
		well_known_accounts(),
		8,
		Sr25519Keyring::Alice.to_account_id(),
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
