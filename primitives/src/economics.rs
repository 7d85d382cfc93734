//! How large a worker's bond must be for cheating to lose money, shared by the runtime (which
//! refuses smaller bonds) and the worker's tools (which propose the smallest bond that passes).
//!
//! ## The model
//! A worker claims a task of reward `R` whose honest run costs it `C`. It may fake any set of
//! segments (a fraction `f` of them, saving `f · C`). A share `σ` of the verifiers' selection
//! weight colludes with it (or is lazy: accepts without replaying); seats are filled
//! independently, each colluding with probability `σ` (the limit of many small accounts).
//! The cheater knows after the draw who sits where and serves or withholds each faked segment,
//! whichever is better for it. It escapes only by winning every stage that can catch it:
//!
//! 1. the first round: some faked segment must have more honest than colluding jurors; the
//!    cheater withholds those from the honest jurors instead of serving them;
//! 2. the escalation that follows: raised by the unserved reports (`E` fresh seats alone rule;
//!    a tie goes against the worker) or, where the cheater served the fake, by a jury smaller
//!    than three (the `E` seats join the jury, which keeps its honest majority whenever at
//!    least as many of them are honest);
//! 3. the worker's own appeal (`2V + 1` fresh seats, each replaying every disputed segment);
//! 4. a second escalation inside the appeal, when it withholds there too.
//!
//! If the cheater fakes *every* segment it is caught with probability at least
//! `π = M(V) · M'(E) · M(2V+1) · M'(E)`, where `M(n)` is the chance that honest seats strictly
//! outnumber colluding ones among `n` and `M'(n)` that they are at least as many. For a fake of a
//! fraction `f` the chance is at least `f · π`: the segments sampling makes catchable form a
//! random set that does not depend on which segments are fake, and each draw is invariant under
//! rotating the segment indices, so a fixed fake set of size `f·N` meets it with probability at
//! least `f` times that of the full set.
//!
//! Caught, the cheater loses the reward and `RejectSlash · B` of its bond; it spent `(1-f)·C`
//! either way. Cheating loses against honest play (`C ≤ R`) and against not claiming at all
//! (`C > R`) exactly when `f · C < f · π · (R + s · B)`, for every `f`, that is when
//!
//! ```text
//!     π · (R + s · B) > R      ⇔      B > R · (1 − π) / (π · s)
//! ```
//!
//! [`min_worker_bond`] is the smallest such `B`. Probabilities are fixed-point numbers with
//! [`ONE`] standing for 1, always rounded against the worker (π down, the bond up).

/// Probability 1 in the fixed-point numbers of this module (18 decimals).
pub const ONE: u128 = 1_000_000_000_000_000_000;

/// Parts per billion of [`ONE`]: converts a `Perbill`'s parts.
const PPB: u128 = 1_000_000_000;

/// `a · b / ONE`, rounded down; `a, b ≤ ONE`.
fn mul(a: u128, b: u128) -> u128 {
	a.saturating_mul(b) / ONE
}

/// `n choose k`, exact for the seat counts used here (`n ≤ 64`).
fn choose(n: u32, k: u32) -> u128 {
	let k = k.min(n - k);
	let mut c: u128 = 1;
	for i in 0..k {
		c = c.saturating_mul(u128::from(n - i)) / u128::from(i + 1);
	}
	c
}

/// `base^exp` in fixed point, rounded down.
fn pow(base: u128, exp: u32) -> u128 {
	(0..exp).fold(ONE, |acc, _| mul(acc, base))
}

/// Chance that among `seats` independently filled seats, each colluding with probability
/// `collusion_ppb / 10^9`, the honest ones outnumber the colluding ones (strictly, or with
/// `tie_is_honest` at least as many). Rounded down.
pub fn honest_prevail(seats: u32, collusion_ppb: u32, tie_is_honest: bool) -> u128 {
	let sigma = (u128::from(collusion_ppb.min(1_000_000_000)) * (ONE / PPB)).min(ONE);
	let honest = ONE - sigma;
	let mut total: u128 = 0;
	for h in 0..=seats {
		let d = seats - h;
		let wins = if tie_is_honest { h >= d } else { h > d };
		if wins {
			let term = mul(pow(honest, h), pow(sigma, d));
			total = total.saturating_add(term.saturating_mul(choose(seats, h)));
		}
	}
	total.min(ONE)
}

/// The lower bound `π` of the module docs on the chance that a worker faking every segment of a
/// task with `verifiers` seats is finally rejected, with `escalation_seats` per escalation and
/// a colluding share `collusion_ppb / 10^9` of the selection weight. Rounded down.
pub fn catch_probability(verifiers: u32, escalation_seats: u32, collusion_ppb: u32) -> u128 {
	let first = honest_prevail(verifiers, collusion_ppb, false);
	let escalation = honest_prevail(escalation_seats, collusion_ppb, true);
	let appeal =
		honest_prevail(verifiers.saturating_mul(2).saturating_add(1), collusion_ppb, false);
	mul(mul(mul(first, escalation), appeal), escalation)
}

