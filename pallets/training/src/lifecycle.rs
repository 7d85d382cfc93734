//! The dispatchables' logic and the handling of each phase's deadline.
//!
//! Each `do_*` function checks everything that can fail before its first write (the
//! dispatchables are also transactional). Deadlines are handled by [`Pallet::process_deadline`],
//! which must never leave a task without a schedule entry.

use crate::Task;
use crate::*;
use frame_support::{
	pallet_prelude::*,
	traits::{
		fungible::{Mutate, MutateHold},
		tokens::Preservation,
		Get,
	},
};
use mlchain_primitives::{
	cost::ReplayCost, spec::SpecError, training::verdict_commitment, verify_proof,
};
use sp_runtime::{
	traits::{Saturating, Zero},
	SaturatedConversion,
};

impl<T: Config> Pallet<T> {
	/// The smallest bond a task of `reward` and `verifiers` seats may ask of its worker: the
	/// runtime's [`Config::MinWorkerBond`], or the bond that makes cheating lose against a
	/// coalition of [`Config::AssumedCollusion`] of the selection weight if that is larger
	/// (`mlchain_primitives::economics::min_worker_bond`). `None` if no bond would (a
	/// reward too large to bond against).
	pub fn min_worker_bond(reward: BalanceOf<T>, verifiers: u32) -> Option<BalanceOf<T>> {
		let needed = mlchain_primitives::economics::min_worker_bond(
			reward.saturated_into(),
			verifiers,
			T::EscalationSeats::get(),
			T::AssumedCollusion::get().deconstruct(),
			T::RejectSlash::get().deconstruct(),
		)?;
		let needed: BalanceOf<T> = needed.try_into().ok()?;
		Some(needed.max(T::MinWorkerBond::get()))
	}

	/// A seat's fee for replaying `seat_ops` operations: their price at
	/// [`Config::ReplayPrice`] per 10^9, rounded up, at least [`Config::VerifierFee`].
	pub fn seat_fee(seat_ops: u64) -> BalanceOf<T> {
		let price: u128 = T::ReplayPrice::get().saturated_into();
		let cost = u128::from(seat_ops).saturating_mul(price).div_ceil(1_000_000_000);
		let cost: BalanceOf<T> = cost.saturated_into();
		cost.max(T::VerifierFee::get())
	}

	/// The bond each seat of a task with seat fee `fee` locks: [`Config::VerifierBond`], or
	/// more if [`Config::VerifierSlash`] of that would not pay the fees of the largest appeal
	/// (`2 · MaxVerifiers + 1` seats and an escalation): a lie must always cost its liar the
	/// appeal it forces.
	pub fn seat_bond(fee: BalanceOf<T>) -> BalanceOf<T> {
		let appeal_fees = fee.saturating_mul(MaxCommitteeOf::<T>::get().into());
		let slash = T::VerifierSlash::get();
		let mut bond = slash.saturating_reciprocal_mul_ceil(appeal_fees).max(T::VerifierBond::get());
		// `mul_floor` after `reciprocal_mul_ceil` can fall a unit or two short.
		for _ in 0..4 {
			if slash.mul_floor(bond) >= appeal_fees {
				break;
			}
			bond = bond.saturating_add(One::one());
		}
		bond
	}

	/// Blocks beyond [`Config::CommitWindow`] that replaying `ops` operations takes at
	/// [`Config::ReplayOpsPerBlock`] (whole blocks: the base window covers the rest).
	pub fn replay_blocks(ops: u64) -> BlockNumberFor<T> {
		(ops / T::ReplayOpsPerBlock::get().max(1)).saturated_into()
	}

	/// The commit window of `task`'s rounds: [`Config::CommitWindow`] and its replay time.
	pub(crate) fn commit_window(task: &Task<T>) -> BlockNumberFor<T> {
		T::CommitWindow::get().saturating_add(task.replay_blocks)
	}

	/// The appeal window of `task`: [`Config::AppealWindow`] and its replay time, since the
	/// worker replays the disputed segments itself before it appeals.
	pub(crate) fn appeal_window(task: &Task<T>) -> BlockNumberFor<T> {
		T::AppealWindow::get().saturating_add(task.replay_blocks)
	}

