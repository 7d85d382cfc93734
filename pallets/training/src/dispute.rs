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
//! ## Witnesses: an accept must show its replay
//!
//! An accept alone says nothing a verifier that never replayed could not say, and a lazy
//! member's accept of an honest run was paid like an honest one. So every accept carries, for
//! each segment the member replayed, the segment's **replay witness** (a hash of every step's
//! loss, [`mlchain_primitives::training::replay_witness`]), which the worker never commits
//! and only a full replay from the committed start checkpoint gives. Every member of a
//! committee of two or more also **witnesses** its partner's segments (the next member's, in
//! draw order: [`crate::selection::pair_witnesses`]): it replays them and reports their
//! witnesses, without a vote on whether they are good. So every sampled segment is replayed
//! by at least two members, whose witnesses the chain compares.
//!
//! The witnesses of a segment are **split** when its accepts (members, partners and seats
//! alike) do not all report the same one. A split segment is a dispute that does not reject
//! anything by itself (its accepts still say the checkpoint matched); it is settled when at
//! least [`Config::MinJury`] witnesses were reported and a strict majority of them agree, and
//! until then it escalates like a tied jury: the seats replay it and report their witnesses.
//! A member whose witness differs from a settled majority did not replay the segment (or its
//! engine is not the reference one, which is its fault too) and is **wrong**: slashed like a
//! liar. So a lazy member that guesses loses its seat bond's slash instead of earning the fee,
//! and copying is impossible before the reveal (commitments) and useless after it.
//!
//! A segment reject carries the witness of the replay that found the mismatch too. Once a
//! segment's witnesses are settled, a vote on it (accept or reject) whose witness differs is
//! no replay and does not count in the segment's ruling: lazy accepts cannot outvote the
//! replays that caught a fake, and a guessed reject cannot reject anything.
//!
//! A member that asks the *worker* for the witnesses is right exactly when the worker is
//! honest: when the worker faked the segment the honest replays contradict the copy. That is
//! a bet on the worker at the stake of the seat bond, not a free ride; what stops it being a
//! safe one is the chance that the worker cheats (see docs/training-tasks.md).
//!
//! The metric's jury compares **values** the same way: a metric reject carries the value the
//! member evaluated, a dispute about the metric is upheld only when a strict majority of its
//! jury reported the same value other than the claimed one, and a member whose value differs
//! from a conclusive majority's is wrong.
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
	/// Jurors who rejected (of the metric: those that reported the most common value other
	/// than the claimed one).
	pub rejects: u32,
	/// Jurors who accepted.
	pub accepts: u32,
	/// Jurors who reported the segment unserved (only escalation seats count once a round
	/// escalated).
	pub unserved: u32,
	/// Metric jurors who rejected with yet another value (zero for segments): they count
	/// against both sides, since they agree with neither.
	pub dissent: u32,
}

/// How the replay witnesses reported for one segment agree.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct WitnessTally {
	/// The witness reported most often (the first reported, of those tied).
	pub leading: Hash,
	/// Accepts that reported `leading`.
	pub agreeing: u32,
	/// Accepts that reported a witness for the segment.
	pub witnesses: u32,
}

impl WitnessTally {
	/// Not every witness is the same.
	pub fn split(&self) -> bool {
		self.agreeing < self.witnesses
	}

	/// At least `min_jury` witnesses, a strict majority of them `leading`.
	pub fn conclusive(&self, min_jury: u32) -> bool {
		self.witnesses >= min_jury && self.agreeing.saturating_mul(2) > self.witnesses
	}

	/// Nothing to settle (all agree) or settled conclusively.
	pub fn settled(&self, min_jury: u32) -> bool {
		!self.split() || self.conclusive(min_jury)
	}
}

impl Ruling {
	/// Upheld: a strict majority of the jury rejected; or, when anyone reported the segment
	/// unserved, it was not a strict majority that replayed it (availability is the worker's
	/// burden, so a tie goes against it).
	pub fn upheld(&self) -> bool {
		if self.unserved > 0 {
			self.accepts <= self.rejects.saturating_add(self.unserved)
		} else {
			self.mismatch_proven()
		}
	}

	/// A strict majority of the jury replayed the segment to a different checkpoint (or
	/// evaluated the same other metric): a fault proven by replay, not just a failure to serve.
	pub fn mismatch_proven(&self) -> bool {
		self.rejects > self.accepts.saturating_add(self.dissent)
	}

