//! Time on the parachain and the async-backing parameters Aura's consensus hook enforces.
//! Money is the solochain's ([`mlchain_runtime_common::currency`]).

pub use mlchain_runtime_common::currency;

/// Time, measured in blocks.
pub mod time {
	use crate::{BlockNumber, Moment};

	/// One block per relay-chain slot: what a parachain with one core gets.
	pub const MILLISECS_PER_BLOCK: Moment = 6_000;
	/// Aura's slot is the block time. It cannot change after the chain starts.
	pub const SLOT_DURATION: Moment = MILLISECS_PER_BLOCK;

	/// Blocks in a minute (10).
	pub const MINUTES: BlockNumber = mlchain_runtime_common::time::minutes(MILLISECS_PER_BLOCK);
	/// Blocks in an hour (600).
	pub const HOURS: BlockNumber = mlchain_runtime_common::time::hours(MILLISECS_PER_BLOCK);
	/// Blocks in a day (14 400).
	pub const DAYS: BlockNumber = mlchain_runtime_common::time::days(MILLISECS_PER_BLOCK);
}

/// Async backing: how far block production may run ahead of inclusion in the relay chain.
pub mod async_backing {
	/// Blocks this chain may build that the relay chain has not included yet.
	pub const UNINCLUDED_SEGMENT_CAPACITY: u32 = 3;
	/// Blocks per relay-chain slot (one core, 6-second blocks).
	pub const BLOCK_PROCESSING_VELOCITY: u32 = 1;
	/// The relay chain's slot, in milliseconds.
	pub const RELAY_CHAIN_SLOT_DURATION_MILLIS: u32 = 6_000;
}
