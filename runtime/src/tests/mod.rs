//! Runtime integration tests: the real runtime, built from its own genesis presets, driven
//! block by block through `Executive` the way the node drives it (BABE pre-digest, timestamp
//! inherent, hooks), with signed transactions built the way wallets build them.

use crate::{
	configs::EpochDuration,
	constants::time::SLOT_DURATION,
	genesis_config_presets::{self, NOMINATOR_BOND, VALIDATOR_BOND},
	AccountId, Babe, Balance, Balances, BuildStorage, Executive, Header, Historical, Runtime,
	RuntimeCall, RuntimeEvent, RuntimeGenesisConfig, RuntimeOrigin, Session, SessionKeys,
	SignedPayload, Staking, System, UncheckedExtrinsic,
};
use codec::Encode;
use frame_support::{assert_ok, traits::KeyOwnerProofSystem};
use sp_consensus_babe::{
	digests::{CompatibleDigestItem, PreDigest, SecondaryPlainPreDigest},
	AuthorityPair as BabePair, Slot,
};
use sp_core::{crypto::Pair, H256};
use sp_keyring::Sr25519Keyring;
use sp_keystore::{testing::MemoryKeystore, KeystoreExt};
use sp_runtime::{traits::Header as _, Digest, DigestItem, MultiSignature};
use std::sync::Arc;

mod client_metadata;
mod marketplace;
mod training;

const UNITS: Balance = crate::constants::currency::UNITS;

/// State after genesis of the named preset, with an in-memory keystore for session keys.
fn genesis_of(preset: &str) -> sp_io::TestExternalities {
	let patch = genesis_config_presets::get_preset(&preset.into())
		.unwrap_or_else(|| panic!("preset {preset} exists"));
	let config: RuntimeGenesisConfig = mlchain_runtime_common::testing::genesis_from_patch(&patch);
	let mut ext = sp_io::TestExternalities::new(config.build_storage().unwrap());
	ext.register_extension(KeystoreExt(Arc::new(MemoryKeystore::new())));
	ext
}

/// The first slot of the test chain; any value works as long as slots then grow by one.
const FIRST_SLOT: u64 = 1_000;

fn babe_pre_digest(slot: u64) -> Digest {
	// Secondary plain claims need no VRF; the runtime does not verify claims (the node does),
	// it only reads the slot and the author index.
	let authority_count = Babe::authorities().len().max(1) as u64;
	let pre = PreDigest::SecondaryPlain(SecondaryPlainPreDigest {
		authority_index: (slot % authority_count) as u32,
		slot: Slot::from(slot),
	});
	Digest { logs: vec![DigestItem::babe_pre_digest(pre)] }
}

/// Produces one block: initialise with a BABE pre-digest, apply the timestamp inherent and
/// the given extrinsics, finalise. Returns each extrinsic's dispatch outcome.
fn produce_block(extrinsics: Vec<UncheckedExtrinsic>) -> Vec<sp_runtime::DispatchOutcome> {
	let number = System::block_number() + 1;
	let slot = FIRST_SLOT + number as u64;
	let parent_hash = if number > 1 { System::block_hash(number - 1) } else { H256::zero() };
	let header = Header::new(
		number,
		Default::default(),
		Default::default(),
		parent_hash,
		babe_pre_digest(slot),
	);
	Executive::initialize_block(&header);
	let timestamp =
		UncheckedExtrinsic::new_bare(RuntimeCall::Timestamp(pallet_timestamp::Call::set {
			now: slot * SLOT_DURATION,
		}));
	Executive::apply_extrinsic(timestamp).unwrap().unwrap();
	let outcomes = extrinsics
		.into_iter()
		.map(|xt| Executive::apply_extrinsic(xt).expect("extrinsic is valid"))
		.collect();
	let header = Executive::finalize_block();
	// `finalize_block` leaves the hash of this block to the next one's initialisation;
	// record it so the next block names the right parent.
	frame_system::BlockHash::<Runtime>::insert(number, header.hash());
	outcomes
}

fn produce_blocks(count: u32) {
	for _ in 0..count {
		produce_block(Vec::new());
	}
}

/// Produces blocks until the given era is active (bounded: never more than that many eras).
fn run_to_era(era: u32) {
	let blocks_per_era = EpochDuration::get() as u32 * crate::configs::SessionsPerEra::get();
	for _ in 0..blocks_per_era * (era + 1) {
		if active_era() >= era {
			return;
		}
		produce_blocks(1);
	}
	panic!("era {era} did not start; active era is {}", active_era());
}

