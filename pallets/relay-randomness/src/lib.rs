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
use sp_runtime::traits::{Hash, Saturating, Zero};

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
}

impl<T: Config> Pallet<T> {
	/// Records `value` if it differs from the stored randomness, with the current block.
	/// Returns whether it was new.
	pub fn note(value: RelayRandomnessValue) -> bool {
		let previous = OneEpochAgo::<T>::get();
		if previous == Some(value) {
			return false;
		}
		if previous.is_some() {
			PreviouslyNotedAt::<T>::put(NotedAt::<T>::get());
		}
		OneEpochAgo::<T>::put(value);
		NotedAt::<T>::put(frame_system::Pallet::<T>::block_number());
		true
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
		let db = T::DbWeight::get();
		match read {
			Ok(Some(value)) => {
				if Self::note(value) {
					db.reads_writes(1, 3)
				} else {
					db.reads(1)
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
