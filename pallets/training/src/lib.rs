//! # Training pallet
//!
//! The life of a paid training task: escrow, claim, commitment, random verification, appeal
//! and settlement.
//!
//! ## Overview
//!
//! A **requester** posts a task with [`Pallet::create_task`]: a [`TaskSpec`] (model, optimiser,
//! seed, `S` steps with a checkpoint every `K`, datasets by content hash, metric and threshold,
//! `V` verifiers each replaying `q` segments), the registry entries of its training and
//! evaluation datasets, the reward, the bond a worker must lock, and its deadlines. The reward,
//! the fees of `V` verifiers and the datasets' use prices are held from the requester
//! ([`HoldReason::TaskEscrow`]); the datasets are locked in the registry for the task's life.
//!
//! Creating a task also pays [`Config::TaskCreationFee`] to the treasury, never refunded, and
//! a requester has at most [`Config::MaxTasksPerRequester`] live tasks, so nobody can fill the
//! market (or lock a dataset) with tasks it cancels later.
//!
//! A **worker** claims it ([`Pallet::claim_task`], part of its bond is locked in the compute
//! pallet; a worker rejected on the task, timed out on it or that gave it back within
//! [`Config::ClaimGrace`] with [`Pallet::release_claim`] may not claim it again), trains
//! deterministically and commits to the whole run with
//! [`Pallet::submit_result`]: the Merkle root over the `S/K + 1` checkpoint hashes (leaf 0 is
//! the initial weights, leaf `i` the checkpoint after `i * K` steps), the final model hash and
//! its metric.
//!
//! Once randomness exists all of whose inputs postdate the submission (on BABE: the second
//! epoch change after it), it picks a **committee** of `V` verifiers, weighted by stake, and
//! `q` segment indices for each. Verifiers replay their segments and evaluate the final model, commit to a
//! [`Verdict`] ([`Pallet::commit_verdict`]) and reveal it ([`Pallet::reveal_verdict`]). A
//! reject verdict carries the mismatching segment, the verifier's recomputed checkpoint hash and
//! the worker's committed leaf with its Merkle proof, which the pallet checks against the root.
//!
//! A verifier that cannot get the data for an assigned segment from the worker (nothing
//! served, a bad listing, an unparseable checkpoint) reveals [`Verdict::Unavailable`]: the
//! round then **escalates**, [`Config::EscalationSeats`] fresh verifiers replay the reported
//! segments, and unless a strict majority of them replays each one the run is rejected as for
//! a fake ([`dispute`]). Availability is the worker's burden.
//!
//! A valid reject is a **dispute** about one segment (or the metric), and only the members
//! assigned that segment decide it (see [`dispute`]): the round rejects the run if, for some
//! disputed segment, a strict majority of the members assigned it that revealed a verdict on it
//! rejected it; otherwise it accepts if anyone revealed. Accepts of members that never saw the
//! segment do not count, so one honest member that sampled a faked segment is enough to bring
//! the fake before a jury, which is what makes the detection probability `1 - (1 - f)^(qV)`
//! hold. No dispute is decided by fewer than [`Config::MinJury`] jurors or by a tie: such a
//! round first escalates, and the escalation seats join the jury of every such segment.
//!
//! The losing party (the worker after a reject, the requester after an accept) may
//! [`Pallet::appeal`] once, within [`Config::AppealWindow`] blocks, paying the fees of a fresh
//! committee of `2V + 1` verifiers (excluding the first). Every appeal member replays every
//! segment disputed in the first round, plus random ones up to `q`; the same rule applied to
//! the appeal round is final. Then the task settles by itself in `on_initialize`.
//!
//! ## Terminology
//!
//! - **Escrow**: the requester's held funds for a task: reward + fees still owed to the first
//!   committee + the datasets' use prices.
//! - **Segment** `i`: training steps `i*K .. (i+1)*K`, checked by replaying from checkpoint `i`
//!   and comparing with leaf `i + 1`.
//! - **Committee / round**: the verifiers drawn for one vote. A round in which nobody revealed
//!   is **void** and a new committee is drawn, at most [`Config::MaxVoidRounds`] times.
//! - **Dispute**: a valid reject's subject, a segment or the metric ([`Dispute`]). Its **jury**
//!   is the members assigned it (everyone, for the metric) whose verdict accepted or rejected
//!   it; it is **upheld** by a strict majority of its jury.
//! - **Decision**: rejected if a dispute raised in the round is upheld, else accepted.
//! - **Deciding round**: the appeal round if anyone revealed in it, else the first round. Every
//!   member of both rounds is judged against it ([`Round::judge`]).
//! - **Escalation seats**: fresh members added to a round in which a member reported a segment
//!   unserved; they alone rule on the reported segments.
//! - **Treasury**: where every slash goes ([`Config::SlashDestination`]), except the share of
//!   a rejected worker's slash paid to the verifiers who proved the fault. No slash pays the
//!   requester, the worker or an appellant, so no party can farm them.
//!
//! ## Usage
//!
//! Calls: [`Pallet::create_task`], [`Pallet::cancel_task`], [`Pallet::claim_task`],
//! [`Pallet::release_claim`], [`Pallet::submit_result`], [`Pallet::commit_verdict`],
//! [`Pallet::reveal_verdict`], [`Pallet::appeal`]. Clients find their work through the runtime API
//! (`pallet-training-runtime-api`, backed by [`Pallet::assignments_of`]). The commitment a
//! verifier publishes is [`mlchain_primitives::training::verdict_commitment`], shared with the
//! worker. `docs/training-tasks.md` walks through a task call by call and explains the
//! economics.
//!
//! Settlement pays, when accepted: the reward minus royalties to the worker, the use prices and
//! royalties to the current dataset owners; the worker's bond is unlocked. When rejected: a
//! part of the worker's bond ([`Config::RejectSlash`]) is slashed, split between the verifiers
//! who proved the fault (their reject or unserved report was upheld by the deciding round;
//! [`Config::RejectSlashToVerifiers`]) and the treasury, and the task reopens (if its claim
//! window is still open and the requester can top up the fees) or is refunded. Either way a
//! member earns its fee if its vote stands against the deciding round: an upheld reject, or an
//! accept none of whose segments (nor the metric) the deciding round found bad (an honest
//! member that did not sample the fake is paid). A member loses [`Config::VerifierSlash`] of
//! its locked [`Config::VerifierBond`] if it did not reveal, if its reject was not upheld by
//! the deciding round (a lying reject overturned on appeal), or if it accepted a segment the
//! deciding round found bad. A first-round reject of a segment nobody in the appeal round
//! spoke about is neither paid nor slashed.
//!
//! ## Implementation notes
//!
//! - **Bounded work per block.** Every live task has exactly one entry in [`Schedule`], at the
//!   block where its current phase ends; `on_initialize` handles at most
//!   [`Config::MaxScheduledPerBlock`] tasks, each benchmarked by phase. A full block pushes the
//!   entry to the next one; since live tasks are capped by [`Config::MaxOpenTasks`], a free
//!   slot always exists within [`Pallet::schedule_lookahead`] blocks (`integrity_test`).
//! - **Randomness.** The committee seed is `T::Randomness::random(subject)`, used only if the
//!   source says all of its inputs came after the block at which the draw was asked for
//!   ([`Task::selecting_since`]: submission, void round, appeal or escalation); otherwise the
//!   selection is postponed. On BABE this is the one-epoch-ago randomness of the second epoch
//!   after the submission: made of VRF outputs of an epoch that began after it, which nobody
//!   could know when the worker submitted (see the docs for the residual bias of block
//!   producers).
//! - **Funds.** The requester's escrow and an appellant's deposit are fungible holds of this
//!   pallet; payments leave them with `transfer_on_hold`, refunds with `release`. Bonds stay in
//!   the compute pallet and are locked, unlocked and slashed through [`WorkerRegistry`]. If a
//!   payment cannot be made (the payee's account cannot receive it) the amount is released to
//!   its payer instead, so nothing is ever stranded, minted or burnt. Slashes move bond to the
//!   treasury's account (and the provers').
//! - **Conservation** (`try_state`): for every account, the funds held under
//!   [`HoldReason::TaskEscrow`] equal the escrows of its tasks plus its appeal deposits; there
//!   are no pending payouts because every payment is made when a task settles. The schedule,
//!   the task count and the account index agree with the tasks.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;

