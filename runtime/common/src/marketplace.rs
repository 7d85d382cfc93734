//! Our own pallets: the data registry, the compute (worker and verifier) registry and the
//! training-task settlement built on both, configured once for both runtimes.
//!
//! The values below are the ones a public network would start with; they are deliberately the
//! same on the dev chains so that what a person tries locally costs what it will cost later.
//! Values that are numbers of blocks depend on the runtime's block time and are passed to
//! [`impl_marketplace_configs!`](crate::impl_marketplace_configs) as block counts.

use crate::{currency::*, Balance, BlockNumber};
use core::marker::PhantomData;
use frame_support::{parameter_types, traits::Get};
use sp_runtime::Perbill;

/// Operations per second the reference machine replays: one thread of the 2-core CI machine
/// (docs/training-tasks.md, "Fees and windows follow the replay"). The engine measured 7 to 9
/// · 10^9 on `mlp-mnist` and `transformer-small` there (docs/benchmarks.md, counted with
/// `mlchain_primitives::cost`); this is under half of that, for fetching and verifying the
/// checkpoints around the replay and for slower machines.
pub const REFERENCE_REPLAY_OPS_PER_SECOND: u64 = 3_000_000_000;

parameter_types! {
	/// Fixed part of an entry's deposit: an entry is a few hundred bytes in three storage items.
	pub const EntryDeposit: Balance = UNITS;
	/// Deposit per byte of an entry's variable metadata (URI, licence, schema names), so a long
	/// URI costs what its storage costs.
	pub const ByteDeposit: Balance = 10 * MILLI_UNITS;
	/// Deposit per allow-list slot (one account id and its deposit record).
	pub const AccessDeposit: Balance = 100 * MILLI_UNITS;
	/// Longest URI: room for an `https://` address with a path, or an `ipfs://` CID.
	pub const MaxUriLen: u32 = 256;
	/// Accounts one entry may name on its allow-list; larger groups should use a public entry.
	pub const MaxAllowList: u32 = 64;
	/// Tasks that may use one entry at the same time: as many as may be open at all, so nobody
	/// locks a dataset out of use with a flood of (refundable) tasks short of filling the
	/// whole market, which takes `MaxOpenTasks / MaxTasksPerRequester` funded accounts and a
	/// `TaskCreationFee` per task.
	pub const MaxEntryLocks: u32 = MaxOpenTasks::get();
}

parameter_types! {
	/// Smallest bond of a worker or verifier. Slashes are fractions of the bond, so the bond is
	/// what makes a fault expensive; task creators may require more per task.
	pub const MinComputeBond: Balance = 100 * UNITS;
	/// Registered verifiers at most. A draw reads `O(log MaxVerifiers)` nodes of the verifier
	/// index a pick, so this can grow without draws getting heavier than a few more reads.
	pub const MaxVerifiers: u32 = 256;
	/// Snapshots of the verifier index held at once (draws waiting for randomness, one
	/// snapshot a block at most; more share the newest). Bounds each index node's size.
	pub const MaxHeldSnapshots: u32 = 16;
	/// Replacement draws one verifier selection may make for picks that cannot take the seat
	/// before it fails and waits for the next randomness: bounds the weight of a draw.
	pub const MaxReplacements: u32 = 16;
	/// Unbonding requests one account may have waiting.
	pub const MaxUnbondingChunks: u32 = 8;
	/// Claims and committee seats one account holds at once: a verifier's machine replays its
	/// seats side by side, and a flood of tasks cannot tie up one account's whole bond.
	pub const MaxAssignments: u32 = 16;
	/// Free bond counted for verifier selection at most: beyond it an account gets no more
	/// seats, so one large bond does not sit on nearly every committee.
	pub const MaxSelectionWeight: Balance = 10_000 * UNITS;
}