	pub(crate) fn do_create(
		who: T::AccountId,
		spec: TaskSpec,
		datasets: DatasetIds,
		reward: BalanceOf<T>,
		worker_bond: BalanceOf<T>,
		deadlines: Deadlines<BlockNumberFor<T>>,
	) -> DispatchResult {
		Self::validate_spec(&spec)?;
		ensure!(!reward.is_zero(), Error::<T>::ZeroReward);
		let min_bond =
			Self::min_worker_bond(reward, spec.verifier_count).ok_or(Error::<T>::WorkerBondTooLow)?;
		ensure!(worker_bond >= min_bond, Error::<T>::WorkerBondTooLow);
		ensure!(
			!deadlines.claim_within.is_zero() && deadlines.claim_within <= T::MaxClaimWindow::get(),
			Error::<T>::BadClaimWindow
		);
		ensure!(
			!deadlines.execution.is_zero() && deadlines.execution <= T::MaxExecutionWindow::get(),
			Error::<T>::BadExecutionWindow
		);
		ensure!(TaskCount::<T>::get() < T::MaxOpenTasks::get(), Error::<T>::TooManyTasks);
		ensure!(
			RequesterTasks::<T>::get(&who) < T::MaxTasksPerRequester::get(),
			Error::<T>::TooManyTasksOfRequester
		);

		let (train_price, train_size) =
			Self::check_dataset(datasets.train, &spec.train_dataset, &who)?;
		let (eval_price, eval_size) = if datasets.eval == datasets.train {
			ensure!(spec.eval_dataset == spec.train_dataset, Error::<T>::DatasetMismatch);
			(Zero::zero(), train_size)
		} else {
			Self::check_dataset(datasets.eval, &spec.eval_dataset, &who)?
		};

		let replay = ReplayCost::of(&spec, eval_size, T::MaxSegmentsPerVerifier::get());
		ensure!(replay.window_ops <= T::MaxSeatOps::get(), Error::<T>::SpecTooCostly);
		let fee = Self::seat_fee(replay.seat_ops);
		let seat_bond = Self::seat_bond(fee);
		let replay_blocks = Self::replay_blocks(replay.window_ops);
		let fees_held = Self::round_fees(fee, spec.verifier_count);
		let now = frame_system::Pallet::<T>::block_number();
		let claim_until = now.saturating_add(deadlines.claim_within);
		let id = NextTaskId::<T>::get();
		let mut task = Task::<T> {
			requester: who.clone(),
			spec,
			datasets,
			train_price,
			eval_price,
			reward,
			fee,
			seat_bond,
			replay_blocks,
			fees_held,
			worker_bond,
			claim_until,
			execution: deadlines.execution,
			worker: None,
			submission: None,
			phase: Phase::Open,
			scheduled_at: Zero::zero(),
			round: None,
			appeal: None,
			void_rounds: 0,
			selecting_since: Zero::zero(),
			snapshot: None,
			claims: 0,
			barred: BoundedVec::new(),
		};
		let escrow = task.escrow();
		T::Currency::hold(&HoldReason::TaskEscrow.into(), &who, escrow)
			.map_err(|_| Error::<T>::InsufficientBalance)?;
		let creation_fee = T::TaskCreationFee::get();
		if !creation_fee.is_zero() {
			T::Currency::transfer(
				&who,
				&T::SlashDestination::get(),
				creation_fee,
				Preservation::Preserve,
			)
			.map_err(|_| Error::<T>::InsufficientBalance)?;
		}
		T::Datasets::lock(datasets.train)?;
		if datasets.eval != datasets.train {
			T::Datasets::lock(datasets.eval)?;
		}
		task.scheduled_at = Self::schedule(id, claim_until.saturating_add(One::one()))?;
		let commit_window = Self::commit_window(&task);
		Tasks::<T>::insert(id, task);
		NextTaskId::<T>::put(id.saturating_add(1));
		TaskCount::<T>::mutate(|c| c.saturating_inc());
		RequesterTasks::<T>::mutate(&who, |c| c.saturating_inc());
		Self::deposit_event(Event::TaskCreated {
			task: id,
			requester: who,
			reward,
			escrow,
			creation_fee,
			seat_fee: fee,
			seat_bond,
			commit_window,
			claim_until,
		});
		Ok(())
	}

