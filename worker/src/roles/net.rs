//! A role's artifact side: its store, its libp2p node, and the peers it fetches from.
//!
//! Everything a task needs travels under a *name* that the chain already knows and that the
//! receiver can check after download: a dataset under its content hash (the registry entry's
//! root and the spec's dataset id), a checkpoint under its canonical hash (a leaf of the
//! committed run), a run's list of checkpoint hashes under its Merkle root (the
//! `checkpoints_root` of the submission). A provider maps a name to the store artifact holding
//! it; the fetcher checks every chunk against the artifact root and the caller checks the
//! decoded content against the name, so no provider is trusted.
use crate::chain::runtime::{self, runtime_types};
use crate::chain::{Chain, ChainError};
use crate::error::{Error, Result};
use crate::metrics::{Metrics, MeteredSource};
use crate::p2p::{self, fault::{with_fault, Fault}, FetchEvent, FetchOptions, Node, Provider, Request, Response};
use crate::store::{ArtifactId, ArtifactKind, Store};
use libp2p::{Multiaddr, PeerId};
use mlchain_primitives::Hash;
use std::collections::HashSet;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use subxt::utils::AccountId32;

/// The artifact side of a running role.
pub struct Net {
    pub store: Arc<Store>,
    pub node: Node,
    /// Peers given on the command line (`--peer`), asked before those found on chain.
    pub peers: Vec<Provider>,
    pub metrics: Metrics,
    /// Peers that sent bytes not matching their hash: never asked again by this process.
    banned: Mutex<HashSet<PeerId>>,
}

/// How a role's artifact side is set up.
pub struct NetConfig {
    pub listen: Vec<Multiaddr>,
    /// Peers to ask before those found on chain.
    pub peers: Vec<Provider>,
    /// Misbehave when serving (end-to-end tests only).
    pub fault: Option<Fault>,
}

impl Net {
    /// Opens the store in `dir/store` (the layout of `store --store DIR/store`: the database
    /// is `DIR/store/db`), loads or creates the node key `dir/node.key` and starts serving the
    /// store on `config.listen`, counting what it serves and fetches in `metrics`.
    pub async fn start(dir: &Path, config: NetConfig, metrics: Metrics) -> Result<Net> {
        std::fs::create_dir_all(dir).map_err(|source| Error::Io { path: dir.to_path_buf(), source })?;
        let store = Arc::new(Store::open(dir.join("store").join("db")).map_err(other)?);
        let key = p2p::load_or_create_key(&dir.join("node.key")).map_err(other)?;
        let source = Arc::new(MeteredSource { inner: with_fault(store.clone(), config.fault), metrics: metrics.clone() });
        let node = Node::start(key, &config.listen, Some(source)).await.map_err(other)?;
        Ok(Net { store, node, peers: config.peers, metrics, banned: Mutex::default() })
    }

    /// This node as the compute pallet stores it: the peer id and the dialable addresses, in
    /// their binary (multihash / multiaddr) forms.
    pub fn endpoint(&self) -> runtime_types::pallet_compute::Endpoint {
        use runtime_types::bounded_collections::bounded_vec::BoundedVec;
        runtime_types::pallet_compute::Endpoint {
            peer_id: BoundedVec(self.node.peer_id().to_bytes()),
            addrs: BoundedVec(self.node.listen_addrs().iter().map(|a| BoundedVec(a.to_vec())).collect()),
        }
    }

    /// Stores `bytes` and makes them available under `name`.
    pub fn publish(&self, kind: ArtifactKind, name: Hash, bytes: &[u8]) -> Result<ArtifactId> {
        let root = self.store.put_bytes(kind, bytes).map_err(other)?;
        self.store.pin(&root).map_err(other)?;
        self.store.set_name(&name, &root).map_err(other)?;
        Ok(root)
    }

    /// The bytes published under `name`: from the local store if it has them, else from the
    /// first of `providers` that knows the name and delivers. A provider that fails is dropped
    /// and the next one asked; one that sends bytes not matching their hash is also banned for
    /// the rest of this process's life. Chunks already stored by an earlier, interrupted fetch
    /// are not downloaded again. The caller checks the content against the name.
    pub async fn fetch_named(&self, name: Hash, providers: &[Provider]) -> Result<Vec<u8>> {
        if let Some(root) = self.store.resolve(&name).map_err(other)? {
            if self.store.has(&root).map_err(other)? {
                return self.store.get_bytes(&root).map_err(other);
            }
        }
        let mut reasons = Vec::new();
        for provider in providers {
            if self.banned().contains(&provider.peer) {
                continue;
            }
            let answer = self
                .node
                .request(provider.peer, Some(provider.addr.clone()), Request::Resolve { name })
                .await;
            let root = match answer {
                Ok(Response::Resolved(root)) => root,
                Ok(other) => {
                    reasons.push(format!("{provider}: {other:?}"));
                    continue;
                }
                Err(e) => {
                    reasons.push(format!("{provider}: {e}"));
                    continue;
                }
            };
            let mut progress = Progress::new(self, &name, provider);
            let report = p2p::fetch(&self.node, &self.store, root, std::slice::from_ref(provider), FetchOptions::default(), |event| progress.on(event))
                .await;
            match report {
                Ok(_) => {
                    self.metrics.artifacts_fetched.inc();
                    self.store.set_name(&name, &root).map_err(other)?;
                    return self.store.get_bytes(&root).map_err(other);
                }
                Err(e) => reasons.push(format!("{provider}: {e}")),
            }
        }
        Err(Error::Other(format!(
            "nobody delivered {}: {}",
            mlchain_primitives::hash::to_hex(&name),
            if reasons.is_empty() { "no providers known".to_string() } else { reasons.join("; ") }
        )))
    }

