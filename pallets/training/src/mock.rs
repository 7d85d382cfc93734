//! A test runtime with `frame_system`, `pallet_balances`, the real `pallet_compute` and
//! `pallet_data_registry` as the providers, this pallet, and a randomness source the tests
//! control.

use crate as pallet_training;
use core::cell::RefCell;
use frame_support::{
	derive_impl, parameter_types,
	traits::{ConstU16, ConstU32, ConstU64, Hooks, Randomness},
};
use frame_system::EnsureRoot;
use pallet_compute::{Capabilities, Endpoint, ModelFamily};
use pallet_data_registry::{DataFormat, Schema};
use sp_core::H256;
use sp_runtime::{BuildStorage, Perbill};

type Block = frame_system::mocking::MockBlock<Test>;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Balances: pallet_balances,
		Compute: pallet_compute,
		DataRegistry: pallet_data_registry,
		Training: pallet_training,
	}
);

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
	type AccountData = pallet_balances::AccountData<u64>;
}

#[derive_impl(pallet_balances::config_preludes::TestDefaultConfig)]
impl pallet_balances::Config for Test {
	type AccountStore = System;
	type RuntimeHoldReason = RuntimeHoldReason;
}

impl pallet_compute::Config for Test {
	type RuntimeEvent = RuntimeEvent;
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type MinBond = ConstU64<100>;
	type UnbondingDelay = ConstU64<10>;
	type MaxVerifiers = ConstU32<32>;
	type MaxHeldSnapshots = ConstU32<8>;
	type MaxReplacements = ConstU32<32>;
	type MaxUnbondingChunks = ConstU32<4>;
	// Large enough that no scenario here meets the caps, which pallet-compute's tests cover:
	// the draws the tests expect stay those of uncapped stake weights.
	type MaxAssignments = ConstU32<64>;
	type MaxSelectionWeight = ConstU64<{ u64::MAX }>;
	type WeightInfo = ();
}

impl pallet_data_registry::Config for Test {
	type RuntimeEvent = RuntimeEvent;
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type TakeDownOrigin = EnsureRoot<u64>;
	type EntryDeposit = ConstU64<10>;
	type ByteDeposit = ConstU64<0>;
	type AccessDeposit = ConstU64<1>;
	type MaxUriLen = ConstU32<64>;
	type MaxAllowList = ConstU32<4>;
	type MaxLocks = ConstU32<64>;
	type MaxRoyaltyBps = ConstU16<2_500>;
	type WeightInfo = ();
}

thread_local! {
	/// If set, the randomness source claims its output is known since this block.
	static KNOWN_SINCE: RefCell<Option<u64>> = const { RefCell::new(None) };
	/// Mixed into the randomness, so tests can change the outcome of draws.
	static RANDOM_SALT: RefCell<u64> = const { RefCell::new(0) };
	/// What the randomness source says of its next change.
	static NEXT_CHANGE: RefCell<Option<u64>> = const { RefCell::new(None) };
	/// The hook's weight budget.
	static HOOK_BUDGET: RefCell<frame_support::weights::Weight> =
		const { RefCell::new(frame_support::weights::Weight::MAX) };
}

/// Limit the weight `on_initialize` may spend on deadlines.
pub fn set_hook_budget(budget: frame_support::weights::Weight) {
	HOOK_BUDGET.with(|b| *b.borrow_mut() = budget);
}

/// The budget [`set_hook_budget`] set (unlimited by default).
pub struct HookBudget;
impl frame_support::traits::Get<frame_support::weights::Weight> for HookBudget {
	fn get() -> frame_support::weights::Weight {
		HOOK_BUDGET.with(|b| *b.borrow())
	}
}

/// Make the randomness source report its output as known since `block` (`None`: since the
/// current block, like a fresh per-block source).
pub fn set_known_since(block: Option<u64>) {
	KNOWN_SINCE.with(|k| *k.borrow_mut() = block);
}

/// Change the randomness the source returns.
pub fn set_random_salt(salt: u64) {
	RANDOM_SALT.with(|s| *s.borrow_mut() = salt);
}

/// Tell the pallet the randomness source changes next by block `block` (`None`: unknown).
pub fn set_next_change(block: Option<u64>) {
	NEXT_CHANGE.with(|n| *n.borrow_mut() = block);
}

/// Reports what [`set_next_change`] set.
pub struct TestRandomnessChanges;
impl crate::RandomnessChanges<u64> for TestRandomnessChanges {
	fn next_change_by(_now: u64) -> Option<u64> {
		NEXT_CHANGE.with(|n| *n.borrow())
	}
}

/// A randomness source whose output is a hash of the subject, the block since which it is
/// "known" and a salt the test controls.
pub struct TestRandomness;
impl Randomness<H256, u64> for TestRandomness {
	fn random(subject: &[u8]) -> (H256, u64) {
		let since = KNOWN_SINCE.with(|k| *k.borrow()).unwrap_or_else(System::block_number);
		let salt = RANDOM_SALT.with(|s| *s.borrow());
		let mut input = subject.to_vec();
		input.extend_from_slice(&since.to_le_bytes());
		input.extend_from_slice(&salt.to_le_bytes());
		(H256(sp_io::hashing::blake2_256(&input)), since)
	}
}

