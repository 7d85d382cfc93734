//! Our own pallets: the data registry, the compute (worker and verifier) registry and the
//! training-task settlement built on both.
//!
//! The values below are the ones a public network would start with; they are deliberately the
//! same on the dev chain so that what a person tries locally costs what it will cost later.

use crate::{
	constants::{currency::*, time::*},
	AccountId, Balance, Balances, BlockNumber, Runtime, RuntimeEvent, RuntimeHoldReason,
};
use super::parameters::{dynamic_params::training as training_params, AtLeastOneBlock};
use frame_support::parameter_types;
use frame_system::EnsureRoot;
use sp_runtime::Perbill;

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
	/// Tasks that may use one entry at the same time.
	pub const MaxEntryLocks: u32 = 64;
}

impl pallet_data_registry::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	// Root (sudo) until the chain has on-chain governance; a take-down is final either way.
	type TakeDownOrigin = EnsureRoot<AccountId>;
	type EntryDeposit = EntryDeposit;
	type ByteDeposit = ByteDeposit;
	type AccessDeposit = AccessDeposit;
	type MaxUriLen = MaxUriLen;
	type MaxAllowList = MaxAllowList;
	type MaxLocks = MaxEntryLocks;
	type WeightInfo = pallet_data_registry::weights::SubstrateWeight<Runtime>;
}

parameter_types! {
	/// Smallest bond of a worker or verifier. Slashes are fractions of the bond, so the bond is
	/// what makes a fault expensive; task creators may require more per task.
	pub const MinComputeBond: Balance = 100 * UNITS;
	/// A day between `unbond` and withdrawal: longer than any task's verification window, so a
	/// participant cannot leave before a fault found in its work is slashed.
	pub const ComputeUnbondingDelay: BlockNumber = DAYS;
	/// Verifier selection reads the whole verifier index, so its size bounds that weight.
	pub const MaxVerifiers: u32 = 256;
	/// Unbonding requests one account may have waiting.
	pub const MaxUnbondingChunks: u32 = 8;
}

impl pallet_compute::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type MinBond = MinComputeBond;
	type UnbondingDelay = ComputeUnbondingDelay;
	type MaxVerifiers = MaxVerifiers;
	type MaxUnbondingChunks = MaxUnbondingChunks;
	type WeightInfo = pallet_compute::weights::SubstrateWeight<Runtime>;
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
	/// Deadlines handled per block; more spill into the next block.
	pub const MaxScheduledPerBlock: u32 = 16;
	/// Committee rounds without a majority before a task is refunded.
	pub const MaxVoidRounds: u32 = 2;
	/// Blocks between a submission and the committee draw.
	pub const SelectionDelay: BlockNumber = 2;
	/// Three epochs: the draw waits for BABE randomness that did not exist at submission.
	pub const SelectionTimeout: BlockNumber = 3 * EPOCH_DURATION_IN_BLOCKS;
	pub const MaxClaimWindow: BlockNumber = 7 * DAYS;
	pub const MaxExecutionWindow: BlockNumber = 2 * DAYS;
	/// A tenth of the registration minimum: tasks may ask for more.
	pub const MinWorkerBond: Balance = 10 * UNITS;
	/// Paid to each verifier who votes with the final decision.
	pub const VerifierFee: Balance = UNITS;
	/// Locked from each committee member for the task. `VerifierSlash` of it (20 MLC) must
	/// cover the fees of an appeal committee (2 x 7 + 1 fees = 15 MLC), so that a lying
	/// verifier pays for the appeal its lie forces.
	pub const VerifierBond: Balance = 100 * UNITS;
	pub const NoShowSlash: Perbill = Perbill::from_percent(10);
	pub const RejectSlash: Perbill = Perbill::from_percent(50);
	pub const RejectSlashToVerifiers: Perbill = Perbill::from_percent(50);
	pub const VerifierSlash: Perbill = Perbill::from_percent(20);
}

