//! # Data registry pallet
//!
//! A registry of the datasets and models that mlchain tasks train on.
//!
//! ## Overview
//!
//! An *entry* describes one content-addressed artifact: the root hash of its content in the
//! artifact store, its size, whether it is a dataset or a model, where to fetch it (a bounded
//! URI), its SPDX licence, its schema, its price per use and the owner's royalty share of the
//! rewards of tasks that use it. A new version of an artifact is registered as a new entry whose
//! `parent` is the previous version, so versions form a chain that tasks can pin.
//!
//! Owners pay for the storage they use: a deposit is held from the owner (with a fungible hold,
//! [`HoldReason::StorageDeposit`]) for every entry and every allow-list slot, and returned when
//! the entry or slot is removed.
//!
//! ## Terminology
//!
//! - **Owner**: the account that registered an entry, or received it by `transfer_ownership`.
//!   Receives the price per use and royalties.
//! - **Access**: an entry is `Public` (anyone may use it by paying its price) or `AllowList`
//!   (only the owner and the accounts on its allow-list may use it, still paying the price).
//! - **Lock**: a running task pins the entries it uses. A locked entry cannot be removed and its
//!   access cannot be narrowed, so a task never loses its data halfway.
//! - **Take-down**: governance ([`Config::TakeDownOrigin`]) can take an entry down for a licence
//!   violation or abuse. It is final: the owner cannot re-activate, remove or re-register it.
//!
//! ## Usage
//!
//! Data owners use the dispatchables: [`Pallet::register`], [`Pallet::update_price`],
//! [`Pallet::deprecate`], [`Pallet::transfer_ownership`], [`Pallet::set_access`],
//! [`Pallet::grant_access`], [`Pallet::revoke_access`], [`Pallet::remove`]. Governance uses
//! [`Pallet::take_down`]. Other pallets (the training pallet) use the
//! [`mlchain_pallet_traits::DatasetProvider`] implementation of this pallet.
//!
//! See `docs/data-registry.md` for a step-by-step guide.
//!
//! ## Implementation notes
//!
//! - Every stored collection is bounded. The URI bound is [`Config::MaxUriLen`], the allow-list
//!   bound [`Config::MaxAllowList`]; licence and schema names have fixed bounds
//!   ([`MAX_LICENCE_LEN`], [`MAX_NAMES`], [`MAX_NAME_LEN`]).
//! - The deposit actually held is stored with each entry and allow-list slot, so a later change
//!   of the deposit constants never makes a release fail or leave funds behind.
//! - `try_state` checks that each owner's held deposit equals the sum of the deposits recorded
//!   for the entries it owns, and that the `(owner, root)` index and the version counts match the
//!   entries.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;
pub mod weights;
pub use weights::WeightInfo;

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{
	pallet_prelude::ConstU32, traits::fungible, BoundedVec, CloneNoBound, EqNoBound,
	PartialEqNoBound, DebugNoBound,
};
pub use mlchain_pallet_traits::{ArtifactKind, EntryId, EntryStatus};
use scale_info::TypeInfo;

/// Longest SPDX licence expression stored, in bytes.
pub const MAX_LICENCE_LEN: u32 = 64;
/// Most names (label columns or tensor names) a schema may list.
pub const MAX_NAMES: u32 = 16;
/// Longest single schema name, in bytes.
pub const MAX_NAME_LEN: u32 = 64;
/// Royalties are expressed in basis points: 10 000 is the whole reward.
pub const MAX_ROYALTY_BPS: u16 = 10_000;

/// Balance type of the configured currency.
pub type BalanceOf<T> =
	<<T as Config>::Currency as fungible::Inspect<<T as frame_system::Config>::AccountId>>::Balance;
/// A stored URI.
pub type UriOf<T> = BoundedVec<u8, <T as Config>::MaxUriLen>;
/// An SPDX licence identifier or expression, such as `MIT` or `Apache-2.0 OR MIT`.
pub type Licence = BoundedVec<u8, ConstU32<MAX_LICENCE_LEN>>;
/// One schema name: a label column or a tensor name.
pub type SchemaName = BoundedVec<u8, ConstU32<MAX_NAME_LEN>>;

/// File format of an artifact's content.
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
pub enum DataFormat {
	/// Comma-separated values with a header row.
	Csv,
	/// NumPy `.npy` arrays.
	Npy,
	/// IDX files (the MNIST format).
	Idx,
	/// safetensors (also the format of model weights).
	Safetensors,
}

/// What the content of an artifact looks like, so a task can be checked against it before any
/// byte is fetched.
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
pub struct Schema {
	/// File format.
	pub format: DataFormat,
	/// Number of input features per row (for a model: its input width).
	pub feature_count: u32,
	/// Label column names (CSV) or tensor names (npy, IDX, safetensors). Non-empty names.
	pub names: BoundedVec<SchemaName, ConstU32<MAX_NAMES>>,
	/// Number of rows (samples); zero for a model.
	pub row_count: u64,
}

