//! A test runtime with `frame_system`, `pallet_balances` and this pallet.

use crate as pallet_compute;
use frame_support::{
	derive_impl,
	traits::{ConstU32, ConstU64},
};
use sp_runtime::BuildStorage;

type Block = frame_system::mocking::MockBlock<Test>;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Balances: pallet_balances,
		Compute: pallet_compute,
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

pub const MIN_BOND: u64 = 100;
pub const UNBONDING_DELAY: u64 = 10;
pub const MAX_VERIFIERS: u32 = 8;
pub const MAX_CHUNKS: u32 = 3;
pub const MAX_ASSIGNMENTS: u32 = 4;
pub const MAX_SELECTION_WEIGHT: u64 = 5_000;
pub const MAX_HELD_SNAPSHOTS: u32 = 3;

impl pallet_compute::Config for Test {
	type RuntimeEvent = RuntimeEvent;
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type MinBond = ConstU64<MIN_BOND>;
	type UnbondingDelay = ConstU64<UNBONDING_DELAY>;
	type MaxVerifiers = ConstU32<MAX_VERIFIERS>;
	type MaxHeldSnapshots = ConstU32<MAX_HELD_SNAPSHOTS>;
	type MaxReplacements = ConstU32<16>;
	type MaxUnbondingChunks = ConstU32<MAX_CHUNKS>;
	type MaxAssignments = ConstU32<MAX_ASSIGNMENTS>;
	type MaxSelectionWeight = ConstU64<MAX_SELECTION_WEIGHT>;
	type WeightInfo = ();
}

/// Accounts 1..=12 start with `INITIAL`; account 99 starts with 50 (less than the minimum bond).
pub const INITIAL: u64 = 10_000;
pub const POOR: u64 = 99;

pub fn new_test_ext() -> sp_io::TestExternalities {
	let mut t = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	let mut balances: Vec<(u64, u64)> = (1..=12).map(|a| (a, INITIAL)).collect();
	balances.push((POOR, 50));
	pallet_balances::GenesisConfig::<Test> { balances, ..Default::default() }
		.assimilate_storage(&mut t)
		.unwrap();
	let mut ext = sp_io::TestExternalities::new(t);
	ext.execute_with(|| System::set_block_number(1));
	ext
}

pub fn run_to_block(n: u64) {
	System::set_block_number(n);
}
