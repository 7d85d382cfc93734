//! `store`, `serve` and `fetch`: the artifact store and peer-to-peer exchange on the command
//! line.
//!
//! A store directory holds the RocksDB database in `DIR/db` and, once `serve` has run, the
//! node key in `DIR/node-key` (unless `--key` puts it elsewhere).
use super::network::MetricsArgs;
use super::runtime;
use crate::error::{Error, Result};
use crate::metrics::MeteredSource;
use crate::p2p::{self, fault::{with_fault, Fault}, FetchEvent, FetchOptions, Node, Provider};
use crate::store::{ArtifactId, ArtifactKind, Store};
use clap::{Args, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use libp2p::Multiaddr;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(Args)]
pub struct StoreDir {
    /// Artifact store directory (created if missing).
    #[arg(long, value_name = "DIR")]
    pub store: PathBuf,
}

impl StoreDir {
    fn open(&self) -> Result<Store> {
        Ok(Store::open(self.store.join("db"))?)
    }
}

#[derive(Subcommand)]
pub enum StoreCommand {
    /// Add files as artifacts (pinned) and print each one's root.
    Add {
        /// Files to add; each becomes one artifact.
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
        #[command(flatten)]
        dir: StoreDir,
        /// What the files hold: dataset, checkpoint, model or run (part of the root).
        #[arg(long, default_value = "dataset")]
        kind: ArtifactKind,
    },
    /// List the stored artifacts: root, kind, size, chunks and whether pinned.
    Ls {
        #[command(flatten)]
        dir: StoreDir,
    },
    /// Write an artifact to a file, checking every chunk against its hash.
    Get {
        /// Root of the artifact (64 hex digits).
        root: ArtifactId,
        /// File to write.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        #[command(flatten)]
        dir: StoreDir,
    },
    /// Pin an artifact so `gc` keeps it.
    Pin {
        /// Root of the artifact (64 hex digits).
        root: ArtifactId,
        #[command(flatten)]
        dir: StoreDir,
    },
    /// Unpin an artifact: the next `gc` deletes it.
    Unpin {
        /// Root of the artifact (64 hex digits).
        root: ArtifactId,
        #[command(flatten)]
        dir: StoreDir,
    },
    /// Delete unpinned artifacts and every chunk no pinned artifact uses (including chunks of
    /// interrupted fetches).
    Gc {
        #[command(flatten)]
        dir: StoreDir,
    },
}

#[derive(Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub dir: StoreDir,
    /// Address to listen on, e.g. /ip4/0.0.0.0/tcp/4001 (repeatable; tcp/0 picks a port).
    #[arg(long, required = true, value_name = "MULTIADDR")]
    pub listen: Vec<Multiaddr>,
    /// ed25519 node key file, created if missing; it keeps the peer id stable across
    /// restarts. Default: DIR/node-key.
    #[arg(long, value_name = "FILE")]
    pub key: Option<PathBuf>,
    #[command(flatten)]
    pub metrics: MetricsArgs,
    /// TESTING ONLY: serve artifacts badly (`corrupt-chunks`, `slow-chunks=MS`).
    #[arg(long, hide = true)]
    pub fault: Option<Fault>,
}

#[derive(Args)]
pub struct FetchArgs {
    /// Root of the artifact to download (64 hex digits).
    pub root: ArtifactId,
    /// A provider: its address ending in its peer id, e.g.
    /// /ip4/10.0.0.5/tcp/4001/p2p/12D3KooW... (repeatable).
    #[arg(long = "from", required = true, value_name = "MULTIADDR/p2p/PEERID")]
    pub from: Vec<Provider>,
    #[command(flatten)]
    pub dir: StoreDir,
    /// Chunk requests in flight at once, over all providers.
    #[arg(long, default_value_t = 8)]
    pub parallel: usize,
    /// Leave the artifact unpinned (the next `gc` deletes it).
    #[arg(long)]
    pub no_pin: bool,
    /// Also write the artifact to this file once it is complete.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// ed25519 key file for this node (default: a fresh key for this run).
    #[arg(long, value_name = "FILE")]
    pub key: Option<PathBuf>,
}


pub fn store(json: bool, command: StoreCommand) -> Result<i32> {
    match command {
        StoreCommand::Add { files, dir, kind } => {
            let store = dir.open()?;
            let mut added = Vec::new();
            for file in &files {
                let root = store.put_file(kind, file)?;
                let size = store.manifest(&root)?.map(|m| m.size).unwrap_or(0);
                if json {
                    added.push(serde_json::json!({
                        "root": root.to_string(), "file": file.display().to_string(),
                        "kind": kind.as_str(), "size": size,
                    }));
                } else {
                    println!("{root}  {}", file.display());
                }
            }
            if json {
                println!("{}", serde_json::Value::Array(added));
            }
        }
        StoreCommand::Ls { dir } => {
            let list = dir.open()?.list()?;
            if json {
                let items = list
                    .iter()
                    .map(|a| {
                        serde_json::json!({
                            "root": a.root.to_string(), "kind": a.manifest.kind.as_str(),
                            "size": a.manifest.size, "chunks": a.manifest.chunks.len(),
                            "pinned": a.pinned,
                        })
                    })
                    .collect();
                println!("{}", serde_json::Value::Array(items));
            } else {
                println!(
                    "{:<64}  {:<10}  {:>14}  {:>7}  pinned",
                    "root", "kind", "bytes", "chunks"
                );
                for a in &list {
                    println!(
                        "{}  {:<10}  {:>14}  {:>7}  {}",
                        a.root,
                        a.manifest.kind.as_str(),
                        a.manifest.size,
                        a.manifest.chunks.len(),
                        if a.pinned { "yes" } else { "no" }
                    );
                }
            }
        }
        StoreCommand::Get { root, out, dir } => {
            let size = dir.open()?.export(&root, &out)?;
            if !json {
                println!("wrote {size} bytes to {}", out.display());
            } else {
                println!(
                    "{}",
                    serde_json::json!({ "root": root.to_string(), "out": out.display().to_string(), "size": size })
                );
            }
        }
        StoreCommand::Pin { root, dir } => dir.open()?.pin(&root)?,
        StoreCommand::Unpin { root, dir } => dir.open()?.unpin(&root)?,
        StoreCommand::Gc { dir } => {
            let report = dir.open()?.gc()?;
            if json {
                println!(
                    "{}",
                    serde_json::json!({
                        "manifests_removed": report.manifests_removed,
                        "chunks_removed": report.chunks_removed, "bytes_freed": report.bytes_freed,
                    })
                );
            } else {
                println!(
                    "removed {} artifacts and {} chunks, {} bytes freed",
                    report.manifests_removed, report.chunks_removed, report.bytes_freed
                );
            }
        }
    }
    Ok(0)
}