	/// The spec is trainable and within the runtime's limits.
	pub(crate) fn validate_spec(spec: &TaskSpec) -> DispatchResult {
		spec.validate().map_err(|e| match e {
			SpecError::ZeroDimension => Error::<T>::SpecZeroDimension,
			SpecError::ZeroSteps => Error::<T>::SpecZeroSteps,
			SpecError::ZeroBatch => Error::<T>::SpecZeroBatch,
			SpecError::IntervalNotDividingSteps => Error::<T>::SpecIntervalNotDividingSteps,
			SpecError::RateOutOfRange => Error::<T>::SpecRateOutOfRange,
			SpecError::WidthNotDivisibleByHeads => Error::<T>::SpecWidthNotDivisibleByHeads,
			SpecError::ImageTooSmall => Error::<T>::SpecImageTooSmall,
			SpecError::NeedsTwoClasses => Error::<T>::SpecNeedsTwoClasses,
		})?;
		ensure!(spec.total_steps <= T::MaxSteps::get(), Error::<T>::TooManySteps);
		ensure!(
			mlchain_primitives::cost::training_memory(spec) <= T::MaxTrainingMemory::get(),
			Error::<T>::SpecTooLarge
		);
		ensure!(
			spec.verifier_count > 0 && spec.verifier_count <= T::MaxVerifiers::get(),
			Error::<T>::BadVerifierCount
		);
		ensure!(
			spec.segments_per_verifier > 0
				&& spec.segments_per_verifier <= T::MaxSegmentsPerVerifier::get()
				&& spec.segments_per_verifier <= spec.segments(),
			Error::<T>::BadSegmentsPerVerifier
		);
		match spec.metric {
			Metric::Accuracy => ensure!(
				spec.threshold_ppb <= u64::from(mlchain_primitives::PPB),
				Error::<T>::BadThreshold
			),
			// `u64::MAX` is what the engine reports for a non-finite loss: no threshold may
			// let it pass.
			Metric::Loss => {
				ensure!(spec.threshold_ppb < mlchain_primitives::NON_FINITE_LOSS, Error::<T>::BadThreshold)
			},
		}
		Ok(())
	}

	/// `id` is a dataset with content root `root` that `who` may use; returns its use price
	/// for `who` (zero for its owner) and its size in bytes.
	fn check_dataset(
		id: EntryId,
		root: &Hash,
		who: &T::AccountId,
	) -> Result<(BalanceOf<T>, u64), DispatchError> {
		let entry = T::Datasets::entry(id).ok_or(Error::<T>::UnknownDataset)?;
		ensure!(
			entry.kind == mlchain_pallet_traits::ArtifactKind::Dataset,
			Error::<T>::NotADataset
		);
		ensure!(&entry.root == root, Error::<T>::DatasetMismatch);
		T::Datasets::ensure_can_use(id, who)?;
		let price = if &entry.owner == who { Zero::zero() } else { entry.price };
		Ok((price, entry.size))
	}

	pub(crate) fn do_cancel(who: T::AccountId, id: TaskId) -> DispatchResult {
		let task = Tasks::<T>::get(id).ok_or(Error::<T>::UnknownTask)?;
		ensure!(task.requester == who, Error::<T>::NotRequester);
		ensure!(task.phase == Phase::Open, Error::<T>::NotOpen);
		Self::unschedule(id, task.scheduled_at);
		let refunded = Self::close_task(id, &task);
		Self::deposit_event(Event::TaskCancelled { task: id, refunded });
		Ok(())
	}

