//! Stake-weighted sampling of distinct accounts, deterministic given a seed.
//!
//! Kept free of storage so it can be tested (and reasoned about) on its own: the pallet keeps
//! the weights (a Fenwick tree in storage, read through [`FenwickPool`]), this module draws.
//! A [`ListPool`] over the same weights in slot order draws exactly the same picks.

use alloc::{collections::BTreeMap, vec::Vec};

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

/// Candidates with weights that draws take from without replacement, in a fixed order: a
/// target in `0..total()` names the candidate whose range of the running sum of the weights
/// holds it.
pub trait Pool {
	/// What a draw returns.
	type Item;
	/// Sum of the weights of the candidates left.
	fn total(&mut self) -> u128;
	/// Remove and return the candidate whose range holds `target` (`None` if `target` is not
	/// below [`Pool::total`]).
	fn take(&mut self, target: u128) -> Option<Self::Item>;
}

/// A pool kept as a list, in the list's order: `O(n)` a draw.
pub struct ListPool<A>(Vec<(A, u128)>);

impl<A> ListPool<A> {
	/// The candidates of weight zero are left out (they could never be drawn).
	pub fn new(candidates: Vec<(A, u128)>) -> Self {
		Self(candidates.into_iter().filter(|(_, w)| *w > 0).collect())
	}
}

impl<A> Pool for ListPool<A> {
	type Item = A;

	fn total(&mut self) -> u128 {
		self.0.iter().fold(0u128, |acc, (_, w)| acc.saturating_add(*w))
	}

	fn take(&mut self, mut target: u128) -> Option<A> {
		let index = self.0.iter().position(|(_, w)| {
			let here = target < *w;
			target = target.saturating_sub(*w);
			here
		})?;
		// `remove` (not `swap_remove`) keeps the order of the rest, so later rounds do not
		// depend on which slot the last candidate happened to move into.
		Some(self.0.remove(index).0)
	}
}

/// The lowest set bit of `i`: node `i` of a Fenwick tree sums the `lowbit(i)` slots ending at
/// slot `i`.
pub fn lowbit(i: u32) -> u32 {
	i & i.wrapping_neg()
}

/// The Fenwick tree nodes whose sums include `slot` (`1..=capacity`), from the slot's own node
/// up to the root (`capacity`): the nodes an update of the slot's weight writes.
pub fn update_path(slot: u32, capacity: u32) -> impl Iterator<Item = u32> {
	core::iter::successors((slot > 0).then_some(slot), |i| i.checked_add(lowbit(*i)))
		.take_while(move |i| *i <= capacity)
}

/// The nodes of a Fenwick tree over `weights` (slot `s` at `weights[s - 1]`) for a tree of
/// `capacity` slots, node `i` at index `i - 1`: what the stored tree must equal.
pub fn fenwick_nodes(weights: &[u128], capacity: u32) -> Vec<u128> {
	let mut nodes = alloc::vec![0u128; capacity as usize];
	for (i, w) in weights.iter().enumerate().take(capacity as usize) {
		for node in update_path(i as u32 + 1, capacity) {
			nodes[node as usize - 1] = nodes[node as usize - 1].saturating_add(*w);
		}
	}
	nodes
}

/// A pool of slots `1..=capacity` (a power of two) whose weights are kept in a Fenwick tree:
/// node `i` holds the sum of the `lowbit(i)` slots ending at `i`, the root (`capacity`) the
/// total. A draw reads `O(log capacity)` nodes through `node`, each at most once; taking a
/// slot changes only this pool's copy of the nodes, never the source.
pub struct FenwickPool<F> {
	capacity: u32,
	node: F,
	seen: BTreeMap<u32, u128>,
}

impl<F: FnMut(u32) -> u128> FenwickPool<F> {
	/// A pool over a tree of `capacity` slots (rounded up to a power of two).
	pub fn new(capacity: u32, node: F) -> Self {
		let capacity = capacity.checked_next_power_of_two().unwrap_or(1 << 31);
		Self { capacity, node, seen: BTreeMap::new() }
	}