parameter_types! {
	/// Verifiers per committee a task may ask for; an appeal draws `2V + 1`, so the verifier
	/// index must hold at least `3V + 2` (256 does).
	pub const MaxTaskVerifiers: u32 = 7;
	/// Segments one verifier replays at most.
	pub const MaxSegmentsPerVerifier: u32 = 16;
	/// Longest training run a task may describe.
	pub const MaxTrainingSteps: u32 = 1_000_000;
	/// Tasks alive at once: bounds storage and the deadline schedule.
	pub const MaxOpenTasks: u32 = 1_024;
	/// Live tasks of one requester: filling the market takes 64 funded accounts.
	pub const MaxTasksPerRequester: u32 = 16;
	/// Paid to the treasury by every task creation, never refunded: a flood of 1_024 tasks
	/// cancelled afterwards costs 1_024 MLC.
	pub const TaskCreationFee: Balance = UNITS;
	/// Claims of one task at most; each rejected, timed-out or releasing worker is barred
	/// from claiming it again.
	pub const MaxClaimsPerTask: u32 = 8;
	/// Blocks after a claim in which a worker may give the task back without a slash
	/// (10 minutes at 6-second blocks).
	pub const ClaimGrace: BlockNumber = 100;
	/// Highest royalty an entry may ask (basis points of what a task pays after the royalties
	/// before it): a requester's Sybil data owner cannot take most of an honest worker's reward.
	pub const MaxRoyaltyBps: u16 = 2_500;
	/// Deadlines handled per block; more spill into the next block.
	pub const MaxScheduledPerBlock: u32 = 16;
	/// Committee rounds without a majority before a task is refunded.
	pub const MaxVoidRounds: u32 = 2;
	/// Blocks between a submission and the committee draw.
	pub const SelectionDelay: BlockNumber = 2;
	/// A tenth of the registration minimum: tasks may ask for more.
	pub const MinWorkerBond: Balance = 10 * UNITS;
	/// Share of the verifiers' selection weight a cheating worker is assumed to control (or
	/// to find lazy): a task's worker bond must make cheating lose against it (one third,
	/// rounded up; about 4 rewards for 3 verifiers, `mlchain_primitives::economics`).
	pub const AssumedCollusion: Perbill = Perbill::from_parts(333_333_334);
	/// Paid to each verifier who votes with the final decision.
	pub const VerifierFee: Balance = UNITS;
	/// Locked from each committee member for the task. `VerifierSlash` of it (20 MLC) must
	/// cover the fees of an appeal committee and its escalation seats (2 x 7 + 1 + 3 fees =
	/// 18 MLC; `integrity_test`), so that a lying verifier pays for the appeal its lie forces.
	pub const VerifierBond: Balance = 100 * UNITS;
	/// Price of replaying 10^9 operations: a thousandth of an MLC, so an hour of the reference
	/// machine's replay (about 10 800 · 10^9 operations) earns about 11 MLC. Toy tasks cost
	/// less than `VerifierFee`, which is the floor.
	pub const ReplayPrice: Balance = MILLI_UNITS;
	/// Memory training a spec may need at most: 8 GiB, what a worker of the size the docs
	/// name can give one task.
	pub const MaxTrainingMemory: u64 = 8 << 30;
	/// Fresh verifiers drawn when a dispute's jury is smaller than `MinJury` or ties, or a
	/// member reports a segment unserved (odd, at least `MinJury - 1`).
	pub const EscalationSeats: u32 = 3;
	/// No dispute is decided by fewer jurors who replayed it.
	pub const MinJury: u32 = 3;
	/// Taken from the worker's bond (to the treasury) when it does not submit in time, as a
	/// part of the task's reward (at most the bond).
	pub const NoShowSlash: Perbill = Perbill::from_percent(10);
	/// Taken from the worker's bond when its run is finally rejected.
	pub const RejectSlash: Perbill = Perbill::from_percent(50);
	/// The part of a rejected worker's slash shared by the verifiers who proved the fault
	/// (the rest goes to the treasury).
	pub const RejectSlashToVerifiers: Perbill = Perbill::from_percent(50);
	/// Taken from a verifier's committee bond for a missing reveal or a vote the deciding
	/// round did not uphold.
	pub const VerifierSlash: Perbill = Perbill::from_percent(20);
}

/// A window parameter that is never shorter than one block, whatever root sets: the training
/// pallet's deadlines assume every phase lasts at least one block.
pub struct AtLeastOneBlock<P>(PhantomData<P>);

impl<P: Get<BlockNumber>> Get<BlockNumber> for AtLeastOneBlock<P> {
	fn get() -> BlockNumber {
		P::get().max(1)
	}
}

