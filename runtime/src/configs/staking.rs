//! NPoS staking: validators and nominators bond stake, an on-chain sequential Phragmén election
//! picks the validator set each era, and era rewards follow the inflation curve below.

use crate::{
	constants::{currency::EXISTENTIAL_DEPOSIT, time::EPOCH_DURATION_IN_SLOTS},
	AccountId, Balance, Balances, Runtime, RuntimeEvent, RuntimeHoldReason, Session, Timestamp,
	VoterList,
};
use frame_election_provider_support::{
	bounds::{ElectionBounds, ElectionBoundsBuilder},
	onchain, SequentialPhragmen, VoteWeight,
};
use frame_support::{
	parameter_types,
	traits::{ConstBool, ConstU32, Nothing},
};
use frame_system::EnsureRoot;
use sp_runtime::{curve::PiecewiseLinear, Perbill};

/// The most validators an era can have. BABE and GRANDPA authority sets use the same bound.
pub const MAX_VALIDATORS: u32 = 100;
/// Nominators per page of a validator's exposure (rewards are paid a page at a time).
pub const MAX_EXPOSURE_PAGE_SIZE: u32 = 256;

parameter_types! {
	pub const EpochDuration: u64 = EPOCH_DURATION_IN_SLOTS;
	/// An era is two sessions: the election for era n+1 runs in the last session of era n.
	pub const SessionsPerEra: sp_staking::SessionIndex = 2;
	/// Unbonded funds stay locked (and slashable) for 4 eras, long enough for any offence of
	/// the bonded period to be reported and slashed.
	pub const BondingDuration: sp_staking::EraIndex = 4;
	/// Slashes apply at once. Deferring them gives governance time to cancel a wrong slash,
	/// but this chain has no governance body yet besides sudo, which can cancel either way.
	pub const SlashDeferDuration: sp_staking::EraIndex = 0;
	/// Rewards can be claimed for the last 84 eras (polkadot-sdk default).
	pub const HistoryDepth: u32 = 84;
	/// Election input bounds: keep the on-chain election's work within a block.
	pub ElectionBoundsOnChain: ElectionBounds = ElectionBoundsBuilder::default()
		.voters_count(5_000.into())
		.targets_count(1_000.into())
		.build();
	pub const MaxActiveValidators: u32 = MAX_VALIDATORS;
}

// Yearly inflation between 2.5 % and 10 %, highest at 50 % of the supply staked: the shape
// Polkadot and Kusama use, which rewards staking up to the ideal rate and not beyond.
pallet_staking_reward_curve::build! {
	const REWARD_CURVE: PiecewiseLinear<'static> = curve!(
		min_inflation: 0_025_000,
		max_inflation: 0_100_000,
		ideal_stake: 0_500_000,
		falloff: 0_050_000,
		max_piece_count: 40,
		test_precision: 0_005_000,
	);
}

parameter_types! {
	pub const RewardCurve: &'static PiecewiseLinear<'static> = &REWARD_CURVE;
}

/// The on-chain election: sequential Phragmén over all validators and (bounded) nominators.
pub struct OnChainSeqPhragmen;
impl onchain::Config for OnChainSeqPhragmen {
	type System = Runtime;
	type Solver = SequentialPhragmen<AccountId, Perbill>;
	type DataProvider = crate::Staking;
	type WeightInfo = frame_election_provider_support::weights::SubstrateWeight<Runtime>;
	type MaxWinnersPerPage = MaxActiveValidators;
	type MaxBackersPerWinner = ConstU32<{ MAX_EXPOSURE_PAGE_SIZE * 4 }>;
	type Bounds = ElectionBoundsOnChain;
	type Sort = ConstBool<true>;
}

/// Sizes of the staking benchmarks' setups.
pub struct StakingBenchmarkingConfig;
impl pallet_staking::BenchmarkingConfig for StakingBenchmarkingConfig {
	type MaxNominators = ConstU32<1000>;
	type MaxValidators = ConstU32<MAX_VALIDATORS>;
}

