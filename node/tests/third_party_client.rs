//! A standard third-party client, the Polkadot-JS API, connects to a `--dev` node knowing
//! nothing about mlchain beforehand: it reads the metadata, sends a finalized transfer, and
//! drives our own pallets (registers a dataset, a worker and a verifier and reads them back) and
//! takes a training task from creation to payout.
//!
//! The client is installed from the npm registry into `node/tests/polkadot-js/node_modules`
//! (`npm ci`, from the checked-in lock file) the first time this test runs.

use mlchain_testkit::{polkadot_js, Node, NodeConfig};
use std::{process::Command, time::Duration};

const NODE: &str = env!("CARGO_BIN_EXE_mlchain-node");

/// Starts a `--dev` node, runs `script` from the Polkadot-JS folder against it and returns its
/// standard output; fails with the script's and the node's output if the script fails.
async fn run_client_script(script: &str) -> String {
	let dir = polkadot_js::install_client();

	let mut node = Node::start(NodeConfig::dev(NODE)).unwrap();
	let rpc = node.rpc(Duration::from_secs(60)).await.unwrap();
	rpc.wait_for_finalized(1, Duration::from_secs(60)).await.unwrap();

	let output = tokio::task::spawn_blocking({
		let (script, url) = (script.to_owned(), node.ws_url());
		move || Command::new("node").arg(script).arg(url).current_dir(dir).output()
	})
	.await
	.unwrap()
	.unwrap();
	let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
	let stderr = String::from_utf8_lossy(&output.stderr);
	assert!(output.status.success(), "stdout:\n{stdout}\nstderr:\n{stderr}\nnode:\n{}", node.log());
	stdout
}

#[tokio::test(flavor = "multi_thread")]
async fn polkadot_js_reads_metadata_and_sends_a_finalized_transfer() {
	let stdout = run_client_script("transfer.mjs").await;
	assert!(stdout.contains("pallets: System, Babe, Timestamp"), "{stdout}");
	assert!(stdout.contains("DataRegistry, Compute"), "{stdout}");
	assert!(stdout.contains("success event: true"), "{stdout}");
}

#[tokio::test(flavor = "multi_thread")]
async fn polkadot_js_registers_a_dataset_and_a_worker_and_reads_them_back() {
	let stdout = run_client_script("marketplace.mjs").await;
	// The script checks every fact itself (exit code); these lines show the test sees them too.
	for line in [
		"bad uri error: dataRegistry.BadUri",
		"entry owner is alice: true",
		"worker role: Worker",
		"verifier role: Verifier",
		"verifier index has charlie: true",
	] {
		assert!(stdout.contains(line), "missing `{line}` in:\n{stdout}");
	}
}

/// The whole life of a training task, driven by Polkadot-JS from the metadata alone: root
/// shortens the verification windows, then create, claim, submit, committee draw from a later
/// epoch's BABE randomness, assignments through the runtime API, commit, reveal, tally, appeal
/// window and payout, with every balance checked (about two minutes of 3-second blocks).
#[tokio::test(flavor = "multi_thread")]
async fn polkadot_js_drives_a_training_task_from_creation_to_payout() {
	let stdout = run_client_script("training.mjs").await;
	for line in [
		"windows set by root: true",
		"drawn after submission: true",
		"each verifier has 2 segments in 0..4: true",
		"worker paid reward less royalties: true",
		"owner paid prices and royalties: true",
		"each verifier paid its fee: true",
		"requester escrow released: true",
		"events in order: true",
	] {
		assert!(stdout.contains(line), "missing `{line}` in:\n{stdout}");
	}
}