#[cfg(feature = "runtime-benchmarks")]
pub mod benchmarking;
pub mod dispute;
mod inspect;
mod lifecycle;
#[cfg(test)]
mod mock;
mod schedule;
pub mod selection;
mod settlement;
#[cfg(test)]
mod randomness_sim;
#[cfg(test)]
mod tests;
pub mod weights;
pub use weights::WeightInfo;

use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{
	traits::{fungible, Get},
	BoundedVec, CloneNoBound, DebugNoBound, EqNoBound, PartialEqNoBound,
};
use frame_system::pallet_prelude::BlockNumberFor;
pub use mlchain_pallet_traits::{DatasetProvider, EntryId, SnapshotId, WorkerRegistry};
pub use mlchain_primitives::{
	training::{Assignment, AssignmentRole, RejectEvidence, TaskId, Verdict},
	Hash, Metric, TaskSpec,
};
use scale_info::TypeInfo;

/// Balance type of the configured currency.
pub type BalanceOf<T> =
	<<T as Config>::Currency as fungible::Inspect<<T as frame_system::Config>::AccountId>>::Balance;

/// Largest committee: an appeal committee of `2 * MaxVerifiers + 1` plus its escalation seats.
pub struct MaxCommitteeOf<T>(core::marker::PhantomData<T>);

/// The most witnesses one accept carries: a seat's own segments and as many witnessed
/// (`2 · MaxSegmentsPerVerifier`).
pub struct MaxWitnessesOf<T>(core::marker::PhantomData<T>);

impl<T: Config> Get<u32> for MaxWitnessesOf<T> {
	fn get() -> u32 {
		T::MaxSegmentsPerVerifier::get().saturating_mul(2)
	}
}
/// When a randomness source's output changes next ([`Config::RandomnessChanges`]).
pub trait RandomnessChanges<BlockNumber> {
	/// A block at or after the next change of the source's output, as early as is certain,
	/// seen from block `now`; `None` if the runtime cannot tell.
	fn next_change_by(now: BlockNumber) -> Option<BlockNumber>;
}

impl<BlockNumber> RandomnessChanges<BlockNumber> for () {
	fn next_change_by(_now: BlockNumber) -> Option<BlockNumber> {
		None
	}
}

impl<T: Config> Get<u32> for MaxCommitteeOf<T> {
	fn get() -> u32 {
		T::MaxVerifiers::get()
			.saturating_mul(2)
			.saturating_add(1)
			.saturating_add(T::EscalationSeats::get())
	}
}

/// The registry entries a task trains and evaluates on. They may be the same entry.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	TypeInfo,
	MaxEncodedLen,
)]
pub struct DatasetIds {
	/// Entry whose content root is the spec's `train_dataset`.
	pub train: EntryId,
	/// Entry whose content root is the spec's `eval_dataset`.
	pub eval: EntryId,
}

/// The time limits a requester sets, in blocks from the call that starts each period.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	TypeInfo,
	MaxEncodedLen,
)]
pub struct Deadlines<BlockNumber> {
	/// The task can be claimed for this many blocks after creation (at most
	/// [`Config::MaxClaimWindow`]); it is refunded when it is still unclaimed then, and a
	/// rejected or abandoned run only reopens while this window lasts.
	pub claim_within: BlockNumber,
	/// A worker must submit within this many blocks of claiming (at most
	/// [`Config::MaxExecutionWindow`]).
	pub execution: BlockNumber,
}

/// What a worker committed to.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	TypeInfo,
	MaxEncodedLen,
)]
pub struct Submission<BlockNumber> {
	/// Merkle root over the `S/K + 1` checkpoint hashes.
	pub checkpoints_root: Hash,
	/// Hash of the final model (the last checkpoint).
	pub model_hash: Hash,
	/// The final model's metric on the evaluation set, in the spec's unit.
	pub metric_ppb: u64,
	/// Block of the submission.
	pub submitted_at: BlockNumber,
}

/// A revealed vote.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	TypeInfo,
	MaxEncodedLen,
)]
pub enum Decision {
	/// The run replays and meets the claimed metric.
	Accepted,
	/// A proven mismatch.
	Rejected,
}

/// A committee member's revealed vote, as stored: what its verdict accepted or disputed.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	TypeInfo,
	MaxEncodedLen,
)]
pub enum Vote {
	/// Every assigned segment replayed and the final model's metric matched.
	Accept,
	/// This assigned segment did not replay; the evidence was checked against the root.
	RejectSegment(u32),
	/// The final model's metric is this value, not the claimed one.
	RejectMetric(u64),
	/// The worker did not serve (or served unusable) data for this assigned segment.
	Unserved(u32),
}

impl Vote {
	/// Accepted or rejected, whatever the reason (an unserved segment counts against the run).
	pub fn decision(&self) -> Decision {
		match self {
			Vote::Accept => Decision::Accepted,
			Vote::RejectSegment(_) | Vote::RejectMetric(_) | Vote::Unserved(_) => Decision::Rejected,
		}
	}
}

/// What a reject disputes, and what a round rules on.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	TypeInfo,
	MaxEncodedLen,
)]
pub enum Dispute {
	/// A training segment: decided by the members assigned that segment.
	Segment(u32),
	/// The final model's metric: every member evaluates it, so every member decides it.
	Metric,
}

/// Where a task is in its life.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	TypeInfo,
	MaxEncodedLen,
)]
pub enum Phase<BlockNumber> {
	/// Waiting for a worker until `claim_until` (inclusive).
	Open,
	/// Claimed; the worker must submit by `submit_by` (inclusive).
	Claimed {
		/// Last block for `submit_result`.
		submit_by: BlockNumber,
	},
	/// Submitted (or appealed); a committee is drawn at the scheduled block.
	Selecting,
	/// A committee is committing and revealing.
	Voting,
	/// A dispute's jury is too small or tied, or a member reported a segment unserved; fresh
	/// verifiers for those segments are drawn at the scheduled block and join the round.
	Escalating,
	/// The first committee decided; the losing party may appeal until `until` (inclusive).
	AppealWindow {
		/// The first committee's decision.
		decision: Decision,
		/// Last block for `appeal`.
		until: BlockNumber,
	},
}

