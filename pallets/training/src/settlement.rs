//! Money: tallying rounds, paying and slashing, and closing, reopening or refunding tasks.
//!
//! Every payment leaves an escrow hold by `transfer_on_hold` (or by `release` when it cannot
//! be made), and every slash goes through `WorkerRegistry::slash`, which moves held bond to its
//! beneficiaries: the treasury ([`Config::SlashDestination`]) and, for a rejected worker's
//! slash, the verifiers who proved the fault; never the requester, the worker or an appellant.
//! Nothing here mints or burns. The functions are infallible where a failure
//! could strand funds: a failed payment is released to its payer and reported.

use crate::dispute::Judgement;
use crate::Task;
use crate::*;
use alloc::{vec, vec::Vec};
use frame_support::{
	pallet_prelude::*,
	traits::{
		fungible::MutateHold,
		tokens::{Fortitude, Precision, Restriction},
		Get,
	},
};
use mlchain_pallet_traits::{EntryStatus, Outcome};
use sp_runtime::{
	traits::{One, Saturating, Zero},
	Perbill,
};

impl<T: Config> Pallet<T> {
	/// Tally the voting round at the end of its reveal window, by the per-dispute rule of
	/// [`crate::dispute`].
	pub(crate) fn tally(id: TaskId, mut task: Task<T>, now: BlockNumberFor<T>) -> DispatchResult {
		let appeal_round = matches!(task.appeal, Some(Appeal { round: Some(_), .. }));
		let round = task.current_round().ok_or(Error::<T>::NotVoting)?;
		if round.needs_escalation() {
			// A dispute has fewer than `MinJury` jurors or ties (a segment reported unserved
			// has none yet) and nothing rejects the run conclusively: fresh verifiers replay
			// those segments before anything is decided.
			return Self::ask_for_escalation(id, task, now);
		}
		if round.escalated && !round.committee.iter().any(|s| s.escalation && s.vote.is_some()) {
			return Self::void_escalation(id, task, now);
		}
		for dispute in round.disputes() {
			if let Some(r) = round.ruling(dispute) {
				Self::deposit_event(Event::DisputeRuled {
					task: id,
					appeal: appeal_round,
					dispute,
					rejects: r.rejects,
					accepts: r.accepts,
					unserved: r.unserved,
					dissent: r.dissent,
					upheld: r.upheld(),
				});
			}
		}
		for (segment, t) in round.split_tallies() {
			Self::deposit_event(Event::WitnessesCompared {
				task: id,
				appeal: appeal_round,
				segment,
				agreeing: t.agreeing,
				witnesses: t.witnesses,
				conclusive: t.conclusive(T::MinJury::get()),
			});
		}
		let (accepts, rejects) = round.counts();
		let decision = round.decision();
		Self::deposit_event(Event::RoundTallied {
			task: id,
			appeal: appeal_round,
			accepts,
			rejects,
			decision,
		});
		if appeal_round {
			let first = task.appeal.as_ref().map(|a| a.first_decision);
			let final_decision = decision.or(first).ok_or(Error::<T>::NotVoting)?;
			return Self::settle(id, task, final_decision, now);
		}
		match decision {
			Some(decision) => {
				let until = now.saturating_add(Self::appeal_window(&task));
				task.phase = Phase::AppealWindow { decision, until };
				Self::reschedule(id, &mut task, until.saturating_add(One::one()))?;
				Tasks::<T>::insert(id, task);
			},
			None => {
				// Void (nobody revealed): absent members are slashed and a new committee is
				// drawn from randomness younger than this block.
				if let Some(round) = task.round.take() {
					Self::close_undecided_round(id, &round, &task.requester, task.seat_bond);
				}
				task.void_rounds = task.void_rounds.saturating_add(1);
				if task.void_rounds > T::MaxVoidRounds::get() {
					return Self::abandon(id, task);
				}
				Self::ask_for_draw(id, &mut task, Phase::Selecting, now)?;
				Tasks::<T>::insert(id, task);
			},
		}
		Ok(())
	}

	/// Put a voting round whose members reported segments unserved into `Escalating`.
	fn ask_for_escalation(id: TaskId, mut task: Task<T>, now: BlockNumberFor<T>) -> DispatchResult {
		Self::ask_for_draw(id, &mut task, Phase::Escalating, now)?;
		Tasks::<T>::insert(id, task);
		Ok(())
	}

