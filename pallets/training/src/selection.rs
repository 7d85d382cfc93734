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
	assign_segments_with(seed, member, &[], q, n)
}

/// The segments of an appeal committee member: every index of `required` (the segments
/// disputed in the first round; distinct, in `0..n`), then draws as in [`assign_segments`]
/// (`j = 0, 1, ..`, skipping taken indices) until it holds `max(q, required.len())` indices
/// (at most `n`). Ascending. With `required` empty this is [`assign_segments`].
pub fn assign_segments_with(
	seed: &[u8; 32],
	member: u32,
	required: &[u32],
	q: u32,
	n: u32,
) -> Vec<u32> {
	let target = (q as usize).max(required.len()).min(n as usize);
	let mut out: Vec<u32> = Vec::with_capacity(target);
	for index in required {
		if *index < n && !out.contains(index) && out.len() < target {
			out.push(*index);
		}
	}
	let mut j: u32 = 0;
	while out.len() < target {
		let h = blake2_256(&(SEGMENTS_DOMAIN, seed, member, j).encode());
		let mut word = [0u8; 8];
		word.copy_from_slice(&h[..8]);
		let mut index = (u64::from_le_bytes(word) % u64::from(n)) as u32;
		// Fewer than n indices are taken, so this ends within n steps.
		while out.contains(&index) {
			index = if index.saturating_add(1) >= n { 0 } else { index + 1 };
		}
		out.push(index);
		j = j.saturating_add(1);
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
		// Every appeal member replays every segment disputed in the first round (upheld or
		// not), so the appeal's jury on each is the whole appeal committee.
		let required = if appeal { Self::disputed_segments(task) } else { Vec::new() };
		let mut committee: BoundedVec<Slot<T>, MaxCommitteeOf<T>> = BoundedVec::new();
		for (member, who) in picked.into_iter().enumerate() {
			T::Workers::lock_bond(&who, bond)?;
			let drawn = assign_segments_with(&seed, member as u32, &required, q, n);
			let segments =
				BoundedVec::try_from(drawn).map_err(|_| Error::<T>::BadSegmentsPerVerifier)?;
			AccountTasks::<T>::insert(&who, id, role);
			committee
				.try_push(Slot { who, segments, commitment: None, vote: None })
				.map_err(|_| Error::<T>::BadVerifierCount)?;
		}
		let commit_deadline = now.saturating_add(T::CommitWindow::get());
		let reveal_deadline = commit_deadline.saturating_add(T::RevealWindow::get());
		Ok(Round { committee, commit_deadline, reveal_deadline })
	}

	/// The segments disputed in `task`'s first round, at most
	/// [`Config::MaxSegmentsPerVerifier`] of them: upheld disputes first, then the others, each
	/// group ascending. (`integrity_test` ensures all fit: a round raises at most `V` segment
	/// disputes.)
	pub(crate) fn disputed_segments(task: &Task<T>) -> Vec<u32> {
		let Some(first) = &task.round else { return Vec::new() };
		let (mut upheld, mut others): (Vec<u32>, Vec<u32>) = (Vec::new(), Vec::new());
		for dispute in first.disputes() {
			if let crate::Dispute::Segment(j) = dispute {
				if first.upholds(dispute) {
					upheld.push(j);
				} else {
					others.push(j);
				}
			}
		}
		upheld.extend(others);
		upheld.truncate(T::MaxSegmentsPerVerifier::get() as usize);
		upheld
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
	fn appeal_segments_hold_the_required_ones_and_fill_up_to_q() {
		assert_eq!(
			assign_segments_with(&[1; 32], 3, &[], 4, 100),
			assign_segments(&[1; 32], 3, 4, 100)
		);
		for member in 0..20u32 {
			for (required, q, n) in [
				(vec![5u32], 3u32, 8u32),
				(vec![0, 7], 1, 8),
				(vec![2, 3, 4], 3, 8),
				(vec![1], 4, 4),
			] {
				let s = assign_segments_with(&[member as u8; 32], member, &required, q, n);
				assert_eq!(s.len(), (q as usize).max(required.len()).min(n as usize), "{s:?}");
				assert!(required.iter().all(|r| s.contains(r)), "{s:?}");
				assert!(s.windows(2).all(|w| w[0] < w[1]), "{s:?}");
				assert!(s.iter().all(|i| *i < n));
			}
		}
	}

	#[test]
	fn segments_depend_on_seed_and_member() {
		let a = assign_segments(&[1; 32], 0, 4, 1000);
		assert_eq!(a, assign_segments(&[1; 32], 0, 4, 1000));
		assert_ne!(a, assign_segments(&[2; 32], 0, 4, 1000));
		assert_ne!(a, assign_segments(&[1; 32], 1, 4, 1000));
	}
}