/// One committee member's assignment and vote.
#[derive(
	Encode, Decode, MaxEncodedLen, TypeInfo, CloneNoBound, PartialEqNoBound, EqNoBound, DebugNoBound,
)]
#[codec(mel_bound())]
#[scale_info(skip_type_params(T))]
pub struct Slot<T: Config> {
	/// The verifier.
	pub who: T::AccountId,
	/// Segment indices to replay, ascending.
	pub segments: BoundedVec<u32, T::MaxSegmentsPerVerifier>,
	/// The verdict commitment, once committed.
	pub commitment: Option<Hash>,
	/// The revealed vote, once revealed with valid evidence.
	pub vote: Option<Vote>,
	/// Whether this member holds an escalation seat: drawn after the round's first reveal
	/// window because a dispute's jury was too small or tied, or a member reported a segment
	/// unserved; it replays exactly those segments.
	pub escalation: bool,
	/// Segments of its partner (the next member of the round's first stage, in draw order)
	/// it replays as a witness only, ascending and none of `segments`; empty for escalation
	/// seats (they all replay the same segments) and in a committee of one.
	pub witnessed: BoundedVec<u32, T::MaxSegmentsPerVerifier>,
	/// With an accept: the replay witness of each of its duties (`segments ∪ witnessed`,
	/// ascending; see [`mlchain_primitives::training::replay_witness`]); with a segment
	/// reject: the rejected segment's. Empty otherwise.
	pub witnesses: BoundedVec<Hash, MaxWitnessesOf<T>>,
}

impl<T: Config> Slot<T> {
	/// Every segment this member replays, ascending: the order of its witnesses.
	pub fn duties(&self) -> Vec<u32> {
		mlchain_primitives::training::duties(&self.segments, &self.witnessed)
	}

	/// Its witness for segment `j`: an accept's for each of its duties, a segment reject's
	/// for the rejected segment.
	pub fn witness(&self, j: u32) -> Option<Hash> {
		match self.vote {
			Some(Vote::Accept) => {
				let at = self.duties().iter().position(|d| *d == j)?;
				self.witnesses.get(at).copied()
			},
			Some(Vote::RejectSegment(k)) if k == j => self.witnesses.first().copied(),
			_ => None,
		}
	}
}

/// One committee's vote.
#[derive(
	Encode, Decode, MaxEncodedLen, TypeInfo, CloneNoBound, PartialEqNoBound, EqNoBound, DebugNoBound,
)]
#[codec(mel_bound())]
#[scale_info(skip_type_params(T))]
pub struct Round<T: Config> {
	/// Members in draw order.
	pub committee: BoundedVec<Slot<T>, MaxCommitteeOf<T>>,
	/// Last block in which commitments are accepted.
	pub commit_deadline: BlockNumberFor<T>,
	/// Last block in which reveals are accepted; the round is tallied in the next block.
	/// After an escalation both deadlines are the escalation seats' windows.
	pub reveal_deadline: BlockNumberFor<T>,
	/// Whether escalation seats were drawn (at most once per round). From then on only they
	/// may commit and reveal; they join the jury of every segment they replay, and alone rule
	/// on the segments reported unserved.
	pub escalated: bool,
}

/// An appeal against the first committee's decision.
#[derive(
	Encode, Decode, MaxEncodedLen, TypeInfo, CloneNoBound, PartialEqNoBound, EqNoBound, DebugNoBound,
)]
#[codec(mel_bound())]
#[scale_info(skip_type_params(T))]
pub struct Appeal<T: Config> {
	/// The worker or the requester.
	pub appellant: T::AccountId,
	/// Fees of the appeal committee still held from the appellant.
	pub deposit: BalanceOf<T>,
	/// Block of the appeal.
	pub filed_at: BlockNumberFor<T>,
	/// What the first committee decided (stands if the appeal round is void).
	pub first_decision: Decision,
	/// The appeal committee, once drawn.
	pub round: Option<Round<T>>,
}

/// Everything stored about a live task.
#[derive(
	Encode, Decode, MaxEncodedLen, TypeInfo, CloneNoBound, PartialEqNoBound, EqNoBound, DebugNoBound,
)]
#[codec(mel_bound())]
#[scale_info(skip_type_params(T))]
pub struct Task<T: Config> {
	/// Who posted and pays.
	pub requester: T::AccountId,
	/// What to train and how it is checked.
	pub spec: TaskSpec,
	/// The registry entries of the datasets (locked while the task lives).
	pub datasets: DatasetIds,
	/// Use price of the training entry, escrowed (zero for the owner's own data).
	pub train_price: BalanceOf<T>,
	/// Use price of the evaluation entry, escrowed (zero if it is the training entry or the
	/// requester's own).
	pub eval_price: BalanceOf<T>,
	/// The worker's reward, escrowed.
	pub reward: BalanceOf<T>,
	/// The fee of one verifier, fixed at creation: the price of its replay
	/// ([`Config::ReplayPrice`]), at least [`Config::VerifierFee`].
	pub fee: BalanceOf<T>,
	/// Bond locked from each committee seat, fixed at creation: at least
	/// [`Config::VerifierBond`], and large enough that [`Config::VerifierSlash`] of it pays the
	/// fees of the largest appeal a lie can force at this task's fee.
	pub seat_bond: BalanceOf<T>,
	/// Blocks added to [`Config::CommitWindow`] and [`Config::AppealWindow`] for this task
	/// (verifiers replay before they commit, the worker before it appeals): what replaying
	/// [`Config::MaxSegmentsPerVerifier`] segments and the evaluation takes the reference
	/// machine ([`Config::ReplayOpsPerBlock`]).
	pub replay_blocks: BlockNumberFor<T>,
	/// Fees escrowed for the first committee and not yet paid.
	pub fees_held: BalanceOf<T>,
	/// The bond a worker locks by claiming.
	pub worker_bond: BalanceOf<T>,
	/// Last block in which the task can be claimed.
	pub claim_until: BlockNumberFor<T>,
	/// Blocks a worker has from claim to submission.
	pub execution: BlockNumberFor<T>,
	/// The worker, once claimed.
	pub worker: Option<T::AccountId>,
	/// The worker's commitment, once submitted.
	pub submission: Option<Submission<BlockNumberFor<T>>>,
	/// Current phase.
	pub phase: Phase<BlockNumberFor<T>>,
	/// The block whose [`Schedule`] entry holds this task (its phase's deadline).
	pub scheduled_at: BlockNumberFor<T>,
	/// The first committee (replaced when a round is void).
	pub round: Option<Round<T>>,
	/// The appeal, if one was filed.
	pub appeal: Option<Appeal<T>>,
	/// Void rounds (and void escalations) so far.
	pub void_rounds: u32,
	/// Claims of this task so far. The current run's attempt is `claims - 1`; it is mixed
	/// into the run's training seed ([`mlchain_primitives::training::run_seed`]) with the task
	/// id and the worker's account, so no two runs of a task train alike.
	pub claims: u32,
	/// The block at which the current draw was asked for (a submission, a void round, an
	/// appeal or an escalation). The draw uses only randomness all of whose inputs postdate
	/// this block, and [`Config::SelectionTimeout`] counts from it.
	pub selecting_since: BlockNumberFor<T>,
	/// The snapshot of the verifier set the pending draw uses, taken at `selecting_since` so
	/// that no bond or online change made after the randomness is known counts in the draw.
	/// Held while the task is `Selecting` or `Escalating`, `None` otherwise.
	pub snapshot: Option<SnapshotId>,
	/// Workers that may not claim this task again: rejected on it, timed out on it, or gave
	/// it back. Full ([`Config::MaxClaimsPerTask`]) means the task is refunded, not reopened.
	pub barred: BoundedVec<T::AccountId, T::MaxClaimsPerTask>,
}

