//! Integration tests of the parachain runtime: the real runtime, built from its own genesis
//! presets, driven block by block through `Executive` the way a collator drives it: an Aura
//! pre-digest, the parachain inherent with a relay-chain state proof (built by cumulus's proof
//! builder, as polkadot-omni-node's dev mode builds it), the timestamp, then transactions
//! signed the way wallets sign them.

use crate::{
	constants::time::SLOT_DURATION,
	genesis_config_presets::{self, ENDOWMENT, PARA_ID},
	AccountId, Balance, Balances, BuildStorage, Executive, Header, ParachainSystem,
	Runtime, RuntimeCall, RuntimeGenesisConfig, Session, SignedPayload, System,
	UncheckedExtrinsic,
};
use codec::Encode;
use cumulus_primitives_core::{relay_chain::HeadData, ParaId, PersistedValidationData};
use cumulus_primitives_parachain_inherent::ParachainInherentData;
use cumulus_test_relay_sproof_builder::RelayStateSproofBuilder;
use frame_support::inherent::ProvideInherent;
use sp_core::{crypto::Pair, H256};
use sp_keyring::Sr25519Keyring;
use sp_runtime::{traits::Header as _, Digest, DigestItem, MultiSignature};

mod chain_spec;
mod training;

const UNITS: Balance = crate::constants::currency::UNITS;

/// The full genesis config of the named preset.
fn genesis_config(preset: &str) -> RuntimeGenesisConfig {
	let patch = genesis_config_presets::get_preset(&preset.into())
		.unwrap_or_else(|| panic!("preset {preset} exists"));
	mlchain_runtime_common::testing::genesis_from_patch(&patch)
}

/// State after genesis of the named preset.
fn genesis_of(preset: &str) -> sp_io::TestExternalities {
	sp_io::TestExternalities::new(genesis_config(preset).build_storage().unwrap())
}

/// The first Aura slot of the test chain; any value works as long as slots then grow by one.
const FIRST_SLOT: u64 = 1_000;

/// Blocks per relay-chain epoch in these tests: the relay's one-epoch-ago randomness changes
/// every this many blocks. (Real relays: 600 or 2400 blocks; omni-node's dev mode: 10.)
const RELAY_EPOCH_BLOCKS: u32 = 10;

/// The relay chain's one-epoch-ago randomness at relay block `number`: a new value each epoch.
fn relay_randomness(number: u32) -> H256 {
	let epoch = number / RELAY_EPOCH_BLOCKS;
	H256::from(sp_io::hashing::blake2_256(&(b"relay epoch", epoch).encode()))
}

/// The parachain inherent for block `number` on top of `parent`: a verified relay-chain state
/// proof whose relay slot matches the parachain slot (what the consensus hook checks), that
/// shows `parent` as included, and carries [`relay_randomness`].
fn parachain_inherent(number: u32, parent: &Header) -> RuntimeCall {
	let relay_number = number;
	let builder = RelayStateSproofBuilder {
		para_id: ParaId::from(PARA_ID),
		current_slot: (FIRST_SLOT + number as u64).into(),
		randomness: relay_randomness(relay_number),
		included_para_head: Some(HeadData(parent.encode())),
		..Default::default()
	};
	let (relay_parent_storage_root, relay_chain_state) = builder.into_state_root_and_proof();
	let data = ParachainInherentData {
		validation_data: PersistedValidationData {
			parent_head: HeadData(parent.encode()),
			relay_parent_number: relay_number,
			relay_parent_storage_root,
			max_pov_size: 5 * 1024 * 1024,
		},
		relay_chain_state,
		downward_messages: Vec::new(),
		horizontal_messages: Default::default(),
		relay_parent_descendants: Vec::new(),
		collator_peer_id: None,
	};
	let mut inherent_data = sp_inherents::InherentData::new();
	inherent_data
		.put_data(cumulus_primitives_parachain_inherent::INHERENT_IDENTIFIER, &data)
		.unwrap();
	let call = ParachainSystem::create_inherent(&inherent_data).expect("inherent is created");
	RuntimeCall::ParachainSystem(call)
}

