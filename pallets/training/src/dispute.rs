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
//! ## Juries of at least three
//!
//! A ruling is **conclusive** when its jury has at least [`Config::MinJury`] members and does
//! not tie. Before anything is decided, a round in which no dispute is conclusively upheld but
//! some dispute is not conclusive **escalates** (once): [`Config::EscalationSeats`] fresh
//! verifiers replay every such segment (and, like every member, evaluate the final model) and
//! join its jury. So one liar alone on a segment cannot get an honest run rejected, and a
//! colluder's accept that ties an honest reject sends the segment to fresh jurors instead of
//! accepting the fake. Only a conclusive ruling makes a juror *wrong*: a member on the losing
//! side of a ruling that is still not conclusive after the escalation (seats absent) is
//! neither paid nor slashed, so an honest catcher is never slashed for a tie.
//!
//! With honest verifiers a fake segment that anyone sampled is therefore always caught: every
//! honest member assigned it rejects (that segment or an earlier fake one), so its jury holds
//! no accept. This is what makes `P(detect) = 1 - (1 - f)^(qV)` the probability of a rejection,
//! not only of someone seeing the fake.
//!
//! Members are judged against the **deciding round** (the appeal round if anyone revealed in
//! it, else the first round; see [`Round::judge`]).
//!
//! ## Unserved segments
//!
//! A member that cannot get the data to replay an assigned segment `j` from the worker reveals
//! [`Vote::Unserved(j)`](Vote::Unserved). Nobody can prove data absent, so the report is not
//! evidence: its jury is empty until the round escalates, and from then on the escalation
//! seats alone are the jury of a segment reported unserved (a first-stage accept of it may come
//! from a member the worker chose to serve). A reported
//! segment is good only if a strict majority of its escalation jury replayed it (accepted);
//! if they could not get it either, or proved it faked, the dispute is upheld and the run
//! rejected as for a fake. So withholding data is never better for the worker than serving
//! it: a faked segment that is served is caught by replay, one that is withheld is rejected
//! for being withheld. The reporter is paid if the escalation upholds its report and is never
//! slashed for it (unresolved otherwise): it could have been the only one the worker refused.

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
	/// Jurors who reported the segment unserved (only escalation seats count once a round
	/// escalated).
	pub unserved: u32,
}

impl Ruling {
	/// Upheld: a strict majority of the jury rejected; or, when anyone reported the segment
	/// unserved, it was not a strict majority that replayed it (availability is the worker's
	/// burden, so a tie goes against it).
	pub fn upheld(&self) -> bool {
		if self.unserved > 0 {
			self.accepts <= self.rejects.saturating_add(self.unserved)
		} else {
			self.rejects > self.accepts
		}
	}

	/// A strict majority of the jury replayed the segment to a different checkpoint: a fault
	/// proven by replay, not just a failure to serve.
	pub fn mismatch_proven(&self) -> bool {
		self.rejects > self.accepts
	}

	/// Jurors in all.
	pub fn jurors(&self) -> u32 {
		self.rejects.saturating_add(self.accepts).saturating_add(self.unserved)
	}

