//! Transaction fees and block limits, the same on both runtimes so a transaction costs the same
//! wherever it runs (up to the fee multiplier, which follows each chain's own load).

use crate::{currency::MICRO_UNITS, Balance};
use frame_support::parameter_types;
// `pallet_transaction_payment::Multiplier` is this type; naming it here spares the crate a
// dependency on the pallet.
use sp_runtime::{FixedPointNumber, FixedU128 as Multiplier, Perbill, Perquintill};

/// Three quarters of a block is for ordinary transactions; the rest is kept for operational
/// ones (equivocation reports, sudo) so they get in even when the block is full.
pub const NORMAL_DISPATCH_RATIO: Perbill = Perbill::from_percent(75);
/// 5 MiB blocks, as the polkadot-sdk templates use: big enough for artifact metadata, small
/// enough to propagate within a slot.
pub const MAX_BLOCK_LENGTH: u32 = 5 * 1024 * 1024;

parameter_types! {
	/// Fee per byte of transaction: a milli-unit per kilobyte.
	pub const TransactionByteFee: Balance = MICRO_UNITS;
	/// Fees follow block fullness: they rise when blocks are more than a quarter full.
	pub const TargetBlockFullness: Perquintill = Perquintill::from_percent(25);
	pub AdjustmentVariable: Multiplier = Multiplier::saturating_from_rational(1, 100_000);
	pub MinimumMultiplier: Multiplier = Multiplier::saturating_from_rational(1, 1_000_000_000u128);
	pub MaximumMultiplier: Multiplier = sp_runtime::traits::Bounded::max_value();
}