impl<T: Config> Task<T> {
	/// Funds held from the requester for this task.
	pub fn escrow(&self) -> BalanceOf<T> {
		use sp_runtime::traits::Saturating;
		self.reward
			.saturating_add(self.fees_held)
			.saturating_add(self.train_price)
			.saturating_add(self.eval_price)
	}

	/// The round that is voting or voted last: the appeal round if drawn, else the first.
	pub fn current_round(&self) -> Option<&Round<T>> {
		match &self.appeal {
			Some(Appeal { round: Some(r), .. }) => Some(r),
			_ => self.round.as_ref(),
		}
	}

	/// Mutable [`Self::current_round`].
	pub fn current_round_mut(&mut self) -> Option<&mut Round<T>> {
		match &mut self.appeal {
			Some(Appeal { round: Some(r), .. }) => Some(r),
			_ => self.round.as_mut(),
		}
	}
}

#[frame_support::pallet]
pub mod pallet {
	use super::Task;
	use super::*;
	use frame_support::{
		pallet_prelude::*,
		traits::{
			fungible::{Inspect, Mutate, MutateHold},
			Randomness,
		},
	};
	use frame_system::pallet_prelude::*;
	use sp_runtime::{traits::Zero, Perbill};

	/// The in-code storage version.
	const STORAGE_VERSION: StorageVersion = StorageVersion::new(0);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	/// Configuration of the training pallet.
	#[pallet::config]
	pub trait Config: frame_system::Config {
		/// The overarching event type.
		#[allow(deprecated)]
		type RuntimeEvent: From<Event<Self>> + IsType<<Self as frame_system::Config>::RuntimeEvent>;

		/// The currency escrows are held in and payments made in.
		type Currency: Inspect<Self::AccountId>
			+ Mutate<Self::AccountId>
			+ MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>;

		/// The overarching hold reason, which must include this pallet's [`HoldReason`].
		type RuntimeHoldReason: From<HoldReason>;

		/// Source of committee randomness. The block it returns with its output must be one
		/// before which none of the output's inputs existed (the first block whose content
		/// could influence it): the pallet uses an output only if that block is after the block
		/// at which the draw was asked for, so nobody could compute any input when it asked.
		/// On the solochain: BABE's one-epoch-ago randomness reported with the start of the
		/// epoch whose VRF outputs made it; on the parachain: the relay's, likewise.
		type Randomness: Randomness<Self::Hash, BlockNumberFor<Self>>;

		/// When the randomness source's output next changes, if the runtime can tell (BABE:
		/// by the next epoch's first slot). A draw postponed for want of fresh randomness is
		/// retried then, instead of every [`Config::SelectionDelay`] blocks; `()` knows
		/// nothing and keeps the polling.
		type RandomnessChanges: RandomnessChanges<BlockNumberFor<Self>>;

		/// The data registry (datasets, prices, royalties, locks).
		type Datasets: DatasetProvider<Self::AccountId, BalanceOf<Self>>;

		/// The compute registry (workers, verifiers, bonds, reputation, selection).
		type Workers: WorkerRegistry<Self::AccountId, BalanceOf<Self>>;

		/// Largest verifier count `V` a spec may ask for; an appeal committee has `2V + 1`.
		#[pallet::constant]
		type MaxVerifiers: Get<u32>;

		/// Fresh verifiers drawn when a round's dispute has too small or a tied jury, or a
		/// member reports a segment unserved; they join the jury of every such segment (and
		/// alone rule on the ones reported unserved). Odd, so that their majority is never a
		/// tie, and at least `MinJury - 1`, so that one juror and the seats are a full jury.
		#[pallet::constant]
		type EscalationSeats: Get<u32>;

		/// Fewest jurors (members who replayed it and voted on it) that decide a dispute
		/// without an escalation; a tie is never decisive. Odd, at least 3.
		#[pallet::constant]
		type MinJury: Get<u32>;

		/// Where every slash goes: the treasury's account. No slash is ever paid to a party
		/// of the task it punishes (requester, worker or appellant), so nobody can profit from
		/// provoking one.
		type SlashDestination: Get<Self::AccountId>;

		/// Largest number of segments `q` one verifier replays.
		#[pallet::constant]
		type MaxSegmentsPerVerifier: Get<u32>;

		/// Largest number of training steps `S` a spec may ask for.
		#[pallet::constant]
		type MaxSteps: Get<u32>;

		/// Most tasks alive at once (bounds storage and guarantees schedule capacity).
		#[pallet::constant]
		type MaxOpenTasks: Get<u32>;

		/// Most live tasks one requester may have, so that no account alone can fill
		/// [`Config::MaxOpenTasks`] (or lock a popular dataset) with tasks it cancels later.
		#[pallet::constant]
		type MaxTasksPerRequester: Get<u32>;

		/// Paid to the treasury ([`Config::SlashDestination`]) by every `create_task` and never
		/// refunded: flooding the market with tasks costs this much per task, cancelled or not.
		#[pallet::constant]
		type TaskCreationFee: Get<BalanceOf<Self>>;

		/// Most claims of one task: a worker that was rejected on a task, timed out on it or
		/// released its claim may not claim it again, and after this many claims the task is
		/// refunded instead of reopened (so the list of barred workers stays bounded).
		#[pallet::constant]
		type MaxClaimsPerTask: Get<u32>;

		/// Blocks after a claim in which the worker may give the task back
		/// ([`Pallet::release_claim`]) without a slash (it cannot claim that task again).
		#[pallet::constant]
		type ClaimGrace: Get<BlockNumberFor<Self>>;

		/// Most tasks whose deadline `on_initialize` handles in one block.
		#[pallet::constant]
		type MaxScheduledPerBlock: Get<u32>;

		/// Most weight (time and proof size) `on_initialize` spends on deadlines in one block;
		/// deadlines beyond it move to the next block (at least one is handled per block). On a
		/// parachain its proof size must stay well inside the PoV limit.
		type MaxHookWeight: Get<Weight>;

		/// Void rounds (nobody revealed) tolerated before the task is abandoned and refunded.
		#[pallet::constant]
		type MaxVoidRounds: Get<u32>;