	pub(crate) fn do_claim(who: T::AccountId, id: TaskId) -> DispatchResult {
		let mut task = Tasks::<T>::get(id).ok_or(Error::<T>::UnknownTask)?;
		ensure!(task.phase == Phase::Open, Error::<T>::NotOpen);
		let now = frame_system::Pallet::<T>::block_number();
		ensure!(now <= task.claim_until, Error::<T>::ClaimWindowClosed);
		ensure!(who != task.requester, Error::<T>::RequesterCannotWork);
		ensure!(!task.barred.contains(&who), Error::<T>::BarredFromTask);
		ensure!(
			T::Workers::is_active_worker(&who, task.worker_bond),
			Error::<T>::NotEligibleWorker
		);
		T::Workers::lock_bond(&who, task.worker_bond)?;
		let submit_by = now.saturating_add(task.execution);
		task.phase = Phase::Claimed { submit_by };
		task.worker = Some(who.clone());
		task.claims = task.claims.saturating_add(1);
		Self::reschedule(id, &mut task, submit_by.saturating_add(One::one()))?;
		AccountTasks::<T>::insert(&who, id, AssignmentRole::Worker);
		Tasks::<T>::insert(id, task);
		Self::deposit_event(Event::TaskClaimed { task: id, worker: who, submit_by });
		Ok(())
	}

	pub(crate) fn do_release_claim(who: T::AccountId, id: TaskId) -> DispatchResult {
		let mut task = Tasks::<T>::get(id).ok_or(Error::<T>::UnknownTask)?;
		let Phase::Claimed { submit_by } = task.phase else {
			return Err(Error::<T>::NotClaimed.into());
		};
		ensure!(task.worker.as_ref() == Some(&who), Error::<T>::NotWorker);
		let now = frame_system::Pallet::<T>::block_number();
		let claimed_at = submit_by.saturating_sub(task.execution);
		ensure!(now <= claimed_at.saturating_add(T::ClaimGrace::get()), Error::<T>::GraceOver);
		Self::unschedule(id, task.scheduled_at);
		Self::unlock(&who, task.worker_bond);
		AccountTasks::<T>::remove(&who, id);
		Self::bar(&mut task, &who);
		Self::deposit_event(Event::ClaimReleased { task: id, worker: who });
		Self::reopen_or_refund(id, task, now)
	}

	pub(crate) fn do_submit(
		who: T::AccountId,
		id: TaskId,
		checkpoints_root: Hash,
		model_hash: Hash,
		metric_ppb: u64,
	) -> DispatchResult {
		let mut task = Tasks::<T>::get(id).ok_or(Error::<T>::UnknownTask)?;
		let Phase::Claimed { submit_by } = task.phase else {
			return Err(Error::<T>::NotClaimed.into());
		};
		ensure!(task.worker.as_ref() == Some(&who), Error::<T>::NotWorker);
		let now = frame_system::Pallet::<T>::block_number();
		ensure!(now <= submit_by, Error::<T>::SubmissionTooLate);
		let passes = match task.spec.metric {
			Metric::Accuracy => metric_ppb >= task.spec.threshold_ppb,
			Metric::Loss => {
				metric_ppb != mlchain_primitives::NON_FINITE_LOSS &&
					metric_ppb <= task.spec.threshold_ppb
			},
		};
		ensure!(passes, Error::<T>::MetricBelowThreshold);
		task.submission =
			Some(Submission { checkpoints_root, model_hash, metric_ppb, submitted_at: now });
		Self::ask_for_draw(id, &mut task, Phase::Selecting, now)?;
		let select_at = task.scheduled_at;
		Tasks::<T>::insert(id, task);
		Self::deposit_event(Event::ResultSubmitted {
			task: id,
			worker: who,
			checkpoints_root,
			model_hash,
			metric_ppb,
			select_at,
		});
		Ok(())
	}

