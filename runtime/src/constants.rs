//! Time and money: the constants the pallet configuration is built from.

/// Money: the same token on the solochain and the parachain.
pub use mlchain_runtime_common::currency;

/// Time, measured in blocks and slots.
pub mod time {
	use crate::{BlockNumber, Moment};

	/// Target block time. Three seconds keeps a local network and its tests quick while leaving
	/// each block ample time (two thirds of the slot) for authoring on a small machine.
	pub const MILLISECS_PER_BLOCK: Moment = 3_000;
	/// One block per slot: BABE's slot is the block time.
	pub const SLOT_DURATION: Moment = MILLISECS_PER_BLOCK;

	pub const MINUTES: BlockNumber = mlchain_runtime_common::time::minutes(MILLISECS_PER_BLOCK);
	pub const HOURS: BlockNumber = mlchain_runtime_common::time::hours(MILLISECS_PER_BLOCK);
	pub const DAYS: BlockNumber = mlchain_runtime_common::time::days(MILLISECS_PER_BLOCK);

	/// A BABE epoch (and so a session) is 20 slots, one minute. Short on purpose: eras are two
	/// sessions, so a new validator is elected within about two minutes, which is what a person
	/// trying the local testnet (and our end-to-end tests) can wait for. A public network would
	/// lengthen this; it cannot be changed after genesis.
	pub const EPOCH_DURATION_IN_SLOTS: u64 = 20;
	pub const EPOCH_DURATION_IN_BLOCKS: BlockNumber = EPOCH_DURATION_IN_SLOTS as BlockNumber;
}

/// BABE's primary-slot probability `c = 1/4`: roughly a quarter of slots have a primary
/// (VRF-elected) author; secondary slots fill the rest.
pub const PRIMARY_PROBABILITY: (u64, u64) = (1, 4);