pub const MAX_VERIFIERS: u32 = 3;
pub const MAX_SEGMENTS: u32 = 4;
pub const SELECTION_DELAY: u64 = 2;
pub const SELECTION_TIMEOUT: u64 = 12;
pub const COMMIT_WINDOW: u64 = 3;
pub const REVEAL_WINDOW: u64 = 3;
pub const APPEAL_WINDOW: u64 = 3;
pub const MIN_WORKER_BOND: u64 = 100;
/// Small enough that a verifier's slash (20 % of 100) covers the largest appeal's fees
/// (2·3 + 1 members and 3 escalation seats), as `integrity_test` requires.
pub const FEE: u64 = 2;
pub const VERIFIER_BOND: u64 = 100;
pub const MAX_OPEN_TASKS: u32 = 16;
pub const ESCALATION_SEATS: u32 = 3;
/// Where slashes go.
pub const TREASURY: u64 = 900;

pub const MAX_CLAIMS_PER_TASK: u32 = 3;
pub const CLAIM_GRACE: u64 = 2;

parameter_types! {
	/// Zero unless a test sets it, so that the other tests' balances stay simple.
	pub storage CreationFee: u64 = 0;
	/// As many as the market holds unless a test lowers it.
	pub storage MaxTasksPerRequester: u32 = MAX_OPEN_TASKS;
	/// No collusion assumed unless a test sets it: the other tests' bonds stay at the minimum.
	pub storage AssumedCollusion: Perbill = Perbill::zero();
	/// Replay is free and instant unless a test prices it: fees stay at the floor and commit
	/// windows at `COMMIT_WINDOW`.
	pub storage ReplayPrice: u64 = 0;
	pub storage ReplayOpsPerBlock: u64 = u64::MAX;
	pub storage MaxSeatOps: u64 = u64::MAX;
	pub storage MaxTrainingMemory: u64 = u64::MAX;
	pub const NoShowSlash: Perbill = Perbill::from_percent(10);
	pub const RejectSlash: Perbill = Perbill::from_percent(50);
	pub const RejectSlashToVerifiers: Perbill = Perbill::from_percent(50);
	pub const VerifierSlash: Perbill = Perbill::from_percent(20);
}

impl pallet_training::Config for Test {
	type RuntimeEvent = RuntimeEvent;
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type Randomness = TestRandomness;
	type RandomnessChanges = TestRandomnessChanges;
	type Datasets = DataRegistry;
	type Workers = Compute;
	type MaxVerifiers = ConstU32<MAX_VERIFIERS>;
	type EscalationSeats = ConstU32<ESCALATION_SEATS>;
	type MinJury = ConstU32<3>;
	type SlashDestination = ConstU64<TREASURY>;
	type MaxSegmentsPerVerifier = ConstU32<MAX_SEGMENTS>;
	type MaxSteps = ConstU32<10_000>;
	type MaxOpenTasks = ConstU32<MAX_OPEN_TASKS>;
	type MaxTasksPerRequester = MaxTasksPerRequester;
	type TaskCreationFee = CreationFee;
	type MaxClaimsPerTask = ConstU32<MAX_CLAIMS_PER_TASK>;
	type ClaimGrace = ConstU64<CLAIM_GRACE>;
	type MaxScheduledPerBlock = ConstU32<4>;
	type MaxHookWeight = HookBudget;
	type MaxVoidRounds = ConstU32<1>;
	type SelectionDelay = ConstU64<SELECTION_DELAY>;
	type SelectionTimeout = ConstU64<SELECTION_TIMEOUT>;
	type CommitWindow = ConstU64<COMMIT_WINDOW>;
	type RevealWindow = ConstU64<REVEAL_WINDOW>;
	type AppealWindow = ConstU64<APPEAL_WINDOW>;
	type MaxClaimWindow = ConstU64<100>;
	type MaxExecutionWindow = ConstU64<50>;
	type MinWorkerBond = ConstU64<MIN_WORKER_BOND>;
	type AssumedCollusion = AssumedCollusion;
	type VerifierFee = ConstU64<FEE>;
	type VerifierBond = ConstU64<VERIFIER_BOND>;
	type ReplayPrice = ReplayPrice;
	type ReplayOpsPerBlock = ReplayOpsPerBlock;
	type MaxSeatOps = MaxSeatOps;
	type MaxTrainingMemory = MaxTrainingMemory;
	type NoShowSlash = NoShowSlash;
	type RejectSlash = RejectSlash;
	type RejectSlashToVerifiers = RejectSlashToVerifiers;
	type VerifierSlash = VerifierSlash;
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = MockHelper;
}

