//! Block production (BABE), finality (GRANDPA), validator sessions, block authorship and the
//! offence pipeline that turns a proven equivocation into a staking slash.
//!
//! The path of an equivocation: the node sees two blocks (or two GRANDPA votes) signed by one
//! key for one slot (round), proves key ownership through `pallet_session::historical`, and
//! submits an unsigned `report_equivocation_unsigned`. BABE/GRANDPA check the proof and hand an
//! offence to `pallet_offences`, which calls `pallet_staking` as its `OnOffenceHandler`: the
//! offender's stake (and its nominators' exposure) is slashed.

use super::EpochDuration;
use crate::{
	constants::time::*, AccountId, Babe, Historical, Offences, Runtime, RuntimeEvent, SessionKeys,
	Staking,
};
use frame_support::{parameter_types, traits::ConstU32};
use sp_runtime::traits::OpaqueKeys;

parameter_types! {
	pub const ExpectedBlockTime: crate::Moment = MILLISECS_PER_BLOCK;
	/// Equivocation reports stay valid for a whole era's worth of blocks: long enough for any
	/// honest node to get its report in, short enough that the key-ownership proof still holds.
	pub const ReportLongevity: u64 =
		super::staking::BondingDuration::get() as u64
			* super::staking::SessionsPerEra::get() as u64
			* EpochDuration::get();
	/// GRANDPA set ids map to sessions for as long as an equivocation can still be reported.
	pub const MaxSetIdSessionEntries: u32 =
		super::staking::BondingDuration::get() * super::staking::SessionsPerEra::get();
}

/// The most authorities BABE and GRANDPA accept in one set; equal to staking's validator cap.
pub type MaxAuthorities = ConstU32<{ super::staking::MAX_VALIDATORS }>;
/// Nominators behind one validator whose exposure an equivocation proof may carry.
pub type MaxNominators = ConstU32<{ super::staking::MAX_EXPOSURE_PAGE_SIZE }>;

impl pallet_babe::Config for Runtime {
	type EpochDuration = EpochDuration;
	type ExpectedBlockTime = ExpectedBlockTime;
	// Epochs follow sessions: pallet-session decides when one ends and tells BABE.
	type EpochChangeTrigger = pallet_babe::ExternalTrigger;
	type DisabledValidators = crate::Session;
	type WeightInfo = ();
	type MaxAuthorities = MaxAuthorities;
	type MaxNominators = MaxNominators;
	type KeyOwnerProof = sp_session::MembershipProof;
	type EquivocationReportSystem =
		pallet_babe::EquivocationReportSystem<Self, Offences, Historical, ReportLongevity>;
}

impl pallet_grandpa::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type WeightInfo = ();
	type MaxAuthorities = MaxAuthorities;
	type MaxNominators = MaxNominators;
	type MaxSetIdSessionEntries = MaxSetIdSessionEntries;
	type KeyOwnerProof = sp_session::MembershipProof;
	type EquivocationReportSystem =
		pallet_grandpa::EquivocationReportSystem<Self, Offences, Historical, ReportLongevity>;
}

impl pallet_authorship::Config for Runtime {
	// The block author is read from the BABE pre-digest and mapped to its stash account.
	type FindAuthor = pallet_session::FindAccountFromAuthorIndex<Self, Babe>;
	// Staking counts authored blocks as era reward points.
	type EventHandler = Staking;
}

impl pallet_session::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type ValidatorId = AccountId;
	// A validator is identified by its stash account.
	type ValidatorIdOf = sp_runtime::traits::ConvertInto;
	// Sessions end with BABE epochs.
	type ShouldEndSession = Babe;
	type NextSessionRotation = Babe;
	// Staking picks the validator set; historical keeps per-session roots for key-ownership
	// proofs in equivocation reports.
	type SessionManager = pallet_session::historical::NoteHistoricalRoot<Self, Staking>;
	type SessionHandler = <SessionKeys as OpaqueKeys>::KeyTypeIdProviders;
	type Keys = SessionKeys;
	// Offenders are disabled for the rest of the era, up to a third of the set, so an attack on
	// many validators cannot halt finality.
	type DisablingStrategy = pallet_session::disabling::UpToLimitWithReEnablingDisablingStrategy;
	type WeightInfo = pallet_session::weights::SubstrateWeight<Runtime>;
	type Currency = crate::Balances;
	// Setting keys costs only the transaction fee: validators are already bonded.
	type KeyDeposit = ();
}

impl pallet_session::historical::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type FullIdentification = ();
	type FullIdentificationOf = pallet_staking::UnitIdentificationOf<Self>;
}

impl pallet_offences::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type IdentificationTuple = pallet_session::historical::IdentificationTuple<Self>;
	type OnOffenceHandler = Staking;
}