	pub(crate) fn do_commit(who: T::AccountId, id: TaskId, commitment: Hash) -> DispatchResult {
		let mut task = Tasks::<T>::get(id).ok_or(Error::<T>::UnknownTask)?;
		ensure!(task.phase == Phase::Voting, Error::<T>::NotVoting);
		let now = frame_system::Pallet::<T>::block_number();
		let round = task.current_round_mut().ok_or(Error::<T>::NotVoting)?;
		ensure!(now <= round.commit_deadline, Error::<T>::CommitWindowClosed);
		let escalated = round.escalated;
		let slot =
			round.committee.iter_mut().find(|s| s.who == who).ok_or(Error::<T>::NotInCommittee)?;
		ensure!(slot.escalation == escalated, Error::<T>::SeatClosed);
		ensure!(slot.commitment.is_none(), Error::<T>::AlreadyCommitted);
		slot.commitment = Some(commitment);
		Tasks::<T>::insert(id, task);
		Self::deposit_event(Event::VerdictCommitted { task: id, verifier: who });
		Ok(())
	}

	pub(crate) fn do_reveal(
		who: T::AccountId,
		id: TaskId,
		verdict: Verdict,
		salt: [u8; 32],
	) -> DispatchResult {
		let mut task = Tasks::<T>::get(id).ok_or(Error::<T>::UnknownTask)?;
		ensure!(task.phase == Phase::Voting, Error::<T>::NotVoting);
		let submission = task.submission.ok_or(Error::<T>::NotVoting)?;
		let leaves = task.spec.segments().saturating_add(1);
		let now = frame_system::Pallet::<T>::block_number();
		let round = task.current_round_mut().ok_or(Error::<T>::NotVoting)?;
		ensure!(now > round.commit_deadline, Error::<T>::RevealWindowNotOpen);
		ensure!(now <= round.reveal_deadline, Error::<T>::RevealWindowClosed);
		let escalated = round.escalated;
		let slot =
			round.committee.iter_mut().find(|s| s.who == who).ok_or(Error::<T>::NotInCommittee)?;
		ensure!(slot.escalation == escalated, Error::<T>::SeatClosed);
		let commitment = slot.commitment.ok_or(Error::<T>::NotCommitted)?;
		ensure!(slot.vote.is_none(), Error::<T>::AlreadyRevealed);
		ensure!(
			verdict_commitment(id, &who.encode(), &verdict, &salt) == commitment,
			Error::<T>::CommitmentMismatch
		);
		let (vote, segment) = match &verdict {
			Verdict::Accept { witnesses } => {
				ensure!(
					witnesses.len() == slot.duties().len(),
					Error::<T>::WrongWitnessCount
				);
				slot.witnesses = BoundedVec::try_from(witnesses.to_vec())
					.map_err(|_| Error::<T>::WrongWitnessCount)?;
				(Vote::Accept, None)
			},
			Verdict::RejectSegment(e) => {
				ensure!(slot.segments.contains(&e.segment), Error::<T>::SegmentNotAssigned);
				ensure!(
					e.proof.leaf_count == leaves
						&& e.proof.leaf_index == e.segment.saturating_add(1)
						&& verify_proof(&submission.checkpoints_root, &e.leaf, &e.proof),
					Error::<T>::InvalidProof
				);
				ensure!(e.recomputed != e.leaf, Error::<T>::NoMismatch);
				slot.witnesses = BoundedVec::truncate_from(alloc::vec![e.witness]);
				(Vote::RejectSegment(e.segment), Some(e.segment))
			},
			Verdict::RejectMetric { metric_ppb } => {
				ensure!(*metric_ppb != submission.metric_ppb, Error::<T>::NoMismatch);
				(Vote::RejectMetric(*metric_ppb), None)
			},
			// Nothing to check: the absence of data cannot be proven. Fresh verifiers decide.
			// A witnessed segment may be reported too: the partner's witness needs it served.
			Verdict::Unavailable { segment, .. } => {
				ensure!(slot.duties().contains(segment), Error::<T>::SegmentNotAssigned);
				(Vote::Unserved(*segment), Some(*segment))
			},
		};
		slot.vote = Some(vote);
		Tasks::<T>::insert(id, task);
		Self::deposit_event(Event::VerdictRevealed {
			task: id,
			verifier: who,
			vote: vote.decision(),
			segment,
			unserved: matches!(vote, Vote::Unserved(_)),
		});
		Ok(())
	}