/// The smallest worker bond `B` with `π · (R + s · B) > R` (module docs) for a task of reward
/// `reward` and `verifiers` seats, `RejectSlash = reject_slash_ppb / 10^9`. `None` when no bond
/// is large enough (`π = 0`, `s = 0`) or it does not fit a `u128`.
pub fn min_worker_bond(
	reward: u128,
	verifiers: u32,
	escalation_seats: u32,
	collusion_ppb: u32,
	reject_slash_ppb: u32,
) -> Option<u128> {
	let pi = catch_probability(verifiers, escalation_seats, collusion_ppb);
	let slash_ppb = u128::from(reject_slash_ppb.min(1_000_000_000));
	if pi == 0 || slash_ppb == 0 {
		return None;
	}
	// B > R · (1 − π) / (π · s): first in 128 bits, off by a few units from the rounding of
	// its two factors, then moved to the exact boundary with the 256-bit test (a handful of
	// steps; more would mean the estimate is wrong, and the answer is refused).
	let slash = slash_ppb * (ONE / PPB);
	let numerator = mul_div(reward, ONE - pi, ONE)?.checked_mul(ONE)?;
	let mut bond = numerator.checked_div(mul(pi, slash).max(1))?;
	for _ in 0..ADJUST_STEPS {
		match (loses(pi, reward, bond, slash_ppb), bond.checked_sub(1)) {
			(false, _) => bond = bond.checked_add(1)?,
			(true, Some(less)) if loses(pi, reward, less, slash_ppb) => bond = less,
			(true, _) => return Some(bond),
		}
	}
	None
}

/// Steps [`min_worker_bond`] may take from its estimate to the exact boundary.
const ADJUST_STEPS: u32 = 1_000;

/// Whether a bond of `bond` makes cheating lose on a task of reward `reward` (the inequality
/// of the module docs, evaluated exactly with the rounded-down `π`).
pub fn cheating_loses(
	reward: u128,
	bond: u128,
	verifiers: u32,
	escalation_seats: u32,
	collusion_ppb: u32,
	reject_slash_ppb: u32,
) -> bool {
	let pi = catch_probability(verifiers, escalation_seats, collusion_ppb);
	loses(pi, reward, bond, u128::from(reject_slash_ppb.min(1_000_000_000)))
}

/// `π · (R + s·B) > R` with `s = slash_ppb / 10^9`, i.e.
/// `π · (R·10^9 + s_ppb·B) > R · 10^9 · ONE`, in 256 bits.
fn loses(pi: u128, reward: u128, bond: u128, slash_ppb: u128) -> bool {
	let stake = U256::from(reward).mul_u128(PPB).add(U256::from(bond).mul_u128(slash_ppb));
	stake.mul_u128(pi) > U256::from(reward).mul_u128(PPB).mul_u128(ONE)
}

/// `a · b / c`, rounded down, `None` on overflow of the result.
fn mul_div(a: u128, b: u128, c: u128) -> Option<u128> {
	if c == 0 {
		return None;
	}
	let (hi, lo) = (a / c, a % c);
	// a·b/c = hi·b + lo·b/c, and lo·b < c·b fits when b ≤ ONE and c ≤ ONE.
	hi.checked_mul(b)?.checked_add(lo.checked_mul(b)? / c)
}

/// Just enough of an unsigned 256-bit integer for [`cheating_loses`]: products of a `u128`
/// with up to two factors below 2^64.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
struct U256 {
	hi: u128,
	lo: u128,
}

impl U256 {
	fn from(v: u128) -> Self {
		Self { hi: 0, lo: v }
	}

	fn add(self, other: Self) -> Self {
		let (lo, carry) = self.lo.overflowing_add(other.lo);
		Self { hi: self.hi.saturating_add(other.hi).saturating_add(u128::from(carry)), lo }
	}