impl pallet_training::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	// Fixed at the end of the previous epoch and reported with the block it became known, so
	// the pallet draws a committee only from randomness that did not exist at submission.
	type Randomness = pallet_babe::RandomnessFromOneEpochAgo<Runtime>;
	type Datasets = crate::DataRegistry;
	type Workers = crate::Compute;
	type MaxVerifiers = MaxTaskVerifiers;
	type MaxSegmentsPerVerifier = MaxSegmentsPerVerifier;
	type MaxSteps = MaxTrainingSteps;
	type MaxOpenTasks = MaxOpenTasks;
	type MaxScheduledPerBlock = MaxScheduledPerBlock;
	type MaxVoidRounds = MaxVoidRounds;
	type SelectionDelay = SelectionDelay;
	type SelectionTimeout = SelectionTimeout;
	// Tunable by root without an upgrade (see `parameters`).
	type CommitWindow = AtLeastOneBlock<training_params::CommitWindow>;
	type RevealWindow = AtLeastOneBlock<training_params::RevealWindow>;
	type AppealWindow = AtLeastOneBlock<training_params::AppealWindow>;
	type MaxClaimWindow = MaxClaimWindow;
	type MaxExecutionWindow = MaxExecutionWindow;
	type MinWorkerBond = MinWorkerBond;
	type VerifierFee = VerifierFee;
	type VerifierBond = VerifierBond;
	type NoShowSlash = NoShowSlash;
	type RejectSlash = RejectSlash;
	type RejectSlashToVerifiers = RejectSlashToVerifiers;
	type VerifierSlash = VerifierSlash;
	type WeightInfo = pallet_training::weights::SubstrateWeight<Runtime>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = TrainingBenchmarkHelper;
}

/// Registers the workers, verifiers and datasets the training benchmarks need through the
/// real compute and registry pallets.
#[cfg(feature = "runtime-benchmarks")]
pub struct TrainingBenchmarkHelper;

#[cfg(feature = "runtime-benchmarks")]
impl pallet_training::benchmarking::BenchmarkHelper<AccountId, Balance> for TrainingBenchmarkHelper {
	fn register_worker(who: &AccountId, bond: Balance) {
		Self::fund(who, bond);
		let bond = bond.max(MinComputeBond::get());
		let _ = crate::Compute::register_worker(
			crate::RuntimeOrigin::signed(who.clone()),
			bond,
			Self::capabilities(),
			Self::endpoint(),
		);
	}

	fn register_verifier(who: &AccountId, bond: Balance) {
		Self::fund(who, bond);
		let bond = bond.max(MinComputeBond::get());
		let _ = crate::Compute::register_verifier(
			crate::RuntimeOrigin::signed(who.clone()),
			bond,
			Self::capabilities(),
			Self::endpoint(),
		);
	}

	fn register_dataset(
		owner: &AccountId,
		root: [u8; 32],
		price: Balance,
		royalty_bps: u16,
	) -> pallet_data_registry::EntryId {
		Self::fund(owner, price);
		let id = pallet_data_registry::NextEntryId::<Runtime>::get();
		let _ = crate::DataRegistry::register(
			crate::RuntimeOrigin::signed(owner.clone()),
			root,
			1_024,
			pallet_data_registry::ArtifactKind::Dataset,
			b"ipfs://benchmark".to_vec().try_into().unwrap_or_default(),
			b"MIT".to_vec().try_into().unwrap_or_default(),
			pallet_data_registry::Schema {
				format: pallet_data_registry::DataFormat::Csv,
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

	fn make_randomness_fresh() {
		// `RandomnessFromOneEpochAgo` reports its output as known since the current epoch's
		// start; make that the current block.
		let now = frame_system::Pallet::<Runtime>::block_number();
		pallet_babe::EpochStart::<Runtime>::mutate(|(_, current)| *current = now);
	}
}

#[cfg(feature = "runtime-benchmarks")]
impl TrainingBenchmarkHelper {
	fn fund(who: &AccountId, amount: Balance) {
		use frame_support::traits::fungible::Mutate;
		let _ = Balances::mint_into(who, amount.saturating_mul(10).saturating_add(1_000 * UNITS));
	}

	fn capabilities() -> pallet_compute::Capabilities {
		pallet_compute::Capabilities {
			cores: 4,
			memory_mib: 4_096,
			gpu: false,
			model_families: alloc::vec![pallet_compute::ModelFamily::Mlp]
				.try_into()
				.unwrap_or_default(),
		}
	}

	fn endpoint() -> pallet_compute::Endpoint {
		pallet_compute::Endpoint {
			peer_id: alloc::vec![1, 2, 3].try_into().unwrap_or_default(),
			addrs: alloc::vec![alloc::vec![4, 5].try_into().unwrap_or_default()]
				.try_into()
				.unwrap_or_default(),
		}
	}
}