/// Who may use an entry.
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
pub enum AccessMode {
	/// Anyone, paying the price per use.
	Public,
	/// The owner and the accounts on the entry's allow-list, paying the price per use.
	AllowList,
}

/// Why governance took an entry down.
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
pub enum TakeDownReason {
	/// The content is used against its licence, or the licence claim is false.
	Licence,
	/// The content is abusive or illegal.
	Abuse,
}

/// Everything the registry stores about one artifact.
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
pub struct Entry<T: Config> {
	/// Current owner.
	pub owner: T::AccountId,
	/// Root hash of the content in the artifact store.
	pub root: [u8; 32],
	/// Content size in bytes (non-zero).
	pub size: u64,
	/// Dataset or model.
	pub kind: ArtifactKind,
	/// Where to fetch the content (`mlchain://`, `ipfs://` or `https://`).
	pub uri: UriOf<T>,
	/// SPDX licence identifier or expression.
	pub licence: Licence,
	/// Shape of the content.
	pub schema: Schema,
	/// Price charged per use by a task.
	pub price: BalanceOf<T>,
	/// Owner's share of the reward of a task using this entry, in basis points.
	pub royalty_bps: u16,
	/// The previous version, if this entry is a new version of an earlier one.
	pub parent: Option<EntryId>,
	/// How many live entries name this one as their parent.
	pub versions: u32,
	/// Active, deprecated or taken down.
	pub status: EntryStatus,
	/// Public or allow-list.
	pub access: AccessMode,
	/// How many running tasks have locked this entry.
	pub locks: u32,
	/// The deposit held from the owner for this entry (not counting allow-list slots).
	pub deposit: BalanceOf<T>,
}

/// One allow-list slot: the account allowed and the deposit held from the owner for the slot.
pub type AllowSlot<T> = (<T as frame_system::Config>::AccountId, BalanceOf<T>);