		/// Blocks between a submission (or appeal) and the committee draw; at least 1.
		#[pallet::constant]
		type SelectionDelay: Get<BlockNumberFor<Self>>;

		/// If no committee could be drawn this many blocks after the submission (or appeal),
		/// the task is abandoned (or the appeal dropped). Should cover two epochs.
		#[pallet::constant]
		type SelectionTimeout: Get<BlockNumberFor<Self>>;

		/// Blocks in which a committee commits, from its draw.
		///
		/// The three windows are read when a round starts (or is tallied), never cached, so a
		/// runtime may make them governance parameters (they are then not metadata constants:
		/// clients read a round's deadlines from the task or from the runtime API).
		type CommitWindow: Get<BlockNumberFor<Self>>;

		/// Blocks in which a committee reveals, after the commit window.
		type RevealWindow: Get<BlockNumberFor<Self>>;

		/// Blocks after the first decision in which the losing party may appeal.
		type AppealWindow: Get<BlockNumberFor<Self>>;

		/// Longest claim window a requester may set.
		#[pallet::constant]
		type MaxClaimWindow: Get<BlockNumberFor<Self>>;

		/// Longest execution window a requester may set.
		#[pallet::constant]
		type MaxExecutionWindow: Get<BlockNumberFor<Self>>;

		/// Smallest worker bond a task may require, whatever its reward. A task also needs at
		/// least the bond that makes cheating lose for its reward and verifier count
		/// ([`Pallet::min_worker_bond`]).
		#[pallet::constant]
		type MinWorkerBond: Get<BalanceOf<Self>>;

		/// Share of the verifiers' selection weight assumed to collude with a cheating worker
		/// (or to accept without replaying) when sizing the worker bond: the bond makes cheating
		/// lose against any coalition up to this share (`mlchain_primitives::economics`).
		/// Below one half.
		#[pallet::constant]
		type AssumedCollusion: Get<Perbill>;

		/// Fee paid to each verifier whose vote stands against the deciding round.
		#[pallet::constant]
		type VerifierFee: Get<BalanceOf<Self>>;

		/// Bond locked from each committee member for the task, at least (tasks whose fee is
		/// high lock more: [`Task::seat_bond`]).
		#[pallet::constant]
		type VerifierBond: Get<BalanceOf<Self>>;

		/// Price of replaying 10^9 operations (`mlchain_primitives::cost`). A seat's fee is the
		/// price of what it replays (its segments and the evaluation), at least
		/// [`Config::VerifierFee`].
		#[pallet::constant]
		type ReplayPrice: Get<BalanceOf<Self>>;

		/// Operations the reference machine named in docs/training-tasks.md replays per block.
		/// A task's commit window grows by the blocks its replay takes at this rate.
		#[pallet::constant]
		type ReplayOpsPerBlock: Get<u64>;

		/// Most operations a seat may have to replay (up to [`Config::MaxSegmentsPerVerifier`]
		/// segments and the evaluation): bounds the commit window a task can ask.
		#[pallet::constant]
		type MaxSeatOps: Get<u64>;

		/// Most memory (bytes) training a spec may need (`mlchain_primitives::cost`):
		/// parameters, gradients, optimiser state and a batch's activations.
		#[pallet::constant]
		type MaxTrainingMemory: Get<u64>;

		/// Slashed (to the treasury) from a worker that does not submit in time: this part of
		/// the task's reward, at most the worker bond. Sized by the task (what the delay costs
		/// its requester), not by whatever bond the requester asked for.
		#[pallet::constant]
		type NoShowSlash: Get<Perbill>;

		/// Part of the worker bond slashed when the run is finally rejected.
		#[pallet::constant]
		type RejectSlash: Get<Perbill>;

		/// Part of a rejected worker's slash shared by the verifiers who proved the fault (an
		/// upheld reject or a confirmed unserved report); the rest goes to the treasury.
		#[pallet::constant]
		type RejectSlashToVerifiers: Get<Perbill>;

		/// Part of the verifier bond slashed for a missing reveal, a reject the deciding round
		/// did not uphold, or an accept of a segment (or metric) it found bad.
		#[pallet::constant]
		type VerifierSlash: Get<Perbill>;

		/// Weights of this pallet's calls and hooks.
		type WeightInfo: WeightInfo;

		/// Sets up workers, verifiers and datasets for the benchmarks.
		#[cfg(feature = "runtime-benchmarks")]
		type BenchmarkHelper: benchmarking::BenchmarkHelper<Self::AccountId, BalanceOf<Self>>;
	}

