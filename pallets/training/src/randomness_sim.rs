//! The committee's randomness against a worker that watches every BABE slot and chooses when
//! to submit (finding 3 of the protocol review).
//!
//! A simulated BABE chain keeps its randomness the way `pallet_babe` does: every primary slot
//! (probability `c = 1/4`) deposits its VRF output, secondary slots deposit nothing, and at each
//! epoch change the next randomness is the hash of the previous one, the epoch index and the
//! epoch's VRF outputs. The value the training pallet reads is `RandomnessFromOneEpochAgo`'s;
//! what the runtime reports with it decides when it may be used:
//!
//! - **inputs since** (the rule now): the start of the epoch whose VRF outputs made it, so the
//!   draw waits for the second epoch change after the submission;
//! - **known since** (the rule before): the start of the current epoch, so the draw came at the
//!   next epoch change, from VRF outputs partly public at submission.
//!
//! The worker fakes `F` of `N` segments. It previews the committee from the VRF outputs
//! published so far and submits in the last slot of an epoch (when no further primary slot can
//! change the next epoch's randomness) whose preview samples none of its fakes, else at the end
//! of its three-epoch window. The committee and its
//! segments are then drawn with the pallet's own functions.

use crate::{
	mock::Test,
	selection::{assign_segments, committee_seed, randomness_is_fresh},
	Pallet,
};
use codec::Encode;
use mlchain_primitives::blake2_256;

/// Slots per epoch, as on the dev chain.
const EPOCH: u64 = 20;
/// Percent of slots with a primary (VRF) author: BABE's `c = 1/4`.
const PRIMARY_PERCENT: u64 = 25;
/// Segments of the run.
const N: u32 = 100;
/// Faked segments.
const F: u32 = 5;
/// Segments per verifier.
const Q: u32 = 2;
/// Verifiers.
const V: u32 = 3;
/// Simulated submissions per rule; each waits one to three epochs for its draw.
const TRIALS: u32 = 10_000;

#[derive(Clone, Copy, PartialEq, Debug)]
enum Rule {
	InputsSince,
	KnownSince,
}

struct Rng(u64);
impl Rng {
	fn next(&mut self) -> u64 {
		self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
		let mut z = self.0;
		z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
		z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
		z ^ (z >> 31)
	}
}

/// BABE's randomness state, as `pallet_babe` keeps it.
struct Babe {
	block: u64,
	epoch_index: u64,
	next_randomness: [u8; 32],
	/// (previous epoch's first block, current epoch's first block): `pallet_babe::EpochStart`.
	epoch_start: (u64, u64),
	/// VRF outputs of the current epoch's primary slots: `pallet_babe::UnderConstruction`.
	under_construction: Vec<[u8; 32]>,
	rng: Rng,
}

impl Babe {
	fn new(seed: u64) -> Self {
		Babe {
			block: 0,
			epoch_index: 0,
			next_randomness: [0; 32],
			epoch_start: (0, 0),
			under_construction: Vec::new(),
			rng: Rng(seed),
		}
	}

	fn compute(previous: &[u8; 32], index: u64, vrfs: &[[u8; 32]]) -> [u8; 32] {
		blake2_256(&(previous, index, vrfs).encode())
	}

	/// Author the next block: enact the epoch change first if one is due (BABE does it in
	/// `on_initialize`, before the block's own VRF output is deposited in `on_finalize`).
	fn produce(&mut self) {
		self.block += 1;
		if self.block % EPOCH == 0 {
			self.epoch_index += 1;
			self.next_randomness =
				Self::compute(&self.next_randomness, self.epoch_index, &self.under_construction);
			self.under_construction.clear();
			self.epoch_start = (self.epoch_start.1, self.block);
		}
		if self.rng.next() % 100 < PRIMARY_PERCENT {
			let a = self.rng.next().to_le_bytes();
			let b = self.rng.next().to_le_bytes();
			self.under_construction.push(blake2_256(&[a, b].concat()));
		}
	}