/// Datasets and models as content-addressed artifacts: owners, licences, prices, royalties,
/// access lists and versions, with a storage deposit held per entry. Module docs above explain
/// the whole pallet; this summary is what clients read in the runtime metadata.
#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use frame_support::{
		pallet_prelude::*,
		traits::{
			fungible::{Inspect, Mutate, MutateHold},
			tokens::{Fortitude, Precision, Preservation, Restriction},
		},
	};
	use frame_system::pallet_prelude::*;
	use sp_runtime::traits::{Saturating, Zero};

	/// The in-code storage version.
	const STORAGE_VERSION: StorageVersion = StorageVersion::new(0);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	/// Configuration of the data registry.
	#[pallet::config]
	pub trait Config: frame_system::Config {
		/// The overarching event type.
		#[allow(deprecated)]
		type RuntimeEvent: From<Event<Self>> + IsType<<Self as frame_system::Config>::RuntimeEvent>;

		/// The currency that deposits are held in and prices and royalties are paid in.
		type Currency: Inspect<Self::AccountId>
			+ Mutate<Self::AccountId>
			+ MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>;

		/// The overarching hold reason, which must include this pallet's [`HoldReason`].
		type RuntimeHoldReason: From<HoldReason>;

		/// Who may take entries down (governance; root on a dev chain).
		type TakeDownOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		/// Fixed part of the deposit held per entry.
		#[pallet::constant]
		type EntryDeposit: Get<BalanceOf<Self>>;

		/// Deposit held per byte of an entry's variable-length metadata (URI, licence, names).
		#[pallet::constant]
		type ByteDeposit: Get<BalanceOf<Self>>;

		/// Deposit held per allow-list slot.
		#[pallet::constant]
		type AccessDeposit: Get<BalanceOf<Self>>;

		/// Longest URI accepted, in bytes.
		#[pallet::constant]
		type MaxUriLen: Get<u32>;

		/// Most accounts on one entry's allow-list.
		#[pallet::constant]
		type MaxAllowList: Get<u32>;

		/// Most locks (running tasks) one entry can carry at once.
		#[pallet::constant]
		type MaxLocks: Get<u32>;

		/// Highest royalty an entry may ask, in basis points (at most [`MAX_ROYALTY_BPS`]).
		/// Royalties are paid out of a task's reward, so without a cap a requester's Sybil
		/// owner could take an honest worker's whole reward. Entries registered under a higher
		/// cap are paid at most this.
		#[pallet::constant]
		type MaxRoyaltyBps: Get<u16>;

		/// Weights of this pallet's calls.
		type WeightInfo: WeightInfo;
	}

	/// Why this pallet holds funds.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// Deposit for an entry or an allow-list slot, returned when it is removed.
		#[codec(index = 0)]
		StorageDeposit,
	}

	/// The id the next registered entry gets.
	#[pallet::storage]
	pub type NextEntryId<T> = StorageValue<_, EntryId, ValueQuery>;

	/// All entries by id.
	#[pallet::storage]
	pub type Entries<T: Config> = StorageMap<_, Blake2_128Concat, EntryId, Entry<T>>;

	/// Index from (owner, content root) to the owner's entry with that root; an owner registers
	/// each root once.
	#[pallet::storage]
	pub type OwnerRoots<T: Config> =
		StorageDoubleMap<_, Blake2_128Concat, T::AccountId, Blake2_128Concat, [u8; 32], EntryId>;

	/// Allow-list of each entry that has one: accounts and the deposit held for each slot.
	#[pallet::storage]
	pub type AllowLists<T: Config> = StorageMap<
		_,
		Blake2_128Concat,
		EntryId,
		BoundedVec<AllowSlot<T>, T::MaxAllowList>,
		ValueQuery,
	>;

	/// Events of the data registry.
	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// An entry was registered.
		Registered {
			/// The new entry.
			id: EntryId,
			/// Its owner.
			owner: T::AccountId,
			/// Its content root.
			root: [u8; 32],
			/// Dataset or model.
			kind: ArtifactKind,
			/// The version it replaces, if any.
			parent: Option<EntryId>,
			/// The deposit held for it.
			deposit: BalanceOf<T>,
		},
		/// An entry's price per use changed.
		PriceUpdated {
			/// The entry.
			id: EntryId,
			/// The new price.
			price: BalanceOf<T>,
		},
		/// An entry was deprecated by its owner.
		Deprecated {
			/// The entry.
			id: EntryId,
		},
		/// An entry changed owner; its deposits moved with it.
		OwnershipTransferred {
			/// The entry.
			id: EntryId,
			/// The previous owner.
			from: T::AccountId,
			/// The new owner.
			to: T::AccountId,
		},
		/// An entry's access mode changed.
		AccessSet {
			/// The entry.
			id: EntryId,
			/// The new mode.
			access: AccessMode,
		},
		/// An account was put on an entry's allow-list.
		AccessGranted {
			/// The entry.
			id: EntryId,
			/// The account allowed.
			who: T::AccountId,
		},
		/// An account was taken off an entry's allow-list.
		AccessRevoked {
			/// The entry.
			id: EntryId,
			/// The account no longer allowed.
			who: T::AccountId,
		},
		/// An entry was removed by its owner and all its deposits returned.
		Removed {
			/// The entry.
			id: EntryId,
			/// Total deposit returned to the owner.
			refunded: BalanceOf<T>,
		},
		/// Governance took an entry down.
		TakenDown {
			/// The entry.
			id: EntryId,
			/// Why.
			reason: TakeDownReason,
		},
		/// A task paid the price per use of an entry.
		UsePaid {
			/// The entry.
			id: EntryId,
			/// Who paid.
			payer: T::AccountId,
			/// The amount paid to the owner.
			amount: BalanceOf<T>,
		},
		/// A royalty was paid to an entry's owner.
		RoyaltyPaid {
			/// The entry.
			id: EntryId,
			/// Who paid.
			payer: T::AccountId,
			/// The amount paid to the owner.
			amount: BalanceOf<T>,
		},
		/// A task locked an entry.
		Locked {
			/// The entry.
			id: EntryId,
			/// Number of locks now held.
			locks: u32,
		},
		/// A task released its lock on an entry.
		Unlocked {
			/// The entry.
			id: EntryId,
			/// Number of locks still held.
			locks: u32,
		},
	}

	/// Errors of the data registry.
	#[pallet::error]
	pub enum Error<T> {
		/// No entry has this id.
		UnknownEntry,
		/// Only the entry's owner may do this.
		NotOwner,
		/// The URI must start with `mlchain://` (followed by the 64 hex digits of the content
		/// root), `ipfs://` or `https://`, have something after the scheme, and contain only
		/// printable ASCII without spaces.
		BadUri,
		/// The licence must be a non-empty SPDX identifier or expression (letters, digits and
		/// `.-+:()` and spaces).
		BadLicence,
		/// Schema names must be non-empty.
		BadSchema,
		/// The artifact size must be greater than zero.
		EmptyArtifact,
		/// The royalty exceeds the runtime's [`Config::MaxRoyaltyBps`].
		RoyaltyTooHigh,
		/// This owner already has an entry with this content root.
		DuplicateRoot,
		/// The parent entry must exist, belong to the same owner, be of the same kind, and not
		/// be taken down.
		BadParent,
		/// The entry is locked by a running task; wait until the task ends.
		Locked,
		/// The entry was taken down by governance and cannot be changed or used.
		TakenDown,
		/// The entry is deprecated: it cannot be used by new tasks or changed further.
		Deprecated,
		/// The entry has newer versions registered; remove those first.
		HasVersions,
		/// The account is already on the allow-list.
		AlreadyAllowed,
		/// The account is not on the allow-list.
		NotAllowed,
		/// The allow-list is full.
		AllowListFull,
		/// The new owner is the current owner.
		SameOwner,
		/// The entry was not locked.
		NotLocked,
		/// The entry carries the most locks it can.
		TooManyLocks,
		/// The account may not use this entry: it is on an allow-list that does not name it.
		AccessDenied,
		/// Not enough free balance for the deposit.
		InsufficientDeposit,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Register a dataset or a model, holding the entry deposit from the caller.
		///
		/// `parent`, if given, is an earlier version owned by the caller, of the same kind and
		/// not taken down; the new entry becomes its newest version.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::register())]
		pub fn register(
			origin: OriginFor<T>,
			root: [u8; 32],
			size: u64,
			kind: ArtifactKind,
			uri: UriOf<T>,
			licence: Licence,
			schema: Schema,
			price: BalanceOf<T>,
			royalty_bps: u16,
			parent: Option<EntryId>,
		) -> DispatchResult {
			let owner = ensure_signed(origin)?;
			let entry = Self::new_entry(
				owner,
				root,
				size,
				kind,
				uri,
				licence,
				schema,
				price,
				royalty_bps,
				parent,
			);
			Self::do_register(entry).map(|_| ())
		}

		/// Change the price per use. Tasks already running paid at creation and are unaffected.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::update_price())]
		pub fn update_price(
			origin: OriginFor<T>,
			id: EntryId,
			price: BalanceOf<T>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Entries::<T>::try_mutate(id, |maybe| -> DispatchResult {
				let entry = maybe.as_mut().ok_or(Error::<T>::UnknownEntry)?;
				Self::ensure_owner_and_changeable(entry, &who)?;
				entry.price = price;
				Ok(())
			})?;
			Self::deposit_event(Event::PriceUpdated { id, price });
			Ok(())
		}

		/// Retire an entry: no new task can use it. Running tasks (locks) are unaffected.
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::deprecate())]
		pub fn deprecate(origin: OriginFor<T>, id: EntryId) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Entries::<T>::try_mutate(id, |maybe| -> DispatchResult {
				let entry = maybe.as_mut().ok_or(Error::<T>::UnknownEntry)?;
				Self::ensure_owner_and_changeable(entry, &who)?;
				entry.status = EntryStatus::Deprecated;
				Ok(())
			})?;
			Self::deposit_event(Event::Deprecated { id });
			Ok(())
		}

		/// Give an entry to `new_owner`. The held deposits (entry and allow-list slots) move to
		/// the new owner, who gets them back when the entry is removed. Allowed while locked:
		/// royalties of running tasks then go to the new owner.
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::transfer_ownership(T::MaxAllowList::get()))]
		pub fn transfer_ownership(
			origin: OriginFor<T>,
			id: EntryId,
			new_owner: T::AccountId,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_transfer_ownership(who, id, new_owner)
		}

		/// Make an entry public or restrict it to its allow-list. Restricting a locked entry is
		/// refused, since a running task's requester might not be on the list.
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::set_access())]
		pub fn set_access(origin: OriginFor<T>, id: EntryId, access: AccessMode) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Entries::<T>::try_mutate(id, |maybe| -> DispatchResult {
				let entry = maybe.as_mut().ok_or(Error::<T>::UnknownEntry)?;
				Self::ensure_owner_and_changeable(entry, &who)?;
				if access == AccessMode::AllowList && entry.access != AccessMode::AllowList {
					ensure!(entry.locks == 0, Error::<T>::Locked);
				}
				entry.access = access;
				Ok(())
			})?;
			Self::deposit_event(Event::AccessSet { id, access });
			Ok(())
		}

		/// Put `who` on an entry's allow-list, holding one slot deposit from the owner.
		#[pallet::call_index(5)]
		#[pallet::weight(T::WeightInfo::grant_access(T::MaxAllowList::get()))]
		pub fn grant_access(
			origin: OriginFor<T>,
			id: EntryId,
			who: T::AccountId,
		) -> DispatchResult {
			let owner = ensure_signed(origin)?;
			let entry = Entries::<T>::get(id).ok_or(Error::<T>::UnknownEntry)?;
			Self::ensure_owner_and_changeable(&entry, &owner)?;
			AllowLists::<T>::try_mutate(id, |list| -> DispatchResult {
				ensure!(!list.iter().any(|(a, _)| a == &who), Error::<T>::AlreadyAllowed);
				let deposit = T::AccessDeposit::get();
				list.try_push((who.clone(), deposit)).map_err(|_| Error::<T>::AllowListFull)?;
				Self::hold_deposit(&owner, deposit)
			})?;
			Self::deposit_event(Event::AccessGranted { id, who });
			Ok(())
		}

		/// Take `who` off an entry's allow-list and return the slot deposit. Refused while the
		/// entry is locked and restricted to its allow-list. Allowed on a taken-down entry, so
		/// the owner can recover slot deposits.
		#[pallet::call_index(6)]
		#[pallet::weight(T::WeightInfo::revoke_access(T::MaxAllowList::get()))]
		pub fn revoke_access(
			origin: OriginFor<T>,
			id: EntryId,
			who: T::AccountId,
		) -> DispatchResult {
			let owner = ensure_signed(origin)?;
			let entry = Entries::<T>::get(id).ok_or(Error::<T>::UnknownEntry)?;
			ensure!(entry.owner == owner, Error::<T>::NotOwner);
			ensure!(entry.locks == 0 || entry.access == AccessMode::Public, Error::<T>::Locked);
			AllowLists::<T>::try_mutate_exists(id, |maybe| -> DispatchResult {
				let list = maybe.as_mut().ok_or(Error::<T>::NotAllowed)?;
				let pos = list.iter().position(|(a, _)| a == &who).ok_or(Error::<T>::NotAllowed)?;
				let (_, deposit) = list.remove(pos);
				if list.is_empty() {
					*maybe = None;
				}
				Self::release_deposit(&owner, deposit)
			})?;
			Self::deposit_event(Event::AccessRevoked { id, who });
			Ok(())
		}

		/// Remove an entry and return its deposits (entry and allow-list slots). Refused while
		/// locked, while newer versions exist, and for taken-down entries.
		#[pallet::call_index(7)]
		#[pallet::weight(T::WeightInfo::remove(T::MaxAllowList::get()))]
		pub fn remove(origin: OriginFor<T>, id: EntryId) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_remove(who, id)
		}

		/// Governance: take an entry down for a licence violation or abuse. Final. Locks and
		/// deposits stay; running tasks can still unlock it, but no royalty is paid for it.
		#[pallet::call_index(8)]
		#[pallet::weight(T::WeightInfo::take_down())]
		pub fn take_down(
			origin: OriginFor<T>,
			id: EntryId,
			reason: TakeDownReason,
		) -> DispatchResult {
			T::TakeDownOrigin::ensure_origin(origin)?;
			Entries::<T>::try_mutate(id, |maybe| -> DispatchResult {
				let entry = maybe.as_mut().ok_or(Error::<T>::UnknownEntry)?;
				ensure!(entry.status != EntryStatus::TakenDown, Error::<T>::TakenDown);
				entry.status = EntryStatus::TakenDown;
				Ok(())
			})?;
			Self::deposit_event(Event::TakenDown { id, reason });
			Ok(())
		}
	}

	impl<T: Config> Pallet<T> {
		/// An unregistered entry with the given metadata, in the state every entry starts in:
		/// active, public, no versions, no locks, deposit not yet computed.
		#[allow(clippy::too_many_arguments)] // the fields of `register`, one for one
		pub fn new_entry(
			owner: T::AccountId,
			root: [u8; 32],
			size: u64,
			kind: ArtifactKind,
			uri: UriOf<T>,
			licence: Licence,
			schema: Schema,
			price: BalanceOf<T>,
			royalty_bps: u16,
			parent: Option<EntryId>,
		) -> Entry<T> {
			Entry {
				owner,
				root,
				size,
				kind,
				uri,
				licence,
				schema,
				price,
				royalty_bps,
				parent,
				versions: 0,
				status: EntryStatus::Active,
				access: AccessMode::Public,
				locks: 0,
				deposit: Zero::zero(),
			}
		}

		/// Validate and store an entry made by [`Self::new_entry`], holding its deposit from
		/// the owner; returns its id.
		pub fn do_register(mut a: Entry<T>) -> Result<EntryId, DispatchError> {
			let owner = a.owner.clone();
			ensure!(a.size > 0, Error::<T>::EmptyArtifact);
			ensure!(a.royalty_bps <= Self::max_royalty_bps(), Error::<T>::RoyaltyTooHigh);
			ensure!(uri_is_valid(&a.uri, &a.root), Error::<T>::BadUri);
			ensure!(licence_is_valid(&a.licence), Error::<T>::BadLicence);
			ensure!(a.schema.names.iter().all(|n| !n.is_empty()), Error::<T>::BadSchema);
			ensure!(!OwnerRoots::<T>::contains_key(&owner, a.root), Error::<T>::DuplicateRoot);
			if let Some(parent_id) = a.parent {
				let parent = Entries::<T>::get(parent_id).ok_or(Error::<T>::BadParent)?;
				ensure!(
					parent.owner == owner
						&& parent.kind == a.kind
						&& parent.status != EntryStatus::TakenDown,
					Error::<T>::BadParent
				);
			}

			let deposit = Self::entry_deposit(&a.uri, &a.licence, &a.schema);
			Self::hold_deposit(&owner, deposit)?;

			let id = NextEntryId::<T>::get();
			NextEntryId::<T>::put(id.saturating_add(1));
			if let Some(parent_id) = a.parent {
				Entries::<T>::mutate(parent_id, |p| {
					if let Some(p) = p {
						p.versions.saturating_inc();
					}
				});
			}
			OwnerRoots::<T>::insert(&owner, a.root, id);
			let (root, kind, parent) = (a.root, a.kind, a.parent);
			a.deposit = deposit;
			Entries::<T>::insert(id, a);
			Self::deposit_event(Event::Registered { id, owner, root, kind, parent, deposit });
			Ok(id)
		}

		/// The deposit for an entry with this metadata.
		pub fn entry_deposit(uri: &UriOf<T>, licence: &Licence, schema: &Schema) -> BalanceOf<T> {
			let bytes = uri.len().saturating_add(licence.len()).saturating_add(
				schema.names.iter().fold(0usize, |acc, n| acc.saturating_add(n.len())),
			);
			let bytes: BalanceOf<T> = (bytes as u32).into();
			T::EntryDeposit::get().saturating_add(T::ByteDeposit::get().saturating_mul(bytes))
		}

		fn do_transfer_ownership(
			who: T::AccountId,
			id: EntryId,
			new_owner: T::AccountId,
		) -> DispatchResult {
			let mut entry = Entries::<T>::get(id).ok_or(Error::<T>::UnknownEntry)?;
			ensure!(entry.owner == who, Error::<T>::NotOwner);
			ensure!(entry.status != EntryStatus::TakenDown, Error::<T>::TakenDown);
			ensure!(new_owner != who, Error::<T>::SameOwner);
			ensure!(
				!OwnerRoots::<T>::contains_key(&new_owner, entry.root),
				Error::<T>::DuplicateRoot
			);
			let slots: BalanceOf<T> = AllowLists::<T>::get(id)
				.iter()
				.fold(Zero::zero(), |acc: BalanceOf<T>, (_, d)| acc.saturating_add(*d));
			let total = entry.deposit.saturating_add(slots);
			if !total.is_zero() {
				T::Currency::transfer_on_hold(
					&HoldReason::StorageDeposit.into(),
					&who,
					&new_owner,
					total,
					Precision::Exact,
					Restriction::OnHold,
					Fortitude::Polite,
				)?;
			}
			OwnerRoots::<T>::remove(&who, entry.root);
			OwnerRoots::<T>::insert(&new_owner, entry.root, id);
			entry.owner = new_owner.clone();
			Entries::<T>::insert(id, entry);
			Self::deposit_event(Event::OwnershipTransferred { id, from: who, to: new_owner });
			Ok(())
		}

		fn do_remove(who: T::AccountId, id: EntryId) -> DispatchResult {
			let entry = Entries::<T>::get(id).ok_or(Error::<T>::UnknownEntry)?;
			ensure!(entry.owner == who, Error::<T>::NotOwner);
			ensure!(entry.status != EntryStatus::TakenDown, Error::<T>::TakenDown);
			ensure!(entry.locks == 0, Error::<T>::Locked);
			ensure!(entry.versions == 0, Error::<T>::HasVersions);

			let slots = AllowLists::<T>::take(id);
			let refunded = slots
				.iter()
				.fold(entry.deposit, |acc: BalanceOf<T>, (_, d)| acc.saturating_add(*d));
			Self::release_deposit(&who, refunded)?;
			if let Some(parent_id) = entry.parent {
				Entries::<T>::mutate(parent_id, |p| {
					if let Some(p) = p {
						p.versions.saturating_dec();
					}
				});
			}
			OwnerRoots::<T>::remove(&who, entry.root);
			Entries::<T>::remove(id);
			Self::deposit_event(Event::Removed { id, refunded });
			Ok(())
		}

		/// The owner may change the entry, and it is neither taken down nor deprecated.
		fn ensure_owner_and_changeable(entry: &Entry<T>, who: &T::AccountId) -> DispatchResult {
			ensure!(&entry.owner == who, Error::<T>::NotOwner);
			ensure!(entry.status != EntryStatus::TakenDown, Error::<T>::TakenDown);
			ensure!(entry.status != EntryStatus::Deprecated, Error::<T>::Deprecated);
			Ok(())
		}

		fn hold_deposit(who: &T::AccountId, amount: BalanceOf<T>) -> DispatchResult {
			if amount.is_zero() {
				return Ok(());
			}
			T::Currency::hold(&HoldReason::StorageDeposit.into(), who, amount)
				.map_err(|_| Error::<T>::InsufficientDeposit.into())
		}

		fn release_deposit(who: &T::AccountId, amount: BalanceOf<T>) -> DispatchResult {
			if amount.is_zero() {
				return Ok(());
			}
			T::Currency::release(&HoldReason::StorageDeposit.into(), who, amount, Precision::Exact)
				.map(|_| ())
		}

		/// `Ok` if `who` may use `entry` in a new task.
		fn check_use(entry: &Entry<T>, id: EntryId, who: &T::AccountId) -> DispatchResult {
			ensure!(entry.status != EntryStatus::TakenDown, Error::<T>::TakenDown);
			ensure!(entry.status != EntryStatus::Deprecated, Error::<T>::Deprecated);
			if &entry.owner == who || entry.access == AccessMode::Public {
				return Ok(());
			}
			ensure!(
				AllowLists::<T>::get(id).iter().any(|(a, _)| a == who),
				Error::<T>::AccessDenied
			);
			Ok(())
		}

		/// The runtime's royalty cap, never above the whole amount.
		pub fn max_royalty_bps() -> u16 {
			T::MaxRoyaltyBps::get().min(MAX_ROYALTY_BPS)
		}

		/// The owner's royalty share of `amount` (at most the runtime's cap): nothing for a
		/// taken-down entry or the owner's own use.
		fn royalty_of(entry: &Entry<T>, payer: &T::AccountId, amount: BalanceOf<T>) -> BalanceOf<T> {
			if entry.status == EntryStatus::TakenDown || payer == &entry.owner {
				return Zero::zero();
			}
			sp_runtime::Permill::from_rational(
				u32::from(entry.royalty_bps.min(Self::max_royalty_bps())),
				u32::from(MAX_ROYALTY_BPS),
			)
			.mul_floor(amount)
		}

		fn pay_owner(
			payer: &T::AccountId,
			owner: &T::AccountId,
			amount: BalanceOf<T>,
		) -> DispatchResult {
			if amount.is_zero() || payer == owner {
				return Ok(());
			}
			T::Currency::transfer(payer, owner, amount, Preservation::Preserve).map(|_| ())
		}

		/// Check every invariant of the pallet's storage.
		// Also in `std` builds, so runtime integration tests can check the invariants.
		#[cfg(any(feature = "std", feature = "try-runtime"))]
		pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
			use alloc::collections::btree_map::BTreeMap;
			use frame_support::traits::fungible::InspectHold;

			let next = NextEntryId::<T>::get();
			let mut held: BTreeMap<T::AccountId, BalanceOf<T>> = BTreeMap::new();
			let mut versions: BTreeMap<EntryId, u32> = BTreeMap::new();
			let mut entries = 0u32;
			for (id, e) in Entries::<T>::iter() {
				entries += 1;
				ensure!(id < next, "entry id not below NextEntryId");
				ensure!(
					OwnerRoots::<T>::get(&e.owner, e.root) == Some(id),
					"entry missing from the (owner, root) index"
				);
				ensure!(e.locks <= T::MaxLocks::get(), "too many locks");
				let list = AllowLists::<T>::get(id);
				let slots = list
					.iter()
					.fold(Zero::zero(), |acc: BalanceOf<T>, (_, d)| acc.saturating_add(*d));
				for (i, (a, _)) in list.iter().enumerate() {
					ensure!(
						!list.iter().skip(i + 1).any(|(b, _)| b == a),
						"duplicate account on an allow-list"
					);
				}
				let h = held.entry(e.owner.clone()).or_insert_with(Zero::zero);
				*h = h.saturating_add(e.deposit).saturating_add(slots);
				if let Some(p) = e.parent {
					*versions.entry(p).or_default() += 1;
				}
			}
			ensure!(
				OwnerRoots::<T>::iter().count() as u32 == entries,
				"(owner, root) index has entries without an entry"
			);
			for (id, _) in AllowLists::<T>::iter() {
				ensure!(Entries::<T>::contains_key(id), "allow-list of a removed entry");
			}
			for (id, e) in Entries::<T>::iter() {
				ensure!(
					e.versions == versions.get(&id).copied().unwrap_or(0),
					"version count does not match the entries naming this parent"
				);
			}
			for (owner, sum) in held {
				ensure!(
					T::Currency::balance_on_hold(&HoldReason::StorageDeposit.into(), &owner) == sum,
					"held deposit differs from the sum of the owner's deposits"
				);
			}
			Ok(())
		}
	}

	impl<T: Config> mlchain_pallet_traits::DatasetProvider<T::AccountId, BalanceOf<T>> for Pallet<T> {
		fn entry(
			id: EntryId,
		) -> Option<mlchain_pallet_traits::EntryInfo<T::AccountId, BalanceOf<T>>> {
			Entries::<T>::get(id).map(|e| mlchain_pallet_traits::EntryInfo {
				owner: e.owner,
				root: e.root,
				size: e.size,
				kind: e.kind,
				price: e.price,
				royalty_bps: e.royalty_bps,
				status: e.status,
				locks: e.locks,
			})
		}

		fn ensure_can_use(id: EntryId, who: &T::AccountId) -> DispatchResult {
			let entry = Entries::<T>::get(id).ok_or(Error::<T>::UnknownEntry)?;
			Self::check_use(&entry, id, who)
		}

		fn charge_use(id: EntryId, payer: &T::AccountId) -> Result<BalanceOf<T>, DispatchError> {
			let entry = Entries::<T>::get(id).ok_or(Error::<T>::UnknownEntry)?;
			Self::check_use(&entry, id, payer)?;
			let amount = if payer == &entry.owner { Zero::zero() } else { entry.price };
			Self::pay_owner(payer, &entry.owner, amount)?;
			Self::deposit_event(Event::UsePaid { id, payer: payer.clone(), amount });
			Ok(amount)
		}

		fn pay_royalty(
			id: EntryId,
			payer: &T::AccountId,
			amount: BalanceOf<T>,
		) -> Result<BalanceOf<T>, DispatchError> {
			let entry = Entries::<T>::get(id).ok_or(Error::<T>::UnknownEntry)?;
			if entry.status == EntryStatus::TakenDown || payer == &entry.owner {
				return Ok(Zero::zero());
			}
			let royalty = Self::royalty_of(&entry, payer, amount);
			Self::pay_owner(payer, &entry.owner, royalty)?;
			Self::deposit_event(Event::RoyaltyPaid { id, payer: payer.clone(), amount: royalty });
			Ok(royalty)
		}

		fn royalty_due(id: EntryId, payer: &T::AccountId, amount: BalanceOf<T>) -> BalanceOf<T> {
			Entries::<T>::get(id)
				.map(|entry| Self::royalty_of(&entry, payer, amount))
				.unwrap_or_else(Zero::zero)
		}

		fn lock(id: EntryId) -> DispatchResult {
			let locks = Entries::<T>::try_mutate(id, |maybe| -> Result<u32, DispatchError> {
				let entry = maybe.as_mut().ok_or(Error::<T>::UnknownEntry)?;
				ensure!(entry.status != EntryStatus::TakenDown, Error::<T>::TakenDown);
				ensure!(entry.status != EntryStatus::Deprecated, Error::<T>::Deprecated);
				ensure!(entry.locks < T::MaxLocks::get(), Error::<T>::TooManyLocks);
				entry.locks += 1;
				Ok(entry.locks)
			})?;
			Self::deposit_event(Event::Locked { id, locks });
			Ok(())
		}

		fn unlock(id: EntryId) -> DispatchResult {
			let locks = Entries::<T>::try_mutate(id, |maybe| -> Result<u32, DispatchError> {
				let entry = maybe.as_mut().ok_or(Error::<T>::UnknownEntry)?;
				ensure!(entry.locks > 0, Error::<T>::NotLocked);
				entry.locks -= 1;
				Ok(entry.locks)
			})?;
			Self::deposit_event(Event::Unlocked { id, locks });
			Ok(())
		}
	}
}