	/// At least `min_jury` jurors and no tie (when a juror reported the segment unserved the
	/// rule already breaks ties against the worker).
	pub fn conclusive(&self, min_jury: u32) -> bool {
		self.jurors() >= min_jury && (self.unserved > 0 || self.rejects != self.accepts)
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

	/// The distinct segments members of the first stage (not escalation seats) reported
	/// unserved, ascending (an escalation replays them, with any other inconclusive dispute).
	pub fn unserved_segments(&self) -> Vec<u32> {
		let mut out: Vec<u32> = self
			.committee
			.iter()
			.filter(|s| !s.escalation)
			.filter_map(|s| match s.vote {
				Some(Vote::Unserved(j)) => Some(j),
				_ => None,
			})
			.collect();
		out.sort_unstable();
		out.dedup();
		out
	}

	/// Whether a member of the first stage reported `j` unserved: then the escalation seats
	/// alone rule on it.
	fn reported_unserved(&self, j: u32) -> bool {
		self.committee.iter().any(|s| !s.escalation && s.vote == Some(Vote::Unserved(j)))
	}

	/// Revealed accepts and rejects (of any kind).
	pub fn counts(&self) -> (u32, u32) {
		self.committee.iter().filter_map(|s| s.vote).fold((0, 0), |(a, r), v| match v {
			Vote::Accept => (a.saturating_add(1), r),
			_ => (a, r.saturating_add(1)),
		})
	}

	/// The jury's vote on `dispute`, or `None` if its jury is empty. The jury of a segment
	/// reported unserved is the escalation seats alone; that of any other segment every member
	/// assigned it, escalation seats included.
	pub fn ruling(&self, dispute: Dispute) -> Option<Ruling> {
		let mut ruling = Ruling { rejects: 0, accepts: 0, unserved: 0 };
		for slot in self.committee.iter() {
			let Some(vote) = slot.vote else { continue };
			let juror = match dispute {
				Dispute::Segment(j) => {
					slot.segments.contains(&j) && (slot.escalation || !self.reported_unserved(j))
				},
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
				// A report counts only from an escalation seat: a first-stage report is not
				// evidence, it is what made the round escalate.
				(Vote::Unserved(s), Dispute::Segment(j)) if s == j && slot.escalation => {
					ruling.unserved.saturating_inc()
				},
				(Vote::RejectMetric, Dispute::Metric) => ruling.rejects.saturating_inc(),
				// A reject of something else: abstains on this dispute.
				_ => {},
			}
		}
		(ruling.rejects > 0 || ruling.accepts > 0 || ruling.unserved > 0).then_some(ruling)
	}

	/// Whether the jury of `dispute` upheld it (an empty jury upholds nothing).
	pub fn upholds(&self, dispute: Dispute) -> bool {
		self.ruling(dispute).is_some_and(|r| r.upheld())
	}

	/// Whether the jury of `dispute` rules conclusively ([`Ruling::conclusive`]).
	pub fn rules_conclusively(&self, dispute: Dispute) -> bool {
		self.ruling(dispute).is_some_and(|r| r.conclusive(T::MinJury::get()))
	}

	/// The disputes whose ruling is not conclusive yet (an empty jury included).
	pub fn inconclusive(&self) -> Vec<Dispute> {
		self.disputes().into_iter().filter(|d| !self.rules_conclusively(*d)).collect()
	}

	/// Whether the round must escalate before it is tallied: it has not escalated yet, no
	/// dispute is upheld conclusively (that would reject the run whatever the others say),
	/// and some dispute is not conclusive.
	pub fn needs_escalation(&self) -> bool {
		if self.escalated {
			return false;
		}
		let disputes = self.disputes();
		let rejected = disputes.iter().any(|d| self.rules_conclusively(*d) && self.upholds(*d));
		!rejected && disputes.iter().any(|d| !self.rules_conclusively(*d))
	}

	/// What escalation seats replay: every segment whose dispute is not conclusive, ascending;
	/// segment 0 when only the metric is (the seats evaluate the final model either way).
	pub fn escalation_segments(&self) -> Vec<u32> {
		let inconclusive = self.inconclusive();
		let mut segments: Vec<u32> = inconclusive
			.iter()
			.filter_map(|d| match d {
				Dispute::Segment(j) => Some(*j),
				Dispute::Metric => None,
			})
			.collect();
		if segments.is_empty() && !inconclusive.is_empty() {
			segments.push(0);
		}
		segments
	}

	/// The disputes raised in this round: disputed (rejected or reported unserved) segments
	/// ascending, then the metric.
	pub fn disputes(&self) -> Vec<Dispute> {
		let mut segments: Vec<u32> = self
			.committee
			.iter()
			.filter_map(|s| match s.vote {
				Some(Vote::RejectSegment(j)) | Some(Vote::Unserved(j)) => Some(j),
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
	/// - `Accept` is wrong if this round conclusively upheld a dispute on the metric or proved
	///   a mismatch on one of the slot's segments; unresolved if one of its segments (or the
	///   metric) was upheld otherwise (only as unserved: the worker may have served this
	///   member alone; or not conclusively); else right (an honest member that did not sample
	///   the fake is paid).
	/// - A reject is right if this round upheld it, wrong if this round's jury on it
	///   conclusively did not, unresolved if that jury is empty, tied or too small.
	/// - An unserved report is right if this round upheld it, else unresolved: never wrong,
	///   since the worker may have refused this member alone.
	pub fn judge(&self, slot: &Slot<T>) -> Judgement {
		let Some(vote) = slot.vote else { return Judgement::Absent };
		let min_jury = T::MinJury::get();
		let disputed = match vote {
			Vote::Accept => {
				let rulings: Vec<Ruling> = slot
					.segments
					.iter()
					.filter_map(|j| self.ruling(Dispute::Segment(*j)))
					.chain(self.ruling(Dispute::Metric))
					.filter(|r| r.upheld())
					.collect();
				return if rulings.iter().any(|r| r.mismatch_proven() && r.conclusive(min_jury)) {
					Judgement::Wrong
				} else if !rulings.is_empty() {
					Judgement::Unresolved
				} else {
					Judgement::Right { proved_fault: false }
				};
			},
			Vote::RejectSegment(j) => Dispute::Segment(j),
			Vote::RejectMetric => Dispute::Metric,
			Vote::Unserved(j) => {
				return match self.ruling(Dispute::Segment(j)) {
					Some(r) if r.upheld() => Judgement::Right { proved_fault: true },
					_ => Judgement::Unresolved,
				};
			},
		};
		match self.ruling(disputed) {
			Some(r) if r.upheld() => Judgement::Right { proved_fault: true },
			Some(r) if r.conclusive(min_jury) => Judgement::Wrong,
			_ => Judgement::Unresolved,
		}
	}
}
