//! polkadot-omni-node runs this runtime: the opt-in end-to-end test of the parachain build.
//!
//! It starts `polkadot-omni-node` in its dev mode (`--dev-block-time`: the node seals a block
//! every interval on its own, with a mocked relay chain, as if it were a collator) on
//! 127.0.0.1, with `chain-specs/parachain-dev.json` carrying *this build's* Wasm, and runs the
//! Polkadot-JS client `node/tests/polkadot-js/parachain.mjs` against it: blocks are produced,
//! a transfer succeeds and a training task is created.
//!
//! Opt-in (`#[ignore]`) because it needs the omni-node binary, a long build of its own:
//!
//! ```text
//! scripts/install-omni-node.sh        # cargo install, cached in ~/.cache/mlchain/omni-node
//! cargo test --locked --workspace -- --ignored omni_node --nocapture
//! ```
//!
//! `POLKADOT_OMNI_NODE` overrides the binary's path.

use mlchain_testkit::{free_port, polkadot_js};
use std::{
	io::Read,
	net::TcpStream,
	path::{Path, PathBuf},
	process::{Child, Command, Stdio},
	time::{Duration, Instant},
};

/// A running omni-node that is killed (and its log kept) when dropped.
struct OmniNode {
	child: Child,
	log: PathBuf,
}

impl OmniNode {
	fn log(&self) -> String {
		std::fs::read_to_string(&self.log).unwrap_or_default()
	}
}

impl Drop for OmniNode {
	fn drop(&mut self) {
		let _ = self.child.kill();
		let _ = self.child.wait();
	}
}

fn workspace() -> PathBuf {
	Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn omni_node_binary() -> PathBuf {
	if let Some(path) = std::env::var_os("POLKADOT_OMNI_NODE") {
		return path.into();
	}
	let home = std::env::var_os("HOME").expect("HOME is set");
	Path::new(&home).join(".cache/mlchain/omni-node/bin/polkadot-omni-node")
}

/// `chain-specs/parachain-dev.json` with its Wasm replaced by this build's, so the test runs the
/// runtime as it is now, not as it was when the spec was generated.
fn dev_spec_with_current_wasm(dir: &Path) -> PathBuf {
	let checked_in = workspace().join("chain-specs/parachain-dev.json");
	let text = std::fs::read_to_string(&checked_in)
		.unwrap_or_else(|e| panic!("{}: {e}; run scripts/gen-parachain-specs.sh", checked_in.display()));
	let mut spec: serde_json::Value = serde_json::from_str(&text).unwrap();
	let wasm = mlchain_parachain_runtime::WASM_BINARY
		.expect("the runtime was built with its Wasm (do not set SKIP_WASM_BUILD)");
	let hex: String = wasm.iter().map(|b| format!("{b:02x}")).collect();
	spec["genesis"]["runtimeGenesis"]["code"] = serde_json::Value::String(format!("0x{hex}"));
	let path = dir.join("parachain-dev.json");
	std::fs::write(&path, serde_json::to_string(&spec).unwrap()).unwrap();
	path
}

fn wait_for_port(port: u16, node: &mut OmniNode, timeout: Duration) {
	let start = Instant::now();
	while start.elapsed() < timeout {
		if let Ok(Some(status)) = node.child.try_wait() {
			panic!("polkadot-omni-node exited with {status}:\n{}", node.log());
		}
		if TcpStream::connect(("127.0.0.1", port)).is_ok() {
			return;
		}
		std::thread::sleep(Duration::from_millis(250));
	}
	panic!("no RPC on 127.0.0.1:{port} after {timeout:?}:\n{}", node.log());
}

#[test]
#[ignore = "needs polkadot-omni-node (scripts/install-omni-node.sh); run with --ignored"]
fn omni_node_produces_blocks_and_takes_a_transfer_and_a_task() {
	let started = Instant::now();
	let binary = omni_node_binary();
	assert!(
		binary.exists(),
		"{} is missing: run scripts/install-omni-node.sh (or set POLKADOT_OMNI_NODE)",
		binary.display()
	);
	let dir = std::env::temp_dir().join(format!("mlchain-omni-node-{}", std::process::id()));
	std::fs::create_dir_all(&dir).unwrap();
	let spec = dev_spec_with_current_wasm(&dir);
	let (rpc_port, p2p_port) = (free_port(), free_port());
	let log = dir.join("omni-node.log");
	let log_file = std::fs::File::create(&log).unwrap();
	let child = Command::new(&binary)
		.arg("--chain")
		.arg(&spec)
		.args(["--dev-block-time", "1000", "--tmp", "--no-telemetry", "--no-prometheus", "--no-mdns"])
		.args(["--rpc-port", &rpc_port.to_string()])
		.args(["--listen-addr", &format!("/ip4/127.0.0.1/tcp/{p2p_port}")])
		.stdout(Stdio::null())
		.stderr(log_file)
		.spawn()
		.expect("polkadot-omni-node starts");
	let mut node = OmniNode { child, log };
	wait_for_port(rpc_port, &mut node, Duration::from_secs(120));
	let up = started.elapsed();

	let client = polkadot_js::install_client();
	let mut output = Command::new("node")
		.arg("parachain.mjs")
		.arg(format!("ws://127.0.0.1:{rpc_port}"))
		.current_dir(&client)
		.stdout(Stdio::piped())
		.stderr(Stdio::piped())
		.spawn()
		.expect("node (Node.js) runs");
	// The client has five minutes; a healthy run needs well under one.
	let deadline = Instant::now() + Duration::from_secs(300);
	let status = loop {
		if let Some(status) = output.try_wait().unwrap() {
			break status;
		}
		if Instant::now() > deadline {
			let _ = output.kill();
			panic!("the client timed out; node log:\n{}", node.log());
		}
		std::thread::sleep(Duration::from_millis(200));
	};
	let (mut stdout, mut stderr) = (String::new(), String::new());
	output.stdout.take().unwrap().read_to_string(&mut stdout).unwrap();
	output.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
	println!("{stdout}");
	println!("omni-node RPC up after {up:?}; whole test {:?}", started.elapsed());
	assert!(status.success(), "stdout:\n{stdout}\nstderr:\n{stderr}\nnode:\n{}", node.log());
	for line in [
		"parachain pallets: true",
		"marketplace pallets: true",
		"para id: 2000",
		"transfer success event: true",
		"bob received one unit: true",
		"task created: true",
		"escrow held: true",
	] {
		assert!(stdout.contains(line), "missing `{line}` in:\n{stdout}");
	}
	assert!(node.log().contains("mlchain"), "the node ran our chain spec:\n{}", node.log());
	drop(node);
	let _ = std::fs::remove_dir_all(&dir);
}
