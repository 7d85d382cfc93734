//! End to end against one `--dev` node on 127.0.0.1: blocks are produced and finalized, a
//! signed transfer goes in over JSON-RPC and is finalized, and bad input gets clear errors
//! without hurting the node.

use mlchain_runtime::{constants::currency::UNITS, RuntimeCall};
use mlchain_testkit::{sign, ChainContext, Node, NodeConfig, Rpc, TxStatus};
use sp_keyring::Sr25519Keyring;
use std::time::Duration;

const NODE: &str = env!("CARGO_BIN_EXE_mlchain-node");
const MINUTE: Duration = Duration::from_secs(60);

/// A plain HTTP/1.0 GET on 127.0.0.1, returning the whole response.
fn http_get(port: u16, path: &str) -> String {
	use std::io::{Read, Write};
	let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
	write!(stream, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").unwrap();
	let mut response = String::new();
	stream.read_to_string(&mut response).unwrap();
	response
}

async fn chain_context(rpc: &Rpc) -> ChainContext {
	let (spec_version, transaction_version) = rpc.runtime_versions().await.unwrap();
	ChainContext {
		genesis_hash: rpc.genesis_hash().await.unwrap(),
		spec_version,
		transaction_version,
	}
}

#[tokio::test(flavor = "multi_thread")]
async fn dev_node_produces_finalizes_and_takes_a_transfer_over_rpc() {
	let mut node = Node::start(NodeConfig::dev(NODE)).unwrap();
	let rpc = node.rpc(MINUTE).await.unwrap();

	// Blocks are produced (BABE) and finalized (GRANDPA).
	rpc.wait_for_best(3, MINUTE).await.unwrap_or_else(|e| panic!("{e}\n{}", node.log()));
	rpc.wait_for_finalized(2, MINUTE).await.unwrap_or_else(|e| panic!("{e}\n{}", node.log()));

	// Prometheus metrics are served on their own port.
	let metrics = http_get(node.prometheus_port, "/metrics");
	assert!(metrics.contains("substrate_block_height"), "{metrics}");

	// The metadata a client needs is served.
	let metadata = rpc.call("state_getMetadata", vec![]).await.unwrap();
	assert!(metadata.as_str().unwrap().len() > 100_000, "metadata is served as hex");

	// A signed transfer from Alice to a fresh account is included and finalized.
	let chain = chain_context(&rpc).await;
	let alice = Sr25519Keyring::Alice;
	let receiver = Sr25519Keyring::Ferdie.to_account_id();
	let before = rpc.free_balance(&receiver).await.unwrap();
	let nonce = rpc.next_nonce(&alice.to_account_id()).await.unwrap();
	let amount = 7 * UNITS;
	let xt = sign(
		RuntimeCall::Balances(pallet_balances::Call::transfer_keep_alive {
			dest: receiver.clone().into(),
			value: amount,
		}),
		&alice.pair(),
		nonce,
		chain,
	);
	let status = rpc.submit_and_watch(&xt, true, 2 * MINUTE).await.unwrap();
	assert!(matches!(status, TxStatus::Finalized(_)), "{status:?}");
	assert_eq!(rpc.free_balance(&receiver).await.unwrap(), before + amount);

	// The same transaction again is refused: its nonce is used.
	let error = rpc.submit(&xt).await.unwrap_err().to_string();
	assert!(error.contains("Invalid Transaction") || error.contains("stale"), "{error}");

	// A malformed extrinsic gets a clear error.
	let error = rpc
		.call("author_submitExtrinsic", vec![serde_json::json!("0xdeadbeef")])
		.await
		.unwrap_err()
		.to_string();
	assert!(error.to_lowercase().contains("decode") || error.contains("Invalid"), "{error}");
	// A transaction signed by the wrong key is refused as a bad proof.
	let mut forged = sign(
		RuntimeCall::System(frame_system::Call::remark { remark: vec![1, 2, 3] }),
		&Sr25519Keyring::Bob.pair(),
		0,
		chain,
	);
	if let sp_runtime::generic::Preamble::Signed(ref mut address, _, _) = forged.preamble {
		*address = Sr25519Keyring::Charlie.to_account_id().into();
	}
	let error = rpc.submit(&forged).await.unwrap_err().to_string();
	assert!(
		error.contains("bad signature") || error.contains("BadProof") || error.contains("Invalid"),
		"{error}"
	);

	// An unknown method is refused by name.
	let error = rpc.call("mlchain_noSuchMethod", vec![]).await.unwrap_err().to_string();
	assert!(error.contains("Method not found"), "{error}");

	// And the node is still alive and producing blocks.
	let best = rpc.best_number().await.unwrap();
	rpc.wait_for_best(best + 2, MINUTE).await.unwrap();
	assert!(node.is_running());
}

#[test]
fn unknown_chain_spec_fails_with_a_clear_error() {
	let output = std::process::Command::new(NODE)
		.args(["--chain", "/no/such/spec.json", "--tmp"])
		.output()
		.unwrap();
	assert!(!output.status.success());
	let stderr = String::from_utf8_lossy(&output.stderr);
	assert!(stderr.contains("/no/such/spec.json"), "{stderr}");
}