	pub(crate) fn do_appeal(who: T::AccountId, id: TaskId) -> DispatchResult {
		let mut task = Tasks::<T>::get(id).ok_or(Error::<T>::UnknownTask)?;
		let Phase::AppealWindow { decision, until } = task.phase else {
			return Err(Error::<T>::NotAppealable.into());
		};
		ensure!(task.appeal.is_none(), Error::<T>::AlreadyAppealed);
		let now = frame_system::Pallet::<T>::block_number();
		ensure!(now <= until, Error::<T>::NotAppealable);
		let entitled = match decision {
			Decision::Rejected => task.worker.as_ref() == Some(&who),
			Decision::Accepted => task.requester == who,
		};
		ensure!(entitled, Error::<T>::NotEntitledToAppeal);
		let deposit = Self::round_fees(task.fee, Self::appeal_committee_size(&task));
		T::Currency::hold(&HoldReason::TaskEscrow.into(), &who, deposit)
			.map_err(|_| Error::<T>::InsufficientBalance)?;
		task.appeal = Some(Appeal {
			appellant: who.clone(),
			deposit,
			filed_at: now,
			first_decision: decision,
			round: None,
		});
		Self::ask_for_draw(id, &mut task, Phase::Selecting, now)?;
		Tasks::<T>::insert(id, task);
		Self::deposit_event(Event::AppealFiled { task: id, appellant: who, deposit });
		Ok(())
	}

	/// What a worker that does not submit `task` in time loses: [`Config::NoShowSlash`] of
	/// the reward, at most the worker bond.
	pub fn no_show_slash(task: &Task<T>) -> BalanceOf<T> {
		T::NoShowSlash::get().mul_floor(task.reward).min(task.worker_bond)
	}

	/// Record that `worker` may not claim `task` again. A full list leaves the task unable to
	/// reopen ([`Self::reopen_or_refund`] refunds it).
	pub(crate) fn bar(task: &mut Task<T>, worker: &T::AccountId) {
		if !task.barred.contains(worker) && task.barred.try_push(worker.clone()).is_err() {
			log::debug!(target: "runtime::training", "barred list full; the task will be refunded");
		}
	}

	/// Size of the appeal committee: `2V + 1`.
	pub(crate) fn appeal_committee_size(task: &Task<T>) -> u32 {
		task.spec.verifier_count.saturating_mul(2).saturating_add(1)
	}

	/// Most accounts a draw for `task` excludes: its two parties and every seat of its rounds
	/// (the first round's, with escalation seats, and the appeal's).
	pub(crate) fn excluded_from_draws(task: &Task<T>) -> u32 {
		let v = task.spec.verifier_count;
		let seats = T::EscalationSeats::get();
		let first = v.saturating_add(seats);
		let appeal = Self::appeal_committee_size(task).saturating_add(seats);
		first.saturating_add(appeal).saturating_add(2)
	}

	/// What a round of `members` may cost in fees: one per member plus one per escalation
	/// seat it may need. Held up front (from the requester for the first round, from the
	/// appellant for the appeal); what nobody earned is released at settlement.
	pub(crate) fn round_fees(fee: BalanceOf<T>, members: u32) -> BalanceOf<T> {
		fee.saturating_mul(members.saturating_add(T::EscalationSeats::get()).into())
	}

	/// Handle the end of `id`'s current phase at block `now`; returns the weight used.
	///
	/// Work runs in a storage layer: if it fails, nothing of it is kept and the task is put
	/// back in the schedule for the next block, so no task is ever left without a deadline.
	pub(crate) fn process_deadline(id: TaskId, now: BlockNumberFor<T>) -> Weight {
		let Some(task) = Tasks::<T>::get(id) else {
			return T::DbWeight::get().reads(1);
		};
		let weight = Self::charged_weight(id, &task, now);
		let result = frame_support::storage::with_storage_layer(|| -> DispatchResult {
			match task.phase {
				Phase::Open => Self::expire_open(id, task),
				Phase::Claimed { .. } => Self::expire_claimed(id, task, now),
				Phase::Selecting => Self::select_or_postpone(id, task, now),
				Phase::Voting => Self::tally(id, task, now),
				Phase::Escalating => Self::escalate_or_postpone(id, task, now),
				Phase::AppealWindow { decision, .. } => Self::settle(id, task, decision, now),
			}
		});
		if let Err(e) = result {
			log::error!(target: "runtime::training", "deadline of task {id} failed: {e:?}");
			Tasks::<T>::mutate(id, |maybe| {
				if let Some(task) = maybe {
					match Self::schedule(id, now.saturating_add(One::one())) {
						Ok(at) => task.scheduled_at = at,
						Err(_) => log::error!(target: "runtime::training", "task {id} unscheduled"),
					}
				}
			});
		}
		weight
	}

