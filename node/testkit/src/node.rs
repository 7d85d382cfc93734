//! Node processes.

use crate::{Error, Result};
use std::{
	fs::File,
	net::TcpListener,
	path::{Path, PathBuf},
	process::{Child, Command, Stdio},
};

/// A port on 127.0.0.1 that was free a moment ago.
pub fn free_port() -> u16 {
	TcpListener::bind("127.0.0.1:0")
		.and_then(|l| l.local_addr())
		.map(|a| a.port())
		.expect("the loopback interface can bind an ephemeral port")
}

/// How to start one node.
#[derive(Clone, Debug)]
pub struct NodeConfig {
	/// Path of the `mlchain-node` binary.
	pub bin: PathBuf,
	/// Name shown in logs and telemetry.
	pub name: String,
	/// `--dev`, `--chain local`, or `--chain PATH`, as arguments.
	pub chain_args: Vec<String>,
	/// Extra arguments (`--validator`, `--alice`, `--bootnodes ...`).
	pub extra_args: Vec<String>,
	/// The base path; `None` makes a temporary one that is removed with the handle.
	pub base_path: Option<PathBuf>,
	/// Fixed P2P port (to give other nodes a bootnode address); `None` picks a free one.
	pub p2p_port: Option<u16>,
	/// The node key (hex ed25519 secret), which fixes the peer id; `None` lets the node make one.
	pub node_key: Option<String>,
}

impl NodeConfig {
	/// A `--dev` node.
	pub fn dev(bin: impl Into<PathBuf>) -> Self {
		Self {
			bin: bin.into(),
			name: "dev".into(),
			chain_args: vec!["--dev".into()],
			extra_args: Vec::new(),
			base_path: None,
			p2p_port: None,
			node_key: None,
		}
	}
}

/// A running node. Killed on drop.
pub struct Node {
	child: Option<Child>,
	config: NodeConfig,
	/// JSON-RPC (WebSocket and HTTP) port on 127.0.0.1.
	pub rpc_port: u16,
	/// libp2p port on 127.0.0.1.
	pub p2p_port: u16,
	/// Prometheus port on 127.0.0.1.
	pub prometheus_port: u16,
	base_path: PathBuf,
	_temp: Option<tempfile::TempDir>,
	log_path: PathBuf,
}

impl Node {
	/// Starts the node; its output goes to `<base path>/node.log`.
	pub fn start(config: NodeConfig) -> Result<Self> {
		let (base_path, temp) = match &config.base_path {
			Some(p) => (p.clone(), None),
			None => {
				let temp = tempfile::Builder::new().prefix("mlchain-node-").tempdir()?;
				(temp.path().to_path_buf(), Some(temp))
			},
		};
		std::fs::create_dir_all(&base_path)?;
		let rpc_port = free_port();
		let p2p_port = config.p2p_port.unwrap_or_else(free_port);
		let prometheus_port = free_port();
		let mut node = Self {
			child: None,
			rpc_port,
			p2p_port,
			prometheus_port,
			log_path: base_path.join("node.log"),
			base_path,
			_temp: temp,
			config,
		};
		node.spawn()?;
		Ok(node)
	}

	fn spawn(&mut self) -> Result<()> {
		let log = File::options().create(true).append(true).open(&self.log_path)?;
		let mut cmd = Command::new(&self.config.bin);
		cmd.args(&self.config.chain_args)
			.arg("--base-path")
			.arg(&self.base_path)
			.args(["--name", &self.config.name])
			.args(["--rpc-port", &self.rpc_port.to_string()])
			.args(["--prometheus-port", &self.prometheus_port.to_string()])
			// Listen on loopback only (`--port` would listen on every interface).
			.args(["--listen-addr", &format!("/ip4/127.0.0.1/tcp/{}", self.p2p_port)])
			// Only loopback: no discovery of, or traffic to, anything else.
			.args(["--no-mdns", "--no-telemetry"])
			.args(["--rpc-cors", "all"])
			.args(&self.config.extra_args)
			.stdin(Stdio::null())
			.stdout(log.try_clone()?)
			.stderr(log);
		if let Some(key) = &self.config.node_key {
			cmd.args(["--node-key", key]);
		}
		let child = cmd.spawn().map_err(|source| Error::Spawn {
			bin: self.config.bin.display().to_string(),
			source,
		})?;
		self.child = Some(child);
		Ok(())
	}

	/// Connects to the node's JSON-RPC once it answers. Fails at once, with the end of the
	/// node's log, if the process exits first (a bad flag, a port in use, a corrupt database).
	pub async fn rpc(&mut self, timeout: std::time::Duration) -> Result<crate::Rpc> {
		let start = std::time::Instant::now();
		loop {
			if !self.is_running() {
				return Err(Error::Unexpected(format!(
					"{} exited before answering JSON-RPC; its log ends with:\n{}",
					self.config.name,
					self.log_tail(30)
				)));
			}
			if let Ok(rpc) =
				crate::Rpc::connect(&self.ws_url(), std::time::Duration::from_secs(1)).await
			{
				return Ok(rpc);
			}
			if start.elapsed() > timeout {
				return Err(Error::Timeout(timeout, format!("JSON-RPC of {}", self.config.name)));
			}
		}
	}

	/// The last `lines` lines of the node's log.
	pub fn log_tail(&self, lines: usize) -> String {
		let log = self.log();
		let all: Vec<&str> = log.lines().collect();
		all[all.len().saturating_sub(lines)..].join("\n")
	}

	/// `ws://127.0.0.1:<rpc port>`.
	pub fn ws_url(&self) -> String {
		format!("ws://127.0.0.1:{}", self.rpc_port)
	}

	/// The node's base path (database and keystore live below it).
	pub fn base_path(&self) -> &Path {
		&self.base_path
	}

	/// Everything the node printed so far.
	pub fn log(&self) -> String {
		std::fs::read_to_string(&self.log_path).unwrap_or_default()
	}

	/// The operating-system process id, while running.
	pub fn pid(&self) -> Option<u32> {
		self.child.as_ref().map(|c| c.id())
	}

	/// Resident memory of the process in KiB (Linux), while running.
	pub fn rss_kib(&self) -> Option<u64> {
		let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid()?)).ok()?;
		status
			.lines()
			.find(|l| l.starts_with("VmRSS:"))
			.and_then(|l| l.split_whitespace().nth(1))
			.and_then(|kib| kib.parse().ok())
	}

	/// Whether the process is still running.
	pub fn is_running(&mut self) -> bool {
		matches!(self.child.as_mut().map(|c| c.try_wait()), Some(Ok(None)))
	}

	/// Kills the process at once (SIGKILL), as a crash or power loss would.
	pub fn kill(&mut self) {
		if let Some(mut child) = self.child.take() {
			let _ = child.kill();
			let _ = child.wait();
		}
	}

	/// Starts the process again with the same base path and ports.
	pub fn restart(&mut self) -> Result<()> {
		self.kill();
		self.spawn()
	}
}

impl Drop for Node {
	fn drop(&mut self) {
		self.kill();
	}
}
