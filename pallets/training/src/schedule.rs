//! The per-block deadline schedule.
//!
//! Every live task has exactly one entry, in the block where its current phase ends. A phase
//! change removes the old entry before adding the new one, so the schedule never holds stale
//! entries and `on_initialize` does useful work for every entry it reads.

use crate::Task;
use crate::*;
use frame_support::{pallet_prelude::*, traits::Get};
use sp_runtime::traits::{One, Saturating};

impl<T: Config> Pallet<T> {
	/// How many consecutive blocks [`Self::schedule`] tries. Live tasks (at most
	/// [`Config::MaxOpenTasks`]) hold one entry each, so this many blocks always have a free
	/// slot between them.
	pub fn schedule_lookahead() -> u32 {
		T::MaxOpenTasks::get()
			.checked_div(T::MaxScheduledPerBlock::get())
			.unwrap_or(0)
			.saturating_add(2)
	}

	/// Weight of the extra schedule reads when blocks are full, beyond what the benchmarks of
	/// the calls measured (one read and one write).
	pub fn schedule_weight() -> Weight {
		T::DbWeight::get().reads(u64::from(Self::schedule_lookahead().saturating_sub(1)))
	}

	/// Put `task` in the schedule at `at`, or the first later block with room. Returns the
	/// block used.
	pub(crate) fn schedule(
		task: TaskId,
		at: BlockNumberFor<T>,
	) -> Result<BlockNumberFor<T>, DispatchError> {
		// Never the current block: its schedule has been taken (or is being taken) already.
		let next = frame_system::Pallet::<T>::block_number().saturating_add(One::one());
		let mut block = at.max(next);
		for _ in 0..Self::schedule_lookahead() {
			if Schedule::<T>::try_mutate(block, |list| list.try_push(task)).is_ok() {
				return Ok(block);
			}
			block = block.saturating_add(One::one());
		}
		Err(Error::<T>::ScheduleFull.into())
	}

	/// Remove `task` from the schedule of block `at`.
	pub(crate) fn unschedule(task: TaskId, at: BlockNumberFor<T>) {
		Schedule::<T>::mutate_exists(at, |maybe| {
			if let Some(list) = maybe {
				list.retain(|t| *t != task);
				if list.is_empty() {
					*maybe = None;
				}
			}
		});
	}

	/// Move `task` to a new deadline: unschedule the old entry, schedule the new one and record
	/// the block in the task.
	pub(crate) fn reschedule(
		id: TaskId,
		task: &mut Task<T>,
		at: BlockNumberFor<T>,
	) -> DispatchResult {
		Self::unschedule(id, task.scheduled_at);
		task.scheduled_at = Self::schedule(id, at)?;
		Ok(())
	}

	/// `on_initialize`: handle the tasks whose deadline is `now`, in order, while their
	/// charged weight fits in [`Config::MaxHookWeight`] (the first one always); move the rest to
	/// the next block with room.
	pub(crate) fn process_schedule(now: BlockNumberFor<T>) -> Weight {
		let budget = T::MaxHookWeight::get();
		let mut weight = T::DbWeight::get().reads_writes(1, 1);
		let due = Schedule::<T>::take(now);
		let mut handled = 0u32;
		for id in due {
			let cost = Tasks::<T>::get(id)
				.map(|task| Self::charged_weight(id, &task, now))
				.unwrap_or_else(|| T::DbWeight::get().reads(1));
			if handled > 0 && !weight.saturating_add(cost).all_lte(budget) {
				weight.saturating_accrue(Self::defer(id, now));
				continue;
			}
			handled = handled.saturating_add(1);
			weight.saturating_accrue(Self::process_deadline(id, now));
		}
		weight
	}

	/// Move the deadline of `id`, due at `now`, to the next block with room; its weight.
	fn defer(id: TaskId, now: BlockNumberFor<T>) -> Weight {
		Tasks::<T>::mutate(id, |maybe| {
			if let Some(task) = maybe {
				match Self::schedule(id, now.saturating_add(One::one())) {
					Ok(at) => task.scheduled_at = at,
					Err(_) => log::error!(target: "runtime::training", "task {id} unscheduled"),
				}
			}
		});
		T::DbWeight::get().reads_writes(2, 2).saturating_add(Self::schedule_weight())
	}
}