	/// What handling `task`'s deadline at `now` is charged: a draw that will be postponed for
	/// want of fresh randomness only reads the randomness and moves the deadline (charged as an
	/// expiry, the cheapest benchmarked deadline, which does more), anything else its phase's
	/// upper bound ([`Self::deadline_weight`]).
	pub(crate) fn charged_weight(id: TaskId, task: &Task<T>, now: BlockNumberFor<T>) -> Weight {
		let waiting = matches!(task.phase, Phase::Selecting | Phase::Escalating) &&
			now < task.selecting_since.saturating_add(T::SelectionTimeout::get());
		if waiting && !Self::randomness_ready(id, task) {
			return T::WeightInfo::on_initialize_expire_open()
				.saturating_add(Self::schedule_weight())
				.saturating_add(T::DbWeight::get().reads(2));
		}
		Self::deadline_weight(task)
	}

	/// Upper bound of the weight of handling `task`'s deadline, by phase.
	pub(crate) fn deadline_weight(task: &Task<T>) -> Weight {
		let v = task.spec.verifier_count;
		match task.phase {
			Phase::Open => T::WeightInfo::on_initialize_expire_open(),
			Phase::Claimed { .. } => T::WeightInfo::on_initialize_expire_claimed(),
			Phase::Selecting => {
				let k = if task.appeal.is_some() { Self::appeal_committee_size(task) } else { v };
				let excluded = Self::excluded_from_draws(task);
				T::WeightInfo::on_initialize_select(k)
					.saturating_add(T::Workers::select_verifiers_weight(k, excluded))
			},
			Phase::Escalating => {
				let k = T::EscalationSeats::get();
				let excluded = Self::excluded_from_draws(task);
				T::WeightInfo::on_initialize_select(k)
					.saturating_add(T::Workers::select_verifiers_weight(k, excluded))
			},
			// A void round or an escalation snapshots the verifier set for the next draw.
			Phase::Voting => T::WeightInfo::on_initialize_settle(v)
				.saturating_add(T::Workers::snapshot_verifiers_weight()),
			Phase::AppealWindow { .. } => T::WeightInfo::on_initialize_settle(v),
		}
	}

	/// Nobody claimed in time: refund.
	fn expire_open(id: TaskId, task: Task<T>) -> DispatchResult {
		let refunded = Self::close_task(id, &task);
		Self::deposit_event(Event::TaskExpired { task: id, refunded });
		Ok(())
	}

	/// The worker did not submit in time: slash [`Config::NoShowSlash`] of the reward (at most
	/// the bond) to the treasury, bar it from the task, then reopen or refund.
	fn expire_claimed(id: TaskId, mut task: Task<T>, now: BlockNumberFor<T>) -> DispatchResult {
		let worker = task.worker.take().ok_or(Error::<T>::NotClaimed)?;
		let amount = Self::no_show_slash(&task);
		Self::bar(&mut task, &worker);
		let slashed = Self::slash(&worker, amount, &[(T::SlashDestination::get(), 1)]);
		Self::record(&worker, mlchain_pallet_traits::Outcome::Fault);
		Self::unlock(&worker, task.worker_bond);
		AccountTasks::<T>::remove(&worker, id);
		Self::deposit_event(Event::WorkerTimedOut { task: id, worker, slashed });
		Self::reopen_or_refund(id, task, now)
	}
}

use sp_runtime::traits::One;