fn active_era() -> u32 {
	pallet_staking::ActiveEra::<Runtime>::get().map(|e| e.index).unwrap_or(0)
}

/// A signed, immortal transaction from `who` with its next nonce, built as wallets build them.
fn signed(who: &sp_core::sr25519::Pair, call: RuntimeCall) -> UncheckedExtrinsic {
	signed_with_nonce(who, call, 0)
}

/// Like [`signed`], for the `pending`-th of several transactions from `who` in one block.
fn signed_with_nonce(
	who: &sp_core::sr25519::Pair,
	call: RuntimeCall,
	pending: u32,
) -> UncheckedExtrinsic {
	let account: AccountId = who.public().into();
	let nonce = System::account_nonce(&account) + pending;
	let extension = crate::immortal_tx_extension(nonce);
	let payload = SignedPayload::new(call.clone(), extension.clone()).unwrap();
	let signature = payload.using_encoded(|bytes| who.sign(bytes));
	UncheckedExtrinsic::new_signed(
		call,
		account.into(),
		MultiSignature::Sr25519(signature),
		extension,
	)
}

fn account(k: Sr25519Keyring) -> AccountId {
	k.to_account_id()
}

fn new_pair(seed: &str) -> sp_core::sr25519::Pair {
	sp_core::sr25519::Pair::from_string(seed, None).unwrap()
}

/// Generates session keys for `owner` in the test keystore, with the ownership proof
/// `session.set_keys` wants, like `author_rotateKeysWithOwner` does on a node.
fn generate_session_keys(owner: &AccountId) -> (SessionKeys, Vec<u8>) {
	let generated = SessionKeys::generate(&owner.encode(), None);
	(generated.keys, generated.proof.encode())
}

fn staking_events() -> Vec<pallet_staking::Event<Runtime>> {
	System::events()
		.into_iter()
		.filter_map(|r| match r.event {
			RuntimeEvent::Staking(e) => Some(e),
			_ => None,
		})
		.collect()
}

#[test]
fn every_genesis_preset_builds_and_has_its_validators() {
	let names = genesis_config_presets::preset_names();
	assert_eq!(names.len(), 2);
	for (preset, expected) in [
		(sp_genesis_builder::DEV_RUNTIME_PRESET, vec![Sr25519Keyring::Alice]),
		(
			sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET,
			vec![
				Sr25519Keyring::Alice,
				Sr25519Keyring::Bob,
				Sr25519Keyring::Charlie,
				Sr25519Keyring::Dave,
			],
		),
	] {
		assert!(names.iter().any(|n| n.as_ref() as &str == preset));
		genesis_of(preset).execute_with(|| {
			let mut validators = Session::validators();
			validators.sort();
			let mut expected: Vec<AccountId> = expected.into_iter().map(account).collect();
			expected.sort();
			assert_eq!(validators, expected, "{preset}: genesis validator set");
			assert_eq!(Babe::authorities().len(), expected.len());
			assert_eq!(
				pallet_grandpa::Pallet::<Runtime>::grandpa_authorities().len(),
				expected.len()
			);
			for v in &expected {
				assert_eq!(Staking::ledger(v.clone().into()).unwrap().total, VALIDATOR_BOND);
			}
			assert!(pallet_sudo::Key::<Runtime>::get().is_some());
		});
	}
	// An unknown preset name is refused rather than silently defaulted.
	assert!(genesis_config_presets::get_preset(&"no-such-preset".into()).is_none());
}

#[test]
fn dev_chain_produces_blocks_and_sessions_rotate_with_epochs() {
	genesis_of(sp_genesis_builder::DEV_RUNTIME_PRESET).execute_with(|| {
		let epoch = EpochDuration::get() as u32;
		produce_blocks(epoch * 2 + 1);
		assert_eq!(System::block_number(), epoch * 2 + 1);
		assert!(Session::current_index() >= 2, "a session ends with every BABE epoch");
		assert!(Babe::epoch_index() >= 2);
	});
}

#[test]
fn signed_transfer_moves_funds_and_pays_a_fee() {
	genesis_of(sp_genesis_builder::DEV_RUNTIME_PRESET).execute_with(|| {
		produce_blocks(1);
		let alice = account(Sr25519Keyring::Alice);
		let bob = account(Sr25519Keyring::Bob);
		let (alice_before, bob_before) =
			(Balances::free_balance(&alice), Balances::free_balance(&bob));
		let amount = 42 * UNITS;

		let xt = signed(
			&Sr25519Keyring::Alice.pair(),
			RuntimeCall::Balances(pallet_balances::Call::transfer_keep_alive {
				dest: bob.clone().into(),
				value: amount,
			}),
		);
		let outcomes = produce_block(vec![xt]);
		assert_eq!(outcomes, vec![Ok(())]);

		assert_eq!(Balances::free_balance(&bob), bob_before + amount);
		let alice_paid = alice_before - Balances::free_balance(&alice);
		assert!(alice_paid > amount, "Alice paid the amount plus a fee");
		assert!(alice_paid - amount < UNITS, "a transfer's fee is well under one unit");
		assert_eq!(System::account_nonce(&alice), 1);
	});
}

