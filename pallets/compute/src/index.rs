//! The verifier index: every registered verifier owns a *slot*, and a Fenwick tree over the
//! slots keeps each verifier's selection weight, so a draw reads `O(log n)` nodes instead of
//! the whole set, and a weight change writes `O(log n)` nodes.
//!
//! **Snapshots are versions.** Every write is tagged with [`NextSnapshotId`], the id the next
//! snapshot will get; taking a snapshot hands out that id and moves the tag on. A node keeps a
//! short history of `(tag, sum)` and a draw from snapshot `s` reads, of every node, the newest
//! entry tagged at most `s`: the tree exactly as it stood when the snapshot was taken, whatever
//! was written since. A write keeps only what a held snapshot still reads (for each held `s`,
//! the newest entry tagged at most `s`) plus the new entry, so a history never grows past
//! [`Config::MaxHeldSnapshots`] `+ 1` entries, and with no snapshot held it is one entry.
//!
//! **Slots are not reused while a snapshot could still see their old owner.** A slot freed
//! by a deregistration waits in a queue, tagged with the write tag at which it was freed, until
//! every held snapshot is at least that tag (those see the slot empty); a draw that lands on a
//! slot without an owner treats it as an unusable pick and replaces it in its own place. So
//! nobody who registers after a snapshot can inherit a leaver's weight in it.

use crate::*;
use alloc::vec::Vec;
use frame_support::{pallet_prelude::*, traits::Get};
use selection::{update_path, FenwickPool};
use sp_runtime::{
	traits::{Saturating, Zero},
	SaturatedConversion,
};

impl<T: Config> Pallet<T> {
	/// Slots of the tree: a power of two with room for [`Config::MaxVerifiers`] verifiers and as
	/// many slots again waiting out their quarantine.
	pub fn index_capacity() -> u32 {
		T::MaxVerifiers::get().saturating_mul(2).checked_next_power_of_two().unwrap_or(1 << 31)
	}

	/// Nodes one update or one descent of the tree touches.
	pub fn index_depth() -> u32 {
		Self::index_capacity().trailing_zeros().saturating_add(1)
	}

	/// What `p`'s free bond counts for in draws now: up to [`Config::MaxSelectionWeight`], and
	/// nothing unless it is an active verifier.
	pub(crate) fn selection_weight(p: &Participant<T>) -> u128 {
		if p.role != Role::Verifier || !Self::is_active(p, Zero::zero()) {
			return 0;
		}
		p.free_bond().min(T::MaxSelectionWeight::get()).saturated_into()
	}

	/// Give `who` (a verifier being registered; the caller has checked `MaxVerifiers`) a slot:
	/// the oldest freed slot no held snapshot can see the former owner of, else a new one.
	pub(crate) fn occupy_slot(who: &T::AccountId) -> DispatchResult {
		let oldest_held = VerifierSnapshots::<T>::get().first().map(|s| s.id);
		let (head, tail) = FreedSlotQueue::<T>::get();
		let reusable = (head < tail)
			.then(|| FreedSlots::<T>::get(head))
			.flatten()
			.filter(|(_, freed_at)| oldest_held.is_none_or(|held| *freed_at <= held));
		let slot = match reusable {
			Some((slot, _)) => {
				FreedSlots::<T>::remove(head);
				FreedSlotQueue::<T>::put((head.saturating_add(1), tail));
				slot
			},
			None => {
				let used = SlotsInUse::<T>::get();
				ensure!(used < Self::index_capacity(), Error::<T>::TooManyVerifiers);
				SlotsInUse::<T>::put(used.saturating_add(1));
				used.saturating_add(1)
			},
		};
		SlotOwners::<T>::insert(slot, who);
		VerifierSlots::<T>::insert(who, IndexEntry { slot, weight: 0 });
		VerifierCount::<T>::mutate(|n| n.saturating_inc());
		Ok(())
	}

	/// Take `who` (a verifier leaving) out of the index: its weight to zero, its slot into the
	/// quarantine queue.
	pub(crate) fn vacate_slot(who: &T::AccountId) {
		let Some(entry) = VerifierSlots::<T>::take(who) else { return };
		Self::write_leaf(entry.slot, entry.weight, 0);
		SlotOwners::<T>::remove(entry.slot);
		let (head, tail) = FreedSlotQueue::<T>::get();
		FreedSlots::<T>::insert(tail, (entry.slot, NextSnapshotId::<T>::get()));
		FreedSlotQueue::<T>::put((head, tail.saturating_add(1)));
		VerifierCount::<T>::mutate(|n| n.saturating_dec());
	}