/// The header of the block before `number`: a stand-in for genesis before block 1, else the
/// block this test chain finalised last.
fn parent_header(number: u32) -> Header {
	if number == 1 {
		Header::new(0, Default::default(), Default::default(), H256::zero(), Default::default())
	} else {
		LAST_HEADER.with(|h| h.borrow().clone().expect("a block was produced"))
	}
}

std::thread_local! {
	static LAST_HEADER: std::cell::RefCell<Option<Header>> = const { std::cell::RefCell::new(None) };
}

/// Produces one block: initialise with an Aura pre-digest, apply the parachain inherent, the
/// timestamp and the given extrinsics, finalise. Returns each extrinsic's dispatch outcome.
fn produce_block(extrinsics: Vec<UncheckedExtrinsic>) -> Vec<sp_runtime::DispatchOutcome> {
	let number = System::block_number() + 1;
	let slot = FIRST_SLOT + number as u64;
	let parent = parent_header(number);
	let pre_digest = DigestItem::PreRuntime(
		sp_consensus_aura::AURA_ENGINE_ID,
		sp_consensus_aura::Slot::from(slot).encode(),
	);
	let header = Header::new(
		number,
		Default::default(),
		Default::default(),
		parent.hash(),
		Digest { logs: vec![pre_digest] },
	);
	Executive::initialize_block(&header);
	let inherent = UncheckedExtrinsic::new_bare(parachain_inherent(number, &parent));
	Executive::apply_extrinsic(inherent).unwrap().unwrap();
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
	frame_system::BlockHash::<Runtime>::insert(number, header.hash());
	LAST_HEADER.with(|h| *h.borrow_mut() = Some(header));
	outcomes
}

