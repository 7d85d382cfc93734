//! # mlchain pallet traits
//!
//! The seams between mlchain's pallets. Each pallet sees the others only through the traits in
//! this crate, named in its `Config`, so that every pallet can be tested alone against a tiny
//! mock of its neighbours:
//!
//! - [`DatasetProvider`] is implemented by `pallet-data-registry` and used by the training
//!   pallet to look up datasets and models, check access, charge the price per use, pay
//!   royalties and lock an entry for the life of a task.
//! - [`WorkerRegistry`] is implemented by `pallet-compute` and used by the training pallet to
//!   check workers and verifiers, lock and slash their bonds, record outcomes and pick
//!   verifiers at random, weighted by stake.
//!
//! The crate is `no_std` and depends only on `frame-support` and `sp-runtime`, so the provider
//! pallets and the training pallet can all depend on it without depending on each other.
//! (DESIGN.md puts shared types in `primitives/`; that crate is being written on another branch,
//! so these pallet-facing traits live here until the two are merged.)

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::weights::Weight;
use scale_info::TypeInfo;
use sp_runtime::{DispatchError, DispatchResult};

/// Identifier of a data-registry entry (a dataset or a model). Assigned in increasing order.
pub type EntryId = u64;

/// What an artifact in the registry is.
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
pub enum ArtifactKind {
	/// Training or evaluation data.
	Dataset,
	/// Model weights (for example a pre-trained model to fine-tune).
	Model,
}

/// Lifecycle status of a registry entry.
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
pub enum EntryStatus {
	/// Usable by new tasks.
	Active,
	/// Retired by its owner: no new tasks may use it; running tasks finish normally.
	Deprecated,
	/// Removed from use by governance (licence or abuse). Final: the owner cannot undo it.
	TakenDown,
}

/// What another pallet needs to know about a registry entry.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct EntryInfo<AccountId, Balance> {
	/// Current owner; receives prices and royalties.
	pub owner: AccountId,
	/// Root hash of the artifact's content (the artifact store's root over its chunks).
	pub root: [u8; 32],
	/// Size of the artifact in bytes.
	pub size: u64,
	/// Dataset or model.
	pub kind: ArtifactKind,
	/// Price charged for each use by a task.
	pub price: Balance,
	/// Share of a task's reward paid to the owner, in basis points (1/100 of a percent).
	pub royalty_bps: u16,
	/// Lifecycle status.
	pub status: EntryStatus,
	/// How many running tasks hold a lock on this entry.
	pub locks: u32,
}

/// Access to the data registry for other pallets (implemented by `pallet-data-registry`).
///
/// Two ways to pay the owner are offered. A caller paying from a free balance uses
/// `charge_use` and `pay_royalty`. The training pallet escrows the price when a task is created
/// and pays at settlement from its hold: at creation it calls `ensure_can_use`, reads the price
/// from `entry` and calls `lock`; at settlement it asks `royalty_due`, pays the current owner
/// from the hold itself, and calls `unlock`.
pub trait DatasetProvider<AccountId, Balance> {
	/// The entry `id`, if it exists.
	fn entry(id: EntryId) -> Option<EntryInfo<AccountId, Balance>>;

	/// `Ok` if `who` may use entry `id` in a new task: it exists, is active, and `who` is the
	/// owner or the entry is public or `who` is on its allow-list.
	fn ensure_can_use(id: EntryId, who: &AccountId) -> DispatchResult;

	/// Check `ensure_can_use`, then transfer the entry's price per use from `payer`'s free
	/// balance to the owner. Returns the amount paid (zero for the owner's own use).
	fn charge_use(id: EntryId, payer: &AccountId) -> Result<Balance, DispatchError>;

	/// Pay the owner their royalty share of `amount` from `payer`'s free balance. Returns the
	/// royalty paid; nothing is paid for an entry that was taken down.
	fn pay_royalty(
		id: EntryId,
		payer: &AccountId,
		amount: Balance,
	) -> Result<Balance, DispatchError>;

	/// The royalty [`Self::pay_royalty`] would pay the owner of `id` out of `amount` right now,
	/// without moving any funds: zero for an entry that was taken down or when `payer` is the
	/// owner. A caller that pays from funds it holds itself (the training pallet pays from the
	/// requester's escrow hold) asks for the amount here and pays the current owner
	/// ([`Self::entry`]) directly, so the rate is defined in one place and nothing is charged
	/// twice.
	fn royalty_due(id: EntryId, payer: &AccountId, amount: Balance) -> Balance;

	/// Lock entry `id` for a task: while locked it cannot be removed, and its access cannot be
	/// narrowed. Locks nest; each `lock` needs one `unlock`. Only active entries can be locked.
	fn lock(id: EntryId) -> DispatchResult;

