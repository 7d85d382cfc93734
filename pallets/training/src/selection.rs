//! Drawing committees and their segments from fresh randomness.
//!
//! The seed of a committee is `blake2_256(SCALE(subject, random))`, where `subject` names the
//! task, its void-round count, whether this is the appeal and whether these are escalation
//! seats, and `random` is `T::Randomness::random(subject)`. The pallet uses it only if the
//! randomness source reports that *all of its inputs* postdate the block at which the draw was
//! asked for ([`Task::selecting_since`]: the submission, a void round, the appeal or the
//! escalation): when the worker submitted, none of them existed, so nobody, the worker
//! included, could compute the committee or the segments better than by chance, whenever it
//! chose to submit. Every redraw asks anew, so it too waits for randomness younger than itself.
//!
//! The candidates and their weights are fixed when the draw is asked for, too: the task holds a
//! snapshot of the verifier set taken then ([`Task::snapshot`]), so a verifier that learns the
//! randomness cannot bond more to be drawn. One that drops out (goes offline, locks or unbonds
//! its bond) after seeing it is replaced in its own seat by a stake-weighted draw from those not
//! picked, so it re-rolls nobody else's seat or segments.
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

/// Give each member of a committee of two or more its partner's segments to witness: member
/// `m` witnesses the segments of member `m + 1` (the last one those of the first) that are
/// not its own. So every segment sampled is replayed by at least two members, and an accept
/// whose witnesses no other replay confirms cannot pass unnoticed (see [`crate::dispute`]).
/// Pairing follows the draw order, which nobody chooses; escalation seats are not paired:
/// they all replay the same segments.
pub fn pair_witnesses<T: Config>(committee: &mut [Slot<T>]) {
	let n = committee.len();
	if n < 2 {
		return;
	}
	for m in 0..n {
		let partner = committee[(m + 1) % n].segments.clone();
		let own = &committee[m].segments;
		let witnessed: Vec<u32> = partner.iter().filter(|j| !own.contains(j)).copied().collect();
		// The partner holds at most MaxSegmentsPerVerifier segments, so this always fits.
		committee[m].witnessed = BoundedVec::truncate_from(witnessed);
	}
}

/// Whether randomness whose inputs all came from block `inputs_since` on may be used for a
/// draw asked for at block `asked_at`: only if every input is younger than the request.
pub fn randomness_is_fresh<B: PartialOrd>(inputs_since: B, asked_at: B) -> bool {
	inputs_since > asked_at
}

/// The seed committee members and segments are drawn from.
pub fn committee_seed(subject: &[u8], random: impl Encode) -> [u8; 32] {
	blake2_256(&(subject, random).encode())
}

impl<T: Config> Pallet<T> {
	/// The randomness subject of `task`'s next committee (or of its escalation seats).
	pub fn committee_subject(
		id: TaskId,
		void_rounds: u32,
		appeal: bool,
		escalation: bool,
	) -> Vec<u8> {
		(COMMITTEE_DOMAIN, id, void_rounds, appeal, escalation).encode()
	}

	/// The subject of the draw `task` waits for in `Selecting` (its committee) or
	/// `Escalating` (its round's escalation seats).
	pub(crate) fn pending_subject(id: TaskId, task: &Task<T>) -> Vec<u8> {
		match task.phase {
			Phase::Escalating => {
				let appeal_round = matches!(task.appeal, Some(Appeal { round: Some(_), .. }));
				Self::committee_subject(id, task.void_rounds, appeal_round, true)
			},
			_ => Self::committee_subject(id, task.void_rounds, task.appeal.is_some(), false),
		}
	}

	/// Whether the randomness for `task`'s pending draw is fresh already.
	pub(crate) fn randomness_ready(id: TaskId, task: &Task<T>) -> bool {
		let (_, inputs_since) = T::Randomness::random(&Self::pending_subject(id, task));
		randomness_is_fresh(inputs_since, task.selecting_since)
	}

	/// A seed for `subject` from randomness all of whose inputs postdate `asked_at`.
	fn fresh_seed(subject: &[u8], asked_at: BlockNumberFor<T>) -> Result<[u8; 32], DispatchError> {
		let (random, inputs_since) = T::Randomness::random(subject);
		ensure!(randomness_is_fresh(inputs_since, asked_at), Error::<T>::StaleRandomness);
		Ok(committee_seed(subject, random))
	}

