//! Our own pallets: the data registry, the compute (worker and verifier) registry and the
//! training-task settlement built on both.
//!
//! Their configuration is shared with the parachain runtime and lives in
//! [`mlchain_runtime_common::marketplace`]; what is the solochain's own is the block time and
//! the source of committee randomness: BABE's.

use super::parameters::dynamic_params;
use crate::{
	constants::time::*, Balances, Compute, DataRegistry, Runtime, RuntimeEvent,
	RuntimeHoldReason,
};
#[cfg(feature = "runtime-benchmarks")]
use crate::RuntimeOrigin;
pub use mlchain_runtime_common::marketplace::*;

mlchain_runtime_common::impl_marketplace_configs! {
	runtime: Runtime,
	days: DAYS,
	// Fixed at the end of the previous epoch and reported with the block it became known, so
	// the pallet draws a committee only from randomness that did not exist at submission.
	randomness: pallet_babe::RandomnessFromOneEpochAgo<Runtime>,
	// Three epochs: the draw waits for BABE randomness that did not exist at submission.
	selection_timeout: 3 * EPOCH_DURATION_IN_BLOCKS,
	make_randomness_fresh: {
		// `RandomnessFromOneEpochAgo` reports its output as known since the current epoch's
		// start; make that the current block.
		let now = frame_system::Pallet::<Runtime>::block_number();
		pallet_babe::EpochStart::<Runtime>::mutate(|(_, current)| *current = now);
	},
}