	fn get(&mut self, i: u32) -> u128 {
		match self.seen.get(&i) {
			Some(v) => *v,
			None => {
				let v = (self.node)(i);
				self.seen.insert(i, v);
				v
			},
		}
	}

	/// The weight of `slot` alone: its node less the nodes it sums besides the slot.
	pub fn weight(&mut self, slot: u32) -> u128 {
		if slot == 0 || slot > self.capacity {
			return 0;
		}
		let mut weight = self.get(slot);
		let stop = slot - lowbit(slot);
		let mut i = slot - 1;
		while i > stop {
			weight = weight.saturating_sub(self.get(i));
			i -= lowbit(i);
		}
		weight
	}

	/// Take `slot` out of the pool: its weight no longer counts. Returns that weight.
	pub fn remove(&mut self, slot: u32) -> u128 {
		let weight = self.weight(slot);
		if weight > 0 {
			for i in update_path(slot, self.capacity) {
				let v = self.get(i).saturating_sub(weight);
				self.seen.insert(i, v);
			}
		}
		weight
	}

	/// How many distinct nodes the pool has read.
	pub fn nodes_read(&self) -> usize {
		self.seen.len()
	}
}

impl<F: FnMut(u32) -> u128> Pool for FenwickPool<F> {
	type Item = u32;

	fn total(&mut self) -> u128 {
		self.get(self.capacity)
	}

	fn take(&mut self, target: u128) -> Option<u32> {
		if target >= self.total() {
			return None;
		}
		// Descend from the root: `pos` is the last slot whose running sum is at most the
		// target, so the target falls in slot `pos + 1`.
		let (mut pos, mut rest, mut step) = (0u32, target, self.capacity);
		while step > 0 {
			let next = pos + step;
			if next <= self.capacity {
				let v = self.get(next);
				if v <= rest {
					pos = next;
					rest -= v;
				}
			}
			step >>= 1;
		}
		let slot = pos + 1;
		self.remove(slot);
		Some(slot)
	}
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
	usable: impl FnMut(&A) -> bool,
) -> Option<Vec<A>> {
	sample_replacing(&mut ListPool::new(candidates), seed, k, u32::MAX, usable)
}