/// Declares, in the module it is invoked in, the parameters root (sudo today, governance later)
/// may change without a runtime upgrade through `pallet-parameters`' `set_parameter`: the
/// verification windows of training tasks, as `dynamic_params::training::{CommitWindow,
/// RevealWindow, AppealWindow}` with the aggregate `RuntimeParameters`, and implements
/// `pallet_parameters::Config` for the runtime.
///
/// Only values that a network must be able to tune to its workload are parameters: the windows
/// depend on how long the largest allowed segment takes to replay on a verifier's machine, which
/// is learned in operation, not at genesis. A local network shortens them so that a task settles
/// in a couple of minutes.
///
/// `minutes` is the runtime's number of blocks per minute. The invoking module must have the
/// runtime's `Runtime` and `RuntimeEvent` types in scope, as a runtime's config modules do.
#[macro_export]
macro_rules! training_parameters {
	(runtime: $runtime:ident, minutes: $minutes:expr $(,)?) => {
		#[$crate::reexports::frame_support::dynamic_params::dynamic_params(
			RuntimeParameters,
			$crate::reexports::pallet_parameters::Parameters::<$runtime>
		)]
		pub mod dynamic_params {
			use super::*;
			// Named plainly, not as `$crate::BlockNumber`: the type's name is part of the
			// metadata clients are generated from.
			use $crate::BlockNumber;
			use $crate::reexports::frame_support::dynamic_params::dynamic_pallet_params;

			/// Timing of a training task's verification rounds.
			#[dynamic_pallet_params]
			#[codec(index = 0)]
			pub mod training {
				/// Blocks a committee has to replay its assigned segments and commit a verdict. The
				/// default of five minutes suits small models; a public network sizes it to its largest
				/// allowed segment.
				#[codec(index = 0)]
				pub static CommitWindow: BlockNumber = 5 * $minutes;
				/// Blocks to reveal a committed verdict, after the commit window.
				#[codec(index = 1)]
				pub static RevealWindow: BlockNumber = 2 * $minutes;
				/// Blocks the losing party has to appeal a decision before it is paid out.
				#[codec(index = 2)]
				pub static AppealWindow: BlockNumber = 2 * $minutes;
			}
		}

		impl $crate::reexports::pallet_parameters::Config for $runtime {
			type RuntimeEvent = RuntimeEvent;
			type RuntimeParameters = RuntimeParameters;
			type AdminOrigin = $crate::reexports::frame_support::traits::AsEnsureOriginWithArg<
				$crate::reexports::frame_system::EnsureRoot<$crate::AccountId>,
			>;
			// The pallet exports only this implementation of its upstream-measured weights (with
			// RocksDB costs, which is what both runtimes' `DbWeight` is too).
			type WeightInfo = ();
		}

		/// The pallet's benchmark sets this parameter; any variant will do, as they all encode to
		/// the same length.
		#[cfg(feature = "runtime-benchmarks")]
		impl Default for RuntimeParameters {
			fn default() -> Self {
				RuntimeParameters::Training(dynamic_params::training::Parameters::CommitWindow(
					dynamic_params::training::CommitWindow,
					Some(5 * $minutes),
				))
			}
		}
	};
}

