//! A test runtime with `frame_system`, `pallet_balances` and this pallet.

use crate as pallet_data_registry;
use frame_support::{
	derive_impl, parameter_types,
	traits::{ConstU32, ConstU64},
};
use frame_system::EnsureRoot;
use sp_runtime::BuildStorage;

type Block = frame_system::mocking::MockBlock<Test>;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Balances: pallet_balances,
		DataRegistry: pallet_data_registry,
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

parameter_types! {
	pub const MaxAllowList: u32 = 4;
}

/// Deposit of an entry: 10 plus 1 per byte of metadata.
pub const ENTRY_DEPOSIT: u64 = 10;
/// Deposit of one allow-list slot.
pub const ACCESS_DEPOSIT: u64 = 3;

impl pallet_data_registry::Config for Test {
	type RuntimeEvent = RuntimeEvent;
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type TakeDownOrigin = EnsureRoot<u64>;
	type EntryDeposit = ConstU64<ENTRY_DEPOSIT>;
	type ByteDeposit = ConstU64<1>;
	type AccessDeposit = ConstU64<ACCESS_DEPOSIT>;
	type MaxUriLen = ConstU32<128>;
	type MaxAllowList = MaxAllowList;
	type MaxLocks = ConstU32<3>;
	type MaxRoyaltyBps = MaxRoyalty;
	type WeightInfo = ();
}

frame_support::parameter_types! {
	/// The runtime's royalty cap; a test may lower it.
	pub storage MaxRoyalty: u16 = 5_000;
}

/// Accounts 1..=5 start with 1 000 each; 6 starts with 15 (barely more than a deposit).
pub const ALICE: u64 = 1;
pub const BOB: u64 = 2;
pub const CHARLIE: u64 = 3;
pub const DAVE: u64 = 4;
pub const EVE: u64 = 5;
pub const POOR: u64 = 6;
pub const INITIAL: u64 = 1_000;

pub fn new_test_ext() -> sp_io::TestExternalities {
	let mut t = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	pallet_balances::GenesisConfig::<Test> {
		balances: vec![
			(ALICE, INITIAL),
			(BOB, INITIAL),
			(CHARLIE, INITIAL),
			(DAVE, INITIAL),
			(EVE, INITIAL),
			(POOR, 15),
		],
		..Default::default()
	}
	.assimilate_storage(&mut t)
	.unwrap();
	let mut ext = sp_io::TestExternalities::new(t);
	ext.execute_with(|| System::set_block_number(1));
	ext
}
