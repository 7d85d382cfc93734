//! Read-only views: the open assignments of an account (backing the runtime API) and the
//! storage invariants checked by `try_state`.

use crate::*;
use alloc::vec::Vec;

impl<T: Config> Pallet<T> {
	/// The open assignments of `who`: tasks it claimed as worker (until they settle), and
	/// committees it sits on that are still committing or revealing, with its segments and the
	/// commit and reveal deadlines. Reads only `who`'s entries of [`AccountTasks`] (bounded by
	/// the assignments its bond can lock). Meant for the runtime API, not for block execution.
	pub fn assignments_of(who: &T::AccountId) -> Vec<Assignment<BlockNumberFor<T>>> {
		let mut out = Vec::new();
		for (id, role) in AccountTasks::<T>::iter_prefix(who) {
			let Some(task) = Tasks::<T>::get(id) else { continue };
			match role {
				AssignmentRole::Worker => {
					let deadline = match task.phase {
						Phase::Claimed { submit_by } => submit_by,
						_ => task.scheduled_at,
					};
					out.push(Assignment {
						task: id,
						role,
						segments: Vec::new(),
						witnessed: Vec::new(),
						commit_deadline: deadline,
						reveal_deadline: deadline,
					});
				},
				AssignmentRole::Verifier |
				AssignmentRole::AppealVerifier |
				AssignmentRole::EscalationVerifier => {
					if task.phase != Phase::Voting {
						continue;
					}
					let Some(round) = task.current_round() else { continue };
					let Some(slot) = round.committee.iter().find(|s| &s.who == who) else {
						continue;
					};
					if slot.vote.is_some() || slot.escalation != round.escalated {
						continue;
					}
					out.push(Assignment {
						task: id,
						role,
						segments: slot.segments.to_vec(),
						witnessed: slot.witnessed.to_vec(),
						commit_deadline: round.commit_deadline,
						reveal_deadline: round.reveal_deadline,
					});
				},
			}
		}
		out
	}

	/// Check every invariant of the pallet's storage, above all conservation: each account's
	/// funds held under [`HoldReason::TaskEscrow`] equal the escrows of the tasks it requested
	/// plus its appeal deposits (there are no pending payouts: payments are made at settlement).
	/// Bonds are held by the compute pallet and checked by its own `try_state`.
	// Also in `std` builds, so runtime integration tests can check the invariants.
	#[cfg(any(feature = "std", feature = "try-runtime"))]
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		use alloc::collections::btree_map::BTreeMap;
		use frame_support::{
			ensure,
			traits::{fungible::InspectHold, Get},
		};
		use sp_runtime::traits::{Saturating, Zero};