/// Implements `Config` of `pallet-data-registry`, `pallet-compute` and `pallet-training` for a
/// runtime, with the values of this module, and declares the block-count parameters
/// `ComputeUnbondingDelay`, `SelectionTimeout`, `MaxClaimWindow` and `MaxExecutionWindow` in the
/// invoking module.
///
/// Arguments:
/// - `runtime`: the runtime type. The invoking module must also have in scope the names every
///   FRAME runtime declares: `RuntimeEvent`, `RuntimeHoldReason`, `RuntimeOrigin`, and the
///   pallet instances `Balances`, `DataRegistry` and `Compute`; and the module
///   `dynamic_params` that [`training_parameters!`](crate::training_parameters) declares.
/// - `days`: the runtime's number of blocks per day.
/// - `randomness`: the source of committee randomness. It must report truthfully since when its
///   output is known (never later than anyone could know it); the training pallet draws a
///   committee only from randomness younger than the submission.
/// - `randomness_changes`: when `randomness` next changes
///   (`pallet_training::RandomnessChanges`), or `()` if the runtime cannot tell.
/// - `selection_timeout`: blocks after which a draw that never found fresh randomness gives up;
///   at least two periods of the randomness source.
/// - `make_randomness_fresh`: a block (benchmarks only) that makes `randomness` report its
///   output as known since the current block.
#[macro_export]
macro_rules! impl_marketplace_configs {
	(
		runtime: $runtime:ident,
		days: $days:expr,
		randomness: $randomness:ty,
		randomness_changes: $changes:ty,
		selection_timeout: $selection_timeout:expr,
		make_randomness_fresh: $make_fresh:block $(,)?
	) => {
		$crate::reexports::frame_support::parameter_types! {
			/// A day between `unbond` and withdrawal: longer than any task's verification window,
			/// so a participant cannot leave before a fault found in its work is slashed.
			pub const ComputeUnbondingDelay: $crate::BlockNumber = $days;
			/// Blocks a postponed committee draw waits for fresh randomness before the task is
			/// abandoned (or the appeal dropped).
			pub const SelectionTimeout: $crate::BlockNumber = $selection_timeout;
			/// Operations the reference machine replays per block: one thread of the 2-core
			/// CI machine at `REFERENCE_REPLAY_OPS_PER_SECOND` (docs/training-tasks.md).
			pub const ReplayOpsPerBlock: u64 =
				$crate::marketplace::REFERENCE_REPLAY_OPS_PER_SECOND * 86_400 / ($days as u64);
			/// A seat replays at most half an hour of the reference machine's work.
			pub const MaxSeatOps: u64 = $crate::marketplace::REFERENCE_REPLAY_OPS_PER_SECOND * 1_800;
			/// Longest claim deadline a requester may set.
			pub const MaxClaimWindow: $crate::BlockNumber = 7 * $days;
			/// Longest execution deadline a requester may set.
			pub const MaxExecutionWindow: $crate::BlockNumber = 2 * $days;
		}

		impl $crate::reexports::pallet_data_registry::Config for $runtime {
			type RuntimeEvent = RuntimeEvent;
			type Currency = Balances;
			type RuntimeHoldReason = RuntimeHoldReason;
			// Root (sudo) until the chain has on-chain governance; a take-down is final either way.
			type TakeDownOrigin = $crate::reexports::frame_system::EnsureRoot<$crate::AccountId>;
			type EntryDeposit = $crate::marketplace::EntryDeposit;
			type ByteDeposit = $crate::marketplace::ByteDeposit;
			type AccessDeposit = $crate::marketplace::AccessDeposit;
			type MaxUriLen = $crate::marketplace::MaxUriLen;
			type MaxAllowList = $crate::marketplace::MaxAllowList;
			type MaxLocks = $crate::marketplace::MaxEntryLocks;
			type MaxRoyaltyBps = $crate::marketplace::MaxRoyaltyBps;
			type WeightInfo = $crate::reexports::pallet_data_registry::weights::SubstrateWeight<$runtime>;
		}

		impl $crate::reexports::pallet_compute::Config for $runtime {
			type RuntimeEvent = RuntimeEvent;
			type Currency = Balances;
			type RuntimeHoldReason = RuntimeHoldReason;
			type MinBond = $crate::marketplace::MinComputeBond;
			type UnbondingDelay = ComputeUnbondingDelay;
			type MaxVerifiers = $crate::marketplace::MaxVerifiers;
			type MaxHeldSnapshots = $crate::marketplace::MaxHeldSnapshots;
			type MaxReplacements = $crate::marketplace::MaxReplacements;
			type MaxUnbondingChunks = $crate::marketplace::MaxUnbondingChunks;
			type MaxAssignments = $crate::marketplace::MaxAssignments;
			type MaxSelectionWeight = $crate::marketplace::MaxSelectionWeight;
			type WeightInfo = $crate::reexports::pallet_compute::weights::SubstrateWeight<$runtime>;
		}

		$crate::reexports::frame_support::parameter_types! {
			/// The treasury's id: upstream's, so its account is the one tools expect.
			pub const TreasuryPalletId: $crate::reexports::frame_support::PalletId =
				$crate::reexports::frame_support::PalletId(*b"py/trsry");
			/// How often the treasury pays out approved spends.
			pub const TreasurySpendPeriod: $crate::BlockNumber = 7 * $days;
			/// How long an approved spend can be claimed.
			pub const TreasuryPayoutPeriod: $crate::BlockNumber = 30 * $days;
			/// Root may spend any amount until the chain has on-chain governance.
			pub const TreasuryMaxSpend: $crate::Balance = $crate::Balance::MAX;
		}

		/// A quarter of the block's weight and proof size for the training pallet's deadlines;
		/// more wait for the next block.
		pub struct TrainingHookWeight;
		impl $crate::reexports::frame_support::traits::Get<$crate::reexports::frame_support::weights::Weight>
			for TrainingHookWeight
		{
			fn get() -> $crate::reexports::frame_support::weights::Weight {
				use $crate::reexports::frame_support::traits::Get as _;
				let max = <$runtime as $crate::reexports::frame_system::Config>::BlockWeights::get().max_block;
				$crate::reexports::frame_support::weights::Weight::from_parts(
					max.ref_time() / 4,
					max.proof_size() / 4,
				)
			}
		}

		/// The treasury's account (what the treasury pays from).
		pub type TreasuryAccount = $crate::reexports::pallet_treasury::TreasuryAccountId<$runtime>;

		/// Where every slash of the marketplace goes: the treasury's account.
		pub struct SlashToTreasury;
		impl $crate::reexports::frame_support::traits::Get<$crate::AccountId> for SlashToTreasury {
			fn get() -> $crate::AccountId {
				<TreasuryAccount as $crate::reexports::sp_runtime::traits::TypedGet>::get()
			}
		}

		impl $crate::reexports::pallet_treasury::Config for $runtime {
			type Currency = Balances;
			// Root (sudo) until the chain has on-chain governance.
			type RejectOrigin = $crate::reexports::frame_system::EnsureRoot<$crate::AccountId>;
			type RuntimeEvent = RuntimeEvent;
			type SpendPeriod = TreasurySpendPeriod;
			// Nothing is burnt: slashed funds wait for governance to spend them.
			type Burn = ();
			type PalletId = TreasuryPalletId;
			type BurnDestination = ();
			type WeightInfo = $crate::reexports::pallet_treasury::weights::SubstrateWeight<$runtime>;
			type SpendFunds = ();
			type MaxApprovals = $crate::reexports::frame_support::traits::ConstU32<64>;
			type SpendOrigin = $crate::reexports::frame_system::EnsureRootWithSuccess<
				$crate::AccountId,
				TreasuryMaxSpend,
			>;
			type AssetKind = ();
			type Beneficiary = $crate::AccountId;
			type BeneficiaryLookup = $crate::reexports::sp_runtime::traits::IdentityLookup<$crate::AccountId>;
			type Paymaster = $crate::reexports::frame_support::traits::tokens::pay::PayFromAccount<
				Balances,
				TreasuryAccount,
			>;
			type BalanceConverter = $crate::reexports::frame_support::traits::tokens::UnityAssetBalanceConversion;
			type PayoutPeriod = TreasuryPayoutPeriod;
			#[cfg(feature = "runtime-benchmarks")]
			type BenchmarkHelper = ();
			type BlockNumberProvider = $crate::reexports::frame_system::Pallet<$runtime>;
		}

		impl $crate::reexports::pallet_training::Config for $runtime {
			type RuntimeEvent = RuntimeEvent;
			type Currency = Balances;
			type RuntimeHoldReason = RuntimeHoldReason;
			type Randomness = $randomness;
			type RandomnessChanges = $changes;
			type Datasets = DataRegistry;
			type Workers = Compute;
			type MaxVerifiers = $crate::marketplace::MaxTaskVerifiers;
			type EscalationSeats = $crate::marketplace::EscalationSeats;
			type MinJury = $crate::marketplace::MinJury;
			type SlashDestination = SlashToTreasury;
			type MaxSegmentsPerVerifier = $crate::marketplace::MaxSegmentsPerVerifier;
			type MaxSteps = $crate::marketplace::MaxTrainingSteps;
			type MaxOpenTasks = $crate::marketplace::MaxOpenTasks;
			type MaxTasksPerRequester = $crate::marketplace::MaxTasksPerRequester;
			type TaskCreationFee = $crate::marketplace::TaskCreationFee;
			type MaxClaimsPerTask = $crate::marketplace::MaxClaimsPerTask;
			type ClaimGrace = $crate::marketplace::ClaimGrace;
			type MaxScheduledPerBlock = $crate::marketplace::MaxScheduledPerBlock;
			type MaxHookWeight = TrainingHookWeight;
			type MaxVoidRounds = $crate::marketplace::MaxVoidRounds;
			type SelectionDelay = $crate::marketplace::SelectionDelay;
			type SelectionTimeout = SelectionTimeout;
			// Tunable by root without an upgrade (see `training_parameters!`).
			type CommitWindow =
				$crate::marketplace::AtLeastOneBlock<dynamic_params::training::CommitWindow>;
			type RevealWindow =
				$crate::marketplace::AtLeastOneBlock<dynamic_params::training::RevealWindow>;
			type AppealWindow =
				$crate::marketplace::AtLeastOneBlock<dynamic_params::training::AppealWindow>;
			type MaxClaimWindow = MaxClaimWindow;
			type MaxExecutionWindow = MaxExecutionWindow;
			type MinWorkerBond = $crate::marketplace::MinWorkerBond;
			type AssumedCollusion = $crate::marketplace::AssumedCollusion;
			type VerifierFee = $crate::marketplace::VerifierFee;
			type VerifierBond = $crate::marketplace::VerifierBond;
			type ReplayPrice = $crate::marketplace::ReplayPrice;
			type ReplayOpsPerBlock = ReplayOpsPerBlock;
			type MaxSeatOps = MaxSeatOps;
			type MaxTrainingMemory = $crate::marketplace::MaxTrainingMemory;
			type NoShowSlash = $crate::marketplace::NoShowSlash;
			type RejectSlash = $crate::marketplace::RejectSlash;
			type RejectSlashToVerifiers = $crate::marketplace::RejectSlashToVerifiers;
			type VerifierSlash = $crate::marketplace::VerifierSlash;
			type WeightInfo = $crate::reexports::pallet_training::weights::SubstrateWeight<$runtime>;
			#[cfg(feature = "runtime-benchmarks")]
			type BenchmarkHelper = TrainingBenchmarkHelper;
		}

		/// Registers the workers, verifiers and datasets the training benchmarks need through the
		/// real compute and registry pallets.
		#[cfg(feature = "runtime-benchmarks")]
		pub struct TrainingBenchmarkHelper;

		#[cfg(feature = "runtime-benchmarks")]
		impl
			$crate::reexports::pallet_training::benchmarking::BenchmarkHelper<
				$crate::AccountId,
				$crate::Balance,
			> for TrainingBenchmarkHelper
		{
			fn register_worker(who: &$crate::AccountId, bond: $crate::Balance) {
				use $crate::reexports::frame_support::traits::Get;
				Self::fund(who, bond);
				let bond = bond.max($crate::marketplace::MinComputeBond::get());
				let _ = Compute::register_worker(
					RuntimeOrigin::signed(who.clone()),
					bond,
					Self::capabilities(),
					Self::endpoint(),
				);
			}

			fn register_verifier(who: &$crate::AccountId, bond: $crate::Balance) {
				use $crate::reexports::frame_support::traits::Get;
				Self::fund(who, bond);
				let bond = bond.max($crate::marketplace::MinComputeBond::get());
				let _ = Compute::register_verifier(
					RuntimeOrigin::signed(who.clone()),
					bond,
					Self::capabilities(),
					Self::endpoint(),
				);
			}

			fn register_dataset(
				owner: &$crate::AccountId,
				root: [u8; 32],
				price: $crate::Balance,
				royalty_bps: u16,
			) -> $crate::reexports::pallet_data_registry::EntryId {
				use $crate::reexports::pallet_data_registry as registry;
				Self::fund(owner, price);
				let id = registry::NextEntryId::<$runtime>::get();
				let _ = DataRegistry::register(
					RuntimeOrigin::signed(owner.clone()),
					root,
					1_024,
					registry::ArtifactKind::Dataset,
					b"ipfs://benchmark".to_vec().try_into().unwrap_or_default(),
					b"MIT".to_vec().try_into().unwrap_or_default(),
					registry::Schema {
						format: registry::DataFormat::Csv,
						feature_count: 4,
						names: Default::default(),
						row_count: 100,
					},
					price,
					royalty_bps,
					None,
				);
				id
			}

			fn make_randomness_fresh() $make_fresh
		}

		#[cfg(feature = "runtime-benchmarks")]
		impl TrainingBenchmarkHelper {
			fn fund(who: &$crate::AccountId, amount: $crate::Balance) {
				use $crate::reexports::frame_support::traits::fungible::Mutate;
				let _ = Balances::mint_into(
					who,
					amount.saturating_mul(10).saturating_add(1_000 * $crate::currency::UNITS),
				);
			}

			fn capabilities() -> $crate::reexports::pallet_compute::Capabilities {
				$crate::reexports::pallet_compute::Capabilities {
					cores: 4,
					memory_mib: 4_096,
					gpu: false,
					model_families: alloc::vec![$crate::reexports::pallet_compute::ModelFamily::Mlp]
						.try_into()
						.unwrap_or_default(),
				}
			}

			fn endpoint() -> $crate::reexports::pallet_compute::Endpoint {
				$crate::reexports::pallet_compute::Endpoint {
					peer_id: alloc::vec![1, 2, 3].try_into().unwrap_or_default(),
					addrs: alloc::vec![alloc::vec![4, 5].try_into().unwrap_or_default()]
						.try_into()
						.unwrap_or_default(),
				}
			}
		}
	};
}