/// `true` if `uri` has an accepted scheme and shape. An `mlchain://` URI must name exactly the
/// entry's content root, as 64 lowercase hex digits, so the two can never disagree.
pub fn uri_is_valid(uri: &[u8], root: &[u8; 32]) -> bool {
	if !uri.iter().all(|b| b.is_ascii_graphic()) {
		return false;
	}
	if let Some(rest) = uri.strip_prefix(b"mlchain://") {
		return rest.len() == 64
			&& rest.chunks(2).zip(root.iter()).all(|(pair, byte)| match pair {
				[h, l] => match (hex_digit(*h), hex_digit(*l)) {
					(Some(hi), Some(lo)) => ((hi << 4) | lo) == *byte,
					_ => false,
				},
				_ => false,
			});
	}
	for scheme in [&b"ipfs://"[..], &b"https://"[..]] {
		if let Some(rest) = uri.strip_prefix(scheme) {
			return !rest.is_empty();
		}
	}
	false
}

fn hex_digit(c: u8) -> Option<u8> {
	match c {
		b'0'..=b'9' => Some(c - b'0'),
		b'a'..=b'f' => Some(c - b'a' + 10),
		_ => None,
	}
}

/// `true` if `licence` looks like an SPDX identifier or expression.
pub fn licence_is_valid(licence: &[u8]) -> bool {
	!licence.is_empty()
		&& licence.first() != Some(&b' ')
		&& licence.iter().all(|b| b.is_ascii_alphanumeric() || b".-+:() ".contains(b))
}