#[test]
fn transaction_with_bad_signature_is_rejected() {
	genesis_of(sp_genesis_builder::DEV_RUNTIME_PRESET).execute_with(|| {
		produce_blocks(1);
		let call = RuntimeCall::System(frame_system::Call::remark { remark: vec![1] });
		let mut xt = signed(&Sr25519Keyring::Alice.pair(), call);
		// Claim the transaction came from Bob: the signature no longer matches the signer.
		if let sp_runtime::generic::Preamble::Signed(ref mut address, _, _) = xt.preamble {
			*address = account(Sr25519Keyring::Bob).into();
		}
		let number = System::block_number() + 1;
		let header = Header::new(
			number,
			Default::default(),
			Default::default(),
			System::block_hash(number - 1),
			babe_pre_digest(FIRST_SLOT + number as u64),
		);
		Executive::initialize_block(&header);
		assert!(Executive::apply_extrinsic(xt).is_err());
	});
}

#[test]
fn bond_validate_and_nominate_register_stakers() {
	genesis_of(sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET).execute_with(|| {
		produce_blocks(1);
		let alice = Sr25519Keyring::Alice.pair();
		let (validator, nominator) = (new_pair("//NewValidator"), new_pair("//NewNominator"));
		let (validator_id, nominator_id): (AccountId, AccountId) =
			(validator.public().into(), nominator.public().into());

		let fund = |who: &AccountId| {
			signed(
				&alice,
				RuntimeCall::Balances(pallet_balances::Call::transfer_keep_alive {
					dest: who.clone().into(),
					value: 10_000 * UNITS,
				}),
			)
		};
		assert_eq!(produce_block(vec![fund(&validator_id)]), vec![Ok(())]);
		assert_eq!(produce_block(vec![fund(&nominator_id)]), vec![Ok(())]);

		let bond = |who: &sp_core::sr25519::Pair, value| {
			signed(
				who,
				RuntimeCall::Staking(pallet_staking::Call::bond {
					value,
					payee: pallet_staking::RewardDestination::Staked,
				}),
			)
		};
		let outcomes =
			produce_block(vec![bond(&validator, 5_000 * UNITS), bond(&nominator, 1_000 * UNITS)]);
		assert_eq!(outcomes, vec![Ok(()), Ok(())]);
		let outcomes = produce_block(vec![
			signed(
				&validator,
				RuntimeCall::Staking(pallet_staking::Call::validate {
					prefs: pallet_staking::ValidatorPrefs::default(),
				}),
			),
			signed(
				&nominator,
				RuntimeCall::Staking(pallet_staking::Call::nominate {
					targets: vec![validator_id.clone().into()],
				}),
			),
		]);
		assert_eq!(outcomes, vec![Ok(()), Ok(())]);

		assert!(pallet_staking::Validators::<Runtime>::contains_key(&validator_id));
		assert_eq!(
			pallet_staking::Nominators::<Runtime>::get(&nominator_id).unwrap().targets.to_vec(),
			vec![validator_id.clone()]
		);
		assert_eq!(Staking::ledger(validator_id.clone().into()).unwrap().active, 5_000 * UNITS);
		assert_eq!(Staking::ledger(nominator_id.clone().into()).unwrap().active, 1_000 * UNITS);
		// The bonded stake is held, not spendable.
		assert!(Balances::free_balance(&validator_id) < 5_001 * UNITS);

		// Validating with less than the minimum validator bond (10 MLC) is refused.
		let poor = new_pair("//Poor");
		let poor_id: AccountId = poor.public().into();
		produce_block(vec![fund(&poor_id)]);
		assert_eq!(produce_block(vec![bond(&poor, UNITS)]), vec![Ok(())]);
		let outcome = produce_block(vec![signed(
			&poor,
			RuntimeCall::Staking(pallet_staking::Call::validate {
				prefs: pallet_staking::ValidatorPrefs::default(),
			}),
		)]);
		assert_eq!(outcome, vec![Err(pallet_staking::Error::<Runtime>::InsufficientBond.into())]);
		assert!(!pallet_staking::Validators::<Runtime>::contains_key(&poor_id));
	});
}

