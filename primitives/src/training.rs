//! What a verifier and the chain must agree on byte for byte: the verdict a verifier reveals,
//! the commitment it publishes first, and the assignments the chain hands out.
//!
//! A verifier replays the segments it was assigned and evaluates the final model, then
//! publishes [`verdict_commitment`] of its [`Verdict`] during the commit window and reveals
//! the verdict with its salt in the reveal window. The commitment binds the task and the
//! verifier's account, so copying another verifier's commitment (or replaying one from another
//! task) gives a commitment its copier can never open.

use crate::hash::{blake2_256, Hash};
use crate::merkle::MerkleProof;
use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;

/// Domain separator of verdict commitments (version 1).
pub const VERDICT_DOMAIN: &[u8; 18] = b"mlchain/verdict/v1";

/// Domain separator of replay witnesses (version 1).
pub const WITNESS_DOMAIN: &[u8; 18] = b"mlchain/witness/v1";

/// The most witnesses one accept carries: twice the most segments a seat may be assigned in
/// any runtime (its own and its partner's); a runtime checks its `MaxSegmentsPerVerifier`
/// against it.
pub const MAX_WITNESSES: u32 = 64;

/// The witnesses of an accept, one per duty.
pub type Witnesses = bounded_collections::BoundedVec<Hash, bounded_collections::ConstU32<MAX_WITNESSES>>;

/// The witness of one replayed segment: `blake2_256(SCALE(WITNESS_DOMAIN, segment, losses))`,
/// where `losses` are the IEEE-754 bit patterns of the batch loss of each of the segment's
/// `K` steps, in order (NaNs canonicalised to `0x7FC00000`). The worker commits only the
/// checkpoint at the end of each segment, so the witness cannot be read off the run: the loss
/// of the last step needs the parameters after every earlier step of the segment. Every
/// honest replay of a segment gives the same witness (the engine is bit-for-bit
/// reproducible), which is what lets the chain compare members without replaying anything.
pub fn replay_witness(segment: u32, loss_bits: &[u32]) -> Hash {
	blake2_256(&(WITNESS_DOMAIN, segment, loss_bits).encode())
}

/// The bit pattern a loss enters a witness with: its IEEE-754 bits, every NaN as the one
/// canonical quiet NaN (as checkpoints hash them).
pub fn witness_loss_bits(loss: f32) -> u32 {
	if loss.is_nan() {
		0x7FC0_0000
	} else {
		loss.to_bits()
	}
}

/// Identifier of a training task on chain.
pub type TaskId = u64;

/// Domain separator of run seeds.
pub const RUN_SEED_DOMAIN: &[u8; 18] = b"mlchain/run-seed/1";

/// The seed a run of a task trains with (data order, dropout): `spec_seed` mixed with the task,
/// the worker's account (its SCALE encoding) and the attempt (how many claims of the task came
/// before). Initial weights come from `spec_seed` alone, so leaf 0 is the same for every worker
/// and checkable by anyone; everything after it differs between workers and attempts, so a
/// run copied from another worker (or another attempt) does not replay.
pub fn run_seed(spec_seed: u64, task: TaskId, worker: &[u8], attempt: u32) -> u64 {
	let h = blake2_256(&(RUN_SEED_DOMAIN, spec_seed, task, worker, attempt).encode());
	let mut word = [0u8; 8];
	word.copy_from_slice(&h[..8]);
	u64::from_le_bytes(word)
}

/// Evidence that the worker's committed run does not replay: for segment `segment` (steps
/// `segment * K .. (segment + 1) * K`), replaying from the committed checkpoint `segment` gives
/// `recomputed`, while the worker committed `leaf` as checkpoint `segment + 1`. The proof shows
/// `leaf` is leaf `segment + 1` of the worker's committed Merkle root.
///
/// The chain checks the proof, not the replay: a valid reject opens a dispute about `segment`,
/// decided by the committee members assigned that segment (and, on appeal, by a fresh committee
/// that all replay it). `segment` must be one of the revealing verifier's assigned segments.
#[derive(
	Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo,
)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct RejectEvidence {
	/// Index of the first assigned segment that did not replay, in `0..S/K`.
	pub segment: u32,
	/// The checkpoint hash the verifier obtained by replaying the segment.
	pub recomputed: Hash,
	/// The worker's committed checkpoint hash for the end of the segment (leaf `segment + 1`).
	pub leaf: Hash,
	/// Merkle proof of `leaf` under the worker's committed root.
	pub proof: MerkleProof,
	/// The [`replay_witness`] of the verifier's replay of `segment` (compared with the other
	/// replays of it, like an accept's).
	pub witness: Hash,
}

