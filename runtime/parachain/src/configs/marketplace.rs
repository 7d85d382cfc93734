//! Our own pallets, configured as on the solochain by
//! [`mlchain_runtime_common::impl_marketplace_configs!`]. What is the parachain's own is the
//! block time and the source of committee randomness: the relay chain's BABE randomness from
//! one epoch ago, noted by `pallet-relay-randomness` from the relay state proof (see that
//! pallet's docs for the trust assumptions).

use super::parameters::dynamic_params;
use crate::{
	constants::time::*, Balances, Compute, DataRegistry, Runtime, RuntimeEvent,
	RuntimeHoldReason,
};
#[cfg(feature = "runtime-benchmarks")]
use crate::RuntimeOrigin;
pub use mlchain_runtime_common::marketplace::*;

/// When the relay chain's one-epoch-ago randomness changes next, as this chain can tell from
/// the relay slots it has seen ([`pallet_relay_randomness::Pallet::next_change_by`]).
pub struct RelayEpochChanges;

impl pallet_training::RandomnessChanges<crate::BlockNumber> for RelayEpochChanges {
	fn next_change_by(now: crate::BlockNumber) -> Option<crate::BlockNumber> {
		pallet_relay_randomness::Pallet::<Runtime>::next_change_by(now)
	}
}

mlchain_runtime_common::impl_marketplace_configs! {
	runtime: Runtime,
	days: DAYS,
	randomness: pallet_relay_randomness::RandomnessFromOneRelayEpochAgo<Runtime>,
	// A postponed draw is retried when the relay pallet expects the next relay value.
	randomness_changes: RelayEpochChanges,
	// Relay epochs last 4 hours on Polkadot (1 hour on Kusama and Paseo): a draw waits for the
	// second relay epoch change after it was asked for (up to two epochs and a bit), so four
	// Polkadot epochs leave a margin.
	selection_timeout: 16 * HOURS,
	make_randomness_fresh: {
		// The relay randomness pallet reports its value with the block its inputs began at
		// (the previous value's, less the relay-parent lag); note two values that far ahead.
		use frame_support::traits::Get;
		let now = frame_system::Pallet::<Runtime>::block_number();
		let lag = <Runtime as pallet_relay_randomness::Config>::RelayParentLag::get();
		pallet_relay_randomness::OneEpochAgo::<Runtime>::put([now as u8; 32]);
		pallet_relay_randomness::NotedAt::<Runtime>::put(now.saturating_add(lag));
		pallet_relay_randomness::PreviouslyNotedAt::<Runtime>::put(now.saturating_add(lag));
	},
}