	/// No escalation seat revealed: settle those seats as absent, take them out of the round
	/// and draw new ones (a void round: at most [`Config::MaxVoidRounds`], then the task is
	/// abandoned, or an appeal's first decision stands).
	fn void_escalation(id: TaskId, mut task: Task<T>, now: BlockNumberFor<T>) -> DispatchResult {
		let payer = match &task.appeal {
			Some(Appeal { round: Some(_), appellant, .. }) => appellant.clone(),
			_ => task.requester.clone(),
		};
		let round = task.current_round_mut().ok_or(Error::<T>::NotVoting)?;
		let (seats, stage): (Vec<Slot<T>>, Vec<Slot<T>>) =
			round.committee.iter().cloned().partition(|s| s.escalation);
		round.committee = BoundedVec::truncate_from(stage);
		round.escalated = false;
		let seats = Round::<T> {
			committee: BoundedVec::truncate_from(seats),
			commit_deadline: round.commit_deadline,
			reveal_deadline: round.reveal_deadline,
			escalated: true,
		};
		Self::close_undecided_round(id, &seats, &payer, task.seat_bond);
		Self::deposit_event(Event::EscalationVoid { task: id });
		task.void_rounds = task.void_rounds.saturating_add(1);
		if task.void_rounds > T::MaxVoidRounds::get() {
			return match task.appeal.as_ref().map(|a| a.first_decision) {
				Some(first) => Self::settle(id, task, first, now),
				None => Self::abandon(id, task),
			};
		}
		Self::ask_for_escalation(id, task, now)
	}

	/// Settle a task with its final decision: judge, pay and slash every committee member
	/// against the deciding round (the appeal round if anyone revealed in it, else the first
	/// round), then pay the worker and data owners (accepted) or slash the worker and reopen or
	/// refund (rejected).
	pub(crate) fn settle(
		id: TaskId,
		mut task: Task<T>,
		decision: Decision,
		now: BlockNumberFor<T>,
	) -> DispatchResult {
		let worker = task.worker.clone().ok_or(Error::<T>::NotClaimed)?;
		let requester = task.requester.clone();
		let first = task.round.take();
		let appeal = task.appeal.take();
		let deciding = match appeal.as_ref().and_then(|a| a.round.as_ref()) {
			Some(r) if r.revealed() > 0 => Some(r),
			_ => first.as_ref(),
		};
		let mut provers = Vec::new();
		if let Some(round) = &first {
			let paid = Self::close_round(
				id,
				round,
				deciding,
				&requester,
				task.fee,
				task.seat_bond,
				task.fees_held,
				&mut provers,
			);
			task.fees_held = task.fees_held.saturating_sub(paid);
		}
		if let Some(appeal) = &appeal {
			let mut left = appeal.deposit;
			if let Some(round) = &appeal.round {
				let paid = Self::close_round(
					id,
					round,
					deciding,
					&appeal.appellant,
					task.fee,
					task.seat_bond,
					left,
					&mut provers,
				);
				left = left.saturating_sub(paid);
			}
			Self::release(&appeal.appellant, left);
		}
		AccountTasks::<T>::remove(&worker, id);
		match decision {
			Decision::Accepted => {
				let paid = Self::pay_accepted(id, &mut task, &worker);
				Self::unlock(&worker, task.worker_bond);
				Self::record(&worker, Outcome::TaskDone);
				Self::deposit_event(Event::TaskAccepted { task: id, worker, paid });
				// What is left in escrow: fees not earned by anyone.
				let _ = Self::close_task(id, &task);
				Ok(())
			},
			Decision::Rejected => {
				let amount = T::RejectSlash::get().mul_floor(task.worker_bond);
				let beneficiaries = Self::reject_beneficiaries(&provers);
				let slashed = Self::slash(&worker, amount, &beneficiaries);
				Self::record(&worker, Outcome::Fault);
				Self::unlock(&worker, task.worker_bond);
				Self::deposit_event(Event::TaskRejected { task: id, worker: worker.clone(), slashed });
				Self::bar(&mut task, &worker);
				task.worker = None;
				Self::reopen_or_refund(id, task, now)
			},
		}
	}

