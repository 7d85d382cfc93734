//! Benchmarks of every call and of each kind of deadline `on_initialize` handles, each in its
//! worst case: the largest committee, the deepest Merkle proof the benchmark builds, and a
//! settlement that pays or slashes a first committee and an appeal committee.
//!
//! The runtime provides a [`BenchmarkHelper`] that registers workers, verifiers and datasets in
//! its compute and data-registry pallets and makes its randomness source fresh.

use super::*;
use crate::{Pallet as Training, Task};
use alloc::{vec, vec::Vec};
use frame_benchmarking::v2::*;
use frame_support::traits::{
	fungible::{Inspect, InspectHold, Mutate, MutateHold},
	Get, Hooks,
};
use frame_system::RawOrigin;
use mlchain_primitives::{
	merkle_proof, merkle_root,
	spec::{Activation, Loss, LrSchedule, ModelSpec, OptimizerSpec},
	training::verdict_commitment,
};
use sp_runtime::traits::{One, Saturating, Zero};

/// What the benchmarks need from the runtime's providers.
pub trait BenchmarkHelper<AccountId, Balance> {
	/// Register `who` as an active worker with a bond of at least `bond` (more if the
	/// registry's minimum requires). `who` is funded.
	fn register_worker(who: &AccountId, bond: Balance);
	/// Register `who` as an active verifier with a bond of at least `bond`. `who` is funded.
	fn register_verifier(who: &AccountId, bond: Balance);
	/// Register a public dataset with content root `root`; returns its id. `owner` is funded.
	fn register_dataset(
		owner: &AccountId,
		root: [u8; 32],
		price: Balance,
		royalty_bps: u16,
	) -> EntryId;
	/// Make `Config::Randomness` report an output known since the current block. With BABE's
	/// `RandomnessFromOneEpochAgo`, put the current block as the current epoch's start in
	/// `pallet_babe::EpochStart`.
	fn make_randomness_fresh() {}
}

const TRAIN: [u8; 32] = [0xa1; 32];
const EVAL: [u8; 32] = [0xe1; 32];

fn plenty<T: Config>() -> BalanceOf<T> {
	let unit = T::Currency::minimum_balance()
		.max(T::VerifierBond::get())
		.max(T::MinWorkerBond::get())
		.max(T::VerifierFee::get())
		.max(1u32.into());
	unit.saturating_mul(1_000_000u32.into())
}

fn funded<T: Config>(name: &'static str, index: u32) -> T::AccountId {
	let who: T::AccountId = account(name, index, 0);
	T::Currency::set_balance(&who, plenty::<T>());
	who
}

/// The smallest worker bond a task of `reward` and `v` seats may ask.
fn worker_bond<T: Config>(reward: BalanceOf<T>, v: u32) -> Result<BalanceOf<T>, BenchmarkError> {
	Training::<T>::min_worker_bond(reward, v)
		.ok_or(BenchmarkError::Stop("no worker bond is large enough for the benchmark reward"))
}

fn bond<T: Config>() -> BalanceOf<T> {
	T::VerifierBond::get().max(T::MinWorkerBond::get()).saturating_mul(100u32.into())
}

/// Segments of the benchmark spec: as many as the runtime allows, up to 2^14, so the reject
/// proof is among the deepest.
fn segments<T: Config>() -> u32 {
	T::MaxSteps::get().min(1 << 14).max(T::MaxSegmentsPerVerifier::get()).max(1)
}

fn spec<T: Config>(v: u32) -> TaskSpec {
	TaskSpec {
		model: ModelSpec::Mlp {
			inputs: 4,
			hidden: vec![8].try_into().unwrap_or_default(),
			outputs: 2,
			activation: Activation::Relu,
			dropout_ppb: 0,
		},
		optimizer: OptimizerSpec::Sgd { momentum_ppb: 0, weight_decay_ppb: 0 },
		schedule: LrSchedule::Constant { lr_ppb: 1_000_000 },
		loss: Loss::CrossEntropy,
		seed: 1,
		batch_size: 1,
		total_steps: segments::<T>(),
		checkpoint_interval: 1,
		train_dataset: TRAIN,
		eval_dataset: EVAL,
		metric: Metric::Accuracy,
		threshold_ppb: 0,
		verifier_count: v,
		segments_per_verifier: T::MaxSegmentsPerVerifier::get().min(segments::<T>()),
	}
}

fn leaves<T: Config>() -> Vec<Hash> {
	(0..=segments::<T>()).map(|i| mlchain_primitives::blake2_256(&i.to_le_bytes())).collect()
}

