//! # Compute pallet
//!
//! Registry of the workers who train tasks and the verifiers who check them.
//!
//! ## Overview
//!
//! A participant registers as a **worker** or a **verifier** (one role per account) with a
//! *bond*, its *capabilities* (cores, memory, GPU, supported model families) and a network
//! *endpoint* (libp2p peer id and a few multiaddrs) from which peers fetch its artifacts. The
//! bond is held from the participant's balance with a fungible hold ([`HoldReason::Bond`]); it
//! is what the participant loses when the training pallet proves a fault.
//!
//! The training pallet reaches this pallet only through the
//! [`mlchain_pallet_traits::WorkerRegistry`] trait: it checks that an account is an active
//! worker or verifier with enough free bond, locks part of the bond for each assignment, slashes
//! it to the parties a fault harmed, records outcomes in the reputation counters, and picks
//! verifiers at random, weighted by stake.
//!
//! ## Terminology
//!
//! - **Bond**: funds held as stake. Part of it may be *locked* by open assignments; the rest is
//!   the *free bond*.
//! - **Active**: registered, online, with a bond of at least [`Config::MinBond`].
//! - **Unbonding**: bond on its way out. It stays held (and so cannot be spent) for
//!   [`Config::UnbondingDelay`] blocks, then `withdraw_unbonded` releases it. Unbonding funds are
//!   not slashable: only the bond is, and locked bond can never be unbonded, so a participant
//!   cannot escape a pending slash by unbonding.
//!
//! ## Usage
//!
//! Participants call [`Pallet::register_worker`] or [`Pallet::register_verifier`],
//! [`Pallet::bond_more`], [`Pallet::unbond`], [`Pallet::withdraw_unbonded`],
//! [`Pallet::update_endpoint`], [`Pallet::go_offline`], [`Pallet::go_online`] and
//! [`Pallet::deregister`]. See `docs/compute.md` for a step-by-step guide.
//!
//! ## Implementation notes
//!
//! - Verifiers are kept in an index of slots with a Fenwick tree of their selection weights
//!   (module `index`; at most [`Config::MaxVerifiers`]): a draw of `k` reads `O(k log n)`
//!   nodes and a change of a verifier's weight writes `O(log n)`. Its weight is benchmarked
//!   (`select_verifiers`) and exposed by `WorkerRegistry::select_verifiers_weight`.
//! - A draw reads a snapshot taken when it was asked for, before its randomness existed: a
//!   verifier cannot raise its weight once it can see the seed. A snapshot is a version of the
//!   tree (its nodes keep what held snapshots still read), so taking one costs `O(1)`. Draws
//!   asked for in the same block share one snapshot; each holds it until released, the last
//!   release removes it. A pick that is no longer active with enough free bond is replaced in
//!   its own place only (see [`selection::weighted_sample_replacing`]).
//! - Slashing moves held funds to the beneficiaries with `transfer_on_hold`: nothing is minted or
//!   burnt, and the amount is capped at the bond.
//! - `try_state` checks that each account's held bond equals its bond plus its unbonding
//!   chunks, that locked bond never exceeds the bond, and that the verifier index matches the
//!   registered verifiers.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
mod index;
#[cfg(test)]
mod mock;
pub mod selection;
#[cfg(test)]
mod tests;
pub mod weights;
pub use weights::WeightInfo;

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{
	pallet_prelude::ConstU32, traits::fungible, BoundedVec, CloneNoBound, EqNoBound,
	PartialEqNoBound, DebugNoBound,
};
pub use mlchain_pallet_traits::{Outcome, Role, SnapshotId};
use scale_info::TypeInfo;

/// Longest libp2p peer id accepted, in bytes (an encoded Ed25519 peer id is 38).
pub const MAX_PEER_ID_LEN: u32 = 64;
/// Most multiaddrs one endpoint may list.
pub const MAX_ADDRS: u32 = 4;
/// Longest single multiaddr accepted, in bytes.
pub const MAX_ADDR_LEN: u32 = 128;
/// Most model families one participant may declare.
pub const MAX_FAMILIES: u32 = 8;

/// Balance type of the configured currency.
pub type BalanceOf<T> =
	<<T as Config>::Currency as fungible::Inspect<<T as frame_system::Config>::AccountId>>::Balance;

/// A family of models a participant can train or verify (DESIGN.md section 5).
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	TypeInfo,
	MaxEncodedLen,
)]
pub enum ModelFamily {
	/// Multi-layer perceptron.
	Mlp,
	/// Convolutional network.
	Cnn,
	/// Small transformer.
	Transformer,
}

/// What a participant's machine can do.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	Clone,
	PartialEq,
	Eq,
	Debug,
	TypeInfo,
	MaxEncodedLen,
)]
pub struct Capabilities {
	/// CPU cores available for tasks (non-zero).
	pub cores: u32,
	/// Memory available for tasks, in MiB (non-zero).
	pub memory_mib: u64,
	/// Whether a GPU is available.
	pub gpu: bool,
	/// Model families supported; non-empty, no repeats.
	pub model_families: BoundedVec<ModelFamily, ConstU32<MAX_FAMILIES>>,
}