	/// Pay an accepted task: royalties and use prices to the datasets' current owners, the rest
	/// of the reward to the worker. Empties `reward` and the prices of `task`; returns what the
	/// worker got.
	fn pay_accepted(id: TaskId, task: &mut Task<T>, worker: &T::AccountId) -> BalanceOf<T> {
		let requester = task.requester.clone();
		let mut remaining = task.reward;
		let mut entries = vec![(task.datasets.train, task.train_price)];
		if task.datasets.eval != task.datasets.train {
			entries.push((task.datasets.eval, task.eval_price));
		}
		for (entry, price) in entries {
			// The evaluation entry's royalty is a share of what the training entry's left, so
			// royalties never exceed the reward.
			let royalty = T::Datasets::royalty_due(entry, &requester, remaining).min(remaining);
			remaining = remaining.saturating_sub(royalty);
			match T::Datasets::entry(entry) {
				Some(info) if info.status != EntryStatus::TakenDown => {
					Self::pay(id, &requester, &info.owner, price.saturating_add(royalty));
					Self::deposit_event(Event::DataPaid {
						task: id,
						entry,
						owner: info.owner,
						price,
						royalty,
					});
				},
				// Taken down: the owner forfeits the price (royalty_due is zero then).
				_ => Self::release(&requester, price.saturating_add(royalty)),
			}
		}
		Self::pay(id, &requester, worker, remaining);
		task.reward = Zero::zero();
		task.train_price = Zero::zero();
		task.eval_price = Zero::zero();
		remaining
	}

	/// Who shares a rejected worker's slash: the verifiers who proved the fault (in either
	/// round, a reject or unserved report the deciding round upheld) share
	/// [`Config::RejectSlashToVerifiers`], the treasury gets the rest.
	fn reject_beneficiaries(rejecters: &[T::AccountId]) -> Vec<(T::AccountId, u32)> {
		let treasury = T::SlashDestination::get();
		let whole = Perbill::one().deconstruct();
		let to_verifiers =
			if rejecters.is_empty() { 0 } else { T::RejectSlashToVerifiers::get().deconstruct() };
		let each = to_verifiers.checked_div(rejecters.len() as u32).unwrap_or(0);
		let mut out: Vec<(T::AccountId, u32)> =
			rejecters.iter().map(|v| (v.clone(), each)).filter(|(_, p)| *p > 0).collect();
		let rest = whole.saturating_sub(each.saturating_mul(out.len() as u32));
		if rest > 0 || out.is_empty() {
			out.push((treasury, rest.max(1)));
		}
		out
	}

	/// Close a round that decided nothing (void, or left by an abandoned task): members who
	/// did not reveal are slashed to the treasury, nobody is paid, every bond is unlocked.
	pub(crate) fn close_undecided_round(
		id: TaskId,
		round: &Round<T>,
		payer: &T::AccountId,
		seat_bond: BalanceOf<T>,
	) {
		let (none, zero) = (None, Zero::zero());
		let _ = Self::close_round(id, round, none, payer, zero, seat_bond, zero, &mut Vec::new());
	}

