//! # Relay randomness
//!
//! Committee randomness for mlchain running as a parachain, from the relay chain.
//!
//! ## Overview
//!
//! The training pallet draws each verification committee, and the segments each member
//! replays, from a `Randomness` source that must say since when its output has been known: a
//! committee is drawn only from randomness that did not exist when the worker submitted, so the
//! worker cannot know which segments will be checked. On the solochain that source is BABE's
//! randomness from one epoch ago. A parachain has no BABE of its own (its collators take turns
//! with Aura, which has no VRF), but its relay chain runs BABE, and every parachain block carries
//! a proof of relay-chain state at its relay parent, verified against the relay parent's state
//! root by `cumulus-pallet-parachain-system`. This pallet reads the relay's
//! one-epoch-ago randomness from that proof and offers it through the same seam.
//!
//! ## Terminology
//!
//! - **Relay randomness**: the relay chain's `Babe::NextRandomness`, under the well-known key
//!   [`ONE_EPOCH_AGO_RANDOMNESS`](cumulus_primitives_core::relay_chain::well_known_keys::ONE_EPOCH_AGO_RANDOMNESS):
//!   the hash of the VRF outputs of the relay epoch before the current one. It changes once per
//!   relay epoch (4 hours on Polkadot, 1 hour on Kusama and Paseo).
//! - **Noted at**: the first parachain block whose relay parent showed the current value.
//! - **Relay slot**: the relay chain's BABE slot at a block's relay parent, also read from the
//!   proof. The relay slots at which the last two values were noted give the length of a relay
//!   epoch; with the latest relay slot they tell a consumer when the next value is due
//!   ([`Pallet::next_change_by`]), so a postponed draw is retried then instead of polling.
//!
//! ## Usage
//!
//! Add the pallet to the runtime, let `cumulus-pallet-parachain-system` call it on every
//! verified relay state proof (`type OnSystemEvent = RelayRandomness;`) and give
//! [`RandomnessFromOneRelayEpochAgo`] to the consumer (`pallet_training::Config::Randomness`).
//!
//! ## Trust assumptions
//!
//! - The value is as good as the relay chain's BABE randomness: unpredictable before its relay
//!   epoch ends, but the relay validator who authors the epoch's last block can bias it a
//!   little by withholding that block (the same residual bias as BABE on the solochain, with
//!   the relay's much larger validator set).
//! - The proof is checked against the relay parent's state root, which the relay chain's
//!   validators check when they validate the parachain block: a collator cannot forge the
//!   value, only choose an older relay parent.
//! - The block reported with the output is when its *inputs* began: the value is built from
//!   the VRF outputs of the relay epoch before the one that published it, which began when the
//!   previous value was published. Someone following the relay chain watches those outputs
//!   appear during that epoch, so a value is fresh for a request only if that whole epoch
//!   came after it: the second relay epoch change after the request.
//! - "Known since" is reported *earlier* than the block the value was noted at, by
//!   [`Config::RelayParentLag`] blocks. Someone following the relay chain sees a new value as
//!   soon as the relay block that sets it exists, while this chain's blocks may still be
//!   built on slightly older relay parents; those blocks could carry a submission made with the
//!   new value already in view. Reporting the value as known from before those blocks makes the
//!   training pallet refuse it for such submissions and wait for the next epoch's value instead.
//!   Reporting a value as known too early only postpones a draw; reporting it too late would
//!   let a worker see its committee before submitting, so the margin errs on the early side.
//! - If the relay proof has no randomness (an unusual relay, or a test without it), nothing is
//!   noted and the source keeps reporting the old value with its old block, so the training
//!   pallet postpones draws until `SelectionTimeout`; it never draws from stale randomness.

#![cfg_attr(not(feature = "std"), no_std)]

pub use pallet::*;

use core::marker::PhantomData;
use cumulus_pallet_parachain_system::{relay_state_snapshot::RelayChainStateProof, OnSystemEvent};
use cumulus_primitives_core::{relay_chain::well_known_keys, PersistedValidationData};
use frame_support::{
	traits::{Get, Randomness},
	weights::Weight,
};
use frame_system::pallet_prelude::BlockNumberFor;
use sp_runtime::traits::{Hash, SaturatedConversion, Saturating, Zero};

#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;

