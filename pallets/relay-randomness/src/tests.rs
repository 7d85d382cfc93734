use crate::{mock::*, *};
use cumulus_primitives_core::ParaId;
use cumulus_test_relay_sproof_builder::RelayStateSproofBuilder;
use sp_core::H256;

const PARA: u32 = 2_000;

/// A verified relay state proof whose one-epoch-ago randomness is `randomness`, built the way
/// the parachain's dev mode builds it.
fn proof_with(randomness: H256) -> RelayChainStateProof {
	proof_at_slot(randomness, 0)
}

/// A verified relay state proof with `randomness` whose relay parent is at relay slot `slot`.
fn proof_at_slot(randomness: H256, slot: u64) -> RelayChainStateProof {
	let builder = RelayStateSproofBuilder {
		para_id: ParaId::from(PARA),
		randomness,
		current_slot: slot.into(),
		..Default::default()
	};
	let (root, proof) = builder.into_state_root_and_proof();
	RelayChainStateProof::new(ParaId::from(PARA), root, proof).expect("the proof matches its root")
}

fn set_block(n: u64) {
	frame_system::Pallet::<Test>::set_block_number(n);
}

fn hash_of(bytes: &[u8]) -> H256 {
	<Test as frame_system::Config>::Hashing::hash(bytes)
}

#[test]
fn the_well_known_key_is_the_relay_babe_next_randomness() {
	// `pallet_babe::NextRandomness` is what BABE's `RandomnessFromOneEpochAgo` reads: the
	// randomness of the epoch before the current one.
	let key = [sp_io::hashing::twox_128(b"Babe"), sp_io::hashing::twox_128(b"NextRandomness")].concat();
	assert_eq!(well_known_keys::ONE_EPOCH_AGO_RANDOMNESS, &key[..]);
}

#[test]
fn a_new_relay_randomness_is_noted_with_its_block_and_known_lag_blocks_earlier() {
	new_test_ext().execute_with(|| {
		set_block(10);
		let value = H256::repeat_byte(7);
		Pallet::<Test>::on_relay_state_proof(&proof_with(value));
		assert_eq!(OneEpochAgo::<Test>::get(), Some(value.0));
		assert_eq!(NotedAt::<Test>::get(), 10);
		assert_eq!(Pallet::<Test>::known_since(), 10 - LAG);

		// The first value seen: when its inputs began is unknown, so it is never fresh.
		let (output, inputs_since) = RandomnessFromOneRelayEpochAgo::<Test>::random(b"subject");
		assert_eq!(inputs_since, 0);
		assert_eq!(output, hash_of(&[&b"subject"[..], &value.0[..]].concat()));
		// Different subjects get independent outputs from one value.
		assert_ne!(output, RandomnessFromOneRelayEpochAgo::<Test>::random(b"other").0);
	});
}

#[test]
fn the_same_randomness_seen_again_keeps_the_block_it_was_first_noted_at() {
	new_test_ext().execute_with(|| {
		let value = H256::repeat_byte(1);
		set_block(10);
		Pallet::<Test>::on_relay_state_proof(&proof_with(value));
		set_block(15);
		Pallet::<Test>::on_relay_state_proof(&proof_with(value));
		assert_eq!(NotedAt::<Test>::get(), 10);

		// The next relay epoch brings a new value, noted at the block that first sees it.
		set_block(20);
		let next = H256::repeat_byte(2);
		Pallet::<Test>::on_relay_state_proof(&proof_with(next));
		assert_eq!(OneEpochAgo::<Test>::get(), Some(next.0));
		assert_eq!(NotedAt::<Test>::get(), 20);
		// Its inputs are the VRF outputs of the relay epoch that began with the value before.
		assert_eq!(PreviouslyNotedAt::<Test>::get(), Some(10));
		assert_eq!(RandomnessFromOneRelayEpochAgo::<Test>::random(b"s").1, 10 - LAG);
	});
}

/// A draw asked for at block `b` waits for the second relay value noted after `b`: the first
/// one's inputs were being published while `b` was built.
#[test]
fn only_the_second_relay_value_after_a_request_is_fresh_for_it() {
	new_test_ext().execute_with(|| {
		let fresh_for = |asked_at: u64| RandomnessFromOneRelayEpochAgo::<Test>::random(b"s").1 > asked_at;
		set_block(10);
		Pallet::<Test>::on_relay_state_proof(&proof_with(H256::repeat_byte(1)));
		let asked_at = 15;
		set_block(30);
		Pallet::<Test>::on_relay_state_proof(&proof_with(H256::repeat_byte(2)));
		assert!(!fresh_for(asked_at), "inputs from the epoch running at the request");
		set_block(50);
		Pallet::<Test>::on_relay_state_proof(&proof_with(H256::repeat_byte(3)));
		assert!(fresh_for(asked_at), "inputs all from an epoch that began after the request");
	});
}