/// Where peers reach a participant to fetch its artifacts.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	Clone,
	PartialEq,
	Eq,
	Debug,
	TypeInfo,
	MaxEncodedLen,
)]
pub struct Endpoint {
	/// libp2p peer id, in its binary (multihash) form; non-empty.
	pub peer_id: BoundedVec<u8, ConstU32<MAX_PEER_ID_LEN>>,
	/// Multiaddrs in binary form; at least one, none empty.
	pub addrs: BoundedVec<BoundedVec<u8, ConstU32<MAX_ADDR_LEN>>, ConstU32<MAX_ADDRS>>,
}

/// Counters the training pallet updates as tasks settle.
#[derive(
	Encode, Decode, Clone, Copy, Default, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen,
)]
pub struct Reputation {
	/// Tasks trained and accepted (workers).
	pub tasks_done: u32,
	/// Votes that agreed with the proven outcome (verifiers).
	pub verified_ok: u32,
	/// Proven faults.
	pub faults: u32,
}

/// A registered worker or verifier.
#[derive(
	Encode,
	Decode,
	MaxEncodedLen,
	TypeInfo,
	CloneNoBound,
	PartialEqNoBound,
	EqNoBound,
	DebugNoBound,
)]
#[codec(mel_bound())]
#[scale_info(skip_type_params(T))]
pub struct Participant<T: Config> {
	/// Worker or verifier.
	pub role: Role,
	/// Whether the participant accepts new assignments.
	pub online: bool,
	/// Bond held (including the locked part; not including unbonding chunks).
	pub bond: BalanceOf<T>,
	/// Part of the bond locked by open assignments.
	pub locked: BalanceOf<T>,
	/// Number of open assignments.
	pub assignments: u32,
	/// Declared capabilities.
	pub capabilities: Capabilities,
	/// Network endpoint.
	pub endpoint: Endpoint,
	/// Reputation counters.
	pub reputation: Reputation,
}

impl<T: Config> Participant<T> {
	/// The bond not locked by assignments.
	pub fn free_bond(&self) -> BalanceOf<T> {
		sp_runtime::traits::Saturating::saturating_sub(self.bond, self.locked)
	}
}

/// Bond waiting out the unbonding delay.
#[derive(
	Encode,
	Decode,
	MaxEncodedLen,
	TypeInfo,
	CloneNoBound,
	PartialEqNoBound,
	EqNoBound,
	DebugNoBound,
)]
#[codec(mel_bound())]
#[scale_info(skip_type_params(T))]
pub struct UnbondingChunk<T: Config> {
	/// Amount still held.
	pub amount: BalanceOf<T>,
	/// First block at which it can be withdrawn.
	pub unlock_at: frame_system::pallet_prelude::BlockNumberFor<T>,
}

/// A verifier's place in the index: its slot in the tree and the weight the tree counts for
/// it now.
#[derive(Encode, Decode, MaxEncodedLen, TypeInfo, Clone, Copy, PartialEq, Eq, Debug)]
pub struct IndexEntry {
	/// Its slot, `1..=` the tree's capacity.
	pub slot: u32,
	/// Its selection weight as the newest version of the tree holds it.
	pub weight: u128,
}

/// A snapshot draws are waiting on: a version of the verifier index.
#[derive(
	Encode,
	Decode,
	MaxEncodedLen,
	TypeInfo,
	CloneNoBound,
	PartialEqNoBound,
	EqNoBound,
	DebugNoBound,
)]
#[codec(mel_bound())]
#[scale_info(skip_type_params(T))]
pub struct HeldSnapshot<T: Config> {
	/// Its id, also the newest write tag it reads.
	pub id: SnapshotId,
	/// The block it was taken in.
	pub taken_at: frame_system::pallet_prelude::BlockNumberFor<T>,
	/// Draws waiting on it; the last release removes it.
	pub holds: u32,
}

/// Entries one tree node keeps: one per held snapshot and the newest.
pub struct HistoryLen<T>(core::marker::PhantomData<T>);
impl<T: Config> frame_support::traits::Get<u32> for HistoryLen<T> {
	fn get() -> u32 {
		T::MaxHeldSnapshots::get().saturating_add(1)
	}
}

/// The `(write tag, sum)` entries of one tree node, oldest first.
pub type NodeHistory<T> = BoundedVec<(SnapshotId, u128), HistoryLen<T>>;

