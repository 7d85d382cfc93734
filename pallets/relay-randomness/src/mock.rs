//! A runtime with only `frame_system` and this pallet; relay state proofs come from cumulus's
//! proof builder, the same one the parachain's dev mode uses.

use crate as pallet_relay_randomness;
use frame_support::{
	derive_impl,
	traits::{ConstU32, ConstU64},
};
use sp_runtime::BuildStorage;

type Block = frame_system::mocking::MockBlock<Test>;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		RelayRandomness: pallet_relay_randomness,
	}
);

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
}

/// The margin the tests use.
pub const LAG: u64 = 4;

impl pallet_relay_randomness::Config for Test {
	type RelayParentLag = ConstU64<LAG>;
	type MaxBlocksPerRelaySlot = ConstU32<1>;
}

pub fn new_test_ext() -> sp_io::TestExternalities {
	let storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	let mut ext = sp_io::TestExternalities::new(storage);
	ext.execute_with(|| frame_system::Pallet::<Test>::set_block_number(1));
	ext
}
