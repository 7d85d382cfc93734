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
	// BABE's one-epoch-ago randomness, reported with the block its inputs began at, so the
	// pallet draws a committee only from randomness none of whose inputs existed at submission.
	randomness: BabeRandomnessInputsSince,
	// A draw waiting for fresh randomness is retried at the next epoch change.
	randomness_changes: BabeEpochChanges,
	// Four epochs: the draw waits for the second epoch change after it was asked for.
	selection_timeout: 4 * EPOCH_DURATION_IN_BLOCKS,
	make_randomness_fresh: {
		// `BabeRandomnessInputsSince` reports the previous epoch's start; make both epoch
		// starts the current block.
		let now = frame_system::Pallet::<Runtime>::block_number();
		pallet_babe::EpochStart::<Runtime>::put((now, now));
	},
}

/// BABE's randomness from one epoch ago (`pallet_babe::NextRandomness`, mixed with the subject),
/// reported with the first block of the epoch whose primary-slot VRF outputs made it
/// (`EpochStart.0`, the previous epoch's start) instead of the block it became known at.
///
/// Upstream's `RandomnessFromOneEpochAgo` reports the current epoch's start: a consumer that
/// only asks for an output known after a submission then uses VRF outputs published during the
/// epoch of the submission, mostly visible to the submitter (finding 3 of the threat review).
/// With the start of the inputs, a draw asked for at block `b` waits for the second epoch
/// change after `b`, and every VRF output in its randomness was revealed after `b`. What is left
/// is the bias of block producers, who can withhold a primary block of their own (see
/// docs/training-tasks.md, "Threat model").
pub struct BabeRandomnessInputsSince;

/// When BABE's randomness next changes: at the first block whose slot reaches the next epoch's
/// first slot. Every block's slot is later than its parent's, so that block comes within as
/// many blocks as there are slots left in the epoch (fewer if slots are missed).
pub struct BabeEpochChanges;

impl pallet_training::RandomnessChanges<crate::BlockNumber> for BabeEpochChanges {
	fn next_change_by(now: crate::BlockNumber) -> Option<crate::BlockNumber> {
		let next_start = u64::from(pallet_babe::Pallet::<Runtime>::current_epoch_start())
			.saturating_add(<Runtime as pallet_babe::Config>::EpochDuration::get());
		let slot = u64::from(pallet_babe::CurrentSlot::<Runtime>::get());
		let slots_left = next_start.saturating_sub(slot).max(1);
		let blocks = crate::BlockNumber::try_from(slots_left).unwrap_or(crate::BlockNumber::MAX);
		Some(now.saturating_add(blocks))
	}
}

impl frame_support::traits::Randomness<crate::Hash, crate::BlockNumber> for BabeRandomnessInputsSince {
	fn random(subject: &[u8]) -> (crate::Hash, crate::BlockNumber) {
		let (output, _known_since) =
			<pallet_babe::RandomnessFromOneEpochAgo<Runtime> as frame_support::traits::Randomness<
				crate::Hash,
				crate::BlockNumber,
			>>::random(subject);
		(output, pallet_babe::EpochStart::<Runtime>::get().0)
	}
}
