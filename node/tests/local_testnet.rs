//! End to end on a four-validator local network on 127.0.0.1 (`--chain local`, keys inserted
//! with `mlchain-node key insert` as an operator would):
//!
//! 1. it finalizes; with one validator killed it keeps finalizing (3 of 4 is a GRANDPA
//!    supermajority); the killed node restarts from its RocksDB, resyncs, and no block it had
//!    finalized is lost or changed;
//! 2. a fifth node becomes a validator by the steps of docs/running-a-validator.md (rotate keys
//!    over RPC, bond, set keys, validate), is elected at an era change and authors blocks.

use codec::{Decode, Encode};
use mlchain_runtime::{constants::currency::UNITS, AccountId, RuntimeCall, SessionKeys};
use mlchain_testkit::{
	generate_node_key, sign, wait_for, ChainContext, LocalTestnet, Node, NodeConfig, Rpc,
};
use sp_core::{sr25519, Pair};
use sp_keyring::Sr25519Keyring;
use std::{path::Path, time::Duration};

const NODE: &str = env!("CARGO_BIN_EXE_mlchain-node");
const MINUTE: Duration = Duration::from_secs(60);
async fn connect(node: &mut Node) -> Rpc {
	node.rpc(MINUTE).await.unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn four_validators_finalize_survive_a_crash_and_the_crashed_node_resyncs() {
	let mut net = LocalTestnet::start(Path::new(NODE)).await.unwrap();
	let alice = connect(&mut net.nodes[0]).await;
	alice
		.wait_for_finalized(5, 3 * MINUTE)
		.await
		.unwrap_or_else(|e| panic!("{e}\n--- alice ---\n{}", net.nodes[0].log()));

	// Dave knows a finalized block; remember it.
	let dave = connect(&mut net.nodes[3]).await;
	let dave_finalized = dave.finalized_number().await.unwrap();
	let dave_hash = dave.block_hash(dave_finalized).await.unwrap().unwrap();
	drop(dave);

	// Kill Dave as a crash would: the other three keep finalizing.
	net.nodes[3].kill();
	let finalized_at_kill = alice.finalized_number().await.unwrap();
	alice
		.wait_for_finalized(finalized_at_kill + 4, 3 * MINUTE)
		.await
		.unwrap_or_else(|e| panic!("finality stalled without Dave: {e}"));

	// Dave's chain lives in RocksDB (the default database) below his base path.
	let rocksdb = net.nodes[3].base_path().join("chains/mlchain_local_testnet/db/full/CURRENT");
	assert!(rocksdb.exists(), "RocksDB manifest at {}", rocksdb.display());

	// Dave restarts from his own database: nothing he had finalized is gone or different,
	// and he catches up with the others.
	net.nodes[3].restart().unwrap();
	let dave = connect(&mut net.nodes[3]).await;
	assert!(dave.finalized_number().await.unwrap() >= dave_finalized);
	assert_eq!(dave.block_hash(dave_finalized).await.unwrap(), Some(dave_hash));
	let target = alice.finalized_number().await.unwrap();
	dave.wait_for_finalized(target, 3 * MINUTE)
		.await
		.unwrap_or_else(|e| panic!("Dave did not resync: {e}\n{}", net.nodes[3].log()));
	assert_eq!(dave.block_hash(target).await.unwrap(), alice.block_hash(target).await.unwrap());
}

fn staking_call(call: pallet_staking::Call<mlchain_runtime::Runtime>) -> RuntimeCall {
	RuntimeCall::Staking(call)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_new_validator_joins_by_the_documented_steps_and_authors_blocks() {
	let mut net = LocalTestnet::start(Path::new(NODE)).await.unwrap();
	let alice_rpc = connect(&mut net.nodes[0]).await;
	alice_rpc.wait_for_finalized(2, 3 * MINUTE).await.unwrap();

	// A fifth node, a plain full node with an empty keystore for now.
	let newcomer_dir = tempfile::tempdir().unwrap();
	generate_node_key(Path::new(NODE), newcomer_dir.path()).unwrap();
	let mut config = NodeConfig::dev(NODE);
	config.base_path = Some(newcomer_dir.path().to_path_buf());
	config.name = "newcomer".into();
	config.chain_args = vec!["--chain".into(), "local".into()];
	config.extra_args = vec!["--validator".into(), "--bootnodes".into(), net.bootnode.clone()];
	let mut newcomer_node = Node::start(config).unwrap();
	let newcomer_rpc = connect(&mut newcomer_node).await;

	let (spec_version, transaction_version) = alice_rpc.runtime_versions().await.unwrap();
	let chain = ChainContext {
		genesis_hash: alice_rpc.genesis_hash().await.unwrap(),
		spec_version,
		transaction_version,
	};

	// Step 1: a stash account, funded by someone (here Alice).
	let stash = sr25519::Pair::from_string("//NewValidatorStash", None).unwrap();
	let stash_id: AccountId = stash.public().into();
	let fund = sign(
		RuntimeCall::Balances(pallet_balances::Call::transfer_keep_alive {
			dest: stash_id.clone().into(),
			value: 20_000 * UNITS,
		}),
		&Sr25519Keyring::Alice.pair(),
		alice_rpc.next_nonce(&Sr25519Keyring::Alice.to_account_id()).await.unwrap(),
		chain,
	);
	alice_rpc.submit_and_watch(&fund, false, 2 * MINUTE).await.unwrap();

	// Step 2: session keys made in the new node's keystore, with a proof they are the stash's.
	let generated = newcomer_rpc
		.call(
			"author_rotateKeysWithOwner",
			vec![serde_json::json!(format!("0x{}", hex::encode(stash_id.encode())))],
		)
		.await
		.unwrap();
	let hex_field = |name: &str| {
		hex::decode(generated[name].as_str().unwrap().trim_start_matches("0x")).unwrap()
	};
	let keys = SessionKeys::decode(&mut &hex_field("keys")[..]).unwrap();
	let proof = hex_field("proof");

	// Steps 3-5: bond, set keys, validate — signed by the stash.
	let mut nonce = 0;
	for call in [
		staking_call(pallet_staking::Call::bond {
			value: 10_000 * UNITS,
			payee: pallet_staking::RewardDestination::Staked,
		}),
		RuntimeCall::Session(pallet_session::Call::set_keys { keys: keys.clone(), proof }),
		staking_call(pallet_staking::Call::validate { prefs: Default::default() }),
	] {
		let xt = sign(call, &stash, nonce, chain);
		alice_rpc.submit_and_watch(&xt, false, 2 * MINUTE).await.unwrap();
		nonce += 1;
	}

	// Step 6: wait for the next era; the stash is in the session's validator set...
	let validators_key = pallet_session::Validators::<mlchain_runtime::Runtime>::hashed_key();
	wait_for("the newcomer in the validator set", 6 * MINUTE, Duration::from_secs(3), || async {
		let validators: Vec<AccountId> =
			alice_rpc.storage_decoded(&validators_key, None).await.ok().flatten()?;
		validators.contains(&stash_id).then_some(())
	})
	.await
	.unwrap_or_else(|e| panic!("{e}\n--- newcomer ---\n{}", newcomer_node.log()));

	// ...and it authors blocks: the staking pallet credits reward points per authored block.
	wait_for("a block authored by the newcomer", 3 * MINUTE, Duration::from_secs(3), || async {
		let era: pallet_staking::ActiveEraInfo = alice_rpc
			.storage_decoded(
				&pallet_staking::ActiveEra::<mlchain_runtime::Runtime>::hashed_key(),
				None,
			)
			.await
			.ok()
			.flatten()?;
		let points: pallet_staking::EraRewardPoints<AccountId> = alice_rpc
			.storage_decoded(
				&pallet_staking::ErasRewardPoints::<mlchain_runtime::Runtime>::hashed_key_for(
					era.index,
				),
				None,
			)
			.await
			.ok()
			.flatten()?;
		points.individual.get(&stash_id).filter(|p| **p > 0).map(|_| ())
	})
	.await
	.unwrap_or_else(|e| panic!("{e}\n--- newcomer ---\n{}", newcomer_node.log()));
}
