//! Drawing committees and their segments from fresh randomness.
//!
//! The seed of a committee is `blake2_256(SCALE(subject, random))`, where `subject` names the
//! task, its void-round count and whether this is the appeal, and `random` is
//! `T::Randomness::random(subject)`. The pallet uses it only if the randomness source reports
//! that its output became known *after* the worker's submission (or the appeal): until then
//! nobody, the worker included, could compute the committee or the segments.
//!
//! [`assign_segments`] is a pure function so clients and tests can reproduce assignments, but
//! clients should read them from the runtime API rather than recompute them.

use crate::Task;
use crate::*;
use alloc::vec::Vec;
use frame_support::{pallet_prelude::*, traits::Randomness};
use mlchain_primitives::blake2_256;
use sp_runtime::traits::{One, Saturating};

/// Domain separator of committee subjects.
pub const COMMITTEE_DOMAIN: &[u8; 26] = b"mlchain/training/committee";
/// Domain separator of segment draws.
pub const SEGMENTS_DOMAIN: &[u8; 25] = b"mlchain/training/segments";

/// `q` distinct segment indices in `0..n` for committee member `member`, drawn from `seed`,
/// ascending. Each draw takes `blake2_256(SCALE(SEGMENTS_DOMAIN, seed, member, j))` modulo `n`
/// and, if that index is taken, the next free one. Returns fewer than `q` indices only if
/// `q > n`.
pub fn assign_segments(seed: &[u8; 32], member: u32, q: u32, n: u32) -> Vec<u32> {
	let q = q.min(n);
	let mut out: Vec<u32> = Vec::with_capacity(q as usize);
	for j in 0..q {
		let h = blake2_256(&(SEGMENTS_DOMAIN, seed, member, j).encode());
		let mut word = [0u8; 8];
		word.copy_from_slice(&h[..8]);
		let mut index = (u64::from_le_bytes(word) % u64::from(n)) as u32;
		// At most q - 1 indices are taken, so this ends within q steps.
		while out.contains(&index) {
			index = if index.saturating_add(1) >= n { 0 } else { index + 1 };
		}
		out.push(index);
	}
	out.sort_unstable();
	out
}

impl<T: Config> Pallet<T> {
	/// The randomness subject of `task`'s next committee.
	pub fn committee_subject(id: TaskId, void_rounds: u32, appeal: bool) -> Vec<u8> {
		(COMMITTEE_DOMAIN, id, void_rounds, appeal).encode()
	}

	/// Draw the committee of a task in `Selecting`; if that is not possible yet, try again
	/// [`Config::SelectionDelay`] blocks later, up to [`Config::SelectionTimeout`] after the
	/// submission (first committee: then the task is abandoned) or the appeal (then the appeal
	/// is dropped and the first decision stands).
	pub(crate) fn select_or_postpone(
		id: TaskId,
		mut task: Task<T>,
		now: BlockNumberFor<T>,
	) -> DispatchResult {
		let appeal = task.appeal.is_some();
		let reference = match &task.appeal {
			Some(a) => a.filed_at,
			None => task.submission.map(|s| s.submitted_at).ok_or(Error::<T>::NotClaimed)?,
		};
		let drawn =
			frame_support::storage::with_storage_layer(|| Self::draw(id, &task, reference, now));
		match drawn {
			Ok(round) => {
				let verifiers: BoundedVec<T::AccountId, MaxCommitteeOf<T>> =
					BoundedVec::truncate_from(
						round.committee.iter().map(|s| s.who.clone()).collect(),
					);
				let (commit_deadline, reveal_deadline) =
					(round.commit_deadline, round.reveal_deadline);
				match &mut task.appeal {
					Some(a) => a.round = Some(round),
					None => task.round = Some(round),
				}
				task.phase = Phase::Voting;
				Self::reschedule(id, &mut task, reveal_deadline.saturating_add(One::one()))?;
				Tasks::<T>::insert(id, task);
				Self::deposit_event(Event::CommitteeSelected {
					task: id,
					appeal,
					verifiers,
					commit_deadline,
					reveal_deadline,
				});
				Ok(())
			},
			Err(e) => {
				log::debug!(target: "runtime::training", "committee of task {id} postponed: {e:?}");
				if now >= reference.saturating_add(T::SelectionTimeout::get()) {
					return match task.appeal.as_ref().map(|a| a.first_decision) {
						Some(first) => Self::settle(id, task, first, now),
						None => Self::abandon(id, task),
					};
				}
				let retry = now.saturating_add(T::SelectionDelay::get());
				Self::reschedule(id, &mut task, retry)?;
				let retry_at = task.scheduled_at;
				Tasks::<T>::insert(id, task);
				Self::deposit_event(Event::SelectionPostponed { task: id, retry_at });
				Ok(())
			},
		}
	}

