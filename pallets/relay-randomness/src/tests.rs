use crate::{mock::*, *};
use cumulus_primitives_core::ParaId;
use cumulus_test_relay_sproof_builder::RelayStateSproofBuilder;
use sp_core::H256;

const PARA: u32 = 2_000;

/// A verified relay state proof whose one-epoch-ago randomness is `randomness`, built the way
/// the parachain's dev mode builds it.
fn proof_with(randomness: H256) -> RelayChainStateProof {
	let builder = RelayStateSproofBuilder { para_id: ParaId::from(PARA), randomness, ..Default::default() };
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
