//! Block production: collators take turns with Aura; `pallet-collator-selection` decides who
//! collates each session (invulnerables set by root plus the highest-bonded candidates), and
//! session hands the set to Aura. The relay chain's validators, not these collators, secure
//! the chain: a collator can only propose blocks, which the relay chain checks and finalises.
//!
//! Also here: the relay-randomness pallet, which takes the relay chain's BABE randomness from
//! the relay state proof of every block for committee draws.

use crate::{
	constants::{async_backing::BLOCK_PROCESSING_VELOCITY, currency::*, time::*},
	AccountId, Aura, AuraId, Balances, BlockNumber, CollatorSelection, Runtime, RuntimeEvent,
	Session, SessionKeys,
};
use frame_support::{
	parameter_types,
	traits::{ConstBool, ConstU32, ConstU64},
	PalletId,
};
use frame_system::EnsureRoot;
use sp_runtime::traits::OpaqueKeys;

/// The most collators Aura accepts in one set; far above what collator selection elects.
pub const MAX_AUTHORITIES: u32 = 100;

impl pallet_aura::Config for Runtime {
	type AuthorityId = AuraId;
	type DisabledValidators = ();
	type MaxAuthorities = ConstU32<MAX_AUTHORITIES>;
	// One block per slot: async backing with one core.
	type AllowMultipleBlocksPerSlot = ConstBool<false>;
	type SlotDuration = ConstU64<SLOT_DURATION>;
}

impl cumulus_pallet_aura_ext::Config for Runtime {}

impl pallet_authorship::Config for Runtime {
	// The author is read from the Aura pre-digest and mapped to the collator's account.
	type FindAuthor = pallet_session::FindAccountFromAuthorIndex<Self, Aura>;
	// Collator selection counts authored blocks to kick collators that stop producing.
	type EventHandler = (CollatorSelection,);
}

parameter_types! {
	/// A session is an hour: collator changes take effect at most an hour after they are
	/// decided. (The solochain's one-minute sessions serve NPoS elections, which do not exist
	/// here.)
	pub const SessionPeriod: BlockNumber = HOURS;
	pub const SessionOffset: BlockNumber = 0;
}

impl pallet_session::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type ValidatorId = AccountId;
	// A collator is identified by its account: there are no stash and controller here.
	type ValidatorIdOf = pallet_collator_selection::IdentityCollator;
	type ShouldEndSession = pallet_session::PeriodicSessions<SessionPeriod, SessionOffset>;
	type NextSessionRotation = pallet_session::PeriodicSessions<SessionPeriod, SessionOffset>;
	type SessionManager = CollatorSelection;
	type SessionHandler = <SessionKeys as OpaqueKeys>::KeyTypeIdProviders;
	type Keys = SessionKeys;
	// Collators are not slashed or disabled: a misbehaving collator only loses its turns (and
	// is kicked by collator selection when it stops producing).
	type DisablingStrategy = ();
	type WeightInfo = pallet_session::weights::SubstrateWeight<Runtime>;
	type Currency = Balances;
	// Setting keys costs only the transaction fee; candidates already bond.
	type KeyDeposit = ();
}

parameter_types! {
	/// The account collator rewards are kept in (unused while fees go to the author directly).
	pub const PotId: PalletId = PalletId(*b"mlc/pot_");
	/// Candidates beyond the invulnerables.
	pub const MaxCandidates: u32 = 100;
	/// Collator selection never kicks below this many collators.
	pub const MinEligibleCollators: u32 = 1;
	/// Invulnerable collators root may name.
	pub const MaxInvulnerables: u32 = 20;
}

impl pallet_collator_selection::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type Currency = Balances;
	// Root (sudo) until the chain has governance.
	type UpdateOrigin = EnsureRoot<AccountId>;
	type PotId = PotId;
	type MaxCandidates = MaxCandidates;
	type MinEligibleCollators = MinEligibleCollators;
	type MaxInvulnerables = MaxInvulnerables;
	// A candidate that authored nothing for a whole session is kicked.
	type KickThreshold = SessionPeriod;
	type ValidatorId = AccountId;
	type ValidatorIdOf = pallet_collator_selection::IdentityCollator;
	type ValidatorRegistration = Session;
	type WeightInfo = pallet_collator_selection::weights::SubstrateWeight<Runtime>;
}

parameter_types! {
	/// How far behind the relay chain's tip a block's relay parent may be, in blocks of this
	/// chain: the relay chain accepts candidates whose relay parent is among its last few blocks
	/// (async backing's allowed ancestry, 2 to 3 on Polkadot's relays), and the unincluded
	/// segment lets us build up to [`UNINCLUDED_SEGMENT_CAPACITY`] blocks ahead. Relay
	/// randomness is treated as known this many blocks before this chain first saw it.
	///
	/// [`UNINCLUDED_SEGMENT_CAPACITY`]: crate::constants::async_backing::UNINCLUDED_SEGMENT_CAPACITY
	pub const RelayParentLag: BlockNumber = 6;
}

impl pallet_relay_randomness::Config for Runtime {
	type RelayParentLag = RelayParentLag;
	type MaxBlocksPerRelaySlot = ConstU32<BLOCK_PROCESSING_VELOCITY>;
}

/// Candidacy bond at genesis: a candidate must have something to lose beyond its fees.
pub const CANDIDACY_BOND: crate::Balance = 16 * UNITS;
