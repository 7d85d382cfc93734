//! Stake-weighted sampling of distinct accounts, deterministic given a seed.
//!
//! Kept free of storage so it can be tested (and reasoned about) on its own: the pallet gathers
//! the eligible candidates and their weights, this module draws.

use alloc::vec::Vec;

/// The `round`-th pseudo-random number drawn from `seed`: the first 16 bytes of
/// `blake2_256(seed ++ round)`, little-endian.
pub fn draw(seed: &[u8; 32], round: u32) -> u128 {
	let mut input = [0u8; 36];
	input[..32].copy_from_slice(seed);
	input[32..].copy_from_slice(&round.to_le_bytes());
	let hash = sp_io::hashing::blake2_256(&input);
	let mut bytes = [0u8; 16];
	bytes.copy_from_slice(&hash[..16]);
	u128::from_le_bytes(bytes)
}

/// Pick `k` distinct candidates without replacement, each draw choosing a remaining candidate
/// with probability proportional to its weight. Candidates of weight zero are never picked.
///
/// Returns `None` if fewer than `k` candidates have a non-zero weight. The same `seed` and the
/// same candidate list (same order) always give the same picks, in the same order. Cost is
/// `O(k * n)` for `n` candidates.
pub fn weighted_sample<A>(seed: &[u8; 32], k: u32, candidates: Vec<(A, u128)>) -> Option<Vec<A>> {
	weighted_sample_replacing(seed, k, candidates, |_| true)
}

/// As [`weighted_sample`], then every pick for which `usable` is false is replaced, in its own
/// place, by a weighted draw from the candidates never picked (a second stream of the seed,
/// skipping further unusable ones). Returns `None` if the candidates run out first.
///
/// The replacement changes nothing but the unusable pick's own place: the other picks, and
/// their order, are those of [`weighted_sample`]. So a candidate that makes itself unusable
/// once it has seen the seed (by locking or unbonding its stake, going offline or leaving)
/// cannot re-roll anyone else's place: it only hands its own place to a stake-weighted random
/// stranger.
pub fn weighted_sample_replacing<A>(
	seed: &[u8; 32],
	k: u32,
	candidates: Vec<(A, u128)>,
	mut usable: impl FnMut(&A) -> bool,
) -> Option<Vec<A>> {
	let mut pool: Vec<(A, u128)> = candidates.into_iter().filter(|(_, w)| *w > 0).collect();
	if (pool.len() as u64) < u64::from(k) {
		return None;
	}
	let mut picked = Vec::with_capacity(k as usize);
	for round in 0..k {
		picked.push(take_weighted(&mut pool, seed, round)?);
	}
	let replacement_seed = replacement_seed(seed);
	let mut round = 0u32;
	let mut out = Vec::with_capacity(picked.len());
	for pick in picked {
		if usable(&pick) {
			out.push(pick);
			continue;
		}
		loop {
			let candidate = take_weighted(&mut pool, &replacement_seed, round)?;
			round = round.saturating_add(1);
			if usable(&candidate) {
				out.push(candidate);
				break;
			}
		}
	}
	Some(out)
}

/// The seed of the replacement stream: `blake2_256(seed ++ "replace")`.
fn replacement_seed(seed: &[u8; 32]) -> [u8; 32] {
	let mut input = [0u8; 39];
	input[..32].copy_from_slice(seed);
	input[32..].copy_from_slice(b"replace");
	sp_io::hashing::blake2_256(&input)
}

/// Remove and return one candidate of `pool`, chosen with probability proportional to its
/// weight by the `round`-th draw of `seed`. `None` if the pool's total weight is zero.
fn take_weighted<A>(pool: &mut Vec<(A, u128)>, seed: &[u8; 32], round: u32) -> Option<A> {
	let total = pool.iter().fold(0u128, |acc, (_, w)| acc.saturating_add(*w));
	if total == 0 {
		return None;
	}
	let mut target = draw(seed, round) % total;
	let mut index = pool.len().saturating_sub(1);
	for (i, (_, w)) in pool.iter().enumerate() {
		if target < *w {
			index = i;
			break;
		}
		target -= *w;
	}
	// `remove` (not `swap_remove`) keeps the order of the rest, so later rounds do not
	// depend on which slot the last candidate happened to move into.
	Some(pool.remove(index).0)
}

#[cfg(test)]
mod tests {
	use super::*;
	use alloc::vec;

	#[test]
	fn same_seed_gives_same_picks() {
		let c = || vec![(1u64, 10u128), (2, 20), (3, 30), (4, 40)];
		assert_eq!(weighted_sample(&[7; 32], 3, c()), weighted_sample(&[7; 32], 3, c()));
	}

	#[test]
	fn picks_are_distinct_and_zero_weights_are_never_picked() {
		for s in 0..200u8 {
			let picks =
				weighted_sample(&[s; 32], 3, vec![(1u64, 5u128), (2, 0), (3, 7), (4, 1)]).unwrap();
			assert_eq!(picks.len(), 3);
			assert!(!picks.contains(&2));
			let mut sorted = picks.clone();
			sorted.sort();
			sorted.dedup();
			assert_eq!(sorted.len(), 3);
		}
	}

	#[test]
	fn too_few_candidates_is_none() {
		assert_eq!(weighted_sample(&[0; 32], 2, vec![(1u64, 5u128), (2, 0)]), None);
		assert_eq!(weighted_sample::<u64>(&[0; 32], 0, vec![]), Some(vec![]));
	}

	#[test]
	fn first_pick_frequency_follows_stake() {
		// Weights 1 : 3 ; over 4000 seeds the heavy candidate should win about 3/4 of the time.
		let mut heavy = 0u32;
		for s in 0..4000u32 {
			let mut seed = [0u8; 32];
			seed[..4].copy_from_slice(&s.to_le_bytes());
			if weighted_sample(&seed, 1, vec![(1u64, 1u128), (2, 3)]).unwrap()[0] == 2 {
				heavy += 1;
			}
		}
		assert!((2850..=3150).contains(&heavy), "heavy picked {heavy} times of 4000");
	}

	#[test]
	fn an_unusable_pick_is_replaced_in_its_own_place_only() {
		let c = || (1u64..=12).map(|a| (a, u128::from(a) * 10)).collect::<Vec<_>>();
		for s in 0..200u8 {
			let plain = weighted_sample(&[s; 32], 4, c()).unwrap();
			// Every pick usable: the same as the plain sample.
			assert_eq!(weighted_sample_replacing(&[s; 32], 4, c(), |_| true), Some(plain.clone()));
			// The second pick drops out: only its place changes, to someone never picked.
			let dropped = plain[1];
			let replaced =
				weighted_sample_replacing(&[s; 32], 4, c(), |a| *a != dropped).unwrap();
			assert_eq!(replaced.len(), 4);
			for place in [0usize, 2, 3] {
				assert_eq!(replaced[place], plain[place], "seed {s}");
			}
			assert!(!plain.contains(&replaced[1]), "seed {s}: {replaced:?} / {plain:?}");
		}
	}

	#[test]
	fn replacements_run_out_as_none() {
		let c = vec![(1u64, 1u128), (2, 1), (3, 1)];
		let picked = weighted_sample_replacing(&[3; 32], 2, c.clone(), |a| *a != 2);
		assert_eq!(picked.map(|v| v.len()), Some(2));
		assert_eq!(weighted_sample_replacing(&[3; 32], 2, c.clone(), |a| *a == 1), None);
		assert_eq!(weighted_sample_replacing(&[3; 32], 3, c, |a| *a != 3), None);
	}
}