fn deadlines<T: Config>() -> Deadlines<BlockNumberFor<T>> {
	Deadlines { claim_within: T::MaxClaimWindow::get(), execution: T::MaxExecutionWindow::get() }
}

/// Post a task with `v` verifiers on two priced datasets; returns its id and requester.
fn create<T: Config>(v: u32) -> Result<(TaskId, T::AccountId), BenchmarkError> {
	let owner = funded::<T>("owner", 0);
	let owner2 = funded::<T>("owner", 1);
	let price = T::Currency::minimum_balance().max(1u32.into());
	let train = T::BenchmarkHelper::register_dataset(&owner, TRAIN, price, 1_000);
	let eval = T::BenchmarkHelper::register_dataset(&owner2, EVAL, price, 500);
	let requester = funded::<T>("requester", 0);
	let id = NextTaskId::<T>::get();
	let reward = T::Currency::minimum_balance().saturating_mul(100u32.into());
	Training::<T>::create_task(
		RawOrigin::Signed(requester.clone()).into(),
		spec::<T>(v),
		DatasetIds { train, eval },
		reward,
		worker_bond::<T>(reward, v)?,
		deadlines::<T>(),
	)?;
	Ok((id, requester))
}

/// Post, claim and submit; returns the task, the requester and the worker.
fn submitted<T: Config>(v: u32) -> Result<(TaskId, T::AccountId, T::AccountId), BenchmarkError> {
	let (id, requester) = create::<T>(v)?;
	let worker = funded::<T>("worker", 0);
	T::BenchmarkHelper::register_worker(&worker, bond::<T>());
	Training::<T>::claim_task(RawOrigin::Signed(worker.clone()).into(), id)?;
	let ls = leaves::<T>();
	let root = merkle_root(&ls).map_err(|_| BenchmarkError::Weightless)?;
	Training::<T>::submit_result(RawOrigin::Signed(worker.clone()).into(), id, root, root, 0)?;
	Ok((id, requester, worker))
}

/// `n` registered verifiers.
fn verifiers<T: Config>(offset: u32, n: u32) -> Vec<T::AccountId> {
	(offset..offset.saturating_add(n))
		.map(|i| {
			let who = funded::<T>("verifier", i);
			T::BenchmarkHelper::register_verifier(&who, bond::<T>());
			who
		})
		.collect()
}

/// A round of `members` that committed and voted `vote(their segments)` (`None`: nobody
/// committed yet); their bonds are locked and they are indexed, as a real draw leaves them.
fn round<T: Config>(
	id: TaskId,
	members: &[T::AccountId],
	vote: impl Fn(&[u32]) -> Option<Vote>,
	role: AssignmentRole,
) -> Result<Round<T>, BenchmarkError> {
	round_with::<T>(id, members, &[], vote, role)
}

/// [`round`], every member also assigned the segments in `required`.
fn round_with<T: Config>(
	id: TaskId,
	members: &[T::AccountId],
	required: &[u32],
	vote: impl Fn(&[u32]) -> Option<Vote>,
	role: AssignmentRole,
) -> Result<Round<T>, BenchmarkError> {
	let n = segments::<T>();
	let q = T::MaxSegmentsPerVerifier::get().min(n);
	let mut committee = BoundedVec::new();
	for (i, who) in members.iter().enumerate() {
		T::Workers::lock_bond(who, T::VerifierBond::get())?;
		AccountTasks::<T>::insert(who, id, role);
		let segments = selection::assign_segments_with(&[7; 32], i as u32, required, q, n);
		let vote = vote(&segments);
		committee
			.try_push(Slot {
				who: who.clone(),
				segments: segments.try_into().map_err(|_| BenchmarkError::Weightless)?,
				commitment: vote.map(|_| [1; 32]),
				vote,
				escalation: false,
				witnessed: BoundedVec::new(),
				witnesses: BoundedVec::new(),
			})
			.map_err(|_| BenchmarkError::Weightless)?;
	}
	// Partners witness each other's segments, and accepts carry their witnesses (all the
	// same: the replays agree), as in a real round.
	selection::pair_witnesses(committee.as_mut());
	for slot in committee.iter_mut() {
		if slot.vote == Some(Vote::Accept) {
			slot.witnesses = BoundedVec::truncate_from(vec![[5; 32]; slot.duties().len()]);
		}
	}
	let now = frame_system::Pallet::<T>::block_number();
	let commit_deadline = now.saturating_add(T::CommitWindow::get());
	Ok(Round {
		committee,
		commit_deadline,
		reveal_deadline: commit_deadline.saturating_add(T::RevealWindow::get()),
		escalated: false,
	})
}