	/// Release one lock taken with `lock`. Works whatever the entry's status.
	fn unlock(id: EntryId) -> DispatchResult;
}

/// The role a registered compute participant plays.
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
pub enum Role {
	/// Trains tasks.
	Worker,
	/// Re-executes segments of training runs and votes on them.
	Verifier,
}

/// An outcome the training pallet records against a participant's reputation.
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
pub enum Outcome {
	/// A worker's task was accepted.
	TaskDone,
	/// A verifier's vote agreed with the proven outcome.
	VerifiedOk,
	/// A proven fault: a rejected training run, a wrong vote or a missed reveal.
	Fault,
}

/// Identifies a snapshot of the verifier set ([`WorkerRegistry::snapshot_verifiers`]).
pub type SnapshotId = u32;

/// Access to registered workers and verifiers for other pallets (implemented by
/// `pallet-compute`).
pub trait WorkerRegistry<AccountId, Balance> {
	/// `who` is a registered worker, online, with at least the minimum bond, at least
	/// `min_free_bond` of its bond not locked by other assignments, and room for one more
	/// assignment (the registry caps how many one account holds at once).
	fn is_active_worker(who: &AccountId, min_free_bond: Balance) -> bool;

	/// As [`Self::is_active_worker`], for verifiers.
	fn is_active_verifier(who: &AccountId, min_free_bond: Balance) -> bool;

	/// The part of `who`'s bond not locked by an assignment (zero if not registered).
	fn free_bond(who: &AccountId) -> Balance;

	/// Lock `amount` of `who`'s bond for one assignment. While any assignment is open the
	/// participant cannot deregister, and locked bond cannot be unbonded.
	fn lock_bond(who: &AccountId, amount: Balance) -> DispatchResult;

	/// End one assignment of `who`, unlocking `amount` of its bond.
	fn unlock_bond(who: &AccountId, amount: Balance) -> DispatchResult;

	/// Take up to `amount` from `who`'s bond (never more than the bond) and pay it to
	/// `beneficiaries` in proportion to their parts; any rounding remainder goes to the first
	/// beneficiary, so nothing is minted or burnt. The locked part of the bond shrinks with it.
	/// Returns the amount actually slashed.
	fn slash(
		who: &AccountId,
		amount: Balance,
		beneficiaries: &[(AccountId, u32)],
	) -> Result<Balance, DispatchError>;

	/// Add one `outcome` to `who`'s reputation counters.
	fn record_outcome(who: &AccountId, outcome: Outcome) -> DispatchResult;

	/// The open assignments of `who` (those `lock_bond` opened and `unlock_bond` has not
	/// closed); zero if not registered.
	fn open_assignments(who: &AccountId) -> u32;

	/// The open assignments of every participant together. Reads every participant: for
	/// `try_state` and tests, never for block execution.
	fn total_open_assignments() -> u32;

	/// Take a snapshot of the verifier set for a draw whose randomness does not exist yet, or
	/// share the one already taken in this block (or, when the registry holds as many
	/// snapshots as it can, its newest): every active verifier with its free bond (up to the
	/// registry's cap per account) as its weight. The caller holds it until
	/// [`Self::release_verifier_snapshot`]. Bond and online changes after the snapshot do not
	/// change the weights a draw from it uses.
	fn snapshot_verifiers() -> Result<SnapshotId, DispatchError>;

	/// Give up one hold of a snapshot; the last one removes it.
	fn release_verifier_snapshot(snapshot: SnapshotId);

	/// How many holds the snapshot has (zero if it does not exist).
	fn verifier_snapshot_holds(snapshot: SnapshotId) -> u32;

	/// Upper bound of the weight of one [`Self::snapshot_verifiers`] call.
	fn snapshot_verifiers_weight() -> Weight;

	/// Pick `k` distinct verifiers of `snapshot`, none in `exclude`, each draw weighted by its
	/// free bond in the snapshot, deterministically from `seed`. A pick that is not active
	/// with at least `min_free_bond` free bond now is replaced in its own place by a draw from
	/// those never picked, so dropping out after seeing the seed re-rolls nobody else.
	fn select_verifiers(
		snapshot: SnapshotId,
		seed: [u8; 32],
		k: u32,
		exclude: &[AccountId],
		min_free_bond: Balance,
	) -> Result<Vec<AccountId>, DispatchError>;

	/// Upper bound of the weight of one [`Self::select_verifiers`] call picking `k` with
	/// `excluded` accounts in `exclude`.
	fn select_verifiers_weight(k: u32, excluded: u32) -> Weight;
}
