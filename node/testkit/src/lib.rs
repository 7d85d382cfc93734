//! Test support for mlchain: start real `mlchain-node` processes on 127.0.0.1 with their own
//! ports and base paths, talk to them over JSON-RPC, and build signed transactions the way a
//! wallet does (from the runtime's own types, so a format change breaks the build, not a test
//! at run time).
//!
//! Every node is killed when its [`Node`] handle is dropped, so a failing test leaves nothing
//! running.

mod network;
mod node;
pub mod polkadot_js;
mod rpc;
mod tx;

pub use network::{generate_node_key, insert_key, LocalTestnet, VALIDATORS};
pub use node::{free_port, Node, NodeConfig};
pub use rpc::{Rpc, TxStatus};
pub use tx::{sign, ChainContext};

use std::time::{Duration, Instant};

/// What can go wrong while driving a node.
#[derive(Debug, thiserror::Error)]
pub enum Error {
	#[error("cannot start {bin}: {source}")]
	Spawn { bin: String, source: std::io::Error },
	#[error("JSON-RPC: {0}")]
	Rpc(#[from] jsonrpsee::core::ClientError),
	#[error("timed out after {0:?} waiting for {1}")]
	Timeout(Duration, String),
	#[error("unexpected answer: {0}")]
	Unexpected(String),
	#[error("io: {0}")]
	Io(#[from] std::io::Error),
}

/// Result of this crate.
pub type Result<T> = std::result::Result<T, Error>;

/// Polls `probe` every `every` until it returns `Some`, or fails after `timeout` naming `what`.
pub async fn wait_for<T, F, Fut>(
	what: &str,
	timeout: Duration,
	every: Duration,
	mut probe: F,
) -> Result<T>
where
	F: FnMut() -> Fut,
	Fut: std::future::Future<Output = Option<T>>,
{
	let start = Instant::now();
	loop {
		if let Some(value) = probe().await {
			return Ok(value);
		}
		if start.elapsed() > timeout {
			return Err(Error::Timeout(timeout, what.to_string()));
		}
		tokio::time::sleep(every).await;
	}
}