    /// The banned peers (a poisoned lock still holds a valid set: inserts cannot half-happen).
    fn banned(&self) -> std::sync::MutexGuard<'_, HashSet<PeerId>> {
        self.banned.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The dataset named `name` (its content hash), fetched if needed and checked.
    pub async fn dataset(&self, name: Hash, providers: &[Provider]) -> Result<Arc<crate::data::Dataset>> {
        let bytes = self.fetch_named(name, providers).await?;
        super::published::parse_dataset(&bytes, &name)
    }

    /// Providers to ask for a task's artifacts: `first` (the task's worker), then the peers
    /// from the command line, then every other registered participant. Ourselves excluded.
    pub async fn providers(&self, chain: &Chain, first: Option<&AccountId32>) -> Result<Vec<Provider>> {
        let mut out = Vec::new();
        if let Some(who) = first {
            out.extend(endpoint_of(chain, who).await?);
        }
        out.extend(self.peers.iter().cloned());
        let at = chain.at_best().await?;
        let mut entries = at
            .storage()
            .iter(runtime::storage().compute().participants(), ())
            .await
            .map_err(ChainError::rpc)?;
        while let Some(entry) = entries.next().await {
            let entry = entry.map_err(ChainError::rpc)?;
            let participant = entry.value().decode().map_err(ChainError::rpc)?;
            out.extend(providers_of(&participant.endpoint));
        }
        let me = self.node.peer_id();
        let mut seen = HashSet::new();
        out.retain(|p| p.peer != me && seen.insert((p.peer, p.addr.clone())));
        Ok(out)
    }
}

/// A fetch's progress in the logs: the chunks to download, dropped providers, and chunks
/// received (the first, then at most one line a second, and the last).
struct Progress<'a> {
    net: &'a Net,
    name: String,
    provider: &'a Provider,
    missing: u32,
    received: u32,
    last_line: Option<Instant>,
}

impl<'a> Progress<'a> {
    fn new(net: &'a Net, name: &Hash, provider: &'a Provider) -> Self {
        let name = mlchain_primitives::hash::to_hex(name)[..16].to_owned();
        Progress { net, name, provider, missing: 0, received: 0, last_line: None }
    }

    fn on(&mut self, event: FetchEvent) {
        let name = &self.name;
        match event {
            FetchEvent::Manifest { chunks, missing, missing_bytes, .. } => {
                self.missing = missing;
                println!("fetching {name}… from {}: {missing} of {chunks} chunks ({missing_bytes} bytes) to download", self.provider.peer);
            }
            FetchEvent::Chunk { bytes, .. } => {
                self.net.metrics.fetched_bytes.inc_by(bytes);
                self.received += 1;
                let due = self.last_line.is_none_or(|t| t.elapsed() >= Duration::from_secs(1));
                if due || self.received == self.missing {
                    println!("fetched {name}…: {}/{} chunks", self.received, self.missing);
                    self.last_line = Some(Instant::now());
                }
            }
            FetchEvent::Dropped { peer, reason, banned } => {
                self.net.metrics.providers_dropped.inc();
                if banned {
                    self.net.banned().insert(peer);
                }
                println!("dropped provider {peer}{}: {reason}", if banned { " (banned)" } else { "" });
            }
        }
    }
}

/// The providers an account's on-chain endpoint names (none when it is not registered or its
/// endpoint does not parse).
pub async fn endpoint_of(chain: &Chain, who: &AccountId32) -> Result<Vec<Provider>> {
    let at = chain.at_best().await?;
    let participant = at
        .storage()
        .try_fetch(runtime::storage().compute().participants(), (who.clone(),))
        .await
        .map_err(ChainError::rpc)?;
    Ok(match participant {
        Some(p) => providers_of(&p.decode().map_err(ChainError::rpc)?.endpoint),
        None => Vec::new(),
    })
}

fn providers_of(endpoint: &runtime_types::pallet_compute::Endpoint) -> Vec<Provider> {
    let Ok(peer) = PeerId::from_bytes(&endpoint.peer_id.0) else {
        return Vec::new();
    };
    endpoint
        .addrs
        .0
        .iter()
        .filter_map(|a| Multiaddr::try_from(a.0.clone()).ok())
        .map(|addr| Provider { peer, addr })
        .collect()
}

fn other(e: impl std::fmt::Display) -> Error {
    Error::Other(e.to_string())
}