	/// `self · m`, saturating at the top.
	fn mul_u128(self, m: u128) -> Self {
		// Split into 64-bit limbs: (hi·2^128 + lo1·2^64 + lo0) · (m1·2^64 + m0).
		let mask = u128::from(u64::MAX);
		let (l0, l1) = (self.lo & mask, self.lo >> 64);
		let (m0, m1) = (m & mask, m >> 64);
		let p00 = l0 * m0;
		let p01 = l0 * m1;
		let p10 = l1 * m0;
		let p11 = l1 * m1;
		let mid = (p00 >> 64) + (p01 & mask) + (p10 & mask);
		let lo = (p00 & mask) | (mid << 64);
		let hi = p11
			.saturating_add(p01 >> 64)
			.saturating_add(p10 >> 64)
			.saturating_add(mid >> 64)
			.saturating_add(self.hi.saturating_mul(m));
		Self { hi, lo }
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	const THIRD: u32 = 333_333_334;
	const HALF: u32 = 500_000_000;

	fn close(a: u128, b: f64) -> bool {
		((a as f64) / (ONE as f64) - b).abs() < 1e-9
	}

	#[test]
	fn binomial_majorities_match_the_hand_computed_ones() {
		// σ = 1/3: one seat honest 2/3; two seats both honest 4/9; three seats two or more
		// honest 20/27; with ties honest, two seats at least one honest 8/9.
		assert!(close(honest_prevail(1, THIRD, false), 2.0 / 3.0));
		assert!(close(honest_prevail(2, THIRD, false), 4.0 / 9.0));
		assert!(close(honest_prevail(3, THIRD, false), 20.0 / 27.0));
		assert!(close(honest_prevail(2, THIRD, true), 8.0 / 9.0));
		assert_eq!(honest_prevail(5, 0, false), ONE);
		assert_eq!(honest_prevail(5, 1_000_000_000, false), 0);
	}

	#[test]
	fn the_minimum_bond_is_the_smallest_that_makes_cheating_lose() {
		let reward = 50 * 1_000_000_000_000u128;
		for v in 1..=7 {
			for sigma in [0, 100_000_000, THIRD, 450_000_000] {
				let bond = min_worker_bond(reward, v, 3, sigma, HALF).unwrap();
				assert!(cheating_loses(reward, bond, v, 3, sigma, HALF), "v {v} σ {sigma}");
				assert!(!cheating_loses(reward, bond - 1, v, 3, sigma, HALF), "v {v} σ {sigma}");
			}
		}
	}

	#[test]
	fn more_collusion_or_a_smaller_slash_needs_a_larger_bond() {
		let reward = 1_000_000u128;
		let at = |sigma, slash| min_worker_bond(reward, 3, 3, sigma, slash).unwrap();
		assert!(at(100_000_000, HALF) < at(THIRD, HALF));
		assert!(at(THIRD, HALF) < at(THIRD, 250_000_000));
		// No collusion: any bond makes a certain catch a loss.
		assert_eq!(at(0, HALF), 1);
		// With a third colluding and V = 3 it is about four rewards (π ≈ 0.337).
		let ratio = at(THIRD, HALF) as f64 / reward as f64;
		assert!((3.9..4.0).contains(&ratio), "{ratio}");
	}

	#[test]
	fn no_bond_helps_when_nothing_can_catch_or_nothing_is_slashed() {
		assert_eq!(min_worker_bond(10, 3, 3, 1_000_000_000, HALF), None);
		assert_eq!(min_worker_bond(10, 3, 3, THIRD, 0), None);
		assert_eq!(min_worker_bond(u128::MAX, 3, 3, THIRD, HALF), None);
	}

	/// The bound against a Monte Carlo of the model: committees filled seat by seat, every
	/// segment faked, the cheater escaping a stage whenever the colluders can carry it.
	#[test]
	fn the_catch_probability_bounds_a_simulated_full_fake() {
		let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
		let mut next = || {
			state ^= state << 13;
			state ^= state >> 7;
			state ^= state << 17;
			state
		};
		let trials = 40_000u32;
		for v in [1u32, 3, 5] {
			let mut caught = 0u32;
			for _ in 0..trials {
				let mut seats = |n: u32| (0..n).filter(|_| next() % 3 != 0).count() as u32;
				let first = seats(v);
				let esc1 = seats(3);
				let appeal = seats(2 * v + 1);
				let esc2 = seats(3);
				if 2 * first > v && 2 * esc1 >= 3 && 2 * appeal > 2 * v + 1 && 2 * esc2 >= 3 {
					caught += 1;
				}
			}
			let simulated = f64::from(caught) / f64::from(trials);
			let bound = catch_probability(v, 3, THIRD) as f64 / ONE as f64;
			// 4 standard errors of 40 000 trials.
			assert!(
				(simulated - bound).abs() < 0.01,
				"v {v}: simulated {simulated}, bound {bound}"
			);
		}
	}

	#[test]
	fn wide_multiplication_is_exact() {
		let a = U256::from(u128::MAX).mul_u128(u128::from(u64::MAX));
		// (2^128 − 1)(2^64 − 1) = 2^192 − 2^128 − 2^64 + 1
		assert_eq!(a.hi, (1u128 << 64) - 2);
		assert_eq!(a.lo, (u128::MAX - (1u128 << 64)) + 2);
		assert!(U256::from(3).mul_u128(ONE) > U256::from(2).mul_u128(ONE));
	}
}