/// [`weighted_sample_replacing`] over any [`Pool`], giving up (`None`) after
/// `max_replacements` draws of the replacement stream: what bounds the cost of a draw from a
/// pool with many unusable candidates. Over a [`FenwickPool`] a draw reads
/// `O((k + max_replacements) * log n)` nodes.
pub fn sample_replacing<P: Pool>(
	pool: &mut P,
	seed: &[u8; 32],
	k: u32,
	max_replacements: u32,
	mut usable: impl FnMut(&P::Item) -> bool,
) -> Option<Vec<P::Item>> {
	let mut picked = Vec::with_capacity(k as usize);
	for round in 0..k {
		picked.push(take_weighted(pool, seed, round)?);
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
			if round >= max_replacements {
				return None;
			}
			let candidate = take_weighted(pool, &replacement_seed, round)?;
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
fn take_weighted<P: Pool>(pool: &mut P, seed: &[u8; 32], round: u32) -> Option<P::Item> {
	let total = pool.total();
	if total == 0 {
		return None;
	}
	pool.take(draw(seed, round) % total)
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
			let replaced = weighted_sample_replacing(&[s; 32], 4, c(), |a| *a != dropped).unwrap();
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

	/// A Fenwick tree over `weights` (slot `s` at `weights[s - 1]`), read by a pool.
	fn tree(weights: &[u128], capacity: u32) -> impl FnMut(u32) -> u128 {
		let nodes = fenwick_nodes(weights, capacity);
		move |i| nodes[i as usize - 1]
	}

	/// Weights with zeros among them, from a small xorshift stream.
	fn weights(n: usize, mut x: u64) -> Vec<u128> {
		(0..n)
			.map(|_| {
				x ^= x << 13;
				x ^= x >> 7;
				x ^= x << 17;
				if x % 5 == 0 {
					0
				} else {
					u128::from(x % 1_000) + 1
				}
			})
			.collect()
	}

	#[test]
	fn a_fenwick_pool_draws_what_the_list_in_slot_order_draws() {
		for (n, capacity) in [(1usize, 1u32), (5, 8), (8, 8), (37, 64), (300, 512)] {
			let w = weights(n, n as u64 * 7 + 1);
			for s in 0..50u8 {
				let list: Vec<(u32, u128)> =
					w.iter().enumerate().map(|(i, w)| (i as u32 + 1, *w)).collect();
				let nonzero = w.iter().filter(|w| **w > 0).count() as u32;
				for k in [1u32, 3, nonzero] {
					// Slot 2 (if any) is unusable: replacements follow the same stream too.
					let usable = |slot: &u32| *slot != 2;
					let expected = weighted_sample_replacing(&[s; 32], k, list.clone(), usable);
					let mut pool = FenwickPool::new(capacity, tree(&w, capacity));
					let got = sample_replacing(&mut pool, &[s; 32], k, u32::MAX, usable);
					assert_eq!(got, expected, "n {n}, seed {s}, k {k}");
				}
			}
		}
	}

	#[test]
	fn a_fenwick_pool_reads_logarithmically_many_nodes() {
		let capacity = 1u32 << 12;
		let w = weights(capacity as usize, 99);
		let depth = capacity.trailing_zeros() as usize + 1;
		for s in 0..20u8 {
			let mut pool = FenwickPool::new(capacity, tree(&w, capacity));
			let picked = sample_replacing(&mut pool, &[s; 32], 3, 0, |_| true).unwrap();
			assert_eq!(picked.len(), 3);
			// Each pick descends the tree once and removes its slot along one path.
			assert!(pool.nodes_read() <= 3 * 3 * depth, "{} nodes read", pool.nodes_read());
		}
	}

	#[test]
	fn a_removed_slot_is_never_drawn_and_weights_read_back() {
		let w = weights(20, 3);
		let mut pool = FenwickPool::new(32, tree(&w, 32));
		for (i, weight) in w.iter().enumerate() {
			assert_eq!(pool.weight(i as u32 + 1), *weight);
		}
		assert_eq!(pool.weight(21), 0);
		let heavy = (1..=20u32).max_by_key(|s| w[*s as usize - 1]).unwrap();
		assert_eq!(pool.remove(heavy), w[heavy as usize - 1]);
		assert_eq!(pool.weight(heavy), 0);
		for s in 0..100u8 {
			let mut copy = FenwickPool::new(32, tree(&w, 32));
			copy.remove(heavy);
			let picked = sample_replacing(&mut copy, &[s; 32], 5, 0, |_| true).unwrap();
			assert!(!picked.contains(&heavy));
		}
	}

	#[test]
	fn the_replacement_budget_bounds_a_draw() {
		let c = || (1u64..=12).map(|a| (a, 10u128)).collect::<Vec<_>>();
		// Every candidate but one is unusable: found within 11 replacements, not within 2.
		let only = |a: &u64| *a == 12;
		assert_eq!(
			sample_replacing(&mut ListPool::new(c()), &[1; 32], 1, 11, only),
			Some(vec![12])
		);
		assert_eq!(sample_replacing(&mut ListPool::new(c()), &[1; 32], 1, 0, |a| *a == 99), None);
		let found = (0..50u8)
			.filter(|s| sample_replacing(&mut ListPool::new(c()), &[*s; 32], 1, 2, only).is_some())
			.count();
		assert!(found < 50, "a budget of 2 found the one usable candidate for every seed");
	}
}
