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
use crate::chain::Chain;
use crate::error::{Error, Result};
use crate::p2p::{self, FetchOptions, Node, Provider, Request, Response};
use crate::store::{ArtifactId, ArtifactKind, Store};
use libp2p::{Multiaddr, PeerId};
use mlchain_primitives::Hash;
use std::path::Path;
use std::sync::Arc;
use subxt::utils::AccountId32;

/// The artifact side of a running role.
pub struct Net {
    pub store: Arc<Store>,
    pub node: Node,
    /// Peers given on the command line (`--peer`), asked before those found on chain.
    pub peers: Vec<Provider>,
}

impl Net {
    /// Opens the store in `dir/store` (the layout of `store --store DIR/store`: the database
    /// is `DIR/store/db`), loads or creates the node key `dir/node.key` and starts serving the
    /// store on `listen`.
    pub async fn start(dir: &Path, listen: &[Multiaddr], peers: Vec<Provider>) -> Result<Net> {
        std::fs::create_dir_all(dir).map_err(|source| Error::Io { path: dir.to_path_buf(), source })?;
        let store = Arc::new(Store::open(dir.join("store").join("db")).map_err(other)?);
        let key = p2p::load_or_create_key(&dir.join("node.key")).map_err(other)?;
        let source: Arc<dyn p2p::ArtifactSource> = store.clone();
        let node = Node::start(key, listen, Some(source)).await.map_err(other)?;
        Ok(Net { store, node, peers })
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
    /// first of `providers` that knows the name and delivers. The caller checks the content
    /// against the name.
    pub async fn fetch_named(&self, name: Hash, providers: &[Provider]) -> Result<Vec<u8>> {
        if let Some(root) = self.store.resolve(&name).map_err(other)? {
            if self.store.has(&root).map_err(other)? {
                return self.store.get_bytes(&root).map_err(other);
            }
        }
        let mut reasons = Vec::new();
        for provider in providers {
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
            let report = p2p::fetch(&self.node, &self.store, root, std::slice::from_ref(provider), FetchOptions::default(), |_| {})
                .await;
            match report {
                Ok(_) => {
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
            .map_err(super::rpc)?;
        while let Some(entry) = entries.next().await {
            let entry = entry.map_err(super::rpc)?;
            let participant = entry.value().decode().map_err(super::rpc)?;
            out.extend(providers_of(&participant.endpoint));
        }
        let me = self.node.peer_id();
        let mut seen = std::collections::HashSet::new();
        out.retain(|p| p.peer != me && seen.insert((p.peer, p.addr.clone())));
        Ok(out)
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
        .map_err(super::rpc)?;
    Ok(match participant {
        Some(p) => providers_of(&p.decode().map_err(super::rpc)?.endpoint),
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
