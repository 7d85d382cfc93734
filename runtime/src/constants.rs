//! Time and money: the constants the pallet configuration is built from.

/// Money. One MLC is `UNITS` of the smallest unit; 12 decimals, like most Substrate chains, so
/// wallets display amounts without surprises.
pub mod currency {
	use crate::Balance;

	/// Decimal places of the token.
	pub const DECIMALS: u8 = 12;
	/// One MLC.
	pub const UNITS: Balance = 1_000_000_000_000;
	/// A thousandth of an MLC.
	pub const MILLI_UNITS: Balance = UNITS / 1_000;
	/// A millionth of an MLC.
	pub const MICRO_UNITS: Balance = UNITS / 1_000_000;
	/// The symbol wallets show.
	pub const TOKEN_SYMBOL: &str = "MLC";
	/// Accounts below this balance are reaped, which keeps dust from filling the state.
	pub const EXISTENTIAL_DEPOSIT: Balance = MILLI_UNITS;
}

/// Time, measured in blocks and slots.
pub mod time {
	use crate::{BlockNumber, Moment};

	/// Target block time. Three seconds keeps a local network and its tests quick while leaving
	/// each block ample time (two thirds of the slot) for authoring on a small machine.
	pub const MILLISECS_PER_BLOCK: Moment = 3_000;
	/// One block per slot: BABE's slot is the block time.
	pub const SLOT_DURATION: Moment = MILLISECS_PER_BLOCK;

	pub const MINUTES: BlockNumber = 60_000 / (MILLISECS_PER_BLOCK as BlockNumber);
	pub const HOURS: BlockNumber = MINUTES * 60;
	pub const DAYS: BlockNumber = HOURS * 24;

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