/// Log target of this pallet.
const LOG_TARGET: &str = "runtime::relay-randomness";

/// The relay chain's randomness: a 32-byte BABE `Randomness` value.
pub type RelayRandomnessValue = [u8; 32];

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use frame_support::pallet_prelude::*;

	#[pallet::pallet]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config: frame_system::Config {
		/// Parachain blocks by which a new relay randomness may have been visible to someone
		/// following the relay chain before this chain noted it. "Known since" is reported
		/// this many blocks before the block the value was noted at. It must cover how far
		/// behind the relay-chain tip a parachain block's relay parent may be: the relay
		/// chain's allowed relay-parent ancestry plus the unincluded segment.
		#[pallet::constant]
		type RelayParentLag: Get<BlockNumberFor<Self>>;

		/// The most blocks this chain builds on relay parents of one relay slot (its consensus
		/// hook's velocity). Turns relay slots left until the next value into blocks of this
		/// chain, erring late: the next value is certainly noted within that many blocks.
		#[pallet::constant]
		type MaxBlocksPerRelaySlot: Get<u32>;
	}

	/// The relay chain's one-epoch-ago randomness, as of the latest relay parent.
	#[pallet::storage]
	pub type OneEpochAgo<T: Config> = StorageValue<_, RelayRandomnessValue, OptionQuery>;

	/// The first parachain block whose relay parent showed [`OneEpochAgo`].
	#[pallet::storage]
	pub type NotedAt<T: Config> = StorageValue<_, BlockNumberFor<T>, ValueQuery>;

	/// [`NotedAt`] of the value before the current one: about when the relay epoch began whose
	/// VRF outputs make the current value. `None` until two values were noted.
	#[pallet::storage]
	pub type PreviouslyNotedAt<T: Config> = StorageValue<_, BlockNumberFor<T>, OptionQuery>;

	/// The relay slot of the relay parent at which [`OneEpochAgo`] was noted: no earlier than
	/// the first slot of the relay epoch that published it.
	#[pallet::storage]
	pub type NotedAtRelaySlot<T: Config> = StorageValue<_, u64, OptionQuery>;

	/// Relay slots between the last two values' [`NotedAtRelaySlot`]: a relay epoch's length,
	/// give or take how far the two relay parents lagged. `None` until two changes were seen
	/// (the first value a chain sees may be noted in the middle of its epoch).
	#[pallet::storage]
	pub type RelayEpochSlots<T: Config> = StorageValue<_, u64, OptionQuery>;

	/// The relay slot of the latest relay parent.
	#[pallet::storage]
	pub type LatestRelaySlot<T: Config> = StorageValue<_, u64, OptionQuery>;
}

impl<T: Config> Pallet<T> {
	/// Records `value` if it differs from the stored randomness, with the current block and,
	/// when the proof had it, the relay slot. Returns whether it was new.
	pub fn note(value: RelayRandomnessValue, relay_slot: Option<u64>) -> bool {
		if let Some(slot) = relay_slot {
			LatestRelaySlot::<T>::put(slot);
		}
		let previous = OneEpochAgo::<T>::get();
		if previous == Some(value) {
			return false;
		}
		// The current value's note was itself a change (not the first value this chain saw,
		// which it may have met in the middle of a relay epoch): only then is the distance to
		// this note a relay epoch's length.
		let noted_at_a_change = PreviouslyNotedAt::<T>::get().is_some();
		if previous.is_some() {
			PreviouslyNotedAt::<T>::put(NotedAt::<T>::get());
		}
		let interval = match (noted_at_a_change, NotedAtRelaySlot::<T>::get(), relay_slot) {
			(true, Some(before), Some(now)) if now > before => Some(now - before),
			_ => None,
		};
		RelayEpochSlots::<T>::set(interval);
		NotedAtRelaySlot::<T>::set(relay_slot);
		OneEpochAgo::<T>::put(value);
		NotedAt::<T>::put(frame_system::Pallet::<T>::block_number());
		true
	}