/// A verifier's vote on a training run.
#[derive(
	Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo,
)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Verdict {
	/// Every assigned segment replayed to the committed checkpoint, and the final model's
	/// metric matched the claimed one exactly. `witnesses` holds the [`replay_witness`] of
	/// every segment of the member's [`Assignment::duties`] (its own and the ones it
	/// witnesses for its partner), in that ascending order: a transcript of every step's
	/// loss, which only a full replay gives. The chain compares them across every member that
	/// replayed the same segment; a member whose witness differs from the majority's did not
	/// replay and is slashed.
	Accept {
		/// One witness per duty, in duty order.
		witnesses: Witnesses,
	},
	/// An assigned segment replayed to a different checkpoint than the committed one. Name
	/// the first mismatching segment: the verdict says nothing about the other assigned
	/// segments (the verifier abstains on them).
	RejectSegment(RejectEvidence),
	/// The final model evaluates to `metric_ppb`, not to the metric the worker claimed. The
	/// chain compares the value across the members: a reject is upheld only when a strict
	/// majority of the metric's jury evaluated the same value, and a member that reported
	/// another value is wrong.
	RejectMetric {
		/// The metric the verifier obtained, in the spec's unit.
		metric_ppb: u64,
	},
	/// The worker did not serve what replaying `segment` needs (the run listing, checkpoint
	/// `segment` or checkpoint `segment + 1`) within the verifier's retries, or served
	/// something the verifier cannot replay from. Availability is the worker's burden: the
	/// segment is sent to fresh verifiers and, if it is still not served to a majority of
	/// them, the run is rejected as if the segment were faked. The reporter is never slashed
	/// for this verdict (it cannot prove the absence of data, and nobody can prove it false),
	/// and it is paid only if the fresh verifiers confirm it.
	Unavailable {
		/// The first assigned segment the verifier could not obtain data for.
		segment: u32,
		/// What was wrong.
		reason: UnservedReason,
	},
}

/// Why a verifier could not replay a segment (reported in [`Verdict::Unavailable`]). The
/// chain treats every reason alike; the reason is for people reading the events.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum UnservedReason {
	/// Nothing was served: no listing or checkpoint arrived within the retries.
	NotServed,
	/// The listing has the wrong number of leaves, or a leaf that differs from the one the
	/// worker committed (the proof does not verify under the root).
	BadListing,
	/// A checkpoint could not be parsed, has the wrong shapes for the spec's model, its hash
	/// differs from its leaf, or its step is not `index * K`.
	BadCheckpoint,
	/// Leaf 0 is not the initial weights that the spec's seed defines.
	BadInitialWeights,
	/// The submitted model hash is not the hash of the final checkpoint's parameters, so the
	/// model the requester would receive is not the run's.
	BadModelHash,
}

impl Verdict {
	/// Whether this verdict accepts the run.
	pub fn is_accept(&self) -> bool {
		matches!(self, Verdict::Accept { .. })
	}

	/// An accept with these witnesses (the caller checks there are at most
	/// [`MAX_WITNESSES`]; more are cut off, which the chain refuses as a wrong count).
	pub fn accept(witnesses: Vec<Hash>) -> Self {
		Verdict::Accept { witnesses: Witnesses::truncate_from(witnesses) }
	}
}

/// The commitment a verifier publishes before revealing `verdict`:
/// `blake2_256(SCALE(VERDICT_DOMAIN, task, verifier, verdict, salt))`, where `verifier` is the
/// SCALE encoding of the verifier's account id. `salt` must be fresh random bytes: without it a
/// commitment to `Accept` could be recognised before the reveal.
pub fn verdict_commitment(
	task: TaskId,
	verifier: &[u8],
	verdict: &Verdict,
	salt: &[u8; 32],
) -> Hash {
	blake2_256(&(VERDICT_DOMAIN, task, verifier, verdict, salt).encode())
}

/// What an account is asked to do for a task.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Hash,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum AssignmentRole {
	/// The worker that claimed the task: train and submit before `commit_deadline`, then keep
	/// the checkpoints available until the task settles.
	Worker,
	/// A member of the first verification committee.
	Verifier,
	/// A member of the appeal committee (2V + 1 members, outcome final).
	AppealVerifier,
	/// A fresh verifier drawn because a committee member reported a segment unavailable: it
	/// replays exactly the segments reported (listed in its assignment).
	EscalationVerifier,
}

impl<BlockNumber> Assignment<BlockNumber> {
	/// Every segment the member replays: `segments` and `witnessed`, ascending. An accept
	/// carries one witness per duty, in this order.
	pub fn duties(&self) -> Vec<u32> {
		duties(&self.segments, &self.witnessed)
	}
}

/// `segments ∪ witnessed`, ascending and without repeats: the order of an accept's
/// witnesses.
pub fn duties(segments: &[u32], witnessed: &[u32]) -> Vec<u32> {
	let mut out: Vec<u32> = segments.iter().chain(witnessed.iter()).copied().collect();
	out.sort_unstable();
	out.dedup();
	out
}