/// Workers and verifiers: registration with a held bond, capabilities and a network endpoint,
/// unbonding with a delay, reputation, slashing and stake-weighted verifier selection. Module
/// docs above explain the whole pallet; this summary is what clients read in the metadata.
#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use alloc::vec::Vec;
	use frame_support::{
		pallet_prelude::*,
		traits::{
			fungible::{Inspect, Mutate, MutateHold},
			tokens::{Fortitude, Precision, Restriction},
		},
	};
	use frame_system::pallet_prelude::*;
	use sp_runtime::{
		helpers_128bit::multiply_by_rational_with_rounding,
		traits::{Saturating, Zero},
		Rounding, SaturatedConversion,
	};

	/// The in-code storage version.
	const STORAGE_VERSION: StorageVersion = StorageVersion::new(0);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	/// Configuration of the compute pallet.
	#[pallet::config]
	pub trait Config: frame_system::Config {
		/// The overarching event type.
		#[allow(deprecated)]
		type RuntimeEvent: From<Event<Self>> + IsType<<Self as frame_system::Config>::RuntimeEvent>;

		/// The currency bonds are held in.
		type Currency: Inspect<Self::AccountId>
			+ Mutate<Self::AccountId>
			+ MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>;

		/// The overarching hold reason, which must include this pallet's [`HoldReason`].
		type RuntimeHoldReason: From<HoldReason>;

		/// Smallest bond a participant may register with or unbond down to.
		#[pallet::constant]
		type MinBond: Get<BalanceOf<Self>>;

		/// Blocks between `unbond` (or `deregister`) and the funds becoming withdrawable.
		#[pallet::constant]
		type UnbondingDelay: Get<BlockNumberFor<Self>>;

		/// Most registered verifiers. Draws cost `O(log MaxVerifiers)` reads a pick, so this can
		/// be large (at most 2^20).
		#[pallet::constant]
		type MaxVerifiers: Get<u32>;

		/// Most snapshots of the verifier index held at once (one a block at most). Each node of
		/// the index keeps a value for each, so this bounds a node's size; a draw asked for
		/// while this many are held shares the newest.
		#[pallet::constant]
		type MaxHeldSnapshots: Get<u32>;

		/// Most replacement draws one selection makes for picks that cannot take the seat
		/// (offline, too little free bond, at the seat limit, gone) before it fails and is
		/// retried with the next randomness: bounds the cost of a draw.
		#[pallet::constant]
		type MaxReplacements: Get<u32>;

		/// Most unbonding chunks an account may have waiting at once.
		#[pallet::constant]
		type MaxUnbondingChunks: Get<u32>;

		/// Most open assignments (task claims and committee seats) one participant holds at
		/// once. A verifier drawn into more seats than it can replay inside their windows would
		/// be slashed for absence, and a flood of tasks could otherwise tie up all of one
		/// well-bonded verifier's seats; at the limit it is skipped (and replaced) in draws.
		#[pallet::constant]
		type MaxAssignments: Get<u32>;

		/// Most selection weight one verifier's free bond counts for. Committees are drawn
		/// without replacement, so an account with most of the weight would sit on nearly
		/// every committee: above this, more bond buys no more seats.
		#[pallet::constant]
		type MaxSelectionWeight: Get<BalanceOf<Self>>;

		/// Weights of this pallet's calls.
		type WeightInfo: WeightInfo;
	}

	/// Why this pallet holds funds.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// A worker's or verifier's bond, including bond that is unbonding.
		#[codec(index = 0)]
		Bond,
	}

	/// Registered workers and verifiers.
	#[pallet::storage]
	pub type Participants<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, Participant<T>>;

	/// Each registered verifier's slot in the index and its weight there now.
	#[pallet::storage]
	pub type VerifierSlots<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, IndexEntry>;

	/// The verifier owning each slot in use (a freed slot has none).
	#[pallet::storage]
	pub type SlotOwners<T: Config> = StorageMap<_, Twox64Concat, u32, T::AccountId>;

	/// Slots handed out so far (`1..=` this), owned or freed.
	#[pallet::storage]
	pub type SlotsInUse<T: Config> = StorageValue<_, u32, ValueQuery>;

	/// Registered verifiers.
	#[pallet::storage]
	pub type VerifierCount<T: Config> = StorageValue<_, u32, ValueQuery>;

	/// The Fenwick tree of selection weights: node `i` sums the `lowbit(i)` slots ending at
	/// `i`, as a history of `(write tag, sum)` kept for the held snapshots.
	#[pallet::storage]
	pub type SelectionTree<T: Config> =
		StorageMap<_, Twox64Concat, u32, NodeHistory<T>, ValueQuery>;

	/// Freed slots waiting until no held snapshot can see their former owner, by queue
	/// position: `(slot, write tag when freed)`.
	#[pallet::storage]
	pub type FreedSlots<T: Config> = StorageMap<_, Twox64Concat, u32, (u32, SnapshotId)>;

	/// Positions `(head, tail)` of the freed slot queue: `head..tail` are waiting.
	#[pallet::storage]
	pub type FreedSlotQueue<T: Config> = StorageValue<_, (u32, u32), ValueQuery>;

	/// Snapshots of the verifier index that draws are waiting on, oldest first.
	#[pallet::storage]
	pub type VerifierSnapshots<T: Config> =
		StorageValue<_, BoundedVec<HeldSnapshot<T>, T::MaxHeldSnapshots>, ValueQuery>;

	/// The id the next snapshot gets, which is also the tag of every write to the index now.
	#[pallet::storage]
	pub type NextSnapshotId<T: Config> = StorageValue<_, SnapshotId, ValueQuery>;

	/// Bond waiting out the unbonding delay, per account (kept after deregistration).
	#[pallet::storage]
	pub type Unbonding<T: Config> = StorageMap<
		_,
		Blake2_128Concat,
		T::AccountId,
		BoundedVec<UnbondingChunk<T>, T::MaxUnbondingChunks>,
		ValueQuery,
	>;

	/// Events of the compute pallet.
	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A participant registered.
		Registered {
			/// The participant.
			who: T::AccountId,
			/// Worker or verifier.
			role: Role,
			/// Bond held.
			bond: BalanceOf<T>,
		},
		/// A participant added to its bond.
		Bonded {
			/// The participant.
			who: T::AccountId,
			/// Amount added.
			amount: BalanceOf<T>,
		},
		/// Part of a bond started unbonding.
		Unbonded {
			/// The participant.
			who: T::AccountId,
			/// Amount unbonding.
			amount: BalanceOf<T>,
			/// First block it can be withdrawn.
			unlock_at: BlockNumberFor<T>,
		},
		/// Unbonded funds were released.
		Withdrawn {
			/// The account.
			who: T::AccountId,
			/// Amount released.
			amount: BalanceOf<T>,
		},
		/// A participant changed its endpoint.
		EndpointUpdated {
			/// The participant.
			who: T::AccountId,
		},
		/// A participant stopped accepting assignments.
		WentOffline {
			/// The participant.
			who: T::AccountId,
		},
		/// A participant accepts assignments again.
		WentOnline {
			/// The participant.
			who: T::AccountId,
		},
		/// A participant left; its whole bond is unbonding.
		Deregistered {
			/// The former participant.
			who: T::AccountId,
			/// Amount now unbonding.
			unbonding: BalanceOf<T>,
		},
		/// Bond was locked for an assignment.
		BondLocked {
			/// The participant.
			who: T::AccountId,
			/// Amount locked.
			amount: BalanceOf<T>,
		},
		/// An assignment ended and its bond was unlocked.
		BondUnlocked {
			/// The participant.
			who: T::AccountId,
			/// Amount unlocked.
			amount: BalanceOf<T>,
		},
		/// Bond was slashed.
		Slashed {
			/// The participant.
			who: T::AccountId,
			/// Total amount taken.
			amount: BalanceOf<T>,
		},
		/// Part of a slash was paid to a beneficiary.
		SlashPaid {
			/// The slashed participant.
			from: T::AccountId,
			/// The beneficiary.
			to: T::AccountId,
			/// Amount paid.
			amount: BalanceOf<T>,
		},
		/// An outcome was added to a participant's reputation.
		OutcomeRecorded {
			/// The participant.
			who: T::AccountId,
			/// The outcome.
			outcome: Outcome,
		},
	}

	/// Errors of the compute pallet.
	#[pallet::error]
	pub enum Error<T> {
		/// The account is already registered (as a worker or a verifier).
		AlreadyRegistered,
		/// The account is not registered.
		NotRegistered,
		/// The bond is below the minimum bond.
		BondTooLow,
		/// Not enough free balance to hold this bond.
		InsufficientBalance,
		/// Capabilities need non-zero cores and memory and at least one model family, without
		/// repeats.
		BadCapabilities,
		/// An endpoint needs a non-empty peer id and at least one non-empty multiaddr.
		BadEndpoint,
		/// The verifier index is full.
		TooManyVerifiers,
		/// The amount must be greater than zero.
		ZeroAmount,
		/// Not enough free (unlocked) bond.
		InsufficientFreeBond,
		/// Unbonding this much would leave less than the minimum bond; deregister to leave.
		BelowMinimumBond,
		/// Too many unbonding chunks are waiting; withdraw some first.
		TooManyUnbondingChunks,
		/// No unbonding chunk has reached its unlock block.
		NothingToWithdraw,
		/// The participant is already offline.
		AlreadyOffline,
		/// The participant is already online.
		AlreadyOnline,
		/// The participant has open assignments.
		HasAssignments,
		/// No assignment has this much bond locked.
		NotLocked,
		/// The participant holds [`Config::MaxAssignments`] open assignments already.
		TooManyAssignments,
		/// Fewer eligible verifiers than requested.
		NotEnoughVerifiers,
		/// A slash needs at least one beneficiary with a non-zero part.
		NoBeneficiaries,
		/// No snapshot of the verifier set has this id.
		UnknownSnapshot,
		/// The snapshot already has as many holds as it can count.
		TooManySnapshotHolds,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn integrity_test() {
			assert!(T::MaxAssignments::get() > 0, "MaxAssignments must be non-zero");
			assert!(
				T::MaxVerifiers::get() > 0 && T::MaxVerifiers::get() <= 1 << 20,
				"MaxVerifiers must be between 1 and 2^20"
			);
			assert!(T::MaxHeldSnapshots::get() > 0, "MaxHeldSnapshots must be non-zero");
			assert!(
				!T::MaxSelectionWeight::get().is_zero(),
				"MaxSelectionWeight must be non-zero: a snapshot keeps only verifiers with weight"
			);
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Register as a worker, holding `bond` (at least [`Config::MinBond`]).
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::register_worker())]
		pub fn register_worker(
			origin: OriginFor<T>,
			bond: BalanceOf<T>,
			capabilities: Capabilities,
			endpoint: Endpoint,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_register(who, Role::Worker, bond, capabilities, endpoint)
		}

		/// Register as a verifier, holding `bond` (at least [`Config::MinBond`]).
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::register_verifier(T::MaxVerifiers::get()))]
		pub fn register_verifier(
			origin: OriginFor<T>,
			bond: BalanceOf<T>,
			capabilities: Capabilities,
			endpoint: Endpoint,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_register(who, Role::Verifier, bond, capabilities, endpoint)
		}

		/// Hold `amount` more as bond.
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::bond_more())]
		pub fn bond_more(origin: OriginFor<T>, amount: BalanceOf<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			ensure!(!amount.is_zero(), Error::<T>::ZeroAmount);
			Participants::<T>::try_mutate(&who, |maybe| -> DispatchResult {
				let p = maybe.as_mut().ok_or(Error::<T>::NotRegistered)?;
				Self::hold(&who, amount)?;
				p.bond = p.bond.saturating_add(amount);
				Self::reweigh(&who, p);
				Ok(())
			})?;
			Self::deposit_event(Event::Bonded { who, amount });
			Ok(())
		}

		/// Start unbonding `amount` of free bond; it can be withdrawn after
		/// [`Config::UnbondingDelay`] blocks. The bond left must stay at least the minimum.
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::unbond())]
		pub fn unbond(origin: OriginFor<T>, amount: BalanceOf<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			ensure!(!amount.is_zero(), Error::<T>::ZeroAmount);
			let mut p = Participants::<T>::get(&who).ok_or(Error::<T>::NotRegistered)?;
			ensure!(p.free_bond() >= amount, Error::<T>::InsufficientFreeBond);
			let left = p.bond.saturating_sub(amount);
			ensure!(left >= T::MinBond::get(), Error::<T>::BelowMinimumBond);
			let unlock_at = Self::schedule_unbonding(&who, amount)?;
			p.bond = left;
			Self::reweigh(&who, &p);
			Participants::<T>::insert(&who, p);
			Self::deposit_event(Event::Unbonded { who, amount, unlock_at });
			Ok(())
		}

		/// Release every unbonding chunk whose delay has passed. Works after deregistration.
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::withdraw_unbonded())]
		pub fn withdraw_unbonded(origin: OriginFor<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let now = frame_system::Pallet::<T>::block_number();
			let mut chunks = Unbonding::<T>::get(&who);
			let mut amount: BalanceOf<T> = Zero::zero();
			chunks.retain(|c| {
				if c.unlock_at <= now {
					amount = amount.saturating_add(c.amount);
					false
				} else {
					true
				}
			});
			ensure!(!amount.is_zero(), Error::<T>::NothingToWithdraw);
			T::Currency::release(&HoldReason::Bond.into(), &who, amount, Precision::Exact)?;
			if chunks.is_empty() {
				Unbonding::<T>::remove(&who);
			} else {
				Unbonding::<T>::insert(&who, chunks);
			}
			Self::deposit_event(Event::Withdrawn { who, amount });
			Ok(())
		}

		/// Replace the network endpoint.
		#[pallet::call_index(5)]
		#[pallet::weight(T::WeightInfo::update_endpoint())]
		pub fn update_endpoint(origin: OriginFor<T>, endpoint: Endpoint) -> DispatchResult {
			let who = ensure_signed(origin)?;
			ensure!(endpoint_is_valid(&endpoint), Error::<T>::BadEndpoint);
			Participants::<T>::try_mutate(&who, |maybe| -> DispatchResult {
				let p = maybe.as_mut().ok_or(Error::<T>::NotRegistered)?;
				p.endpoint = endpoint;
				Ok(())
			})?;
			Self::deposit_event(Event::EndpointUpdated { who });
			Ok(())
		}

		/// Stop accepting new assignments. Open assignments are unaffected.
		#[pallet::call_index(6)]
		#[pallet::weight(T::WeightInfo::go_offline())]
		pub fn go_offline(origin: OriginFor<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::set_online(&who, false)?;
			Self::deposit_event(Event::WentOffline { who });
			Ok(())
		}

		/// Accept new assignments again.
		#[pallet::call_index(7)]
		#[pallet::weight(T::WeightInfo::go_online())]
		pub fn go_online(origin: OriginFor<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::set_online(&who, true)?;
			Self::deposit_event(Event::WentOnline { who });
			Ok(())
		}

		/// Leave: the whole bond starts unbonding and the registration (with its reputation) is
		/// removed. Only without open assignments.
		#[pallet::call_index(8)]
		#[pallet::weight(T::WeightInfo::deregister(T::MaxVerifiers::get()))]
		pub fn deregister(origin: OriginFor<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let p = Participants::<T>::get(&who).ok_or(Error::<T>::NotRegistered)?;
			ensure!(p.assignments == 0, Error::<T>::HasAssignments);
			if !p.bond.is_zero() {
				Self::schedule_unbonding(&who, p.bond)?;
			}
			Self::vacate_slot(&who);
			Participants::<T>::remove(&who);
			Self::deposit_event(Event::Deregistered { who, unbonding: p.bond });
			Ok(())
		}
	}

	impl<T: Config> Pallet<T> {
		fn do_register(
			who: T::AccountId,
			role: Role,
			bond: BalanceOf<T>,
			capabilities: Capabilities,
			endpoint: Endpoint,
		) -> DispatchResult {
			ensure!(!Participants::<T>::contains_key(&who), Error::<T>::AlreadyRegistered);
			ensure!(bond >= T::MinBond::get(), Error::<T>::BondTooLow);
			ensure!(capabilities_are_valid(&capabilities), Error::<T>::BadCapabilities);
			ensure!(endpoint_is_valid(&endpoint), Error::<T>::BadEndpoint);
			if role == Role::Verifier {
				ensure!(
					VerifierCount::<T>::get() < T::MaxVerifiers::get(),
					Error::<T>::TooManyVerifiers
				);
			}
			// Hold first: every check that can fail is done before the first write.
			Self::hold(&who, bond)?;
			if role == Role::Verifier {
				Self::occupy_slot(&who)?;
			}
			let p = Participant {
				role,
				online: true,
				bond,
				locked: Zero::zero(),
				assignments: 0,
				capabilities,
				endpoint,
				reputation: Reputation::default(),
			};
			Self::reweigh(&who, &p);
			Participants::<T>::insert(&who, p);
			Self::deposit_event(Event::Registered { who, role, bond });
			Ok(())
		}

		fn hold(who: &T::AccountId, amount: BalanceOf<T>) -> DispatchResult {
			T::Currency::hold(&HoldReason::Bond.into(), who, amount)
				.map_err(|_| Error::<T>::InsufficientBalance.into())
		}

		/// Add `amount` (already held) to `who`'s unbonding chunks; returns the unlock block.
		fn schedule_unbonding(
			who: &T::AccountId,
			amount: BalanceOf<T>,
		) -> Result<BlockNumberFor<T>, DispatchError> {
			let unlock_at =
				frame_system::Pallet::<T>::block_number().saturating_add(T::UnbondingDelay::get());
			Unbonding::<T>::try_mutate(who, |chunks| -> DispatchResult {
				if let Some(c) = chunks.iter_mut().find(|c| c.unlock_at == unlock_at) {
					c.amount = c.amount.saturating_add(amount);
					return Ok(());
				}
				chunks
					.try_push(UnbondingChunk { amount, unlock_at })
					.map_err(|_| Error::<T>::TooManyUnbondingChunks.into())
			})?;
			Ok(unlock_at)
		}

		fn set_online(who: &T::AccountId, online: bool) -> DispatchResult {
			Participants::<T>::try_mutate(who, |maybe| -> DispatchResult {
				let p = maybe.as_mut().ok_or(Error::<T>::NotRegistered)?;
				match (p.online, online) {
					(false, false) => Err(Error::<T>::AlreadyOffline.into()),
					(true, true) => Err(Error::<T>::AlreadyOnline.into()),
					_ => {
						p.online = online;
						Self::reweigh(who, p);
						Ok(())
					},
				}
			})
		}

		/// `p` is online, has at least the minimum bond and at least `min_free` free bond.
		pub(crate) fn is_active(p: &Participant<T>, min_free: BalanceOf<T>) -> bool {
			p.online && p.bond >= T::MinBond::get() && p.free_bond() >= min_free
		}

		/// `who` has `role`, is active with at least `min_free` free bond and can take one
		/// more assignment ([`Config::MaxAssignments`]).
		fn is_active_as(who: &T::AccountId, role: Role, min_free: BalanceOf<T>) -> bool {
			Participants::<T>::get(who).is_some_and(|p| {
				p.role == role &&
					Self::is_active(&p, min_free) &&
					p.assignments < T::MaxAssignments::get()
			})
		}

		/// Take up to `amount` of `who`'s bond and pay it to the beneficiaries by parts.
		fn do_slash(
			who: &T::AccountId,
			amount: BalanceOf<T>,
			beneficiaries: &[(T::AccountId, u32)],
		) -> Result<BalanceOf<T>, DispatchError> {
			let total_parts = beneficiaries
				.iter()
				.fold(0u128, |acc, (_, part)| acc.saturating_add(u128::from(*part)));
			ensure!(total_parts > 0, Error::<T>::NoBeneficiaries);
			let mut p = Participants::<T>::get(who).ok_or(Error::<T>::NotRegistered)?;
			let actual = amount.min(p.bond);
			if actual.is_zero() {
				return Ok(actual);
			}
			let actual_u128: u128 = actual.saturated_into();
			let mut shares: Vec<BalanceOf<T>> = beneficiaries
				.iter()
				.map(|(_, part)| {
					multiply_by_rational_with_rounding(
						actual_u128,
						u128::from(*part),
						total_parts,
						Rounding::Down,
					)
					.unwrap_or(0)
					.saturated_into()
				})
				.collect();
			let paid =
				shares.iter().fold(Zero::zero(), |acc: BalanceOf<T>, s| acc.saturating_add(*s));
			let first = beneficiaries
				.iter()
				.position(|(_, part)| *part > 0)
				.ok_or(Error::<T>::NoBeneficiaries)?;
			if let Some(s) = shares.get_mut(first) {
				*s = s.saturating_add(actual.saturating_sub(paid));
			}
			for ((to, _), share) in beneficiaries.iter().zip(shares) {
				if share.is_zero() {
					continue;
				}
				T::Currency::transfer_on_hold(
					&HoldReason::Bond.into(),
					who,
					to,
					share,
					Precision::Exact,
					Restriction::Free,
					Fortitude::Force,
				)?;
				Self::deposit_event(Event::SlashPaid {
					from: who.clone(),
					to: to.clone(),
					amount: share,
				});
			}
			p.bond = p.bond.saturating_sub(actual);
			p.locked = p.locked.min(p.bond);
			Self::reweigh(who, &p);
			Participants::<T>::insert(who, p);
			Self::deposit_event(Event::Slashed { who: who.clone(), amount: actual });
			Ok(actual)
		}

		/// Check every invariant of the pallet's storage.
		// Also in `std` builds, so runtime integration tests can check the invariants.
		#[cfg(any(feature = "std", feature = "try-runtime"))]
		pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
			use frame_support::traits::fungible::InspectHold;

			let unbonding_of = |who: &T::AccountId| {
				Unbonding::<T>::get(who)
					.iter()
					.fold(Zero::zero(), |acc: BalanceOf<T>, c| acc.saturating_add(c.amount))
			};
			let held_of =
				|who: &T::AccountId| T::Currency::balance_on_hold(&HoldReason::Bond.into(), who);
			let mut registered_verifiers = 0u32;
			for (who, p) in Participants::<T>::iter() {
				if p.role == Role::Verifier {
					registered_verifiers += 1;
					ensure!(VerifierSlots::<T>::contains_key(&who), "verifier not indexed");
				}
				ensure!(p.locked <= p.bond, "locked bond exceeds the bond");
				ensure!(p.assignments > 0 || p.locked.is_zero(), "bond locked without assignment");
				ensure!(
					held_of(&who) == p.bond.saturating_add(unbonding_of(&who)),
					"held bond differs from bond plus unbonding"
				);
				ensure!(capabilities_are_valid(&p.capabilities), "invalid capabilities stored");
				ensure!(endpoint_is_valid(&p.endpoint), "invalid endpoint stored");
			}
			ensure!(
				registered_verifiers == VerifierCount::<T>::get(),
				"verifier index incomplete"
			);
			Self::index_try_state()?;
			for (who, chunks) in Unbonding::<T>::iter() {
				ensure!(!chunks.is_empty(), "empty unbonding entry kept");
				if !Participants::<T>::contains_key(&who) {
					ensure!(
						held_of(&who) == unbonding_of(&who),
						"held bond differs from unbonding"
					);
				}
			}
			Ok(())
		}
	}

	impl<T: Config> mlchain_pallet_traits::WorkerRegistry<T::AccountId, BalanceOf<T>> for Pallet<T> {
		fn is_active_worker(who: &T::AccountId, min_free_bond: BalanceOf<T>) -> bool {
			Self::is_active_as(who, Role::Worker, min_free_bond)
		}

		fn is_active_verifier(who: &T::AccountId, min_free_bond: BalanceOf<T>) -> bool {
			Self::is_active_as(who, Role::Verifier, min_free_bond)
		}

		fn free_bond(who: &T::AccountId) -> BalanceOf<T> {
			Participants::<T>::get(who).map(|p| p.free_bond()).unwrap_or_else(Zero::zero)
		}

		fn lock_bond(who: &T::AccountId, amount: BalanceOf<T>) -> DispatchResult {
			Participants::<T>::try_mutate(who, |maybe| -> DispatchResult {
				let p = maybe.as_mut().ok_or(Error::<T>::NotRegistered)?;
				ensure!(p.free_bond() >= amount, Error::<T>::InsufficientFreeBond);
				ensure!(p.assignments < T::MaxAssignments::get(), Error::<T>::TooManyAssignments);
				p.assignments =
					p.assignments.checked_add(1).ok_or(Error::<T>::TooManyAssignments)?;
				p.locked = p.locked.saturating_add(amount);
				Self::reweigh(who, p);
				Ok(())
			})?;
			Self::deposit_event(Event::BondLocked { who: who.clone(), amount });
			Ok(())
		}

		fn unlock_bond(who: &T::AccountId, amount: BalanceOf<T>) -> DispatchResult {
			Participants::<T>::try_mutate(who, |maybe| -> DispatchResult {
				let p = maybe.as_mut().ok_or(Error::<T>::NotRegistered)?;
				ensure!(p.assignments > 0, Error::<T>::NotLocked);
				// A slash may have shrunk the locked bond below what the assignment locked;
				// unlock what is left rather than fail, so the assignment can always close.
				p.assignments -= 1;
				p.locked =
					if p.assignments == 0 { Zero::zero() } else { p.locked.saturating_sub(amount) };
				Self::reweigh(who, p);
				Ok(())
			})?;
			Self::deposit_event(Event::BondUnlocked { who: who.clone(), amount });
			Ok(())
		}

		fn slash(
			who: &T::AccountId,
			amount: BalanceOf<T>,
			beneficiaries: &[(T::AccountId, u32)],
		) -> Result<BalanceOf<T>, DispatchError> {
			frame_support::storage::with_storage_layer(|| {
				Self::do_slash(who, amount, beneficiaries)
			})
		}

		fn record_outcome(who: &T::AccountId, outcome: Outcome) -> DispatchResult {
			Participants::<T>::try_mutate(who, |maybe| -> DispatchResult {
				let p = maybe.as_mut().ok_or(Error::<T>::NotRegistered)?;
				let r = &mut p.reputation;
				match outcome {
					Outcome::TaskDone => r.tasks_done.saturating_inc(),
					Outcome::VerifiedOk => r.verified_ok.saturating_inc(),
					Outcome::Fault => r.faults.saturating_inc(),
				}
				Ok(())
			})?;
			Self::deposit_event(Event::OutcomeRecorded { who: who.clone(), outcome });
			Ok(())
		}

		fn open_assignments(who: &T::AccountId) -> u32 {
			Participants::<T>::get(who).map_or(0, |p| p.assignments)
		}

		fn total_open_assignments() -> u32 {
			Participants::<T>::iter_values().fold(0u32, |n, p| n.saturating_add(p.assignments))
		}

		fn snapshot_verifiers() -> Result<SnapshotId, DispatchError> {
			Self::take_snapshot()
		}

		fn release_verifier_snapshot(snapshot: SnapshotId) {
			Self::release_snapshot(snapshot)
		}

		fn verifier_snapshot_holds(snapshot: SnapshotId) -> u32 {
			VerifierSnapshots::<T>::get()
				.iter()
				.find(|s| s.id == snapshot)
				.map_or(0, |s| s.holds)
		}

		fn snapshot_verifiers_weight() -> Weight {
			T::WeightInfo::snapshot_verifiers(T::MaxVerifiers::get())
		}

		fn select_verifiers(
			snapshot: SnapshotId,
			seed: [u8; 32],
			k: u32,
			exclude: &[T::AccountId],
			min_free_bond: BalanceOf<T>,
		) -> Result<Vec<T::AccountId>, DispatchError> {
			ensure!(
				VerifierSnapshots::<T>::get().iter().any(|s| s.id == snapshot),
				Error::<T>::UnknownSnapshot
			);
			let mut pool = Self::pool_at(snapshot);
			// The excluded accounts' current slots are the ones they had in the snapshot, if
			// any: a slot is not handed to anyone else while a snapshot of its owner is held.
			for who in exclude {
				if let Some(entry) = VerifierSlots::<T>::get(who) {
					pool.remove(entry.slot);
				}
			}
			let usable = |slot: &u32| {
				SlotOwners::<T>::get(slot).is_some_and(|who| {
					!exclude.contains(&who) &&
						Self::is_active_as(&who, Role::Verifier, min_free_bond)
				})
			};
			let slots = selection::sample_replacing(
				&mut pool,
				&seed,
				k,
				T::MaxReplacements::get(),
				usable,
			)
			.ok_or(Error::<T>::NotEnoughVerifiers)?;
			slots
				.into_iter()
				.map(|slot| SlotOwners::<T>::get(slot).ok_or(Error::<T>::NotEnoughVerifiers.into()))
				.collect()
		}

		fn select_verifiers_weight(k: u32, excluded: u32) -> Weight {
			// As measured (every pick usable, none excluded), plus for each replacement a
			// descent of the tree, a point query and a removal (three paths of nodes), an
			// owner and a participant read, and for each excluded account a point query and a
			// removal (two paths) and its index entry.
			let depth = u64::from(Self::index_depth());
			let replacements = u64::from(T::MaxReplacements::get());
			let node = NodeHistory::<T>::max_encoded_len() as u64;
			let per_replacement = (
				depth.saturating_mul(3).saturating_add(2),
				depth
					.saturating_mul(3)
					.saturating_mul(node)
					.saturating_add(T::AccountId::max_encoded_len() as u64)
					.saturating_add(Participant::<T>::max_encoded_len() as u64),
			);
			let per_excluded = (
				depth.saturating_mul(2).saturating_add(1),
				depth
					.saturating_mul(2)
					.saturating_mul(node)
					.saturating_add(IndexEntry::max_encoded_len() as u64),
			);
			let extra_reads = replacements
				.saturating_mul(per_replacement.0)
				.saturating_add(u64::from(excluded).saturating_mul(per_excluded.0));
			let extra_proof = replacements
				.saturating_mul(per_replacement.1)
				.saturating_add(u64::from(excluded).saturating_mul(per_excluded.1));
			T::WeightInfo::select_verifiers(T::MaxVerifiers::get(), k)
				.saturating_add(T::DbWeight::get().reads(extra_reads))
				.saturating_add(Weight::from_parts(0, extra_proof))
		}
	}
}

/// `true` if the capabilities are usable: non-zero cores and memory, at least one model
/// family, no family twice.
pub fn capabilities_are_valid(c: &Capabilities) -> bool {
	c.cores > 0
		&& c.memory_mib > 0
		&& !c.model_families.is_empty()
		&& c.model_families
			.iter()
			.enumerate()
			.all(|(i, f)| !c.model_families.iter().skip(i + 1).any(|g| g == f))
}

/// `true` if the endpoint can be dialled: a non-empty peer id and at least one non-empty
/// multiaddr.
pub fn endpoint_is_valid(e: &Endpoint) -> bool {
	!e.peer_id.is_empty() && !e.addrs.is_empty() && e.addrs.iter().all(|a| !a.is_empty())
}
