//! The decision rule: per-dispute juries.
//!
//! A valid reject is a **dispute** about one thing: a training segment
//! ([`Vote::RejectSegment`]) or the final metric ([`Vote::RejectMetric`]). A dispute is decided
//! only by its **jury**: the members who were assigned what it disputes and whose revealed vote
//! says something about it.
//!
//! - Jury of segment `j`: the members assigned `j` that revealed `Accept` (every assigned
//!   segment replayed, `j` included) or `RejectSegment(j)`. A member assigned `j` that rejected
//!   another segment or the metric did not vouch for `j` (a verdict names one mismatch) and
//!   abstains on `j`. Members not assigned `j` never count: an honest member whose own segments
//!   were genuine votes accept, and that says nothing about `j`.
//! - Jury of the metric: every member evaluates the final model, so the members that revealed
//!   `Accept` or `RejectMetric`.
//!
//! A dispute is **upheld** when a strict majority of its jury rejects. A round **rejects** the
//! run if any dispute raised in it is upheld; otherwise it **accepts** if at least one member
//! revealed; with no reveal at all it is **void**.
//!
//! With honest verifiers a fake segment that anyone sampled is therefore always caught: every
//! honest member assigned it rejects (that segment or an earlier fake one), so its jury holds
//! no accept. This is what makes `P(detect) = 1 - (1 - f)^(qV)` the probability of a rejection,
//! not only of someone seeing the fake.
//!
//! Members are judged against the **deciding round** (the appeal round if anyone revealed in
//! it, else the first round; see [`Round::judge`]).

use crate::*;
use alloc::vec::Vec;
use sp_runtime::traits::Saturating;

/// How a jury voted on one dispute.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Ruling {
	/// Jurors who rejected.
	pub rejects: u32,
	/// Jurors who accepted.
	pub accepts: u32,
}

impl Ruling {
	/// A strict majority of the jury rejected.
	pub fn upheld(&self) -> bool {
		self.rejects > self.accepts
	}
}

/// How a member's vote stands against the deciding round.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Judgement {
	/// It did not reveal (or revealed nothing valid).
	Absent,
	/// Its vote agrees with the deciding round; `proved_fault` when it was an upheld reject.
	Right {
		/// It proved the fault that rejected the run.
		proved_fault: bool,
	},
	/// It accepted something the deciding round found bad, or rejected something the deciding
	/// round found good.
	Wrong,
	/// Its reject names something nobody in the deciding round spoke about (or there is no
	/// deciding round): neither paid nor slashed.
	Unresolved,
}

impl<T: Config> Round<T> {
	/// Members that revealed a valid verdict.
	pub fn revealed(&self) -> u32 {
		self.committee.iter().filter(|s| s.vote.is_some()).count() as u32
	}

	/// Revealed accepts and rejects (of any kind).
	pub fn counts(&self) -> (u32, u32) {
		self.committee.iter().filter_map(|s| s.vote).fold((0, 0), |(a, r), v| match v {
			Vote::Accept => (a.saturating_add(1), r),
			_ => (a, r.saturating_add(1)),
		})
	}

	/// The jury's vote on `dispute`, or `None` if its jury is empty.
	pub fn ruling(&self, dispute: Dispute) -> Option<Ruling> {
		let mut ruling = Ruling { rejects: 0, accepts: 0 };
		for slot in self.committee.iter() {
			let Some(vote) = slot.vote else { continue };
			let juror = match dispute {
				Dispute::Segment(j) => slot.segments.contains(&j),
				Dispute::Metric => true,
			};
			if !juror {
				continue;
			}
			match (vote, dispute) {
				(Vote::Accept, _) => ruling.accepts.saturating_inc(),
				(Vote::RejectSegment(s), Dispute::Segment(j)) if s == j => {
					ruling.rejects.saturating_inc()
				},
				(Vote::RejectMetric, Dispute::Metric) => ruling.rejects.saturating_inc(),
				// A reject of something else: abstains on this dispute.
				_ => {},
			}
		}
		(ruling.rejects > 0 || ruling.accepts > 0).then_some(ruling)
	}

	/// Whether the jury of `dispute` upheld it (an empty jury upholds nothing).
	pub fn upholds(&self, dispute: Dispute) -> bool {
		self.ruling(dispute).is_some_and(|r| r.upheld())
	}

	/// The disputes raised in this round: disputed segments ascending, then the metric.
	pub fn disputes(&self) -> Vec<Dispute> {
		let mut segments: Vec<u32> = self
			.committee
			.iter()
			.filter_map(|s| match s.vote {
				Some(Vote::RejectSegment(j)) => Some(j),
				_ => None,
			})
			.collect();
		segments.sort_unstable();
		segments.dedup();
		let mut out: Vec<Dispute> = segments.into_iter().map(Dispute::Segment).collect();
		if self.committee.iter().any(|s| s.vote == Some(Vote::RejectMetric)) {
			out.push(Dispute::Metric);
		}
		out
	}

	/// The round's decision: rejected if a dispute raised in it is upheld, else accepted if
	/// anyone revealed, else `None` (void).
	pub fn decision(&self) -> Option<Decision> {
		if self.disputes().into_iter().any(|d| self.upholds(d)) {
			Some(Decision::Rejected)
		} else if self.revealed() > 0 {
			Some(Decision::Accepted)
		} else {
			None
		}
	}

	/// Judge `slot` (of this round or of another one) against this round, the deciding one.
	///
	/// - `Accept` is wrong if this round upheld a dispute on one of the slot's segments or on
	///   the metric, else right (an honest member that did not sample the fake is paid).
	/// - A reject is right if this round upheld it, wrong if this round's jury on it did not,
	///   unresolved if this round has no jury on it.
	pub fn judge(&self, slot: &Slot<T>) -> Judgement {
		let Some(vote) = slot.vote else { return Judgement::Absent };
		let disputed = match vote {
			Vote::Accept => {
				let missed = self.upholds(Dispute::Metric)
					|| slot.segments.iter().any(|j| self.upholds(Dispute::Segment(*j)));
				return if missed {
					Judgement::Wrong
				} else {
					Judgement::Right { proved_fault: false }
				};
			},
			Vote::RejectSegment(j) => Dispute::Segment(j),
			Vote::RejectMetric => Dispute::Metric,
		};
		match self.ruling(disputed) {
			Some(r) if r.upheld() => Judgement::Right { proved_fault: true },
			Some(_) => Judgement::Wrong,
			None => Judgement::Unresolved,
		}
	}
}