	/// Bring `who`'s weight in the tree up to date with `p`, its record as just written. Does
	/// nothing for accounts without a slot (workers).
	pub(crate) fn reweigh(who: &T::AccountId, p: &Participant<T>) {
		let Some(mut entry) = VerifierSlots::<T>::get(who) else { return };
		let weight = Self::selection_weight(p);
		if weight != entry.weight {
			Self::write_leaf(entry.slot, entry.weight, weight);
			entry.weight = weight;
			VerifierSlots::<T>::insert(who, entry);
		}
	}

	/// Change the weight of `slot` from `old` to `new` on every node of its update path.
	fn write_leaf(slot: u32, old: u128, new: u128) {
		if old == new {
			return;
		}
		let tag = NextSnapshotId::<T>::get();
		let held: Vec<SnapshotId> = VerifierSnapshots::<T>::get().iter().map(|s| s.id).collect();
		for node in update_path(slot, Self::index_capacity()) {
			SelectionTree::<T>::mutate(node, |history| {
				let value =
					history.last().map_or(0, |(_, v)| *v).saturating_sub(old).saturating_add(new);
				*history = Self::compacted(history, &held, tag, value);
			});
		}
	}

	/// `history` with `(tag, value)` as its newest entry, keeping of the older entries only
	/// the newest at or before each held snapshot (all held snapshots are older than `tag`).
	fn compacted(
		history: &NodeHistory<T>,
		held: &[SnapshotId],
		tag: SnapshotId,
		value: u128,
	) -> NodeHistory<T> {
		let mut kept: Vec<(SnapshotId, u128)> = Vec::with_capacity(held.len().saturating_add(1));
		for s in held {
			if let Some(entry) = history.iter().rev().find(|(t, _)| t <= s) {
				if kept.last() != Some(entry) {
					kept.push(*entry);
				}
			}
		}
		kept.push((tag, value));
		// `held` has at most `MaxHeldSnapshots` ids, so this never truncates.
		BoundedVec::truncate_from(kept)
	}

	/// Sum of node `node` as snapshot `snapshot` saw it.
	pub(crate) fn node_at(node: u32, snapshot: SnapshotId) -> u128 {
		SelectionTree::<T>::get(node)
			.iter()
			.rev()
			.find(|(tag, _)| *tag <= snapshot)
			.map_or(0, |(_, v)| *v)
	}

	/// The tree as snapshot `snapshot` saw it, as a pool to draw from.
	pub(crate) fn pool_at(snapshot: SnapshotId) -> FenwickPool<impl FnMut(u32) -> u128> {
		FenwickPool::new(Self::index_capacity(), move |node| Self::node_at(node, snapshot))
	}

	/// Every verifier with a weight in `snapshot` and that weight, in slot order (`O(n log n)`:
	/// for tests, `try_state` and inspection, never for a draw).
	pub fn snapshot_weights(snapshot: SnapshotId) -> Vec<(T::AccountId, u128)> {
		let mut pool = Self::pool_at(snapshot);
		(1..=SlotsInUse::<T>::get())
			.filter_map(|slot| {
				let weight = pool.weight(slot);
				let owner = SlotOwners::<T>::get(slot)?;
				(weight > 0).then_some((owner, weight))
			})
			.collect()
	}

	/// Take a snapshot (or share one, see [`mlchain_pallet_traits::WorkerRegistry`]).
	pub(crate) fn take_snapshot() -> Result<SnapshotId, DispatchError> {
		let now = frame_system::Pallet::<T>::block_number();
		let next = NextSnapshotId::<T>::get();
		VerifierSnapshots::<T>::try_mutate(|held| -> Result<SnapshotId, DispatchError> {
			// A draw asked for in the block of the newest snapshot shares it; so does one asked
			// for while as many snapshots as can be kept are held: an older snapshot was fixed
			// even longer before the draw's randomness existed.
			let full = held.len() as u32 >= T::MaxHeldSnapshots::get();
			if let Some(newest) = held.last_mut().filter(|s| s.taken_at == now || full) {
				newest.holds =
					newest.holds.checked_add(1).ok_or(Error::<T>::TooManySnapshotHolds)?;
				return Ok(newest.id);
			}
			held.try_push(HeldSnapshot { id: next, taken_at: now, holds: 1 })
				.map_err(|_| Error::<T>::TooManySnapshotHolds)?;
			NextSnapshotId::<T>::put(next.saturating_add(1));
			Ok(next)
		})
	}