	/// Why this pallet holds funds.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// A requester's escrow (reward, verifier fees, data prices) or an appellant's deposit
		/// for the appeal committee's fees.
		#[codec(index = 0)]
		TaskEscrow,
	}

	/// The id the next task gets.
	#[pallet::storage]
	pub type NextTaskId<T> = StorageValue<_, TaskId, ValueQuery>;

	/// Live tasks. Settled, cancelled and expired tasks are removed (their history is in the
	/// events).
	#[pallet::storage]
	pub type Tasks<T: Config> = StorageMap<_, Twox64Concat, TaskId, Task<T>>;

	/// Number of live tasks.
	#[pallet::storage]
	pub type TaskCount<T> = StorageValue<_, u32, ValueQuery>;

	/// Number of live tasks of each requester (at most [`Config::MaxTasksPerRequester`]).
	#[pallet::storage]
	pub type RequesterTasks<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, u32, ValueQuery>;

	/// Tasks whose current phase ends at a block, handled by `on_initialize` of that block.
	#[pallet::storage]
	pub type Schedule<T: Config> = StorageMap<
		_,
		Twox64Concat,
		BlockNumberFor<T>,
		BoundedVec<TaskId, T::MaxScheduledPerBlock>,
		ValueQuery,
	>;

	/// Index of the open assignments of each account (worker of a task, or committee member).
	#[pallet::storage]
	pub type AccountTasks<T: Config> =
		StorageDoubleMap<_, Blake2_128Concat, T::AccountId, Twox64Concat, TaskId, AssignmentRole>;

	/// Events of the training pallet.
	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A task was posted and its escrow held.
		TaskCreated {
			/// The task.
			task: TaskId,
			/// Who posted it.
			requester: T::AccountId,
			/// The worker's reward.
			reward: BalanceOf<T>,
			/// Total held: reward, verifier fees and data prices.
			escrow: BalanceOf<T>,
			/// Paid to the treasury for creating it (never refunded).
			creation_fee: BalanceOf<T>,
			/// Fee of each committee seat: the price of its replay, at least the floor.
			seat_fee: BalanceOf<T>,
			/// Bond each seat locks.
			seat_bond: BalanceOf<T>,
			/// Blocks a committee has to commit its verdicts (the base window and the replay).
			commit_window: BlockNumberFor<T>,
			/// Last block to claim it.
			claim_until: BlockNumberFor<T>,
		},
		/// The requester cancelled an unclaimed task; the escrow was released.
		TaskCancelled {
			/// The task.
			task: TaskId,
			/// Amount released.
			refunded: BalanceOf<T>,
		},
		/// Nobody claimed the task in time; the escrow was released.
		TaskExpired {
			/// The task.
			task: TaskId,
			/// Amount released.
			refunded: BalanceOf<T>,
		},
		/// A worker claimed a task and locked its bond.
		TaskClaimed {
			/// The task.
			task: TaskId,
			/// The worker.
			worker: T::AccountId,
			/// Last block to submit.
			submit_by: BlockNumberFor<T>,
		},
		/// The worker committed to its run.
		ResultSubmitted {
			/// The task.
			task: TaskId,
			/// The worker.
			worker: T::AccountId,
			/// Merkle root over the checkpoint hashes.
			checkpoints_root: Hash,
			/// Hash of the final model.
			model_hash: Hash,
			/// Claimed metric.
			metric_ppb: u64,
			/// Block of the committee draw.
			select_at: BlockNumberFor<T>,
		},
		/// The worker gave the task back within [`Config::ClaimGrace`]: its bond was unlocked
		/// without a slash, and it may not claim this task again.
		ClaimReleased {
			/// The task.
			task: TaskId,
			/// The worker.
			worker: T::AccountId,
		},
		/// The worker did not submit in time; part of its bond went to the treasury.
		WorkerTimedOut {
			/// The task.
			task: TaskId,
			/// The worker.
			worker: T::AccountId,
			/// Amount slashed.
			slashed: BalanceOf<T>,
		},
		/// The committee draw was postponed: randomness not yet fresh, or too few verifiers.
		SelectionPostponed {
			/// The task.
			task: TaskId,
			/// Block of the next attempt.
			retry_at: BlockNumberFor<T>,
		},
		/// A dispute's jury was too small or tied, or a member reported a segment unserved:
		/// fresh verifiers for those segments were drawn and joined the round.
		EscalationSelected {
			/// The task.
			task: TaskId,
			/// Whether this is the appeal round.
			appeal: bool,
			/// The new members.
			verifiers: BoundedVec<T::AccountId, MaxCommitteeOf<T>>,
			/// The segments reported unserved, which each new member replays.
			segments: BoundedVec<u32, T::MaxSegmentsPerVerifier>,
			/// Last block for the new members to commit.
			commit_deadline: BlockNumberFor<T>,
			/// Last block for the new members to reveal.
			reveal_deadline: BlockNumberFor<T>,
		},
		/// No escalation member revealed: they were settled (absent) and new ones are drawn.
		EscalationVoid {
			/// The task.
			task: TaskId,
		},
		/// A committee was drawn.
		CommitteeSelected {
			/// The task.
			task: TaskId,
			/// Whether this is the appeal committee.
			appeal: bool,
			/// Members in draw order.
			verifiers: BoundedVec<T::AccountId, MaxCommitteeOf<T>>,
			/// Last block to commit.
			commit_deadline: BlockNumberFor<T>,
			/// Last block to reveal.
			reveal_deadline: BlockNumberFor<T>,
		},
		/// A verifier committed to a verdict.
		VerdictCommitted {
			/// The task.
			task: TaskId,
			/// The verifier.
			verifier: T::AccountId,
		},
		/// A verifier revealed a valid verdict.
		VerdictRevealed {
			/// The task.
			task: TaskId,
			/// The verifier.
			verifier: T::AccountId,
			/// Accept or reject.
			vote: Decision,
			/// For a segment reject: the mismatching segment; for an unserved report: the
			/// segment not served.
			segment: Option<u32>,
			/// The verdict reports the segment unserved (`vote` is then `Rejected`).
			unserved: bool,
		},
		/// The jury of a dispute raised in a round voted on it (emitted before `RoundTallied`).
		DisputeRuled {
			/// The task.
			task: TaskId,
			/// Whether this was the appeal round.
			appeal: bool,
			/// The disputed segment, or the metric.
			dispute: Dispute,
			/// Jurors (members assigned it who spoke about it) who rejected.
			rejects: u32,
			/// Jurors who accepted.
			accepts: u32,
			/// Jurors (escalation seats) who could not get the segment from the worker either.
			unserved: u32,
			/// Metric jurors who rejected with a value other than the most common one.
			dissent: u32,
			/// The round rejects the run on it (see [`dispute::Ruling::upheld`]).
			upheld: bool,
		},
		/// A round was tallied.
		RoundTallied {
			/// The task.
			task: TaskId,
			/// Whether this was the appeal round.
			appeal: bool,
			/// Accept votes revealed.
			accepts: u32,
			/// Reject votes revealed (valid evidence, any dispute).
			rejects: u32,
			/// Rejected if a dispute was upheld, else accepted if anyone revealed, else `None`
			/// (void round).
			decision: Option<Decision>,
		},
		/// The losing party appealed and holds the appeal committee's fees.
		AppealFiled {
			/// The task.
			task: TaskId,
			/// The worker or the requester.
			appellant: T::AccountId,
			/// Amount held.
			deposit: BalanceOf<T>,
		},
		/// A committee member's assignment was settled.
		VerifierSettled {
			/// The task.
			task: TaskId,
			/// The verifier.
			verifier: T::AccountId,
			/// Fee paid to it.
			paid: BalanceOf<T>,
			/// Amount slashed from it.
			slashed: BalanceOf<T>,
		},
		/// A dataset owner was paid for an accepted task.
		DataPaid {
			/// The task.
			task: TaskId,
			/// The registry entry.
			entry: EntryId,
			/// Its owner now.
			owner: T::AccountId,
			/// Use price paid.
			price: BalanceOf<T>,
			/// Royalty paid.
			royalty: BalanceOf<T>,
		},
		/// The task was finally accepted and the worker paid.
		TaskAccepted {
			/// The task.
			task: TaskId,
			/// The worker.
			worker: T::AccountId,
			/// Reward paid to the worker (after royalties).
			paid: BalanceOf<T>,
		},
		/// The run was finally rejected and the worker slashed.
		TaskRejected {
			/// The task.
			task: TaskId,
			/// The worker.
			worker: T::AccountId,
			/// Amount slashed from the worker.
			slashed: BalanceOf<T>,
		},
		/// A task without a worker is open for claims again (after a rejection or a timeout).
		TaskReopened {
			/// The task.
			task: TaskId,
			/// Last block to claim it.
			claim_until: BlockNumberFor<T>,
		},
		/// A rejected or timed-out task could not reopen; its escrow was released.
		TaskRefunded {
			/// The task.
			task: TaskId,
			/// Amount released.
			refunded: BalanceOf<T>,
		},
		/// No committee could decide; the worker's bond was unlocked without fault and the
		/// escrow released.
		TaskAbandoned {
			/// The task.
			task: TaskId,
			/// Amount released.
			refunded: BalanceOf<T>,
		},
		/// A payment could not be made and was released to its payer instead.
		PaymentFailed {
			/// The task.
			task: TaskId,
			/// Intended payee.
			to: T::AccountId,
			/// Amount released to the payer instead.
			amount: BalanceOf<T>,
		},
		/// The replay witnesses reported for a segment were not all the same when the round
		/// was tallied: those that differ from a conclusive majority are judged wrong.
		WitnessesCompared {
			/// The task.
			task: TaskId,
			/// Whether this was the appeal round.
			appeal: bool,
			/// The segment.
			segment: u32,
			/// Accepts that reported the most common witness.
			agreeing: u32,
			/// Accepts that reported a witness for the segment.
			witnesses: u32,
			/// At least `MinJury` witnesses, a strict majority agreeing.
			conclusive: bool,
		},
	}

	/// Errors of the training pallet.
	#[pallet::error]
	pub enum Error<T> {
		/// No live task has this id.
		UnknownTask,
		/// Only the requester may do this.
		NotRequester,
		/// The task is not waiting for a claim.
		NotOpen,
		/// The claim window has passed.
		ClaimWindowClosed,
		/// The requester cannot work on its own task.
		RequesterCannotWork,
		/// Not an active worker with the required free bond (register, go online or bond more
		/// in the compute pallet).
		NotEligibleWorker,
		/// Only the worker that claimed the task may submit.
		NotWorker,
		/// The task is not waiting for a submission.
		NotClaimed,
		/// The execution window has passed.
		SubmissionTooLate,
		/// The claimed metric does not meet the spec's threshold.
		MetricBelowThreshold,
		/// The task has no committee voting now.
		NotVoting,
		/// The caller is not on the voting committee.
		NotInCommittee,
		/// The commit window has passed.
		CommitWindowClosed,
		/// This verifier already committed.
		AlreadyCommitted,
		/// Reveals open after the commit window.
		RevealWindowNotOpen,
		/// The reveal window has passed.
		RevealWindowClosed,
		/// Commit before revealing.
		NotCommitted,
		/// This verifier already revealed.
		AlreadyRevealed,
		/// The verdict and salt do not open the commitment.
		CommitmentMismatch,
		/// The rejected (or unserved) segment is not one of this verifier's assigned segments.
		SegmentNotAssigned,
		/// This seat's windows are over: the round's escalation seats are voting now.
		SeatClosed,
		/// The Merkle proof does not show the leaf under the committed root at index
		/// `segment + 1` of `S/K + 1` leaves.
		InvalidProof,
		/// The evidence shows no mismatch (recomputed equals the committed value).
		NoMismatch,
		/// The task is not in its appeal window.
		NotAppealable,
		/// Only the losing party (worker after a reject, requester after an accept) may appeal.
		NotEntitledToAppeal,
		/// The task was already appealed.
		AlreadyAppealed,
		/// Not enough free balance for the escrow or deposit.
		InsufficientBalance,
		/// Too many live tasks; try later.
		TooManyTasks,
		/// This requester has [`Config::MaxTasksPerRequester`] live tasks already.
		TooManyTasksOfRequester,
		/// This worker was rejected on this task, timed out on it or released it: it may not
		/// claim it again.
		BarredFromTask,
		/// [`Config::ClaimGrace`] has passed since the claim: submit, or let it time out.
		GraceOver,
		/// The schedule has no room; try later.
		ScheduleFull,
		/// The registry has no such entry.
		UnknownDataset,
		/// The entry is a model, not a dataset.
		NotADataset,
		/// The entry's content root differs from the dataset hash in the spec.
		DatasetMismatch,
		/// The reward must be non-zero.
		ZeroReward,
		/// Replaying a seat's share of the spec (its segments and the evaluation) takes more
		/// operations than [`Config::MaxSeatOps`]: fewer steps per segment, fewer segments
		/// per verifier, a smaller model or smaller evaluation data.
		SpecTooCostly,
		/// Training the spec needs more memory than [`Config::MaxTrainingMemory`]: a smaller
		/// model or batch.
		SpecTooLarge,
		/// The worker bond is below the runtime's minimum.
		WorkerBondTooLow,
		/// The claim window must be between 1 and `MaxClaimWindow` blocks.
		BadClaimWindow,
		/// The execution window must be between 1 and `MaxExecutionWindow` blocks.
		BadExecutionWindow,
		/// `total_steps` exceeds the runtime's `MaxSteps`.
		TooManySteps,
		/// `verifier_count` must be between 1 and `MaxVerifiers`.
		BadVerifierCount,
		/// `segments_per_verifier` must be between 1 and `MaxSegmentsPerVerifier`, and at most
		/// the number of segments `S/K`.
		BadSegmentsPerVerifier,
		/// An accuracy threshold above 1 (1_000_000_000 ppb), or a loss threshold of
		/// `u64::MAX` (the value of a non-finite loss).
		BadThreshold,
		/// The randomness source's output is not younger than the submission or appeal; the
		/// committee draw waits (reported in `SelectionPostponed`, never returned by a call).
		StaleRandomness,
		/// The task's pending draw has no snapshot of the verifier set.
		NoVerifierSnapshot,
		/// Spec: every layer width, size and count must be at least 1.
		SpecZeroDimension,
		/// Spec: `total_steps` and `checkpoint_interval` must be at least 1.
		SpecZeroSteps,
		/// Spec: `batch_size` must be at least 1.
		SpecZeroBatch,
		/// Spec: `checkpoint_interval` must divide `total_steps`.
		SpecIntervalNotDividingSteps,
		/// Spec: dropout, momentum and betas must be below 1 (1_000_000_000 ppb).
		SpecRateOutOfRange,
		/// Spec: transformer width must be a multiple of heads.
		SpecWidthNotDivisibleByHeads,
		/// Spec: the conv blocks shrink the image below 1x1.
		SpecImageTooSmall,
		/// Spec: cross-entropy needs at least 2 output classes.
		SpecNeedsTwoClasses,
		/// An accept must carry exactly one replay witness per duty of the seat (its
		/// segments and the ones it witnesses, ascending).
		WrongWitnessCount,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn on_initialize(now: BlockNumberFor<T>) -> Weight {
			Self::process_schedule(now)
		}

		fn integrity_test() {
			assert!(T::MaxScheduledPerBlock::get() > 0, "MaxScheduledPerBlock must be non-zero");
			assert!(T::MaxVerifiers::get() > 0, "MaxVerifiers must be non-zero");
			assert!(
				T::MaxSegmentsPerVerifier::get() > 0,
				"MaxSegmentsPerVerifier must be non-zero"
			);
			assert!(
				MaxWitnessesOf::<T>::get() <= mlchain_primitives::training::MAX_WITNESSES,
				"2 · MaxSegmentsPerVerifier must fit the witnesses an accept can carry"
			);
			assert!(
				T::MaxSegmentsPerVerifier::get() >= T::MaxVerifiers::get(),
				"MaxSegmentsPerVerifier must be at least MaxVerifiers: an appeal member replays \
				 every segment disputed in the first round (up to V)"
			);
			assert!(
				!T::SelectionDelay::get().is_zero(),
				"SelectionDelay must be at least one block: the randomness must postdate the submission"
			);
			assert!(!T::CommitWindow::get().is_zero(), "CommitWindow must be non-zero");
			assert!(!T::RevealWindow::get().is_zero(), "RevealWindow must be non-zero");
			assert!(!T::AppealWindow::get().is_zero(), "AppealWindow must be non-zero");
			assert!(
				T::RejectSlashToVerifiers::get() < Perbill::one()
					|| !T::RejectSlash::get().is_zero(),
				"slash split misconfigured"
			);
			assert!(T::MaxClaimsPerTask::get() > 0, "MaxClaimsPerTask must be non-zero");
			assert!(
				T::MaxTasksPerRequester::get() > 0 &&
					T::MaxTasksPerRequester::get() <= T::MaxOpenTasks::get(),
				"MaxTasksPerRequester must be between 1 and MaxOpenTasks"
			);
			assert!(
				T::EscalationSeats::get() % 2 == 1,
				"EscalationSeats must be odd: the escalation's majority must never tie"
			);
			assert!(
				T::MinJury::get() >= 3 && T::MinJury::get() % 2 == 1,
				"MinJury must be odd and at least 3: no dispute is decided by one or two jurors"
			);
			assert!(
				T::EscalationSeats::get().saturating_add(1) >= T::MinJury::get(),
				"EscalationSeats must be at least MinJury - 1: a lone juror and the seats must \
				 make a full jury"
			);
			use sp_runtime::traits::Saturating;
			let appeal_seats = MaxCommitteeOf::<T>::get();
			assert!(
				T::VerifierSlash::get().mul_floor(T::VerifierBond::get())
					>= T::VerifierFee::get().saturating_mul(appeal_seats.into()),
				"VerifierSlash * VerifierBond must cover the fees of the largest appeal \
				 (2 MaxVerifiers + 1 + EscalationSeats): a lie must cost its liar the appeal it forces"
			);
			assert!(T::ReplayOpsPerBlock::get() > 0, "ReplayOpsPerBlock must be non-zero");
			let fee = T::VerifierFee::get();
			assert!(
				T::VerifierSlash::get().mul_floor(Self::seat_bond(fee))
					>= fee.saturating_mul(appeal_seats.into()),
				"the seat bond must cover the largest appeal's fees"
			);
			assert!(
				T::AssumedCollusion::get() < Perbill::from_percent(50),
				"AssumedCollusion must be below one half: a colluding majority wins every jury"
			);
			assert!(!T::RejectSlash::get().is_zero(), "RejectSlash must be non-zero: the bond is the stake");
			use sp_runtime::SaturatedConversion;
			// For every verifier count a task may ask, the bond the pallet requires must make
			// cheating lose (the inequality of mlchain_primitives::economics, checked exactly).
			let reward = T::MinWorkerBond::get().max(1u32.into()).saturating_mul(1_000u32.into());
			for v in 1..=T::MaxVerifiers::get() {
				let bond = Self::min_worker_bond(reward, v)
					.expect("some worker bond makes cheating lose for every verifier count");
				assert!(
					mlchain_primitives::economics::cheating_loses(
						reward.saturated_into(),
						bond.saturated_into(),
						v,
						T::EscalationSeats::get(),
						T::AssumedCollusion::get().deconstruct(),
						T::RejectSlash::get().deconstruct(),
					),
					"the minimum worker bond must make cheating lose"
				);
			}
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Post a training task. Holds `reward`, the fees of `spec.verifier_count` verifiers
		/// and the datasets' use prices from the caller, and locks both datasets.
		///
		/// `datasets` names the registry entries whose content roots are the spec's
		/// `train_dataset` and `eval_dataset`; the caller must be allowed to use them.
		/// `worker_bond` is what a worker locks by claiming (at least
		/// [`Config::MinWorkerBond`]).
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::create_task().saturating_add(Pallet::<T>::schedule_weight()))]
		pub fn create_task(
			origin: OriginFor<T>,
			spec: TaskSpec,
			datasets: DatasetIds,
			reward: BalanceOf<T>,
			worker_bond: BalanceOf<T>,
			deadlines: Deadlines<BlockNumberFor<T>>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_create(who, spec, datasets, reward, worker_bond, deadlines)
		}

		/// Withdraw an unclaimed task: the whole escrow is released and the datasets unlocked.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::cancel_task())]
		pub fn cancel_task(origin: OriginFor<T>, task: TaskId) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_cancel(who, task)
		}

		/// Claim an open task as a worker; `worker_bond` of the caller's bond is locked until the
		/// task settles.
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::claim_task().saturating_add(Pallet::<T>::schedule_weight()))]
		pub fn claim_task(origin: OriginFor<T>, task: TaskId) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_claim(who, task)
		}

		/// Commit to a finished run: the Merkle root over the `S/K + 1` checkpoint hashes, the
		/// final model's hash and its metric (which must meet the threshold). The worker must
		/// serve the checkpoints until the task settles.
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::submit_result()
			.saturating_add(Pallet::<T>::schedule_weight())
			.saturating_add(T::Workers::snapshot_verifiers_weight()))]
		pub fn submit_result(
			origin: OriginFor<T>,
			task: TaskId,
			checkpoints_root: Hash,
			model_hash: Hash,
			metric_ppb: u64,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_submit(who, task, checkpoints_root, model_hash, metric_ppb)
		}

		/// Commit to a verdict during the commit window:
		/// `commitment = verdict_commitment(task, SCALE(caller), verdict, salt)`.
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::commit_verdict(MaxCommitteeOf::<T>::get()))]
		pub fn commit_verdict(
			origin: OriginFor<T>,
			task: TaskId,
			commitment: Hash,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_commit(who, task, commitment)
		}

		/// Reveal the committed verdict during the reveal window. A reject must carry evidence
		/// the pallet can check: the segment must be assigned to the caller
		/// (`SegmentNotAssigned`), and the worker's leaf must be proven under the committed
		/// root. A valid segment reject opens a dispute decided by the members assigned that
		/// segment.
		#[pallet::call_index(5)]
		#[pallet::weight(T::WeightInfo::reveal_verdict(MaxCommitteeOf::<T>::get()))]
		pub fn reveal_verdict(
			origin: OriginFor<T>,
			task: TaskId,
			verdict: Verdict,
			salt: [u8; 32],
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_reveal(who, task, verdict, salt)
		}

		/// Appeal the first committee's decision (the worker after a reject, the requester
		/// after an accept), once per task. Holds the fees of `2V + 1` verifiers from the
		/// caller; a fresh committee of that size, every member replaying every segment
		/// disputed in the first round, decides, finally.
		#[pallet::call_index(6)]
		#[pallet::weight(T::WeightInfo::appeal()
			.saturating_add(Pallet::<T>::schedule_weight())
			.saturating_add(T::Workers::snapshot_verifiers_weight()))]
		pub fn appeal(origin: OriginFor<T>, task: TaskId) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_appeal(who, task)
		}

		/// Give a claimed task back within [`Config::ClaimGrace`] blocks of the claim (a
		/// worker that finds it cannot do the work in time): the bond is unlocked without a
		/// slash and the task reopens (or is refunded); the caller may not claim it again.
		#[pallet::call_index(7)]
		#[pallet::weight(T::WeightInfo::release_claim().saturating_add(Pallet::<T>::schedule_weight()))]
		pub fn release_claim(origin: OriginFor<T>, task: TaskId) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_release_claim(who, task)
		}
	}
}