	/// Settle every member of a finished round, judged against `deciding` (see
	/// [`Round::judge`]; `None` for a void round, whose voters are neither paid nor slashed).
	/// Members judged right are paid `fee` and credited; those whose upheld reject proved the
	/// fault are appended to `provers`. Members judged wrong and members who did not reveal
	/// are slashed; unresolved votes are neither paid nor slashed. Every member's bond is
	/// unlocked. Returns the fees paid from `payer`'s hold (at most `budget` in total).
	///
	/// **The losing side pays for the escalation.** The slashes of the members judged wrong
	/// pay the fees of the round's escalation seats judged right first (the escalation their
	/// lie, guess or tie made necessary); `payer` pays only what they do not cover, and the
	/// rest of the slashes goes to the treasury. So a liar or a lazy member costs the
	/// requester nothing, and the fees held for those seats are released to it.
	// The round, how to judge it, who pays, the seat's terms, the budget and the provers
	// out: grouping them would only rename the same eight things.
	#[allow(clippy::too_many_arguments)]
	pub(crate) fn close_round(
		id: TaskId,
		round: &Round<T>,
		deciding: Option<&Round<T>>,
		payer: &T::AccountId,
		fee: BalanceOf<T>,
		bond: BalanceOf<T>,
		budget: BalanceOf<T>,
		provers: &mut Vec<T::AccountId>,
	) -> BalanceOf<T> {
		let penalty = T::VerifierSlash::get().mul_floor(bond);
		let treasury = [(T::SlashDestination::get(), 1)];
		let judgements: Vec<Judgement> = round
			.committee
			.iter()
			.map(|slot| match (deciding, slot.vote) {
				(Some(d), _) => d.judge(slot),
				(None, Some(_)) => Judgement::Unresolved,
				(None, None) => Judgement::Absent,
			})
			.collect();
		// What each escalation seat judged right is still owed, paid first from the slashes
		// of the members judged wrong.
		let mut owed: Vec<BalanceOf<T>> = round
			.committee
			.iter()
			.zip(judgements.iter())
			.map(|(slot, j)| {
				let right = matches!(j, Judgement::Right { .. });
				if slot.escalation && right { fee } else { Zero::zero() }
			})
			.collect();
		let mut from_slashes: Vec<BalanceOf<T>> = owed.iter().map(|_| Zero::zero()).collect();
		let mut slashed_of: Vec<BalanceOf<T>> = from_slashes.clone();
		for (i, slot) in round.committee.iter().enumerate() {
			if judgements[i] != Judgement::Wrong {
				continue;
			}
			let mut left = penalty;
			for (k, seat) in round.committee.iter().enumerate() {
				let part = owed[k].min(left);
				if part.is_zero() {
					continue;
				}
				let got = Self::slash(&slot.who, part, &[(seat.who.clone(), 1)]);
				owed[k] = owed[k].saturating_sub(got);
				from_slashes[k] = from_slashes[k].saturating_add(got);
				left = left.saturating_sub(got);
				slashed_of[i] = slashed_of[i].saturating_add(got);
			}
			let rest = Self::slash(&slot.who, left, &treasury);
			slashed_of[i] = slashed_of[i].saturating_add(rest);
		}
		let mut spent: BalanceOf<T> = Zero::zero();
		for (i, slot) in round.committee.iter().enumerate() {
			let (mut paid, mut slashed) = (from_slashes[i], slashed_of[i]);
			match judgements[i] {
				Judgement::Right { proved_fault } => {
					let due = fee.saturating_sub(from_slashes[i]).min(budget.saturating_sub(spent));
					spent = spent.saturating_add(due);
					Self::pay(id, payer, &slot.who, due);
					paid = paid.saturating_add(due);
					Self::record(&slot.who, Outcome::VerifiedOk);
					if proved_fault {
						provers.push(slot.who.clone());
					}
				},
				Judgement::Wrong => Self::record(&slot.who, Outcome::Fault),
				Judgement::Unresolved => {},
				Judgement::Absent => {
					slashed = Self::slash(&slot.who, penalty, &treasury);
					Self::record(&slot.who, Outcome::Fault);
				},
			}
			Self::unlock(&slot.who, bond);
			AccountTasks::<T>::remove(&slot.who, id);
			Self::deposit_event(Event::VerifierSettled {
				task: id,
				verifier: slot.who.clone(),
				paid,
				slashed,
			});
		}
		spent
	}

	/// After a rejection, a worker's timeout or a released claim: open the task for claims
	/// again if its claim window lasts, it has room to bar one more worker
	/// ([`Config::MaxClaimsPerTask`]) and the requester can top the verifier fees back up;
	/// else refund it.
	pub(crate) fn reopen_or_refund(
		id: TaskId,
		mut task: Task<T>,
		now: BlockNumberFor<T>,
	) -> DispatchResult {
		task.worker = None;
		task.submission = None;
		task.round = None;
		task.appeal = None;
		task.void_rounds = 0;
		if now < task.claim_until && task.barred.len() < T::MaxClaimsPerTask::get() as usize {
			let full = Self::round_fees(task.fee, task.spec.verifier_count);
			let top_up = full.saturating_sub(task.fees_held);
			let topped = top_up.is_zero()
				|| T::Currency::hold(&HoldReason::TaskEscrow.into(), &task.requester, top_up)
					.is_ok();
			if topped {
				task.fees_held = full;
				task.phase = Phase::Open;
				let claim_until = task.claim_until;
				Self::reschedule(id, &mut task, claim_until.saturating_add(One::one()))?;
				Tasks::<T>::insert(id, task);
				Self::deposit_event(Event::TaskReopened { task: id, claim_until });
				return Ok(());
			}
		}
		let refunded = Self::close_task(id, &task);
		Self::deposit_event(Event::TaskRefunded { task: id, refunded });
		Ok(())
	}

