//! Money: tallying rounds, paying and slashing, and closing, reopening or refunding tasks.
//!
//! Every payment leaves an escrow hold by `transfer_on_hold` (or by `release` when it cannot
//! be made), and every slash goes through `WorkerRegistry::slash`, which moves held bond to its
//! beneficiaries: the seats the losers made necessary (escalation and appeal seats judged
//! right, see [`Pallet::close_rounds`]), the treasury ([`Config::SlashDestination`]) and, for a
//! rejected worker's slash, the verifiers who proved the fault; never the requester, the worker
//! or an appellant (a seat's fee taken from a slash is fee the payer's escrow keeps).
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

/// Who pays the seats of a round being closed, and on what terms.
pub(crate) struct Terms<'a, T: Config> {
	/// Whose escrow hold pays the fees the losers' slashes do not cover.
	pub payer: &'a T::AccountId,
	/// The fee of a seat judged right.
	pub fee: BalanceOf<T>,
	/// The bond each seat locked.
	pub bond: BalanceOf<T>,
	/// The most `payer` pays for the round.
	pub budget: BalanceOf<T>,
	/// The appeal round: every seat judged right is owed by the losers, not only the
	/// escalation seats.
	pub appeal: bool,
}

/// What is left of a rejected worker's slash while its task's rounds are closed.
pub(crate) struct Purse<T: Config> {
	/// The worker.
	pub who: T::AccountId,
	/// How much of its bond may still be slashed.
	pub left: BalanceOf<T>,
}

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
		// A rejected worker is the losing side: its slash pays the seats its run made
		// necessary (escalations, an appeal that overturned an accept) that the wrong
		// members' slashes leave unpaid, before anyone else does.
		let mut purse = match decision {
			Decision::Rejected => Some(Purse {
				who: worker.clone(),
				left: T::RejectSlash::get().mul_floor(task.worker_bond),
			}),
			Decision::Accepted => None,
		};
		let mut rounds = Vec::new();
		if let Some(round) = &first {
			let terms = Terms {
				payer: &requester,
				fee: task.fee,
				bond: task.seat_bond,
				budget: task.fees_held,
				appeal: false,
			};
			rounds.push((round, terms));
		}
		if let Some(Appeal { round: Some(round), appellant, deposit, .. }) = &appeal {
			let terms = Terms {
				payer: appellant,
				fee: task.fee,
				bond: task.seat_bond,
				budget: *deposit,
				appeal: true,
			};
			rounds.push((round, terms));
		}
		let mut spent =
			Self::close_rounds(id, &rounds, deciding, &mut purse, &mut provers).into_iter();
		let mut next_spent = || spent.next().unwrap_or_else(Zero::zero);
		if first.is_some() {
			task.fees_held = task.fees_held.saturating_sub(next_spent());
		}
		if let Some(appeal) = &appeal {
			let paid = if appeal.round.is_some() { next_spent() } else { Zero::zero() };
			Self::release(&appeal.appellant, appeal.deposit.saturating_sub(paid));
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
				// What of the reject slash the seats did not take goes to the provers and
				// the treasury.
				let whole = T::RejectSlash::get().mul_floor(task.worker_bond);
				let left = purse.map_or(whole, |p| p.left);
				let beneficiaries = Self::reject_beneficiaries(&provers);
				let rest = Self::slash(&worker, left, &beneficiaries);
				let slashed = whole.saturating_sub(left).saturating_add(rest);
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
		let zero = Zero::zero();
		let terms = Terms { payer, fee: zero, bond: seat_bond, budget: zero, appeal: false };
		let _ = Self::close_rounds(id, &[(round, terms)], None, &mut None, &mut Vec::new());
	}

	/// Settle every member of a task's finished rounds (the first and, if one was drawn, the
	/// appeal round, each with the [`Terms`] of who pays it), judged against `deciding` (see
	/// [`Round::judge`]; `None` for a void round, whose voters are neither paid nor slashed).
	/// Members judged right are paid their round's fee and credited; those whose upheld reject
	/// proved the fault are appended to `provers`. Members judged wrong and members who did not
	/// reveal are slashed; unresolved votes are neither paid nor slashed. Every member's bond
	/// is unlocked. Returns, per round, the fees paid from its payer's hold (at most its
	/// budget).
	///
	/// **The losing side pays for the escalation.** The seats owed by the losers (escalation
	/// seats judged right, and in an appeal round every seat judged right: the appeal, too,
	/// exists only because somebody was wrong) are paid first from the slashes of the members
	/// judged wrong in either round, then from `purse` (a rejected worker's slash), and a round's payer pays only what those do not cover. The rest
	/// of the members' slashes goes to the treasury; what is left in `purse` stays for the
	/// worker's other beneficiaries. So a liar, a lazy member or a faking worker costs the
	/// requester (or an appellant who was right) nothing for the escalation or the appeal its
	/// play made necessary, and the fees held for those seats are released to their payer.
	pub(crate) fn close_rounds(
		id: TaskId,
		rounds: &[(&Round<T>, Terms<'_, T>)],
		deciding: Option<&Round<T>>,
		purse: &mut Option<Purse<T>>,
		provers: &mut Vec<T::AccountId>,
	) -> Vec<BalanceOf<T>> {
		let treasury = [(T::SlashDestination::get(), 1)];
		let judgements: Vec<Vec<Judgement>> = rounds
			.iter()
			.map(|(round, _)| {
				round
					.committee
					.iter()
					.map(|slot| match (deciding, slot.vote) {
						(Some(d), _) => d.judge(slot),
						(None, Some(_)) => Judgement::Unresolved,
						(None, None) => Judgement::Absent,
					})
					.collect()
			})
			.collect();
		let mut owed: Vec<Vec<BalanceOf<T>>> = rounds
			.iter()
			.zip(judgements.iter())
			.map(|((round, terms), judged)| {
				round
					.committee
					.iter()
					.zip(judged.iter())
					.map(|(slot, j)| {
						let right = matches!(j, Judgement::Right { .. });
						let losers_pay = slot.escalation || terms.appeal;
						if right && losers_pay { terms.fee } else { Zero::zero() }
					})
					.collect()
			})
			.collect();
		let zeros = |o: &Vec<Vec<BalanceOf<T>>>| -> Vec<Vec<BalanceOf<T>>> {
			o.iter().map(|r| r.iter().map(|_| Zero::zero()).collect()).collect()
		};
		let mut from_slashes = zeros(&owed);
		let mut slashed_of = zeros(&owed);
		for (r, (round, terms)) in rounds.iter().enumerate() {
			let penalty = T::VerifierSlash::get().mul_floor(terms.bond);
			for (i, slot) in round.committee.iter().enumerate() {
				if judgements[r][i] != Judgement::Wrong {
					continue;
				}
				let (taken, left) =
					Self::pay_owed(&slot.who, penalty, rounds, &mut owed, &mut from_slashes);
				slashed_of[r][i] = taken.saturating_add(Self::slash(&slot.who, left, &treasury));
			}
		}
		if let Some(p) = purse.as_mut() {
			p.left = Self::pay_owed(&p.who, p.left, rounds, &mut owed, &mut from_slashes).1;
		}
		let mut spent_per_round = Vec::with_capacity(rounds.len());
		for (r, (round, terms)) in rounds.iter().enumerate() {
			let penalty = T::VerifierSlash::get().mul_floor(terms.bond);
			let mut spent: BalanceOf<T> = Zero::zero();
			for (i, slot) in round.committee.iter().enumerate() {
				let (mut paid, mut slashed) = (from_slashes[r][i], slashed_of[r][i]);
				match judgements[r][i] {
					Judgement::Right { proved_fault } => {
						let due = terms
							.fee
							.saturating_sub(from_slashes[r][i])
							.min(terms.budget.saturating_sub(spent));
						spent = spent.saturating_add(due);
						Self::pay(id, terms.payer, &slot.who, due);
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
				Self::unlock(&slot.who, terms.bond);
				AccountTasks::<T>::remove(&slot.who, id);
				Self::deposit_event(Event::VerifierSettled {
					task: id,
					verifier: slot.who.clone(),
					paid,
					slashed,
				});
			}
			spent_per_round.push(spent);
		}
		spent_per_round
	}

	/// Slash up to `available` of `who`'s bond to the seats of `rounds` still `owed`, round by
	/// round in seat order, recording what each got in `from_slashes`; never for a round
	/// `who` pays itself (a worker's own appeal is paid from its deposit). Returns what was
	/// slashed and what is left of `available` (nothing once the bond ran short).
	fn pay_owed(
		who: &T::AccountId,
		available: BalanceOf<T>,
		rounds: &[(&Round<T>, Terms<'_, T>)],
		owed: &mut [Vec<BalanceOf<T>>],
		from_slashes: &mut [Vec<BalanceOf<T>>],
	) -> (BalanceOf<T>, BalanceOf<T>) {
		let (mut taken, mut left): (BalanceOf<T>, BalanceOf<T>) = (Zero::zero(), available);
		for (r, (round, terms)) in rounds.iter().enumerate() {
			if terms.payer == who {
				continue;
			}
			for (k, seat) in round.committee.iter().enumerate() {
				let part = owed[r][k].min(left);
				if part.is_zero() {
					continue;
				}
				let got = Self::slash(who, part, &[(seat.who.clone(), 1)]);
				owed[r][k] = owed[r][k].saturating_sub(got);
				from_slashes[r][k] = from_slashes[r][k].saturating_add(got);
				taken = taken.saturating_add(got);
				left = left.saturating_sub(got);
				if got < part {
					// Nothing more to take from this bond.
					return (taken, Zero::zero());
				}
			}
		}
		(taken, left)
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