	/// Draw a committee and lock its members' bonds. Fails, changing nothing the caller keeps
	/// (it runs in a storage layer), if the randomness is not younger than `reference` or too
	/// few verifiers are eligible.
	fn draw(
		id: TaskId,
		task: &Task<T>,
		reference: BlockNumberFor<T>,
		now: BlockNumberFor<T>,
	) -> Result<Round<T>, DispatchError> {
		let appeal = task.appeal.is_some();
		let subject = Self::committee_subject(id, task.void_rounds, appeal);
		let (random, known_since) = T::Randomness::random(&subject);
		ensure!(known_since > reference, Error::<T>::StaleRandomness);
		let seed = blake2_256(&(&subject, random).encode());

		let k = if appeal { Self::appeal_committee_size(task) } else { task.spec.verifier_count };
		let mut exclude: Vec<T::AccountId> = Vec::new();
		exclude.push(task.requester.clone());
		if let Some(w) = &task.worker {
			exclude.push(w.clone());
		}
		if appeal {
			if let Some(first) = &task.round {
				exclude.extend(first.committee.iter().map(|s| s.who.clone()));
			}
		}
		let bond = T::VerifierBond::get();
		let picked = T::Workers::select_verifiers(seed, k, &exclude, bond)?;

		let role = if appeal { AssignmentRole::AppealVerifier } else { AssignmentRole::Verifier };
		let (q, n) = (task.spec.segments_per_verifier, task.spec.segments());
		let mut committee: BoundedVec<Slot<T>, MaxCommitteeOf<T>> = BoundedVec::new();
		for (member, who) in picked.into_iter().enumerate() {
			T::Workers::lock_bond(&who, bond)?;
			let segments = BoundedVec::try_from(assign_segments(&seed, member as u32, q, n))
				.map_err(|_| Error::<T>::BadSegmentsPerVerifier)?;
			AccountTasks::<T>::insert(&who, id, role);
			committee
				.try_push(Slot { who, segments, commitment: None, vote: None })
				.map_err(|_| Error::<T>::BadVerifierCount)?;
		}
		let commit_deadline = now.saturating_add(T::CommitWindow::get());
		let reveal_deadline = commit_deadline.saturating_add(T::RevealWindow::get());
		Ok(Round { committee, commit_deadline, reveal_deadline })
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn segments_are_distinct_ascending_and_in_range() {
		for member in 0..20u32 {
			for (q, n) in [(1u32, 1u32), (3, 4), (4, 4), (5, 100), (8, 9)] {
				let s = assign_segments(&[member as u8; 32], member, q, n);
				assert_eq!(s.len() as u32, q);
				assert!(s.windows(2).all(|w| w[0] < w[1]), "{s:?}");
				assert!(s.iter().all(|i| *i < n));
			}
		}
		assert_eq!(assign_segments(&[0; 32], 0, 5, 3).len(), 3);
	}

	#[test]
	fn segments_depend_on_seed_and_member() {
		let a = assign_segments(&[1; 32], 0, 4, 1000);
		assert_eq!(a, assign_segments(&[1; 32], 0, 4, 1000));
		assert_ne!(a, assign_segments(&[2; 32], 0, 4, 1000));
		assert_ne!(a, assign_segments(&[1; 32], 1, 4, 1000));
	}
}