#[test]
fn without_relay_randomness_the_output_is_never_fresh() {
	new_test_ext().execute_with(|| {
		set_block(50);
		let (output, known_since) = RandomnessFromOneRelayEpochAgo::<Test>::random(b"subject");
		assert_eq!(known_since, 0);
		assert_eq!(output, hash_of(b"subject"));
	});
}

#[test]
fn a_value_noted_within_the_lag_of_genesis_is_known_since_genesis() {
	new_test_ext().execute_with(|| {
		set_block(2);
		Pallet::<Test>::on_relay_state_proof(&proof_with(H256::repeat_byte(3)));
		assert_eq!(Pallet::<Test>::known_since(), 0);
		set_block(3);
		Pallet::<Test>::on_relay_state_proof(&proof_with(H256::repeat_byte(4)));
		assert_eq!(RandomnessFromOneRelayEpochAgo::<Test>::random(b"s").1, 0);
	});
}

#[test]
fn the_next_relay_value_is_due_one_observed_epoch_and_a_lag_after_the_last() {
	new_test_ext().execute_with(|| {
		// The first value this chain sees, in the middle of its relay epoch, and the first
		// change: the epoch's length is not known yet.
		set_block(70);
		Pallet::<Test>::on_relay_state_proof(&proof_at_slot(H256::repeat_byte(0), 970));
		set_block(100);
		Pallet::<Test>::on_relay_state_proof(&proof_at_slot(H256::repeat_byte(1), 1_000));
		assert_eq!(RelayEpochSlots::<Test>::get(), None);
		assert_eq!(Pallet::<Test>::next_change_by(101), None);
		set_block(160);
		Pallet::<Test>::on_relay_state_proof(&proof_at_slot(H256::repeat_byte(2), 1_060));
		assert_eq!(NotedAtRelaySlot::<Test>::get(), Some(1_060));
		assert_eq!(RelayEpochSlots::<Test>::get(), Some(60));
		set_block(170);
		Pallet::<Test>::on_relay_state_proof(&proof_at_slot(H256::repeat_byte(2), 1_070));
		assert_eq!(LatestRelaySlot::<Test>::get(), Some(1_070));
		// Due by relay slot 1_060 + 60 + LAG, that is 54 relay slots after the latest one,
		// at most one block of this chain each.
		assert_eq!(Pallet::<Test>::next_change_by(171), Some(171 + 60 + LAG - 10));
		// Overdue (the relay skipped an epoch, or the proof stopped carrying the value): no
		// block can be promised, and the consumer falls back to polling.
		Pallet::<Test>::on_relay_state_proof(&proof_at_slot(H256::repeat_byte(2), 1_124));
		assert_eq!(Pallet::<Test>::next_change_by(230), None);
	});
}

/// A relay chain with epochs of `EPOCH` slots and this chain building one block per relay
/// slot (its velocity) on relay parents that lag the relay tip by up to `LAG` slots, varying
/// from block to block: the block `next_change_by` promises is never before the hooks can see
/// the next value, and at most four lags after.
#[test]
fn the_next_change_is_never_promised_early_whatever_the_relay_parents_lag() {
	const EPOCH: u64 = 37;
	const TIP_AT_BLOCK_ZERO: u64 = 1_000;
	new_test_ext().execute_with(|| {
		let mut state = 0x9e37_79b9_7f4a_7c15_u64;
		let mut lag = || {
			state ^= state << 13;
			state ^= state >> 7;
			state ^= state << 17;
			state % (LAG + 1)
		};
		let mut relay_parent = 0;
		// seen_at[i]: the first block whose hooks see the i-th value noted.
		let mut seen_at: Vec<u64> = Vec::new();
		// (index of the value due next, block promised for it)
		let mut promises: Vec<(usize, u64)> = Vec::new();
		for block in 1..2_000u64 {
			// The hooks of `block` run before it notes anything.
			if let Some(promise) = Pallet::<Test>::next_change_by(block) {
				promises.push((seen_at.len(), promise));
			}
			set_block(block);
			// Relay parents only move forward, by at least a slot a block (one block per relay
			// slot), and never past the relay tip.
			relay_parent = (block + TIP_AT_BLOCK_ZERO - lag()).max(relay_parent + 1);
			let before = OneEpochAgo::<Test>::get();
			let value = H256::from_low_u64_be(relay_parent / EPOCH);
			Pallet::<Test>::on_relay_state_proof(&proof_at_slot(value, relay_parent));
			if OneEpochAgo::<Test>::get() != before {
				seen_at.push(block + 1);
			}
		}
		assert!(seen_at.len() > 40, "{} relay values", seen_at.len());
		assert!(promises.len() > 1_500, "{} promises", promises.len());
		for (next, promise) in promises {
			let Some(&seen) = seen_at.get(next) else { continue };
			assert!(promise >= seen, "value {next} promised by {promise}, seen at {seen}");
			assert!(promise <= seen + 4 * LAG, "value {next} promised by {promise}, seen at {seen}");
		}
	});
}