	/// Jurors in all.
	pub fn jurors(&self) -> u32 {
		self.rejects
			.saturating_add(self.accepts)
			.saturating_add(self.unserved)
			.saturating_add(self.dissent)
	}

	/// At least `min_jury` jurors and a strict majority on one side (when a juror reported
	/// the segment unserved the rule already breaks ties against the worker).
	pub fn conclusive(&self, min_jury: u32) -> bool {
		self.jurors() >= min_jury
			&& (self.unserved > 0
				|| self.mismatch_proven()
				|| self.accepts > self.rejects.saturating_add(self.dissent))
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

/// The value that occurs most often in `items` (the first of those tied) and how often.
/// Quadratic, on the handful of votes of one committee.
fn most_common<V: PartialEq + Copy>(items: &[V]) -> Option<(V, u32)> {
	let mut best: Option<(V, u32)> = None;
	for v in items {
		let count = items.iter().filter(|o| *o == v).count() as u32;
		if best.is_none_or(|(_, c)| count > c) {
			best = Some((*v, count));
		}
	}
	best
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

	/// How the witnesses reported for segment `j` (by accepts and by rejects of `j`) agree, or
	/// `None` if nobody reported one.
	pub fn witness_tally(&self, j: u32) -> Option<WitnessTally> {
		let reported: Vec<Hash> = self.committee.iter().filter_map(|s| s.witness(j)).collect();
		let (leading, agreeing) = most_common(&reported)?;
		Some(WitnessTally { leading, agreeing, witnesses: reported.len() as u32 })
	}

	/// The segments whose witnesses are split, ascending.
	pub fn split_witnesses(&self) -> Vec<u32> {
		self.split_tallies().into_iter().map(|(j, _)| j).collect()
	}

	/// The segments whose witnesses are split, ascending, each with its tally (what the tally
	/// reports, without counting the witnesses twice).
	pub fn split_tallies(&self) -> Vec<(u32, WitnessTally)> {
		let mut duties: Vec<u32> = self
			.committee
			.iter()
			.flat_map(|s| match s.vote {
				Some(Vote::Accept) => s.duties(),
				Some(Vote::RejectSegment(j)) => alloc::vec![j],
				_ => Vec::new(),
			})
			.collect();
		duties.sort_unstable();
		duties.dedup();
		duties
			.into_iter()
			.filter_map(|j| self.witness_tally(j).filter(|t| t.split()).map(|t| (j, t)))
			.collect()
	}

	/// The most common value among the round's metric rejects, and how many reported it.
	fn leading_metric(&self) -> Option<(u64, u32)> {
		let values: Vec<u64> = self
			.committee
			.iter()
			.filter_map(|s| match s.vote {
				Some(Vote::RejectMetric(v)) => Some(v),
				_ => None,
			})
			.collect();
		most_common(&values)
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
		let mut ruling = Ruling { rejects: 0, accepts: 0, unserved: 0, dissent: 0 };
		let leading_value = self.leading_metric();
		// Once a segment's witnesses are settled, a vote on it whose witness differs is no
		// replay and says nothing about the segment: lazy accepts cannot outvote replays.
		let settled = match dispute {
			Dispute::Segment(j) => self
				.witness_tally(j)
				.filter(|t| t.conclusive(T::MinJury::get()))
				.map(|t| (j, t.leading)),
			Dispute::Metric => None,
		};
		for slot in self.committee.iter() {
			let Some(vote) = slot.vote else { continue };
			let juror = match dispute {
				Dispute::Segment(j) => {
					slot.segments.contains(&j)
						&& (slot.escalation || !self.reported_unserved(j))
						&& (!matches!(vote, Vote::Accept | Vote::RejectSegment(_))
							|| settled.is_none_or(|(j, w)| slot.witness(j) == Some(w)))
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
				(Vote::RejectMetric(v), Dispute::Metric) => {
					if leading_value.is_some_and(|(l, _)| l == v) {
						ruling.rejects.saturating_inc()
					} else {
						ruling.dissent.saturating_inc()
					}
				},
				// A reject of something else: abstains on this dispute.
				_ => {},
			}
		}
		(ruling.jurors() > 0).then_some(ruling)
	}

	/// Whether the jury of `dispute` upheld it (an empty jury upholds nothing).
	pub fn upholds(&self, dispute: Dispute) -> bool {
		self.ruling(dispute).is_some_and(|r| r.upheld())
	}

	/// Whether the jury of `dispute` rules conclusively ([`Ruling::conclusive`], or nobody
	/// contests it) and, for a segment, its witnesses are settled ([`WitnessTally::settled`]).
	pub fn rules_conclusively(&self, dispute: Dispute) -> bool {
		let min_jury = T::MinJury::get();
		let witnesses_settled = match dispute {
			Dispute::Segment(j) => self.witness_tally(j).is_none_or(|t| t.settled(min_jury)),
			Dispute::Metric => true,
		};
		// A segment disputed only by its witnesses (nobody rejected it or reported it
		// unserved) needs no jury on whether it is good: settling the witnesses is all.
		let uncontested = |r: &Ruling| r.rejects == 0 && r.unserved == 0 && r.dissent == 0;
		witnesses_settled
			&& self.ruling(dispute).is_some_and(|r| r.conclusive(min_jury) || uncontested(&r))
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

	/// The disputes raised in this round: disputed (rejected, reported unserved or with split
	/// witnesses) segments ascending, then the metric.
	pub fn disputes(&self) -> Vec<Dispute> {
		let mut segments: Vec<u32> = self
			.committee
			.iter()
			.filter_map(|s| match s.vote {
				Some(Vote::RejectSegment(j)) | Some(Vote::Unserved(j)) => Some(j),
				_ => None,
			})
			.chain(self.split_witnesses())
			.collect();
		segments.sort_unstable();
		segments.dedup();
		let mut out: Vec<Dispute> = segments.into_iter().map(Dispute::Segment).collect();
		if self.committee.iter().any(|s| matches!(s.vote, Some(Vote::RejectMetric(_)))) {
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
	///   a mismatch on one of the slot's segments, or if its witness of one of its duties
	///   differs from the one a conclusive majority of this round's witnesses reported;
	///   unresolved if one of its segments (or the metric) was upheld otherwise (only as
	///   unserved: the worker may have served this member alone; or not conclusively) or one
	///   of its witnesses differs from this round's leading one without such a majority; else
	///   right (an honest member that did not sample the fake is paid).
	/// - A reject is right if this round upheld it, wrong if this round's jury on it
	///   conclusively did not, unresolved if that jury is empty, tied or too small. A metric
	///   reject is right only with the value the jury upheld.
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
				// Its witnesses against this round's, per duty: `None` where they agree and are
				// settled; `Some(true)` where its witness differs from a settled majority
				// (wrong); `Some(false)` where the witnesses are split without one (unresolved,
				// whichever side it is on: a tie-break must not pay a guess).
				let differing: Vec<bool> = slot
					.duties()
					.into_iter()
					.filter_map(|j| {
						let tally = self.witness_tally(j)?;
						let agrees = slot.witness(j) == Some(tally.leading);
						let settled = tally.conclusive(min_jury);
						if agrees && (settled || !tally.split()) {
							return None;
						}
						Some(!agrees && settled)
					})
					.collect();
				let proven_bad =
					rulings.iter().any(|r| r.mismatch_proven() && r.conclusive(min_jury));
				return if proven_bad || differing.iter().any(|c| *c) {
					Judgement::Wrong
				} else if !rulings.is_empty() || !differing.is_empty() {
					Judgement::Unresolved
				} else {
					Judgement::Right { proved_fault: false }
				};
			},
			Vote::RejectSegment(j) => {
				// A reject whose witness differs from the settled one was no replay either.
				let guessed = self
					.witness_tally(j)
					.is_some_and(|t| t.conclusive(min_jury) && slot.witness(j) != Some(t.leading));
				if guessed {
					return Judgement::Wrong;
				}
				Dispute::Segment(j)
			},
			Vote::RejectMetric(v) => {
				let leading = self.leading_metric();
				return match self.ruling(Dispute::Metric) {
					Some(r) if r.upheld() && leading.is_some_and(|(l, _)| l == v) => {
						Judgement::Right { proved_fault: true }
					},
					Some(r) if r.conclusive(min_jury) => Judgement::Wrong,
					_ => Judgement::Unresolved,
				};
			},
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