		let mut expected: BTreeMap<T::AccountId, BalanceOf<T>> = BTreeMap::new();
		let mut add = |who: &T::AccountId, amount: BalanceOf<T>| {
			let e = expected.entry(who.clone()).or_insert_with(Zero::zero);
			*e = e.saturating_add(amount);
		};
		let mut count = 0u32;
		let mut index_entries = 0u32;
		let mut snapshot_holds: BTreeMap<SnapshotId, u32> = BTreeMap::new();
		let mut entry_locks: BTreeMap<EntryId, u32> = BTreeMap::new();
		let mut per_requester: BTreeMap<T::AccountId, u32> = BTreeMap::new();
		let next = NextTaskId::<T>::get();
		for (id, task) in Tasks::<T>::iter() {
			count = count.saturating_add(1);
			*per_requester.entry(task.requester.clone()).or_default() += 1;
			ensure!(
				task.worker.as_ref().is_none_or(|w| !task.barred.contains(w)),
				"a barred worker holds the task"
			);
			ensure!(
				task.barred.len() < T::MaxClaimsPerTask::get() as usize ||
					!matches!(task.phase, Phase::Open),
				"an open task that cannot bar its next worker"
			);
			ensure!(id < next, "task id not below NextTaskId");
			ensure!(task.fee >= T::VerifierFee::get(), "a seat fee below the floor");
			ensure!(
				task.seat_bond == Self::seat_bond(task.fee),
				"a seat bond that does not cover the largest appeal at the task's fee"
			);
			add(&task.requester, task.escrow());
			ensure!(
				task.fees_held == Self::round_fees(task.fee, task.spec.verifier_count)
					|| task.phase != Phase::Open,
				"open task without its full verifier fees"
			);
			ensure!(
				Schedule::<T>::get(task.scheduled_at).contains(&id),
				"task missing from the schedule"
			);
			if let Some(appeal) = &task.appeal {
				add(&appeal.appellant, appeal.deposit);
			}
			*entry_locks.entry(task.datasets.train).or_default() += 1;
			if task.datasets.eval != task.datasets.train {
				*entry_locks.entry(task.datasets.eval).or_default() += 1;
			}
			match (&task.phase, &task.worker, &task.submission) {
				(Phase::Open, None, None) => {},
				(Phase::Claimed { .. }, Some(_), None) => {},
				(
					Phase::Selecting |
					Phase::Voting |
					Phase::Escalating |
					Phase::AppealWindow { .. },
					Some(_),
					Some(_),
				) => {},
				_ => return Err("phase inconsistent with worker and submission".into()),
			}
			if let Some(worker) = &task.worker {
				ensure!(
					AccountTasks::<T>::get(worker, id) == Some(AssignmentRole::Worker),
					"worker not indexed"
				);
				index_entries = index_entries.saturating_add(1);
			}
			ensure!(
				task.phase != Phase::Voting || task.current_round().is_some(),
				"voting without a committee"
			);
			let drawing = matches!(task.phase, Phase::Selecting | Phase::Escalating);
			ensure!(
				drawing == task.snapshot.is_some(),
				"a pending draw without a verifier snapshot, or a snapshot held without one"
			);
			if let Some(snapshot) = task.snapshot {
				*snapshot_holds.entry(snapshot).or_default() += 1;
			}
			ensure!(
				task.phase != Phase::Escalating ||
					task.current_round().is_some_and(|r| r.needs_escalation()),
				"escalating a round that needs no escalation"
			);
			let rounds =
				task.round.iter().chain(task.appeal.iter().filter_map(|a| a.round.as_ref()));
			let mut seated: Vec<&T::AccountId> = Vec::new();
			for round in rounds {
				ensure!(
					round.escalated == round.committee.iter().any(|s| s.escalation),
					"escalation seats without an escalation, or the reverse"
				);
				for slot in round.committee.iter() {
					ensure!(
						!seated.contains(&&slot.who) &&
							slot.who != task.requester &&
							task.worker.as_ref() != Some(&slot.who),
						"a verifier seated twice on a task, or a party seated on its own task"
					);
					seated.push(&slot.who);
					ensure!(AccountTasks::<T>::contains_key(&slot.who, id), "member not indexed");
					ensure!(
						slot.vote.is_none() || slot.commitment.is_some(),
						"vote without commit"
					);
					match slot.vote {
						Some(Vote::RejectSegment(j)) => {
							ensure!(slot.segments.contains(&j), "reject of an unassigned segment")
						},
						Some(Vote::Unserved(j)) => {
							ensure!(slot.duties().contains(&j), "report of a segment not a duty")
						},
						_ => {},
					}
					ensure!(
						slot.witnesses.len() ==
							match slot.vote {
								Some(Vote::Accept) => slot.duties().len(),
								Some(Vote::RejectSegment(_)) => 1,
								_ => 0,
							},
						"witnesses not one per duty of an accept, one of a segment reject, or none"
					);
					ensure!(
						slot.witnessed.windows(2).all(|w| w[0] < w[1]) &&
							slot.witnessed.iter().all(|j| !slot.segments.contains(j)) &&
							(!slot.escalation || slot.witnessed.is_empty()),
						"witnessed segments not ascending, among the own ones, or on an escalation seat"
					);
					index_entries = index_entries.saturating_add(1);
				}
			}
		}
		ensure!(count == TaskCount::<T>::get(), "TaskCount differs from the tasks");
		ensure!(
			RequesterTasks::<T>::iter().count() == per_requester.len(),
			"a requester counted without live tasks"
		);
		for (who, tasks) in per_requester {
			ensure!(
				RequesterTasks::<T>::get(&who) == tasks &&
					tasks <= T::MaxTasksPerRequester::get(),
				"requester task count differs from its live tasks"
			);
		}
		for (snapshot, holds) in snapshot_holds {
			ensure!(
				T::Workers::verifier_snapshot_holds(snapshot) == holds,
				"verifier snapshot holds differ from the tasks waiting on it"
			);
		}
		ensure!(count <= T::MaxOpenTasks::get(), "more tasks than MaxOpenTasks");
		let mut scheduled = 0u32;
		for (at, list) in Schedule::<T>::iter() {
			for id in list.iter() {
				scheduled = scheduled.saturating_add(1);
				ensure!(
					Tasks::<T>::get(id).is_some_and(|t| t.scheduled_at == at),
					"schedule entry of no task, or at the wrong block"
				);
			}
		}
		ensure!(scheduled == count, "schedule holds more entries than tasks");
		// Every assignment the compute pallet counts is one of ours, and the reverse: each
		// indexed account has exactly as many open assignments as index entries.
		let mut per_account: BTreeMap<T::AccountId, u32> = BTreeMap::new();
		for (who, _, _) in AccountTasks::<T>::iter() {
			*per_account.entry(who).or_default() += 1;
		}
		ensure!(
			per_account.values().sum::<u32>() == index_entries,
			"stale assignment index entries"
		);
		for (who, entries) in per_account.iter() {
			ensure!(
				T::Workers::open_assignments(who) == *entries,
				"compute's open assignments differ from the assignment index"
			);
		}
		ensure!(
			T::Workers::total_open_assignments() == index_entries,
			"compute counts assignments of no task"
		);
		// Each dataset a live task uses is locked once per task (once for a task that trains
		// and evaluates on the same entry).
		for (entry, tasks) in entry_locks {
			ensure!(
				T::Datasets::entry(entry).is_some_and(|e| e.locks == tasks),
				"dataset locks differ from the live tasks using the dataset"
			);
		}
		let reason: T::RuntimeHoldReason = HoldReason::TaskEscrow.into();
		for (who, amount) in expected.iter() {
			ensure!(
				T::Currency::balance_on_hold(&reason, who) == *amount,
				"escrow hold differs from the tasks' escrows"
			);
		}
		// No escrow is held by an account without a task or an appeal (where accounts live in
		// `frame_system`, as in our runtimes; elsewhere this finds no accounts to check).
		for who in frame_system::Account::<T>::iter_keys() {
			if !expected.contains_key(&who) {
				ensure!(
					T::Currency::balance_on_hold(&reason, &who).is_zero(),
					"escrow held by an account without a task or an appeal"
				);
			}
		}
		Ok(())
	}
}
