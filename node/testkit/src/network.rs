//! A four-validator local network (`--chain local`) on 127.0.0.1, with keys inserted by
//! `mlchain-node key insert` the way an operator would, as `scripts/local-testnet.sh` does.

use crate::{Node, NodeConfig, Result};
use std::{path::Path, process::Command, time::Duration};

/// The genesis validators of the `local_testnet` preset.
pub const VALIDATORS: [&str; 4] = ["Alice", "Bob", "Charlie", "Dave"];

/// Inserts one key of `seed` into the keystore below `base_path`.
pub fn insert_key(
	bin: &Path,
	base_path: &Path,
	seed: &str,
	scheme: &str,
	key_type: &str,
) -> Result<()> {
	let status = Command::new(bin)
		.args(["key", "insert", "--chain", "local", "--base-path"])
		.arg(base_path)
		.args(["--scheme", scheme, "--suri", seed, "--key-type", key_type])
		.status()?;
	if !status.success() {
		return Err(crate::Error::Unexpected(format!("key insert {key_type} for {seed} failed")));
	}
	Ok(())
}

/// `mlchain-node key generate-node-key` into `base_path`: a validator refuses to start on a
/// public-ish chain without a persistent network key (its peer id must survive restarts).
pub fn generate_node_key(bin: &Path, base_path: &Path) -> Result<()> {
	let output = Command::new(bin)
		.args(["key", "generate-node-key", "--chain", "local", "--base-path"])
		.arg(base_path)
		.output()?;
	if !output.status.success() {
		return Err(crate::Error::Unexpected(format!(
			"key generate-node-key failed: {}",
			String::from_utf8_lossy(&output.stderr)
		)));
	}
	Ok(())
}

/// The running network. Every node is killed when it is dropped.
pub struct LocalTestnet {
	/// Alice, Bob, Charlie, Dave, in that order.
	pub nodes: Vec<Node>,
	/// Alice's address, for any further node's `--bootnodes`.
	pub bootnode: String,
	_dirs: Vec<tempfile::TempDir>,
}

impl LocalTestnet {
	/// Starts the four validators and returns once Alice answers JSON-RPC.
	pub async fn start(bin: &Path) -> Result<Self> {
		let mut nodes = Vec::new();
		let mut dirs = Vec::new();
		let mut bootnode = String::new();
		for name in VALIDATORS {
			let dir = tempfile::Builder::new().prefix("mlchain-testnet-").tempdir()?;
			let seed = format!("//{name}");
			insert_key(bin, dir.path(), &seed, "sr25519", "babe")?;
			insert_key(bin, dir.path(), &seed, "ed25519", "gran")?;
			generate_node_key(bin, dir.path())?;
			let mut config = NodeConfig::dev(bin);
			config.name = name.to_lowercase();
			config.chain_args = vec!["--chain".into(), "local".into()];
			config.base_path = Some(dir.path().to_path_buf());
			config.extra_args = vec!["--validator".into()];
			if !bootnode.is_empty() {
				config.extra_args.extend(["--bootnodes".to_string(), bootnode.clone()]);
			}
			let mut node = Node::start(config)?;
			if bootnode.is_empty() {
				let rpc = node.rpc(Duration::from_secs(60)).await?;
				let peer_id = rpc.call("system_localPeerId", Vec::new()).await?;
				let peer_id = peer_id.as_str().unwrap_or_default().to_string();
				bootnode = format!("/ip4/127.0.0.1/tcp/{}/p2p/{peer_id}", node.p2p_port);
			}
			nodes.push(node);
			dirs.push(dir);
		}
		Ok(Self { nodes, bootnode, _dirs: dirs })
	}
}