	/// Give up one hold of `snapshot`; the last one forgets it.
	pub(crate) fn release_snapshot(snapshot: SnapshotId) {
		VerifierSnapshots::<T>::mutate(|held| {
			if let Some(i) = held.iter().position(|s| s.id == snapshot) {
				let left = held[i].holds.saturating_sub(1);
				if left == 0 {
					held.remove(i);
				} else {
					held[i].holds = left;
				}
			}
		});
	}

	/// The index's invariants (see `do_try_state`).
	#[cfg(any(feature = "std", feature = "try-runtime"))]
	pub(crate) fn index_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		let capacity = Self::index_capacity();
		let used = SlotsInUse::<T>::get();
		ensure!(used <= capacity, "more slots handed out than the tree has");
		let mut weights = alloc::vec![0u128; used as usize];
		let mut verifiers = 0u32;
		for (who, entry) in VerifierSlots::<T>::iter() {
			verifiers.saturating_inc();
			ensure!(entry.slot >= 1 && entry.slot <= used, "verifier slot out of range");
			ensure!(SlotOwners::<T>::get(entry.slot) == Some(who.clone()), "slot owner differs");
			let p = Participants::<T>::get(&who).ok_or("indexed verifier not registered")?;
			ensure!(p.role == Role::Verifier, "index names a non-verifier");
			ensure!(entry.weight == Self::selection_weight(&p), "stale selection weight");
			weights[entry.slot as usize - 1] = entry.weight;
		}
		ensure!(verifiers == VerifierCount::<T>::get(), "verifier count differs from the index");
		ensure!(
			SlotOwners::<T>::iter().count() as u32 == verifiers,
			"slot owned by nobody indexed"
		);
		let nodes = selection::fenwick_nodes(&weights, capacity);
		let next = NextSnapshotId::<T>::get();
		for (node, history) in SelectionTree::<T>::iter() {
			ensure!(node >= 1 && node <= capacity, "tree node out of range");
			let latest = history.last().map_or(0, |(_, v)| *v);
			ensure!(latest == nodes[node as usize - 1], "tree node differs from its slots");
			ensure!(history.windows(2).all(|w| w[0].0 < w[1].0), "node history out of order");
			ensure!(history.iter().all(|(t, _)| *t <= next), "node history from the future");
		}
		for (i, sum) in nodes.iter().enumerate() {
			if *sum > 0 {
				ensure!(SelectionTree::<T>::contains_key(i as u32 + 1), "tree node missing");
			}
		}
		let held = VerifierSnapshots::<T>::get();
		ensure!(held.windows(2).all(|w| w[0].id < w[1].id), "snapshots out of order");
		ensure!(held.iter().all(|s| s.holds > 0 && s.id < next), "snapshot kept without holds");
		let (head, tail) = FreedSlotQueue::<T>::get();
		ensure!(head <= tail, "freed slot queue inverted");
		let mut last_freed = 0;
		for position in head..tail {
			let (slot, freed_at) = FreedSlots::<T>::get(position).ok_or("freed slot missing")?;
			ensure!(slot >= 1 && slot <= used, "freed slot out of range");
			ensure!(!SlotOwners::<T>::contains_key(slot), "freed slot has an owner");
			ensure!(freed_at >= last_freed && freed_at <= next, "freed slots out of order");
			last_freed = freed_at;
		}
		ensure!(
			FreedSlots::<T>::iter().count() as u32 == tail.saturating_sub(head),
			"freed slot outside the queue"
		);
		ensure!(
			verifiers.saturating_add(tail.saturating_sub(head)) == used,
			"a slot is neither owned nor freed"
		);
		Ok(())
	}
}
