//! Fetching an artifact from providers into the store.
//!
//! 1. If the store already has the artifact, nothing is downloaded.
//! 2. The manifest is asked from the providers in turn; the first one whose bytes hash to the
//!    root is used. A provider that sends a manifest of another root is banned.
//! 3. The chunks the store lacks (or holds corrupted) are requested, up to
//!    [`FetchOptions::parallel`] at a time, spread round-robin over the providers still in
//!    play. Each chunk is checked against its hash in the manifest before it is stored; a
//!    provider that sends a wrong chunk is banned and disconnected, and the chunk is asked
//!    from another one. A provider that is unreachable, times out or lacks the artifact is
//!    dropped too (without the ban). When none is left, the fetch fails naming each one's fate.
//! 4. The manifest is stored last, with its pin, in one batch.
//!
//! Chunks are stored as they arrive, so a fetch that is killed and started again only
//! downloads the chunks it did not get the first time.
use super::{Node, Request, RequestError, Response};
use crate::store::{ArtifactId, Manifest, Store, StoreError};
use futures::stream::{FuturesUnordered, StreamExt};
use libp2p::multiaddr::Protocol;
use libp2p::{Multiaddr, PeerId};
use mlchain_primitives::blake2_256;
use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

/// A peer that may have the artifact: its id and an address to dial it at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Provider {
    pub peer: PeerId,
    pub addr: Multiaddr,
}

impl FromStr for Provider {
    type Err = String;
    /// Parses `MULTIADDR/p2p/PEERID`, e.g. `/ip4/127.0.0.1/tcp/4001/p2p/12D3KooW...`.
    fn from_str(s: &str) -> Result<Self, String> {
        let mut addr: Multiaddr = s
            .parse()
            .map_err(|e| format!("{s:?} is not a multiaddr: {e}"))?;
        match addr.pop() {
            Some(Protocol::P2p(peer)) => Ok(Provider { peer, addr }),
            _ => Err(format!(
                "{s:?} does not end in /p2p/<peer id>: the peer id is needed to authenticate the provider"
            )),
        }
    }
}

impl fmt::Display for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/p2p/{}", self.addr, self.peer)
    }
}

#[derive(Clone, Copy, Debug)]
pub struct FetchOptions {
    /// Chunk requests in flight at once, over all providers.
    pub parallel: usize,
    /// Pin the artifact when it is complete (so `gc` keeps it).
    pub pin: bool,
}

impl Default for FetchOptions {
    fn default() -> Self {
        FetchOptions {
            parallel: 8,
            pin: true,
        }
    }
}

/// Progress reported while fetching.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FetchEvent {
    /// The manifest is known: `missing` of `chunks` chunks (`missing_bytes` bytes) to download.
    Manifest {
        chunks: u32,
        size: u64,
        missing: u32,
        missing_bytes: u64,
    },
    /// Chunk `index` of `bytes` bytes was received, checked and stored.
    Chunk {
        index: u32,
        bytes: u64,
        from: PeerId,
    },
    /// A provider was dropped for this fetch.
    Dropped {
        peer: PeerId,
        reason: String,
        banned: bool,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FetchReport {
    pub root: ArtifactId,
    pub size: u64,
    pub chunks: u32,
    /// Chunks downloaded by this fetch.
    pub fetched: u32,
    /// Chunks that were already in the store.
    pub reused: u32,
    /// Providers that sent bad data, with what they did.
    pub banned: Vec<(PeerId, String)>,
}

#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("no provider given for artifact {0}: pass at least one --from MULTIADDR/p2p/PEERID")]
    NoProviders(ArtifactId),
    #[error("no provider could deliver artifact {root}{}", list_fates(.fates))]
    Exhausted {
        root: ArtifactId,
        fates: Vec<(Provider, String)>,
    },
    #[error("the manifest of artifact {root} is inconsistent: chunk #{index} has the right hash but {actual} bytes instead of {expected}")]
    InconsistentManifest {
        root: ArtifactId,
        index: u32,
        expected: u64,
        actual: u64,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the store task failed: {0}")]
    Blocking(String),
    #[error("the local network task stopped")]
    NodeStopped,
}

fn list_fates(fates: &[(Provider, String)]) -> String {
    fates
        .iter()
        .map(|(p, why)| format!("\n  {p}: {why}"))
        .collect()
}

/// Runs a store call on tokio's blocking pool.
async fn blocking<T: Send + 'static>(
    store: &Arc<Store>,
    f: impl FnOnce(&Store) -> Result<T, StoreError> + Send + 'static,
) -> Result<T, FetchError> {
    let store = store.clone();
    tokio::task::spawn_blocking(move || f(&store))
        .await
        .map_err(|e| FetchError::Blocking(e.to_string()))?
        .map_err(FetchError::from)
}