	/// Draw the committee of a task in `Selecting`; if that is not possible yet, try again
	/// [`Config::SelectionDelay`] blocks later, up to [`Config::SelectionTimeout`] after the
	/// draw was asked for (first committee: then the task is abandoned; appeal: then the appeal
	/// is dropped and the first decision stands).
	pub(crate) fn select_or_postpone(
		id: TaskId,
		mut task: Task<T>,
		now: BlockNumberFor<T>,
	) -> DispatchResult {
		let appeal = task.appeal.is_some();
		let reference = task.selecting_since;
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
				Self::release_snapshot(&mut task);
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
			Err(e) => Self::postpone_draw(id, task, now, "committee", e),
		}
	}

	/// Ask for a draw at `now`: `task` enters `phase` (`Selecting` or `Escalating`), holding a
	/// snapshot of the verifier set taken now, and the draw, which will use only randomness
	/// younger than `now`, is first tried [`Config::SelectionDelay`] blocks later.
	pub(crate) fn ask_for_draw(
		id: TaskId,
		task: &mut Task<T>,
		phase: Phase<BlockNumberFor<T>>,
		now: BlockNumberFor<T>,
	) -> DispatchResult {
		Self::release_snapshot(task);
		task.snapshot = Some(T::Workers::snapshot_verifiers()?);
		task.phase = phase;
		task.selecting_since = now;
		Self::reschedule(id, task, now.saturating_add(T::SelectionDelay::get()))
	}

	/// Give up the task's hold on its verifier snapshot, if it has one.
	pub(crate) fn release_snapshot(task: &mut Task<T>) {
		if let Some(snapshot) = task.snapshot.take() {
			T::Workers::release_verifier_snapshot(snapshot);
		}
	}

	/// A draw (`what`) of `task` failed with `error`: try again (for want of fresh randomness:
	/// when the randomness next changes, if the runtime can tell; otherwise
	/// [`Config::SelectionDelay`] blocks later; never after the timeout), or, once
	/// [`Config::SelectionTimeout`] has passed since it was asked for, give up: a first-round
	/// task is abandoned (an unserved segment never counts as accepted), an appeal's first
	/// decision stands.
	fn postpone_draw(
		id: TaskId,
		mut task: Task<T>,
		now: BlockNumberFor<T>,
		what: &str,
		error: DispatchError,
	) -> DispatchResult {
		log::debug!(target: "runtime::training", "{what} of task {id} postponed: {error:?}");
		let timeout = task.selecting_since.saturating_add(T::SelectionTimeout::get());
		if now >= timeout {
			Self::release_snapshot(&mut task);
			return match task.appeal.as_ref().map(|a| a.first_decision) {
				Some(first) => Self::settle(id, task, first, now),
				None => Self::abandon(id, task),
			};
		}
		let stale = error == Error::<T>::StaleRandomness.into();
		let retry = match stale.then(|| T::RandomnessChanges::next_change_by(now)).flatten() {
			Some(change) => change.max(now.saturating_add(One::one())).min(timeout),
			None => now.saturating_add(T::SelectionDelay::get()),
		};
		Self::reschedule(id, &mut task, retry)?;
		let retry_at = task.scheduled_at;
		Tasks::<T>::insert(id, task);
		Self::deposit_event(Event::SelectionPostponed { task: id, retry_at });
		Ok(())
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
		let subject = Self::pending_subject(id, task);
		let seed = Self::fresh_seed(&subject, reference)?;

		let k = if appeal { Self::appeal_committee_size(task) } else { task.spec.verifier_count };
		let role = if appeal { AssignmentRole::AppealVerifier } else { AssignmentRole::Verifier };
		let (q, n) = (task.spec.segments_per_verifier, task.spec.segments());
		// Every appeal member replays every segment disputed in the first round (upheld or
		// not), so the appeal's jury on each is the whole appeal committee.
		let required = if appeal { Self::disputed_segments(task) } else { Vec::new() };
		let slots = Self::seat(id, task, &seed, k, role, false, |member| {
			assign_segments_with(&seed, member, &required, q, n)
		})?;
		let committee =
			BoundedVec::try_from(slots).map_err(|_| Error::<T>::BadVerifierCount)?;
		let commit_deadline = now.saturating_add(Self::commit_window(task));
		let reveal_deadline = commit_deadline.saturating_add(T::RevealWindow::get());
		Ok(Round { committee, commit_deadline, reveal_deadline, escalated: false })
	}

	/// Pick `k` verifiers of the task's snapshot from `seed` (none of the task's parties nor
	/// anyone already seated on it; one that can no longer lock the bond is replaced in its
	/// own place), lock their bonds, index them with `role` and give member `m` the segments
	/// `segments(m)`.
	fn seat(
		id: TaskId,
		task: &Task<T>,
		seed: &[u8; 32],
		k: u32,
		role: AssignmentRole,
		escalation: bool,
		segments: impl Fn(u32) -> Vec<u32>,
	) -> Result<Vec<Slot<T>>, DispatchError> {
		let mut exclude: Vec<T::AccountId> = Vec::new();
		exclude.push(task.requester.clone());
		if let Some(w) = &task.worker {
			exclude.push(w.clone());
		}
		let seated = task.round.iter().chain(task.appeal.iter().filter_map(|a| a.round.as_ref()));
		for round in seated {
			exclude.extend(round.committee.iter().map(|s| s.who.clone()));
		}
		let bond = task.seat_bond;
		let snapshot = task.snapshot.ok_or(Error::<T>::NoVerifierSnapshot)?;
		let picked = T::Workers::select_verifiers(snapshot, *seed, k, &exclude, bond)?;
		let mut out = Vec::with_capacity(picked.len());
		for (member, who) in picked.into_iter().enumerate() {
			T::Workers::lock_bond(&who, bond)?;
			let segments = BoundedVec::try_from(segments(member as u32))
				.map_err(|_| Error::<T>::BadSegmentsPerVerifier)?;
			AccountTasks::<T>::insert(&who, id, role);
			out.push(Slot {
				who,
				segments,
				commitment: None,
				vote: None,
				escalation,
				witnessed: BoundedVec::new(),
				witnesses: BoundedVec::new(),
			});
		}
		if !escalation {
			pair_witnesses(&mut out);
		}
		Ok(out)
	}

	/// Seat [`Config::EscalationSeats`] fresh verifiers in the voting round of a task in
	/// `Escalating`, each replaying every segment whose dispute is not conclusive
	/// ([`Round::escalation_segments`]; at most [`Config::MaxSegmentsPerVerifier`], lowest
	/// first); the round votes again with them alone. If that is not possible yet, try again [`Config::SelectionDelay`] blocks later,
	/// up to [`Config::SelectionTimeout`] after the escalation was asked for; then the first
	/// round's task is abandoned (an unserved segment never counts as accepted) and an
	/// appeal's first decision stands.
	pub(crate) fn escalate_or_postpone(
		id: TaskId,
		mut task: Task<T>,
		now: BlockNumberFor<T>,
	) -> DispatchResult {
		let appeal = matches!(task.appeal, Some(Appeal { round: Some(_), .. }));
		let reference = task.selecting_since;
		let mut segments =
			task.current_round().ok_or(Error::<T>::NotVoting)?.escalation_segments();
		segments.truncate(T::MaxSegmentsPerVerifier::get() as usize);
		let segments: BoundedVec<u32, T::MaxSegmentsPerVerifier> = BoundedVec::truncate_from(segments);
		let drawn = frame_support::storage::with_storage_layer(|| {
			let subject = Self::pending_subject(id, &task);
			let seed = Self::fresh_seed(&subject, reference)?;
			Self::seat(
				id,
				&task,
				&seed,
				T::EscalationSeats::get(),
				AssignmentRole::EscalationVerifier,
				true,
				|_| segments.to_vec(),
			)
		});
		match drawn {
			Ok(slots) => {
				let verifiers: BoundedVec<T::AccountId, MaxCommitteeOf<T>> =
					BoundedVec::truncate_from(slots.iter().map(|s| s.who.clone()).collect());
				let commit_deadline = now.saturating_add(Self::commit_window(&task));
				let reveal_deadline = commit_deadline.saturating_add(T::RevealWindow::get());
				let round = task.current_round_mut().ok_or(Error::<T>::NotVoting)?;
				for slot in slots {
					round.committee.try_push(slot).map_err(|_| Error::<T>::BadVerifierCount)?;
				}
				round.escalated = true;
				round.commit_deadline = commit_deadline;
				round.reveal_deadline = reveal_deadline;
				Self::release_snapshot(&mut task);
				task.phase = Phase::Voting;
				Self::reschedule(id, &mut task, reveal_deadline.saturating_add(One::one()))?;
				Tasks::<T>::insert(id, task);
				Self::deposit_event(Event::EscalationSelected {
					task: id,
					appeal,
					verifiers,
					segments,
					commit_deadline,
					reveal_deadline,
				});
				Ok(())
			},
			Err(e) => Self::postpone_draw(id, task, now, "escalation", e),
		}
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