/// Requesters.
pub const ALICE: u64 = 1;
pub const BOB: u64 = 2;
/// Dataset owners.
pub const OWNER: u64 = 5;
pub const OWNER2: u64 = 6;
/// Workers.
pub const WORKERS: [u64; 3] = [10, 11, 12];
/// Verifiers: enough for a committee of 3, its escalation seats, an appeal committee of 7 and
/// its escalation seats, all distinct.
pub const VERIFIERS: [u64; 16] = [20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35];
/// Has almost nothing.
pub const POOR: u64 = 99;
pub const INITIAL: u64 = 100_000;

/// Every account the tests use.
pub fn all_accounts() -> Vec<u64> {
	let mut v = vec![ALICE, BOB, OWNER, OWNER2, POOR];
	v.extend(WORKERS);
	v.extend(VERIFIERS);
	v
}

pub fn caps() -> Capabilities {
	Capabilities {
		cores: 4,
		memory_mib: 4096,
		gpu: false,
		model_families: vec![ModelFamily::Mlp].try_into().unwrap(),
	}
}

pub fn endpoint() -> Endpoint {
	Endpoint {
		peer_id: vec![1, 2, 3].try_into().unwrap(),
		addrs: vec![vec![4, 5].try_into().unwrap()].try_into().unwrap(),
	}
}

pub fn schema() -> Schema {
	Schema { format: DataFormat::Csv, feature_count: 4, names: Default::default(), row_count: 100 }
}

/// Register a public dataset with content root `root`, `price` per use and `royalty_bps`.
pub fn register_dataset(owner: u64, root: [u8; 32], price: u64, royalty_bps: u16) -> u64 {
	let id = pallet_data_registry::NextEntryId::<Test>::get();
	DataRegistry::register(
		RuntimeOrigin::signed(owner),
		root,
		1024,
		pallet_data_registry::ArtifactKind::Dataset,
		b"ipfs://data".to_vec().try_into().unwrap(),
		b"MIT".to_vec().try_into().unwrap(),
		schema(),
		price,
		royalty_bps,
		None,
	)
	.expect("dataset registers");
	id
}

pub const TRAIN_ROOT: [u8; 32] = [1; 32];
pub const EVAL_ROOT: [u8; 32] = [2; 32];
/// Entry 0: training data of OWNER, price 30, royalty 10 %.
pub const TRAIN_ENTRY: u64 = 0;
/// Entry 1: evaluation data of OWNER2, price 20, royalty 5 %.
pub const EVAL_ENTRY: u64 = 1;
pub const TRAIN_PRICE: u64 = 30;
pub const EVAL_PRICE: u64 = 20;

/// Genesis balances, plus block 1 with: workers and verifiers registered with a bond of 1 000
/// each, and the two datasets.
pub fn new_test_ext() -> sp_io::TestExternalities {
	let mut t = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	let mut balances: Vec<(u64, u64)> =
		all_accounts().into_iter().filter(|a| *a != POOR).map(|a| (a, INITIAL)).collect();
	balances.push((POOR, 50));
	pallet_balances::GenesisConfig::<Test> { balances, ..Default::default() }
		.assimilate_storage(&mut t)
		.unwrap();
	let mut ext = sp_io::TestExternalities::new(t);
	ext.execute_with(|| {
		System::set_block_number(1);
		set_known_since(None);
		set_random_salt(0);
		set_next_change(None);
		set_hook_budget(frame_support::weights::Weight::MAX);
		for w in WORKERS {
			Compute::register_worker(RuntimeOrigin::signed(w), 1_000, caps(), endpoint()).unwrap();
		}
		for v in VERIFIERS {
			Compute::register_verifier(RuntimeOrigin::signed(v), 1_000, caps(), endpoint())
				.unwrap();
		}
		assert_eq!(register_dataset(OWNER, TRAIN_ROOT, TRAIN_PRICE, 1_000), TRAIN_ENTRY);
		assert_eq!(register_dataset(OWNER2, EVAL_ROOT, EVAL_PRICE, 500), EVAL_ENTRY);
		System::reset_events();
	});
	ext
}

/// Run blocks until `n`: each block finalises nothing and runs `on_initialize` of this pallet.
pub fn run_to_block(n: u64) {
	while System::block_number() < n {
		let next = System::block_number() + 1;
		System::set_block_number(next);
		Training::on_initialize(next);
	}
}

#[cfg(feature = "runtime-benchmarks")]
pub struct MockHelper;
#[cfg(feature = "runtime-benchmarks")]
impl crate::benchmarking::BenchmarkHelper<u64, u64> for MockHelper {
	fn register_worker(who: &u64, bond: u64) {
		let _ = Compute::register_worker(RuntimeOrigin::signed(*who), bond, caps(), endpoint());
	}
	fn register_verifier(who: &u64, bond: u64) {
		let _ = Compute::register_verifier(RuntimeOrigin::signed(*who), bond, caps(), endpoint());
	}
	fn register_dataset(owner: &u64, root: [u8; 32], price: u64, royalty_bps: u16) -> u64 {
		register_dataset(*owner, root, price, royalty_bps)
	}
}