/// What happened to each provider during one fetch.
struct Providers {
    list: Vec<Provider>,
    /// Why a provider is out, and whether it was banned.
    out: HashMap<usize, (String, bool)>,
    next: usize,
}

impl Providers {
    fn active(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.list.len()).filter(|i| !self.out.contains_key(i))
    }

    /// The next provider in play, round-robin.
    fn pick(&mut self) -> Option<usize> {
        let n = self.list.len();
        let picked = (0..n)
            .map(|k| (self.next + k) % n)
            .find(|i| !self.out.contains_key(i))?;
        self.next = picked + 1;
        Some(picked)
    }

    /// Takes provider `i` out of this fetch; returns false if it already was.
    fn drop_out(&mut self, i: usize, reason: String, banned: bool) -> bool {
        if self.out.contains_key(&i) {
            return false;
        }
        tracing::info!(provider = %self.list[i], %reason, banned, "provider dropped");
        self.out.insert(i, (reason, banned));
        true
    }

    fn exhausted(&self, root: ArtifactId) -> FetchError {
        FetchError::Exhausted {
            root,
            fates: (0..self.list.len())
                .map(|i| {
                    let fate = self.out.get(&i).map(|(r, _)| r.clone());
                    (
                        self.list[i].clone(),
                        fate.unwrap_or_else(|| "not tried".into()),
                    )
                })
                .collect(),
        }
    }

    fn banned(&self) -> Vec<(PeerId, String)> {
        let mut out: Vec<_> = self
            .out
            .iter()
            .filter(|(_, (_, banned))| *banned)
            .map(|(i, (reason, _))| (*i, self.list[*i].peer, reason.clone()))
            .collect();
        out.sort_by_key(|(i, _, _)| *i);
        out.into_iter().map(|(_, p, r)| (p, r)).collect()
    }
}

/// Takes provider `i` out of this fetch and reports it (once).
fn dismiss(
    players: &mut Providers,
    i: usize,
    reason: String,
    banned: bool,
    progress: &mut impl FnMut(FetchEvent),
) {
    let peer = players.list[i].peer;
    if players.drop_out(i, reason.clone(), banned) {
        progress(FetchEvent::Dropped {
            peer,
            reason,
            banned,
        });
    }
}