fn load_key(path: &Path) -> Result<libp2p::identity::Keypair> {
    Ok(p2p::load_or_create_key(path)?)
}

pub fn serve(json: bool, args: ServeArgs) -> Result<i32> {
    let store = Arc::new(args.dir.open()?);
    let key = load_key(&args.key.unwrap_or_else(|| args.dir.store.join("node-key")))?;
    runtime()?.block_on(async move {
        let metrics = args.metrics.start("serve").await?;
        let source = Arc::new(MeteredSource { inner: with_fault(store.clone(), args.fault), metrics });
        let node = Node::start(key, &args.listen, Some(source)).await?;
        let addrs: Vec<String> = node.dial_addrs().iter().map(|a| a.to_string()).collect();
        if json {
            println!(
                "{}",
                serde_json::json!({ "peer_id": node.peer_id().to_string(), "listen": addrs })
            );
        } else {
            println!("peer id    {}", node.peer_id());
            for a in &addrs {
                println!("listening  {a}");
            }
        }
        // Whoever started us reads the addresses before the first request arrives.
        let _ = std::io::stdout().flush();
        tracing::info!(
            artifacts = store.list().map(|l| l.len()).unwrap_or(0),
            "serving"
        );
        shutdown_signal().await?;
        tracing::info!("shutting down");
        drop(node);
        Ok(0)
    })
}

/// Ctrl-C, or SIGTERM on Unix (what `kill` and service managers send): either way the store is
/// closed cleanly.
async fn shutdown_signal() -> Result<()> {
    let failed =
        |e: std::io::Error| Error::Other(format!("cannot wait for a shutdown signal: {e}"));
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut term = signal(SignalKind::terminate()).map_err(failed)?;
        tokio::select! {
            result = tokio::signal::ctrl_c() => result.map_err(failed),
            _ = term.recv() => Ok(()),
        }
    }
    #[cfg(not(unix))]
    {
        tokio::signal::ctrl_c().await.map_err(failed)
    }
}

pub fn fetch(json: bool, args: FetchArgs) -> Result<i32> {
    let store = Arc::new(args.dir.open()?);
    let key = match &args.key {
        Some(path) => load_key(path)?,
        None => libp2p::identity::Keypair::generate_ed25519(),
    };
    let bar = if json {
        ProgressBar::hidden()
    } else {
        ProgressBar::new(0)
    };
    bar.set_style(
        ProgressStyle::with_template(
            "{bar:40} {bytes}/{total_bytes} {bytes_per_sec} eta {eta} {msg}",
        )
        .map_err(|e| Error::Other(e.to_string()))?,
    );
    let root = args.root;
    let report = runtime()?.block_on(async {
        let node = Node::start(key, &[], None).await?;
        let options = FetchOptions {
            parallel: args.parallel,
            pin: !args.no_pin,
        };
        let report = p2p::fetch(
            &node,
            &store,
            root,
            &args.from,
            options,
            |event| match event {
                FetchEvent::Manifest {
                    chunks,
                    missing,
                    missing_bytes,
                    ..
                } => {
                    bar.set_length(missing_bytes);
                    bar.set_message(format!("{missing} of {chunks} chunks to fetch"));
                }
                FetchEvent::Chunk { bytes, .. } => bar.inc(bytes),
                FetchEvent::Dropped {
                    peer,
                    reason,
                    banned,
                } => {
                    let word = if banned { "banned" } else { "dropped" };
                    bar.println(format!("{word} {peer}: {reason}"));
                }
            },
        )
        .await?;
        Ok::<_, Error>(report)
    })?;
    bar.finish_and_clear();
    if let Some(out) = &args.out {
        store.export(&root, out)?;
    }
    if json {
        let banned: Vec<_> = report
            .banned
            .iter()
            .map(|(p, why)| serde_json::json!({ "peer": p.to_string(), "reason": why }))
            .collect();
        println!(
            "{}",
            serde_json::json!({
                "root": root.to_string(), "size": report.size, "chunks": report.chunks,
                "fetched": report.fetched, "reused": report.reused, "banned": banned,
            })
        );
    } else {
        println!(
            "fetched {root}: {} bytes, {} of {} chunks downloaded, {} already stored",
            report.size, report.fetched, report.chunks, report.reused
        );
        for (peer, why) in &report.banned {
            println!("banned {peer}: {why}");
        }
    }
    Ok(0)
}
