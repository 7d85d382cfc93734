//! Peer-to-peer artifact exchange over libp2p (TCP + noise + yamux, request-response).
//!
//! * [`protocol`]: the `/mlchain/artifacts/1` messages, their framing and size limits.
//! * [`Node`]: one libp2p swarm on tokio, driven by a background task. It answers inbound
//!   requests from an [`ArtifactSource`] (the [`Store`], when serving) and sends our requests.
//! * [`fetch`]: downloads an artifact from a list of providers into the store, verifying every
//!   byte, resuming from what is already stored and dropping peers that send bad data.
//! * [`fault`]: providers that corrupt or slow down what they send, for end-to-end tests.
//!
//! A node's identity is an ed25519 key kept in a file ([`load_or_create_key`]), so its peer id
//! survives restarts and can be published on-chain.
pub mod fault;
pub mod fetch;
mod node;
pub mod protocol;

pub use fetch::{fetch, FetchError, FetchEvent, FetchOptions, FetchReport, Provider};
pub use node::Node;
pub use protocol::{Request, Response, PROTOCOL};

use crate::store::{Store, StoreError};
use libp2p::identity::Keypair;
use libp2p::Multiaddr;
use protocol::MAX_REASON_BYTES;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How long a peer has to answer one request (a 1 MiB chunk takes milliseconds on a LAN).
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Answers the requests of the artifact protocol. [`Store`] serves what it holds; tests wrap
/// it to misbehave or count requests.
pub trait ArtifactSource: Send + Sync + 'static {
    /// Called off the network task (on tokio's blocking pool): may read the disk.
    fn answer(&self, request: &Request) -> Response;
}

fn failed(reason: String) -> Response {
    let mut reason = reason;
    if reason.len() > MAX_REASON_BYTES {
        let mut cut = MAX_REASON_BYTES;
        while !reason.is_char_boundary(cut) {
            cut -= 1;
        }
        reason.truncate(cut);
    }
    Response::Failed(reason)
}

/// Answers every chunk request with the same bytes and anything else with `NotFound`: a
/// source for unit tests of the wrappers around one.
#[cfg(test)]
pub(crate) struct FixedChunk(pub Vec<u8>);

#[cfg(test)]
impl ArtifactSource for FixedChunk {
    fn answer(&self, request: &Request) -> Response {
        match request {
            Request::Chunk { .. } => Response::Chunk(self.0.clone()),
            _ => Response::NotFound,
        }
    }
}

impl ArtifactSource for Store {
    fn answer(&self, request: &Request) -> Response {
        let result = match request {
            Request::Manifest { root } => self.manifest_bytes(root).map(|m| match m {
                Some(bytes) => Response::Manifest(bytes),
                None => Response::NotFound,
            }),
            Request::Chunk { root, index } => self.read_chunk(root, *index).map(Response::Chunk),
            Request::Resolve { name } => match self.resolve(name) {
                Ok(Some(root)) => self.has(&root).map(|held| if held { Response::Resolved(root) } else { Response::NotFound }),
                Ok(None) => Ok(Response::NotFound),
                Err(e) => Err(e),
            },
        };
        match result {
            Ok(response) => response,
            Err(StoreError::NotFound(_)) => Response::NotFound,
            Err(e) => {
                // Our own copy is bad: say so rather than send bytes that would get us banned.
                tracing::error!("cannot serve {request:?}: {e}");
                failed(e.to_string())
            }
        }
    }
}

/// Errors starting a node or loading its key.
#[derive(Debug, thiserror::Error)]
pub enum P2pError {
    #[error("node key {}: {reason}", path.display())]
    Key { path: PathBuf, reason: String },
    #[error("cannot set up the libp2p transport: {0}")]
    Transport(String),
    #[error("cannot listen on {addr}: {reason}")]
    Listen { addr: Multiaddr, reason: String },
}

/// Why a request got no response.
#[derive(Clone, Debug, thiserror::Error, PartialEq, Eq)]
pub enum RequestError {
    #[error("unreachable: {0}")]
    Unreachable(String),
    #[error("no answer within {}s", REQUEST_TIMEOUT.as_secs())]
    Timeout,
    #[error("connection closed before the answer")]
    ConnectionClosed,
    #[error("does not speak {PROTOCOL}")]
    UnsupportedProtocol,
    #[error("stream error: {0}")]
    Stream(String),
    #[error("the local network task has stopped")]
    NodeStopped,
}

/// Loads the ed25519 node key from `path` (64 hex digits of the secret key), creating the
/// file (mode 0600) with a fresh key if it does not exist.
pub fn load_or_create_key(path: &Path) -> Result<Keypair, P2pError> {
    let key_err = |reason: String| P2pError::Key {
        path: path.to_path_buf(),
        reason,
    };
    match std::fs::read_to_string(path) {
        Ok(text) => {
            let secret = mlchain_primitives::hash::from_hex(text.trim())
                .ok_or_else(|| key_err("expected 64 hex digits of an ed25519 secret key".into()))?;
            Keypair::ed25519_from_bytes(secret).map_err(|e| key_err(e.to_string()))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let secret = libp2p::identity::ed25519::SecretKey::generate();
            let keypair = Keypair::from(libp2p::identity::ed25519::Keypair::from(secret.clone()));
            if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(parent).map_err(|e| key_err(e.to_string()))?;
            }
            write_private(
                path,
                &mlchain_primitives::hash::to_hex(&secret_bytes(&secret)),
            )
            .map_err(|e| key_err(e.to_string()))?;
            Ok(keypair)
        }
        Err(e) => Err(key_err(e.to_string())),
    }
}

fn secret_bytes(secret: &libp2p::identity::ed25519::SecretKey) -> [u8; 32] {
    let mut out = [0u8; 32];
    out.copy_from_slice(secret.as_ref());
    out
}

fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(text.as_bytes())?;
    file.write_all(b"\n")?;
    file.sync_all()
}