/// Downloads artifact `root` from `providers` into `store` (see the module docs).
pub async fn fetch(
    node: &Node,
    store: &Arc<Store>,
    root: ArtifactId,
    providers: &[Provider],
    options: FetchOptions,
    mut progress: impl FnMut(FetchEvent),
) -> Result<FetchReport, FetchError> {
    if let Some(manifest) = blocking(store, move |s| s.manifest(&root)).await? {
        if options.pin {
            blocking(store, move |s| s.pin(&root)).await?;
        }
        let chunks = manifest.chunks.len() as u32;
        return Ok(FetchReport {
            root,
            size: manifest.size,
            chunks,
            fetched: 0,
            reused: chunks,
            banned: Vec::new(),
        });
    }
    if providers.is_empty() {
        return Err(FetchError::NoProviders(root));
    }
    let mut players = Providers {
        list: providers.to_vec(),
        out: HashMap::new(),
        next: 0,
    };
    // The manifest, from the first provider that has a good one.
    let manifest = loop {
        let Some(i) = players.active().next() else {
            return Err(players.exhausted(root));
        };
        let Provider { peer, addr } = players.list[i].clone();
        match node
            .request(peer, Some(addr), Request::Manifest { root })
            .await
        {
            Ok(Response::Manifest(bytes)) => match Manifest::decode_checked(&bytes, &root) {
                Ok(m) => break Arc::new(m),
                Err(why) => {
                    dismiss(
                        &mut players,
                        i,
                        format!("sent a bad manifest: {why}"),
                        true,
                        &mut progress,
                    );
                    node.disconnect(peer).await;
                }
            },
            Ok(Response::NotFound) => dismiss(
                &mut players,
                i,
                "does not have it".into(),
                false,
                &mut progress,
            ),
            Ok(Response::Failed(why)) => dismiss(
                &mut players,
                i,
                format!("cannot serve it: {why}"),
                false,
                &mut progress,
            ),
            Ok(Response::Chunk(_)) => {
                dismiss(
                    &mut players,
                    i,
                    "answered a manifest request with a chunk".into(),
                    true,
                    &mut progress,
                );
                node.disconnect(peer).await;
            }
            Err(e) => dismiss(&mut players, i, e.to_string(), false, &mut progress),
        }
    };

    let missing = {
        let m = manifest.clone();
        blocking(store, move |s| s.missing_chunks(&m)).await?
    };
    let chunks = manifest.chunks.len() as u32;
    progress(FetchEvent::Manifest {
        chunks,
        size: manifest.size,
        missing: missing.len() as u32,
        missing_bytes: missing.iter().map(|&i| manifest.chunk_len(i)).sum(),
    });
    let reused = chunks - missing.len() as u32;
    let mut queue: VecDeque<u32> = missing.into();
    let mut in_flight = FuturesUnordered::new();
    let mut fetched = 0;
    let parallel = options.parallel.max(1);
    loop {
        while in_flight.len() < parallel && !queue.is_empty() {
            let Some(i) = players.pick() else { break };
            let Some(index) = queue.pop_front() else {
                break;
            };
            let Provider { peer, addr } = players.list[i].clone();
            in_flight.push(async move {
                let answer = node
                    .request(peer, Some(addr), Request::Chunk { root, index })
                    .await;
                (i, index, answer)
            });
        }
        let Some((i, index, answer)) = in_flight.next().await else {
            if queue.is_empty() {
                break;
            }
            return Err(players.exhausted(root));
        };
        let peer = players.list[i].peer;
        let expected = manifest.chunks[index as usize];
        let failure = match answer {
            Ok(Response::Chunk(bytes)) if blake2_256(&bytes) == expected => {
                let len = bytes.len() as u64;
                if len != manifest.chunk_len(index) {
                    return Err(FetchError::InconsistentManifest {
                        root,
                        index,
                        expected: manifest.chunk_len(index),
                        actual: len,
                    });
                }
                // The hash is checked again on the way in: one code path decides what is stored.
                blocking(store, move |s| s.put_chunk(&expected, &bytes)).await?;
                fetched += 1;
                progress(FetchEvent::Chunk {
                    index,
                    bytes: len,
                    from: peer,
                });
                None
            }
            Ok(Response::Chunk(_)) => Some((
                format!("sent chunk #{index} with bytes that do not match its hash"),
                true,
            )),
            Ok(Response::Manifest(_)) => {
                Some(("answered a chunk request with a manifest".into(), true))
            }
            Ok(Response::NotFound) => Some((format!("does not have chunk #{index}"), false)),
            Ok(Response::Failed(why)) => {
                Some((format!("cannot serve chunk #{index}: {why}"), false))
            }
            Err(RequestError::NodeStopped) => return Err(FetchError::NodeStopped),
            Err(e) => Some((e.to_string(), false)),
        };
        if let Some((reason, banned)) = failure {
            queue.push_front(index);
            dismiss(&mut players, i, reason, banned, &mut progress);
            if banned {
                node.disconnect(peer).await;
            }
        }
    }

    let stored = {
        let m = manifest.clone();
        blocking(store, move |s| s.put_manifest(&m, options.pin)).await?
    };
    debug_assert_eq!(stored, root);
    Ok(FetchReport {
        root,
        size: manifest.size,
        chunks,
        fetched,
        reused,
        banned: players.banned(),
    })
}