fn produce_blocks(count: u32) {
	for _ in 0..count {
		produce_block(Vec::new());
	}
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

#[test]
fn every_genesis_preset_builds_with_its_collators_and_para_id() {
	let names = genesis_config_presets::preset_names();
	assert_eq!(names.len(), 2);
	for (preset, expected) in [
		(sp_genesis_builder::DEV_RUNTIME_PRESET, vec![Sr25519Keyring::Alice]),
		(
			sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET,
			vec![Sr25519Keyring::Alice, Sr25519Keyring::Bob],
		),
	] {
		assert!(names.iter().any(|n| n.as_ref() as &str == preset));
		genesis_of(preset).execute_with(|| {
			// Collator selection keeps its invulnerables sorted by account.
			let mut expected: Vec<AccountId> = expected.iter().copied().map(account).collect();
			expected.sort();
			let mut validators = Session::validators();
			validators.sort();
			assert_eq!(validators, expected, "{preset}: session validators");
			assert_eq!(
				pallet_collator_selection::Invulnerables::<Runtime>::get().to_vec(),
				expected,
				"{preset}: invulnerable collators"
			);
			let aura: Vec<_> = pallet_aura::Authorities::<Runtime>::get().to_vec();
			assert_eq!(aura.len(), expected.len(), "{preset}: an Aura key per collator");
			assert_eq!(crate::ParachainInfo::parachain_id(), ParaId::from(PARA_ID));
			assert_eq!(Balances::free_balance(account(Sr25519Keyring::Ferdie)), ENDOWMENT);
			assert_eq!(pallet_sudo::Key::<Runtime>::get(), Some(account(Sr25519Keyring::Alice)));
		});
	}
	assert!(genesis_config_presets::get_preset(&"no-such-preset".into()).is_none());
}

#[test]
fn blocks_carry_the_relay_state_and_note_each_new_relay_randomness() {
	genesis_of(sp_genesis_builder::DEV_RUNTIME_PRESET).execute_with(|| {
		produce_blocks(3);
		assert_eq!(System::block_number(), 3);
		assert_eq!(*pallet_aura::CurrentSlot::<Runtime>::get(), FIRST_SLOT + 3);
		assert_eq!(pallet_aura::Authorities::<Runtime>::get().len(), 1);
		// The first relay randomness was noted in block 1 and is the relay's value.
		assert_eq!(
			pallet_relay_randomness::OneEpochAgo::<Runtime>::get(),
			Some(relay_randomness(3).0)
		);
		assert_eq!(pallet_relay_randomness::NotedAt::<Runtime>::get(), 1);

		// The next relay epoch's value is noted by the first block that sees it.
		produce_blocks(RELAY_EPOCH_BLOCKS);
		assert_eq!(
			pallet_relay_randomness::OneEpochAgo::<Runtime>::get(),
			Some(relay_randomness(RELAY_EPOCH_BLOCKS).0)
		);
		assert_eq!(pallet_relay_randomness::NotedAt::<Runtime>::get(), RELAY_EPOCH_BLOCKS);
	});
}

#[test]
fn signed_transfer_moves_funds_and_pays_the_collator() {
	genesis_of(sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET).execute_with(|| {
		produce_blocks(1);
		let (alice, bob, charlie) = (
			account(Sr25519Keyring::Alice),
			account(Sr25519Keyring::Bob),
			account(Sr25519Keyring::Charlie),
		);
		let before = |who: &AccountId| Balances::free_balance(who);
		let (charlie_before, alice_before, bob_before) =
			(before(&charlie), before(&alice), before(&bob));
		let amount = 42 * UNITS;

		let xt = signed(
			&Sr25519Keyring::Charlie.pair(),
			RuntimeCall::Balances(pallet_balances::Call::transfer_keep_alive {
				dest: alice.clone().into(),
				value: amount,
			}),
		);
		let outcomes = produce_block(vec![xt]);
		assert_eq!(outcomes, vec![Ok(())]);

		let charlie_paid = charlie_before - before(&charlie);
		let fee = charlie_paid - amount;
		assert!(fee > 0 && fee < UNITS, "a transfer's fee is well under one unit: {fee}");
		// The fee went to this block's collator (Aura's author of slot FIRST_SLOT + 2: Alice
		// or Bob), not burnt.
		let collected = (before(&alice) - alice_before - amount) + (before(&bob) - bob_before);
		assert_eq!(collected, fee);
		assert_eq!(System::account_nonce(&charlie), 1);
	});
}

#[test]
fn metadata_lists_the_parachain_and_marketplace_pallets() {
	// Parachain system's constants read the para id from storage.
	sp_io::TestExternalities::default().execute_with(metadata_checks);
}

fn metadata_checks() {
	let names: Vec<&str> = Runtime::metadata_ir().pallets.iter().map(|p| p.name).collect();
	for pallet in [
		"System",
		"ParachainSystem",
		"ParachainInfo",
		"Aura",
		"AuraExt",
		"CollatorSelection",
		"Session",
		"XcmpQueue",
		"PolkadotXcm",
		"MessageQueue",
		"RelayRandomness",
		"DataRegistry",
		"Compute",
		"Training",
	] {
		assert!(names.contains(&pallet), "{pallet} in metadata");
	}
	for absent in ["Babe", "Grandpa", "Staking"] {
		assert!(!names.contains(&absent), "{absent} is a solochain pallet");
	}
	// Our pallets and the money pallets keep the solochain's indices, so their calls encode
	// the same on both chains.
	let index = |name: &str| {
		Runtime::metadata_ir().pallets.iter().find(|p| p.name == name).map(|p| p.index).unwrap()
	};
	assert_eq!(
		[index("Balances"), index("Utility"), index("Sudo"), index("Parameters")],
		[4, 12, 13, 14]
	);
	assert_eq!([index("DataRegistry"), index("Compute"), index("Training")], [20, 21, 22]);
}

#[test]
fn every_pallets_integrity_test_passes() {
	// What `construct_runtime` asks each pallet to check of its configuration (the training
	// pallet's windows, delays and slash split; XCM and message-queue limits; ...).
	genesis_of(sp_genesis_builder::DEV_RUNTIME_PRESET).execute_with(|| {
		<crate::AllPalletsWithSystem as frame_support::traits::IntegrityTest>::integrity_test();
	});
}