	/// No committee could decide: settle any round left (its votes neither paid nor slashed,
	/// absent members slashed), release the worker without fault and refund.
	pub(crate) fn abandon(id: TaskId, mut task: Task<T>) -> DispatchResult {
		if let Some(round) = task.round.take() {
			Self::close_undecided_round(id, &round, &task.requester, task.seat_bond);
		}
		if let Some(worker) = &task.worker {
			Self::unlock(worker, task.worker_bond);
			AccountTasks::<T>::remove(worker, id);
		}
		let refunded = Self::close_task(id, &task);
		Self::deposit_event(Event::TaskAbandoned { task: id, refunded });
		Ok(())
	}

	/// Remove a task: release what is left of its escrow (and of an appeal deposit) and unlock
	/// its datasets. Its schedule entry must already be gone. Returns the amount released to
	/// the requester.
	pub(crate) fn close_task(id: TaskId, task: &Task<T>) -> BalanceOf<T> {
		if let Some(snapshot) = task.snapshot {
			T::Workers::release_verifier_snapshot(snapshot);
		}
		let refunded = task.escrow();
		Self::release(&task.requester, refunded);
		if let Some(appeal) = &task.appeal {
			Self::release(&appeal.appellant, appeal.deposit);
		}
		for entry in [task.datasets.train, task.datasets.eval] {
			if let Err(e) = T::Datasets::unlock(entry) {
				log::error!(target: "runtime::training", "unlock of entry {entry} failed: {e:?}");
			}
			if task.datasets.eval == task.datasets.train {
				break;
			}
		}
		Tasks::<T>::remove(id);
		TaskCount::<T>::mutate(|c| *c = c.saturating_sub(1));
		RequesterTasks::<T>::mutate_exists(&task.requester, |count| {
			*count = count.map(|c| c.saturating_sub(1)).filter(|c| *c > 0);
		});
		refunded
	}

	/// Move `amount` from `payer`'s escrow hold to `to`'s free balance. If that fails, release
	/// it to `payer` and report it: either way it leaves the hold.
	pub(crate) fn pay(id: TaskId, payer: &T::AccountId, to: &T::AccountId, amount: BalanceOf<T>) {
		if amount.is_zero() {
			return;
		}
		if payer == to {
			return Self::release(payer, amount);
		}
		let moved = T::Currency::transfer_on_hold(
			&HoldReason::TaskEscrow.into(),
			payer,
			to,
			amount,
			Precision::Exact,
			Restriction::Free,
			Fortitude::Force,
		);
		if moved.is_err() {
			Self::release(payer, amount);
			Self::deposit_event(Event::PaymentFailed { task: id, to: to.clone(), amount });
		}
	}

	/// Release `amount` of `who`'s escrow hold.
	pub(crate) fn release(who: &T::AccountId, amount: BalanceOf<T>) {
		if amount.is_zero() {
			return;
		}
		if let Err(e) =
			T::Currency::release(&HoldReason::TaskEscrow.into(), who, amount, Precision::BestEffort)
		{
			log::error!(target: "runtime::training", "release failed: {e:?}");
		}
	}

	/// Slash up to `amount` of `who`'s bond to `beneficiaries`; returns the amount slashed.
	pub(crate) fn slash(
		who: &T::AccountId,
		amount: BalanceOf<T>,
		beneficiaries: &[(T::AccountId, u32)],
	) -> BalanceOf<T> {
		if amount.is_zero() {
			return amount;
		}
		T::Workers::slash(who, amount, beneficiaries).unwrap_or_else(|e| {
			log::error!(target: "runtime::training", "slash failed: {e:?}");
			Zero::zero()
		})
	}

	/// End one assignment of `who`, unlocking `amount` of its bond.
	pub(crate) fn unlock(who: &T::AccountId, amount: BalanceOf<T>) {
		if let Err(e) = T::Workers::unlock_bond(who, amount) {
			log::error!(target: "runtime::training", "unlock_bond failed: {e:?}");
		}
	}

	/// Record an outcome in `who`'s reputation.
	pub(crate) fn record(who: &T::AccountId, outcome: Outcome) {
		if let Err(e) = T::Workers::record_outcome(who, outcome) {
			log::error!(target: "runtime::training", "record_outcome failed: {e:?}");
		}
	}
}
