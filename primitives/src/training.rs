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

/// Identifier of a training task on chain.
pub type TaskId = u64;

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
}

/// A verifier's vote on a training run.
#[derive(
	Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo,
)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Verdict {
	/// Every assigned segment replayed to the committed checkpoint, and the final model's
	/// metric matched the claimed one exactly.
	Accept,
	/// An assigned segment replayed to a different checkpoint than the committed one. Name
	/// the first mismatching segment: the verdict says nothing about the other assigned
	/// segments (the verifier abstains on them).
	RejectSegment(RejectEvidence),
	/// The final model evaluates to `metric_ppb`, not to the metric the worker claimed.
	RejectMetric {
		/// The metric the verifier obtained, in the spec's unit.
		metric_ppb: u64,
	},
}

impl Verdict {
	/// Whether this verdict accepts the run.
	pub fn is_accept(&self) -> bool {
		matches!(self, Verdict::Accept)
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
	fn commitment_binds_task_verifier_verdict_and_salt() {
		let base = verdict_commitment(1, &[7u8; 8], &Verdict::Accept, &[3; 32]);
		assert_ne!(base, verdict_commitment(2, &[7u8; 8], &Verdict::Accept, &[3; 32]));
		assert_ne!(base, verdict_commitment(1, &[8u8; 8], &Verdict::Accept, &[3; 32]));
		assert_ne!(base, verdict_commitment(1, &[7u8; 8], &Verdict::Accept, &[4; 32]));
		let reject = Verdict::RejectMetric { metric_ppb: 5 };
		assert_ne!(base, verdict_commitment(1, &[7u8; 8], &reject, &[3; 32]));
		assert_eq!(base, verdict_commitment(1, &[7u8; 8], &Verdict::Accept, &[3; 32]));
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
		});
		assert_eq!(Verdict::decode(&mut &v.encode()[..]).unwrap(), v);
	}
}