#[test]
fn era_change_elects_the_top_validators_by_stake() {
	genesis_of(sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET).execute_with(|| {
		produce_blocks(1);
		let alice = Sr25519Keyring::Alice.pair();
		let newcomer = new_pair("//Newcomer");
		let newcomer_id: AccountId = newcomer.public().into();
		let bob = account(Sr25519Keyring::Bob);

		produce_block(vec![signed(
			&alice,
			RuntimeCall::Balances(pallet_balances::Call::transfer_keep_alive {
				dest: newcomer_id.clone().into(),
				value: 400_000 * UNITS,
			}),
		)]);
		let (keys, proof) = generate_session_keys(&newcomer_id);
		let outcomes = produce_block(vec![
			signed_with_nonce(
				&newcomer,
				RuntimeCall::Staking(pallet_staking::Call::bond {
					value: 300_000 * UNITS,
					payee: pallet_staking::RewardDestination::Staked,
				}),
				0,
			),
			signed_with_nonce(
				&newcomer,
				RuntimeCall::Session(pallet_session::Call::set_keys { keys, proof }),
				1,
			),
			signed_with_nonce(
				&newcomer,
				RuntimeCall::Staking(pallet_staking::Call::validate { prefs: Default::default() }),
				2,
			),
			// Bob adds stake, so the two strongest are Bob (350k approval) and the newcomer (300k).
			signed(
				&Sr25519Keyring::Bob.pair(),
				RuntimeCall::Staking(pallet_staking::Call::bond_extra {
					max_additional: 150_000 * UNITS,
				}),
			),
		]);
		assert_eq!(outcomes, vec![Ok(()), Ok(()), Ok(()), Ok(())]);
		// Governance shrinks the set to two seats.
		assert_ok!(Staking::set_validator_count(RuntimeOrigin::root(), 2));

		let start_era = active_era();
		run_to_era(start_era + 2);

		let mut elected = Session::validators();
		elected.sort();
		let mut expected = vec![bob, newcomer_id.clone()];
		expected.sort();
		assert_eq!(elected, expected);
		// The newcomer's BABE key is now an authority: it authors blocks from here on.
		let newcomer_babe = Session::load_keys(&newcomer_id).unwrap().babe;
		assert!(Babe::authorities().iter().any(|(id, _)| *id == newcomer_babe));
	});
}

#[test]
fn rotated_session_keys_take_effect_after_the_next_session() {
	genesis_of(sp_genesis_builder::DEV_RUNTIME_PRESET).execute_with(|| {
		produce_blocks(1);
		let alice = account(Sr25519Keyring::Alice);
		let old_babe = Session::load_keys(&alice).unwrap().babe;
		let (keys, proof) = generate_session_keys(&alice);
		let new_babe = keys.babe.clone();
		assert_ne!(old_babe, new_babe);

		let outcome = produce_block(vec![signed(
			&Sr25519Keyring::Alice.pair(),
			RuntimeCall::Session(pallet_session::Call::set_keys { keys, proof }),
		)]);
		assert_eq!(outcome, vec![Ok(())]);
		assert!(Babe::authorities().iter().any(|(id, _)| *id == old_babe), "not before a session");

		// Keys queue at the end of one session and become active at the end of the next.
		let session = Session::current_index();
		for _ in 0..EpochDuration::get() * 3 {
			if Session::current_index() >= session + 2 {
				break;
			}
			produce_blocks(1);
		}
		assert!(Session::current_index() >= session + 2);
		let authorities: Vec<_> = Babe::authorities().iter().map(|(id, _)| id.clone()).collect();
		assert_eq!(authorities, vec![new_babe]);

		// A proof made for another account is refused: keys cannot be claimed by someone else.
		let bob = account(Sr25519Keyring::Bob);
		let (keys, proof) = generate_session_keys(&bob);
		let outcome = produce_block(vec![signed(
			&Sr25519Keyring::Alice.pair(),
			RuntimeCall::Session(pallet_session::Call::set_keys { keys, proof }),
		)]);
		assert!(outcome[0].is_err());
	});
}