	/// A block of this chain by which the next relay value is certainly noted, seen from
	/// block `now`; `None` when that cannot be told (a young chain that has not seen the value
	/// change twice, or the next value already overdue, as when the relay skipped epochs).
	///
	/// Each value is noted at a relay slot no earlier than its epoch's first slot and at most
	/// the relay-parent lag later, so the observed epoch length is off by at most one lag
	/// either way; the estimate adds one lag so that it is never early:
	/// `next ≤ noted + length + lag`. Relay slots left are turned into blocks with the most
	/// blocks this chain may build per relay slot. (Hooks at `now` see the relay slot of
	/// block `now - 1`, and a value noted by a block is seen by the next block's hooks; the
	/// two offsets cancel.)
	pub fn next_change_by(now: BlockNumberFor<T>) -> Option<BlockNumberFor<T>> {
		let noted = NotedAtRelaySlot::<T>::get()?;
		let length = RelayEpochSlots::<T>::get()?;
		let latest = LatestRelaySlot::<T>::get()?;
		let lag: u64 = T::RelayParentLag::get().saturated_into();
		let next = noted.saturating_add(length).saturating_add(lag);
		if latest >= next {
			return None;
		}
		let blocks = (next - latest)
			.saturating_mul(u64::from(T::MaxBlocksPerRelaySlot::get().max(1)));
		Some(now.saturating_add(blocks.saturated_into()))
	}

	/// The block since which the current randomness is treated as known: the block it was
	/// noted at, less [`Config::RelayParentLag`]; zero if nothing was noted yet.
	pub fn known_since() -> BlockNumberFor<T> {
		if OneEpochAgo::<T>::get().is_none() {
			return Zero::zero();
		}
		NotedAt::<T>::get().saturating_sub(T::RelayParentLag::get())
	}

	/// A block before which none of the current value's inputs existed: the value is made of
	/// the VRF outputs of the relay epoch that began when the previous value appeared, which
	/// this chain noted at [`PreviouslyNotedAt`] (less [`Config::RelayParentLag`], for the same
	/// reason as in [`Self::known_since`]). Zero until two values were noted.
	pub fn inputs_since() -> BlockNumberFor<T> {
		match (OneEpochAgo::<T>::get(), PreviouslyNotedAt::<T>::get()) {
			(Some(_), Some(previous)) => previous.saturating_sub(T::RelayParentLag::get()),
			_ => Zero::zero(),
		}
	}
}

impl<T: Config> OnSystemEvent for Pallet<T> {
	fn on_validation_data(_data: &PersistedValidationData) {}

	fn on_validation_code_applied() {}

	fn on_relay_state_proof(relay_state_proof: &RelayChainStateProof) -> Weight {
		let read = relay_state_proof
			.read_optional_entry::<RelayRandomnessValue>(well_known_keys::ONE_EPOCH_AGO_RANDOMNESS);
		let relay_slot = relay_state_proof.read_slot().ok().map(u64::from);
		let db = T::DbWeight::get();
		match read {
			Ok(Some(value)) => {
				if Self::note(value, relay_slot) {
					db.reads_writes(4, 6)
				} else {
					db.reads_writes(1, 1)
				}
			},
			Ok(None) => {
				log::warn!(target: LOG_TARGET, "relay state proof has no one-epoch-ago randomness");
				Weight::zero()
			},
			Err(error) => {
				log::warn!(target: LOG_TARGET, "cannot read relay randomness: {error:?}");
				Weight::zero()
			},
		}
	}
}

/// The relay chain's BABE randomness from one epoch ago, mixed with the subject, and the block
/// before which none of its inputs existed ([`Pallet::inputs_since`]: about when the relay
/// epoch whose VRF outputs make it began, less the relay-parent lag). A consumer that asks for
/// randomness at block `b` and waits for this block to pass `b` uses the value of relay epoch
/// index + 2: nothing of it was public at `b`. Before two relay values were noted, it is
/// reported as of block zero, so no consumer that checks freshness uses it.
pub struct RandomnessFromOneRelayEpochAgo<T>(PhantomData<T>);

impl<T: Config> Randomness<T::Hash, BlockNumberFor<T>> for RandomnessFromOneRelayEpochAgo<T> {
	fn random(subject: &[u8]) -> (T::Hash, BlockNumberFor<T>) {
		let mut input = subject.to_vec();
		if let Some(value) = OneEpochAgo::<T>::get() {
			input.extend_from_slice(&value);
		}
		(T::Hashing::hash(&input), Pallet::<T>::inputs_since())
	}
}