/// A reject of the first of `segments`.
fn reject_first(segments: &[u32]) -> Option<Vote> {
	segments.first().map(|j| Vote::RejectSegment(*j))
}

/// Put `task` in the schedule of `at` and store it.
fn store_at<T: Config>(id: TaskId, mut task: Task<T>, at: BlockNumberFor<T>) {
	// A task the benchmark moved out of its draw gives up the draw's snapshot, as the pallet
	// does.
	if !matches!(task.phase, Phase::Selecting | Phase::Escalating) {
		Training::<T>::release_snapshot(&mut task);
	}
	Training::<T>::unschedule(id, task.scheduled_at);
	Schedule::<T>::mutate(at, |list| {
		let _ = list.try_push(id);
	});
	task.scheduled_at = at;
	Tasks::<T>::insert(id, task);
}

fn task<T: Config>(id: TaskId) -> Result<Task<T>, BenchmarkError> {
	Tasks::<T>::get(id).ok_or(BenchmarkError::Weightless)
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn create_task() -> Result<(), BenchmarkError> {
		let owner = funded::<T>("owner", 0);
		let owner2 = funded::<T>("owner", 1);
		let price = T::Currency::minimum_balance().max(1u32.into());
		let train = T::BenchmarkHelper::register_dataset(&owner, TRAIN, price, 1_000);
		let eval = T::BenchmarkHelper::register_dataset(&owner2, EVAL, price, 500);
		let requester = funded::<T>("requester", 0);
		let reward = T::Currency::minimum_balance().saturating_mul(100u32.into());
		let needed = worker_bond::<T>(reward, T::MaxVerifiers::get())?;
		// The creation fee goes to the treasury, which exists on a live chain.
		T::Currency::set_balance(&T::SlashDestination::get(), T::Currency::minimum_balance());

		#[extrinsic_call]
		_(
			RawOrigin::Signed(requester),
			spec::<T>(T::MaxVerifiers::get()),
			DatasetIds { train, eval },
			reward,
			needed,
			deadlines::<T>(),
		);

		assert_eq!(TaskCount::<T>::get(), 1);
		Ok(())
	}

	#[benchmark]
	fn cancel_task() -> Result<(), BenchmarkError> {
		let (id, requester) = create::<T>(T::MaxVerifiers::get())?;

		#[extrinsic_call]
		_(RawOrigin::Signed(requester), id);

		assert!(Tasks::<T>::get(id).is_none());
		Ok(())
	}

	#[benchmark]
	fn claim_task() -> Result<(), BenchmarkError> {
		let (id, _) = create::<T>(T::MaxVerifiers::get())?;
		// The most earlier workers barred that still leaves the task open.
		let mut t = task::<T>(id)?;
		for i in 1..T::MaxClaimsPerTask::get() {
			let barred: T::AccountId = account("barred", i, 0);
			t.barred.try_push(barred).map_err(|_| BenchmarkError::Weightless)?;
		}
		Tasks::<T>::insert(id, t);
		let worker = funded::<T>("worker", 0);
		T::BenchmarkHelper::register_worker(&worker, bond::<T>());

		#[extrinsic_call]
		_(RawOrigin::Signed(worker), id);

		assert!(matches!(task::<T>(id)?.phase, Phase::Claimed { .. }));
		Ok(())
	}

	/// The heavier outcome: the claim window is over, so the task is refunded (escrow
	/// released, datasets unlocked) rather than reopened.
	#[benchmark]
	fn release_claim() -> Result<(), BenchmarkError> {
		let (id, requester) = create::<T>(T::MaxVerifiers::get())?;
		let worker = funded::<T>("worker", 0);
		T::BenchmarkHelper::register_worker(&worker, bond::<T>());
		Training::<T>::claim_task(RawOrigin::Signed(worker.clone()).into(), id)?;
		let mut t = task::<T>(id)?;
		t.claim_until = frame_system::Pallet::<T>::block_number();
		Tasks::<T>::insert(id, t);

		#[extrinsic_call]
		_(RawOrigin::Signed(worker), id);

		assert!(Tasks::<T>::get(id).is_none());
		assert!(T::Currency::balance_on_hold(&HoldReason::TaskEscrow.into(), &requester).is_zero());
		Ok(())
	}

	#[benchmark]
	fn submit_result() -> Result<(), BenchmarkError> {
		let (id, _) = create::<T>(T::MaxVerifiers::get())?;
		let worker = funded::<T>("worker", 0);
		T::BenchmarkHelper::register_worker(&worker, bond::<T>());
		Training::<T>::claim_task(RawOrigin::Signed(worker.clone()).into(), id)?;

		#[extrinsic_call]
		_(RawOrigin::Signed(worker), id, [1; 32], [2; 32], 0);

		assert_eq!(task::<T>(id)?.phase, Phase::Selecting);
		Ok(())
	}

	#[benchmark]
	fn commit_verdict(c: Linear<1, { MaxCommitteeOf::<T>::get() }>) -> Result<(), BenchmarkError> {
		let (id, _, _) = submitted::<T>(T::MaxVerifiers::get())?;
		let members = verifiers::<T>(0, c);
		let mut t = task::<T>(id)?;
		t.round = Some(round::<T>(id, &members, |_| None, AssignmentRole::Verifier)?);
		t.phase = Phase::Voting;
		let at = t.scheduled_at;
		store_at::<T>(id, t, at);
		let last = members.last().cloned().ok_or(BenchmarkError::Weightless)?;

		#[extrinsic_call]
		_(RawOrigin::Signed(last), id, [3; 32]);

		let t = task::<T>(id)?;
		let r = t.current_round().ok_or(BenchmarkError::Weightless)?;
		assert!(r.committee.iter().any(|s| s.commitment == Some([3; 32])));
		Ok(())
	}

	#[benchmark]
	fn reveal_verdict(c: Linear<1, { MaxCommitteeOf::<T>::get() }>) -> Result<(), BenchmarkError> {
		let (id, _, _) = submitted::<T>(T::MaxVerifiers::get())?;
		let members = verifiers::<T>(0, c);
		let last = members.last().cloned().ok_or(BenchmarkError::Weightless)?;
		let mut t = task::<T>(id)?;
		let mut r = round::<T>(id, &members, |_| None, AssignmentRole::Verifier)?;
		// The last member rejects its last segment with the deepest proof available.
		let ls = leaves::<T>();
		let slot = r.committee.last_mut().ok_or(BenchmarkError::Weightless)?;
		let segment = slot.segments.last().copied().ok_or(BenchmarkError::Weightless)?;
		let proof =
			merkle_proof(&ls, segment as usize + 1).map_err(|_| BenchmarkError::Weightless)?;
		let verdict = Verdict::RejectSegment(RejectEvidence {
			segment,
			recomputed: [0; 32],
			leaf: ls[segment as usize + 1],
			proof,
			witness: [5; 32],
		});
		let salt = [9; 32];
		slot.commitment = Some(verdict_commitment(id, &last.encode(), &verdict, &salt));
		let reveal_at = r.commit_deadline.saturating_add(One::one());
		t.round = Some(r);
		t.phase = Phase::Voting;
		let at = t.scheduled_at;
		store_at::<T>(id, t, at);
		frame_system::Pallet::<T>::set_block_number(reveal_at);

		#[extrinsic_call]
		_(RawOrigin::Signed(last), id, verdict, salt);

		let t = task::<T>(id)?;
		let r = t.current_round().ok_or(BenchmarkError::Weightless)?;
		assert!(r.committee.iter().any(|s| s.vote == Some(Vote::RejectSegment(segment))));
		Ok(())
	}

	#[benchmark]
	fn appeal() -> Result<(), BenchmarkError> {
		let (id, _, worker) = submitted::<T>(T::MaxVerifiers::get())?;
		let mut t = task::<T>(id)?;
		let until = frame_system::Pallet::<T>::block_number().saturating_add(One::one());
		t.phase = Phase::AppealWindow { decision: Decision::Rejected, until };
		let at = t.scheduled_at;
		store_at::<T>(id, t, at);

		#[extrinsic_call]
		_(RawOrigin::Signed(worker), id);

		assert!(task::<T>(id)?.appeal.is_some());
		Ok(())
	}

	#[benchmark]
	fn on_initialize_expire_open() -> Result<(), BenchmarkError> {
		let (id, _) = create::<T>(T::MaxVerifiers::get())?;
		let at = task::<T>(id)?.scheduled_at;
		frame_system::Pallet::<T>::set_block_number(at);

		#[block]
		{
			Training::<T>::on_initialize(at);
		}

		assert!(Tasks::<T>::get(id).is_none());
		Ok(())
	}

	#[benchmark]
	fn on_initialize_expire_claimed() -> Result<(), BenchmarkError> {
		let (id, _) = create::<T>(T::MaxVerifiers::get())?;
		let worker = funded::<T>("worker", 0);
		T::BenchmarkHelper::register_worker(&worker, bond::<T>());
		Training::<T>::claim_task(RawOrigin::Signed(worker).into(), id)?;
		// The execution window ends before the claim window: the task reopens.
		let mut t = task::<T>(id)?;
		let at = frame_system::Pallet::<T>::block_number().saturating_add(One::one());
		t.phase = Phase::Claimed { submit_by: frame_system::Pallet::<T>::block_number() };
		store_at::<T>(id, t, at);
		frame_system::Pallet::<T>::set_block_number(at);

		#[block]
		{
			Training::<T>::on_initialize(at);
		}

		assert_eq!(task::<T>(id)?.phase, Phase::Open);
		Ok(())
	}

	/// Drawing the appeal committee (`2v + 1` members) of a task with `v` verifiers, excluding
	/// the first committee. `WorkerRegistry::select_verifiers` is included in the measurement
	/// but also charged separately from `select_verifiers_weight`, an over-estimate on purpose.
	#[benchmark]
	fn on_initialize_select(
		v: Linear<1, { T::MaxVerifiers::get() }>,
	) -> Result<(), BenchmarkError> {
		let (id, _, worker) = submitted::<T>(v)?;
		let first = verifiers::<T>(0, v);
		let _appeal_pool = verifiers::<T>(v, v.saturating_mul(2).saturating_add(1));
		let mut t = task::<T>(id)?;
		let now = frame_system::Pallet::<T>::block_number();
		// Every first member disputed a segment: each appeal member replays all of them.
		t.round = Some(round::<T>(id, &first, reject_first, AssignmentRole::Verifier)?);
		t.appeal = Some(Appeal {
			appellant: worker,
			deposit: Zero::zero(),
			filed_at: now,
			first_decision: Decision::Rejected,
			round: None,
		});
		t.phase = Phase::Selecting;
		t.selecting_since = now;
		// The appeal pool registered after the submission: the appeal's own snapshot has it.
		Training::<T>::release_snapshot(&mut t);
		t.snapshot = Some(
			T::Workers::snapshot_verifiers().map_err(|_| BenchmarkError::Stop("snapshot failed"))?,
		);
		let at = now.saturating_add(T::SelectionDelay::get());
		store_at::<T>(id, t, at);
		frame_system::Pallet::<T>::set_block_number(at);
		T::BenchmarkHelper::make_randomness_fresh();

		#[block]
		{
			Training::<T>::on_initialize(at);
		}

		assert_eq!(task::<T>(id)?.phase, Phase::Voting);
		Ok(())
	}

	/// The heaviest settlement: the appeal committee (`2v + 1`, all paid, all rejecting the
	/// same segment, so that its jury is conclusive) overturns a first committee of `v` (all
	/// slashed); the worker is slashed to the appeal committee and the treasury, and the task
	/// reopens.
	#[benchmark]
	fn on_initialize_settle(
		v: Linear<1, { T::MaxVerifiers::get() }>,
	) -> Result<(), BenchmarkError> {
		let (id, _, worker) = submitted::<T>(v)?;
		let first = verifiers::<T>(0, v);
		let second = verifiers::<T>(v, v.saturating_mul(2).saturating_add(1));
		let mut t = task::<T>(id)?;
		let now = frame_system::Pallet::<T>::block_number();
		let deposit = t.fee.saturating_mul(v.saturating_mul(2).saturating_add(1).into());
		T::Currency::hold(&HoldReason::TaskEscrow.into(), &worker, deposit)?;
		t.round = Some(round::<T>(id, &first, |_| Some(Vote::Accept), AssignmentRole::Verifier)?);
		// All of them replayed segment 0 and reject it: a conclusive jury, no escalation.
		let appeal_round =
			round_with::<T>(id, &second, &[0], reject_first, AssignmentRole::AppealVerifier)?;
		let at = appeal_round.reveal_deadline.saturating_add(One::one());
		t.appeal = Some(Appeal {
			appellant: worker,
			deposit,
			filed_at: now,
			first_decision: Decision::Accepted,
			round: Some(appeal_round),
		});
		t.phase = Phase::Voting;
		store_at::<T>(id, t, at);
		frame_system::Pallet::<T>::set_block_number(at);

		#[block]
		{
			Training::<T>::on_initialize(at);
		}

		assert_eq!(task::<T>(id)?.phase, Phase::Open);
		Ok(())
	}

	impl_benchmark_test_suite!(Training, crate::mock::new_test_ext(), crate::mock::Test);
}