	/// `RandomnessFromOneEpochAgo`'s output for `subject`, from `randomness`.
	fn value(subject: &[u8], randomness: &[u8; 32]) -> [u8; 32] {
		blake2_256(&[subject, &randomness[..]].concat())
	}

	/// The block the runtime reports with the output under `rule`.
	fn reported_since(&self, rule: Rule) -> u64 {
		match rule {
			Rule::InputsSince => self.epoch_start.0,
			Rule::KnownSince => self.epoch_start.1,
		}
	}

	/// What the worker expects the next epoch's randomness to be: the outputs published so
	/// far, no further primary slot.
	fn preview(&self) -> [u8; 32] {
		Self::compute(&self.next_randomness, self.epoch_index + 1, &self.under_construction)
	}
}

fn samples_a_fake(seed: &[u8; 32], fakes: &[u32]) -> bool {
	(0..V).any(|m| assign_segments(seed, m, Q, N).iter().any(|j| fakes.contains(j)))
}

/// The share of `TRIALS` timed submissions whose committee sampled a fake, under `rule`.
fn caught_share(rule: Rule) -> f64 {
	let mut babe = Babe::new(0x5EED);
	let fakes: Vec<u32> = (0..F).map(|i| i * (N / F) + 3).collect();
	let mut caught = 0u32;
	for trial in 0..TRIALS {
		let subject = Pallet::<Test>::committee_subject(u64::from(trial), 0, false, false);
		// The worker's window: three epochs of blocks, from wherever the chain is. It submits in
		// the last slot of an epoch whose preview misses its fakes: no primary slot can follow
		// before the epoch change, so under the old rule the preview is the draw.
		let window_end = babe.block + 3 * EPOCH;
		loop {
			babe.produce();
			let last_slot = (babe.block + 1) % EPOCH == 0;
			if last_slot {
				let preview = committee_seed(&subject, Babe::value(&subject, &babe.preview()));
				if !samples_a_fake(&preview, &fakes) {
					break;
				}
			}
			if babe.block >= window_end {
				break;
			}
		}
		let submitted_at = babe.block;
		// The pallet tries every block from the next one on until the output may be used.
		loop {
			babe.produce();
			if randomness_is_fresh(babe.reported_since(rule), submitted_at) {
				break;
			}
		}
		let seed = committee_seed(&subject, Babe::value(&subject, &babe.next_randomness));
		if samples_a_fake(&seed, &fakes) {
			caught += 1;
		}
	}
	f64::from(caught) / f64::from(TRIALS)
}

/// `1 - (1 - f)^(qV)`, the detection probability the docs promise.
fn promised() -> f64 {
	1.0 - (1.0 - f64::from(F) / f64::from(N)).powi((Q * V) as i32)
}

#[test]
fn a_worker_cannot_preview_its_committee() {
	let p = promised();
	let now = caught_share(Rule::InputsSince);
	// Three standard errors of a share over TRIALS draws, plus rounding.
	let margin = 3.0 * (p * (1.0 - p) / f64::from(TRIALS)).sqrt() + 0.002;
	println!("promised {p:.4}, caught {now:.4} with inputs-since randomness (margin {margin:.4})");
	assert!(now >= p - margin, "a timing worker is caught only {now:.4} < {p:.4} - {margin:.4}");
}

/// The attack is real: with the rule before (randomness known since the current epoch, whose
/// inputs were partly public at submission) the same worker escapes far more often. This keeps
/// the test above honest: if the simulated worker could not preview anything, both would pass.
#[test]
fn randomness_known_at_submission_lets_a_timing_worker_escape() {
	let p = promised();
	let before = caught_share(Rule::KnownSince);
	println!("promised {p:.4}, caught {before:.4} with known-since randomness");
	// It escapes unless three previews in a row sample a fake: caught about p^3 of the time.
	assert!(before < p / 2.0, "the timing attack no longer works against the old rule: {before}");
}