/// Two different headers for one slot, both sealed by `offender`: a BABE equivocation.
fn babe_equivocation(
	offender: &BabePair,
	authority_index: u32,
	slot: u64,
) -> sp_consensus_babe::EquivocationProof<Header> {
	let pre = PreDigest::SecondaryPlain(SecondaryPlainPreDigest {
		authority_index,
		slot: Slot::from(slot),
	});
	let header = |state_root: u8| {
		let mut header = Header::new(
			System::block_number() + 1,
			Default::default(),
			H256::repeat_byte(state_root),
			System::parent_hash(),
			Digest { logs: vec![DigestItem::babe_pre_digest(pre.clone())] },
		);
		let pre_hash = header.hash();
		header.digest_mut().push(DigestItem::babe_seal(offender.sign(pre_hash.as_ref())));
		header
	};
	sp_consensus_babe::EquivocationProof {
		offender: offender.public(),
		slot: Slot::from(slot),
		first_header: header(1),
		second_header: header(2),
	}
}

#[test]
fn babe_equivocation_report_slashes_the_offender() {
	genesis_of(sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET).execute_with(|| {
		produce_blocks(3);
		let bob = account(Sr25519Keyring::Bob);
		let bob_babe = BabePair::from_string("//Bob", None).unwrap();
		let authority_index = Babe::authorities()
			.iter()
			.position(|(id, _)| *id == bob_babe.public())
			.expect("Bob is a BABE authority") as u32;
		let stake_before = Staking::ledger(bob.clone().into()).unwrap().total;
		let eve_before = Staking::ledger(account(Sr25519Keyring::Eve).into()).unwrap().total;
		assert_eq!(stake_before, VALIDATOR_BOND);
		assert_eq!(eve_before, NOMINATOR_BOND);

		let slot = *pallet_babe::CurrentSlot::<Runtime>::get();
		let proof = babe_equivocation(&bob_babe, authority_index, slot);
		let key_owner_proof =
			Historical::prove((sp_consensus_babe::KEY_TYPE, bob_babe.public())).unwrap();

		// A proof whose two headers are the same is no equivocation and is refused.
		let mut same = proof.clone();
		same.second_header = same.first_header.clone();
		assert!(Babe::report_equivocation_unsigned(
			RuntimeOrigin::none(),
			Box::new(same),
			key_owner_proof.clone()
		)
		.is_err());

		assert_ok!(Babe::report_equivocation_unsigned(
			RuntimeOrigin::none(),
			Box::new(proof.clone()),
			key_owner_proof.clone()
		));
		assert!(System::events().iter().any(|r| matches!(
			r.event,
			RuntimeEvent::Offences(pallet_offences::Event::Offence { .. })
		)));

		// Slashes apply at once (SlashDeferDuration is 0): Bob and the nominators backing him
		// lose stake; the other validators do not.
		let stake_after = Staking::ledger(bob.clone().into()).unwrap().total;
		assert!(stake_after < stake_before, "Bob was slashed: {stake_before} -> {stake_after}");
		assert!(Staking::ledger(account(Sr25519Keyring::Eve).into()).unwrap().total < eve_before);
		assert_eq!(
			Staking::ledger(account(Sr25519Keyring::Alice).into()).unwrap().total,
			VALIDATOR_BOND
		);
		assert!(staking_events()
			.iter()
			.any(|e| matches!(e, pallet_staking::Event::Slashed { .. })));

		// The same offence cannot be reported twice.
		assert!(Babe::report_equivocation_unsigned(
			RuntimeOrigin::none(),
			Box::new(proof),
			key_owner_proof
		)
		.is_err());
	});
}

#[test]
fn bag_thresholds_grow_strictly_and_end_at_the_maximum() {
	let thresholds = crate::configs::BagThresholds::get();
	assert_eq!(thresholds.len(), 200);
	assert!(thresholds.windows(2).all(|w| w[0] < w[1]), "strictly increasing");
	assert_eq!(thresholds[0], crate::constants::currency::EXISTENTIAL_DEPOSIT as u64);
	assert_eq!(*thresholds.last().unwrap(), u64::MAX);
	// Neighbouring bags differ by the same ratio (within rounding): about 1.2.
	let ratio = thresholds[101] as f64 / thresholds[100] as f64;
	assert!(ratio > 1.1 && ratio < 1.3, "ratio {ratio}");
}

#[test]
fn metadata_lists_our_pallets_with_calls_and_docs() {
	use frame_support::__private::metadata::RuntimeMetadataPrefixed;
	let metadata: RuntimeMetadataPrefixed = Runtime::metadata();
	let encoded = metadata.encode();
	assert!(encoded.len() > 10_000);
	let names: Vec<&str> = Runtime::metadata_ir().pallets.iter().map(|p| p.name).collect();
	for pallet in ["System", "Babe", "Grandpa", "Staking", "Session", "Offences", "Balances"] {
		assert!(names.contains(&pallet), "{pallet} in metadata");
	}
}