/// One open assignment of an account, as returned by the training runtime API.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Assignment<BlockNumber> {
	/// The task.
	pub task: TaskId,
	/// Worker or verifier.
	pub role: AssignmentRole,
	/// Segment indices (in `0..S/K`) to replay, ascending; empty for the worker. An appeal
	/// verifier's include every segment disputed in the first round.
	pub segments: Vec<u32>,
	/// Segments of the member's partner (the next member of its committee) it replays as a
	/// witness only, ascending and none of `segments`: it says nothing about whether they
	/// are good, but its accept carries their witnesses, so that every sampled segment is
	/// replayed by at least two members whose witnesses the chain compares.
	pub witnessed: Vec<u32>,
	/// Verifier: last block in which `commit_verdict` is accepted. Worker: the deadline of the
	/// task's current phase (while training, the last block for `submit_result`).
	pub commit_deadline: BlockNumber,
	/// Verifier: last block in which `reveal_verdict` is accepted. Worker: as
	/// `commit_deadline`.
	pub reveal_deadline: BlockNumber,
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn run_seeds_differ_by_task_worker_and_attempt() {
		let base = run_seed(7, 1, &[1; 32], 0);
		assert_eq!(base, run_seed(7, 1, &[1; 32], 0));
		assert_ne!(base, run_seed(8, 1, &[1; 32], 0));
		assert_ne!(base, run_seed(7, 2, &[1; 32], 0));
		assert_ne!(base, run_seed(7, 1, &[2; 32], 0));
		assert_ne!(base, run_seed(7, 1, &[1; 32], 1));
	}

	#[test]
	fn commitment_binds_task_verifier_verdict_and_salt() {
		let base = verdict_commitment(1, &[7u8; 8], &Verdict::accept(alloc::vec![]), &[3; 32]);
		assert_ne!(base, verdict_commitment(2, &[7u8; 8], &Verdict::accept(alloc::vec![]), &[3; 32]));
		assert_ne!(base, verdict_commitment(1, &[8u8; 8], &Verdict::accept(alloc::vec![]), &[3; 32]));
		assert_ne!(base, verdict_commitment(1, &[7u8; 8], &Verdict::accept(alloc::vec![]), &[4; 32]));
		let unavailable =
			Verdict::Unavailable { segment: 3, reason: UnservedReason::NotServed };
		assert_ne!(base, verdict_commitment(1, &[7u8; 8], &unavailable, &[3; 32]));
		assert_ne!(
			verdict_commitment(1, &[7u8; 8], &unavailable, &[3; 32]),
			verdict_commitment(
				1,
				&[7u8; 8],
				&Verdict::Unavailable { segment: 4, reason: UnservedReason::NotServed },
				&[3; 32]
			)
		);
		let reject = Verdict::RejectMetric { metric_ppb: 5 };
		assert_ne!(base, verdict_commitment(1, &[7u8; 8], &reject, &[3; 32]));
		assert_eq!(base, verdict_commitment(1, &[7u8; 8], &Verdict::accept(alloc::vec![]), &[3; 32]));
	}

	#[test]
	fn a_witness_depends_on_every_loss_and_on_the_segment() {
		let losses: Vec<u32> = [0.5f32, 0.25, 0.125].iter().map(|l| witness_loss_bits(*l)).collect();
		let base = replay_witness(3, &losses);
		assert_eq!(base, replay_witness(3, &losses));
		assert_ne!(base, replay_witness(4, &losses));
		for i in 0..losses.len() {
			let mut changed = losses.clone();
			changed[i] ^= 1;
			assert_ne!(base, replay_witness(3, &changed), "loss {i} must count");
		}
		assert_ne!(base, replay_witness(3, &losses[..2]));
		assert_eq!(witness_loss_bits(f32::NAN), witness_loss_bits(-f32::NAN));
	}

	#[test]
	fn duties_are_both_lists_ascending_without_repeats() {
		assert_eq!(duties(&[5, 1], &[3, 5, 0]), alloc::vec![0, 1, 3, 5]);
		assert_eq!(duties(&[], &[]), Vec::<u32>::new());
	}

	#[test]
	fn verdict_round_trips_through_scale() {
		let v = Verdict::RejectSegment(RejectEvidence {
			segment: 3,
			recomputed: [1; 32],
			leaf: [2; 32],
			proof: MerkleProof {
				leaf_index: 4,
				leaf_count: 5,
				siblings: bounded_collections::BoundedVec::truncate_from(alloc::vec![[9; 32]]),
			},
			witness: [4; 32],
		});
		assert_eq!(Verdict::decode(&mut &v.encode()[..]).unwrap(), v);
	}
}