impl pallet_staking::Config for Runtime {
	type OldCurrency = Balances;
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type CurrencyBalance = Balance;
	type UnixTime = Timestamp;
	type CurrencyToVote = sp_staking::currency_to_vote::U128CurrencyToVote;
	type ElectionProvider = onchain::OnChainExecution<OnChainSeqPhragmen>;
	type GenesisElectionProvider = onchain::OnChainExecution<OnChainSeqPhragmen>;
	type NominationsQuota = pallet_staking::FixedNominationsQuota<16>;
	type HistoryDepth = HistoryDepth;
	// No treasury yet: the part of the era payout above validator rewards is not minted.
	type RewardRemainder = ();
	type RuntimeEvent = RuntimeEvent;
	// Slashed stake is burnt. (With a treasury it would go there.)
	type Slash = ();
	type Reward = ();
	type SessionsPerEra = SessionsPerEra;
	type BondingDuration = BondingDuration;
	type SlashDeferDuration = SlashDeferDuration;
	type AdminOrigin = EnsureRoot<AccountId>;
	type SessionInterface = Self;
	type EraPayout = pallet_staking::ConvertCurve<RewardCurve>;
	type NextNewSession = Session;
	type MaxExposurePageSize = ConstU32<MAX_EXPOSURE_PAGE_SIZE>;
	type MaxValidatorSet = MaxActiveValidators;
	type VoterList = VoterList;
	// Every validator is a candidate; nominators are ordered by stake in the bags list.
	type TargetList = pallet_staking::UseValidatorsMap<Self>;
	type MaxUnlockingChunks = ConstU32<32>;
	type MaxControllersInDeprecationBatch = ConstU32<100>;
	type EventListeners = ();
	type Filter = Nothing;
	type BenchmarkingConfig = StakingBenchmarkingConfig;
	type WeightInfo = pallet_staking::weights::SubstrateWeight<Runtime>;
}

/// Bag thresholds of the voter list: 200 bags growing geometrically from the existential
/// deposit to `u64::MAX` vote weight. Voters inside one bag are not sorted, so the ratio between
/// neighbouring thresholds (about 1.2) is how far the election's voter snapshot can stray from
/// an exact sort by stake. Computed at compile time, so there is no generated file to keep in
/// sync with the existential deposit.
pub const BAG_THRESHOLDS: [VoteWeight; BAG_COUNT] = geometric_thresholds();
const BAG_COUNT: usize = 200;

const fn geometric_thresholds() -> [VoteWeight; BAG_COUNT] {
	let mut thresholds = [0u64; BAG_COUNT];
	let first = EXISTENTIAL_DEPOSIT as f64;
	let last = u64::MAX as f64;
	// ratio^(BAG_COUNT-1) = last / first, found by bisection: const fn has no `powf`.
	let target = last / first;
	let (mut low, mut high) = (1.0f64, 2.0f64);
	let mut round = 0;
	while round < 100 {
		let mid = (low + high) / 2.0;
		let mut power = 1.0f64;
		let mut i = 1;
		while i < BAG_COUNT {
			power *= mid;
			i += 1;
		}
		if power < target {
			low = mid;
		} else {
			high = mid;
		}
		round += 1;
	}
	let mut value = first;
	let mut i = 0;
	while i < BAG_COUNT {
		thresholds[i] = if i == BAG_COUNT - 1 || value >= last { u64::MAX } else { value as u64 };
		value *= low;
		i += 1;
	}
	thresholds
}

parameter_types! {
	pub const BagThresholds: &'static [VoteWeight] = &BAG_THRESHOLDS;
}

impl pallet_bags_list::Config<pallet_bags_list::Instance1> for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type WeightInfo = pallet_bags_list::weights::SubstrateWeight<Runtime>;
	// Staking is the source of truth for a voter's weight.
	type ScoreProvider = crate::Staking;
	type BagThresholds = BagThresholds;
	// Rebagging happens on demand (`rebag` calls and stake changes), not in hooks.
	type MaxAutoRebagPerBlock = ConstU32<0>;
	type Score = VoteWeight;
}
