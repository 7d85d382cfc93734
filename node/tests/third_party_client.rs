//! A standard third-party client, the Polkadot-JS API, connects to a `--dev` node, reads its
//! metadata and sends a finalized transfer — knowing nothing about mlchain beforehand.
//!
//! The client is installed from the npm registry into `node/tests/polkadot-js/node_modules`
//! (`npm ci`, from the checked-in lock file) the first time this test runs.

use mlchain_testkit::{Node, NodeConfig};
use std::{path::Path, process::Command, time::Duration};

const NODE: &str = env!("CARGO_BIN_EXE_mlchain-node");

fn install_client(dir: &Path) {
	if dir.join("node_modules/@polkadot/api").exists() {
		return;
	}
	let status = Command::new("npm")
		.args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
		.current_dir(dir)
		.status()
		.expect("npm is installed (Node.js comes with the machine)");
	assert!(status.success(), "npm ci failed in {}", dir.display());
}

#[tokio::test(flavor = "multi_thread")]
async fn polkadot_js_reads_metadata_and_sends_a_finalized_transfer() {
	let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/polkadot-js");
	install_client(&dir);

	let mut node = Node::start(NodeConfig::dev(NODE)).unwrap();
	let rpc = node.rpc(Duration::from_secs(60)).await.unwrap();
	rpc.wait_for_finalized(1, Duration::from_secs(60)).await.unwrap();

	let output = tokio::task::spawn_blocking({
		let (dir, url) = (dir.clone(), node.ws_url());
		move || Command::new("node").arg("transfer.mjs").arg(url).current_dir(dir).output()
	})
	.await
	.unwrap()
	.unwrap();
	let stdout = String::from_utf8_lossy(&output.stdout);
	let stderr = String::from_utf8_lossy(&output.stderr);
	assert!(output.status.success(), "stdout:\n{stdout}\nstderr:\n{stderr}\nnode:\n{}", node.log());
	assert!(stdout.contains("pallets: System, Babe, Timestamp"), "{stdout}");
	assert!(stdout.contains("success event: true"), "{stdout}");
}
