//! Artifact exchange between real libp2p nodes on 127.0.0.1, all in this process, plus the
//! `serve` and `fetch` commands of the real binary. Every test is bounded by a timeout.
use libp2p::identity::Keypair;
use libp2p::Multiaddr;
use mlchain_worker::p2p::{
    fetch, ArtifactSource, FetchError, FetchEvent, FetchOptions, Node, Provider, Request, Response,
};
use mlchain_worker::store::{ArtifactId, ArtifactKind, Store};
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

const CHUNK: u32 = 64 * 1024;

/// Bytes that differ from chunk to chunk (so nothing deduplicates by accident).
fn artifact_bytes(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

async fn bounded<F: Future>(f: F) -> F::Output {
    tokio::time::timeout(Duration::from_secs(90), f)
        .await
        .expect("test took longer than 90 s")
}

fn open_store(dir: &tempfile::TempDir) -> Arc<Store> {
    Arc::new(
        Store::open(dir.path())
            .expect("store")
            .with_chunk_size(CHUNK),
    )
}

async fn start_provider(source: Arc<dyn ArtifactSource>) -> (Node, Provider) {
    let listen: Multiaddr = "/ip4/127.0.0.1/tcp/0".parse().unwrap();
    let node = Node::start(Keypair::generate_ed25519(), &[listen], Some(source))
        .await
        .expect("provider starts");
    let provider = Provider {
        peer: node.peer_id(),
        addr: node.listen_addrs()[0].clone(),
    };
    (node, provider)
}

async fn client() -> Node {
    Node::start(Keypair::generate_ed25519(), &[], None)
        .await
        .expect("client starts")
}

/// Serves from a store and counts what it was asked.
struct Counting {
    store: Arc<Store>,
    manifests: AtomicUsize,
    chunks: AtomicUsize,
}

impl Counting {
    fn new(store: Arc<Store>) -> Arc<Self> {
        Arc::new(Counting {
            store,
            manifests: AtomicUsize::new(0),
            chunks: AtomicUsize::new(0),
        })
    }
}

impl ArtifactSource for Counting {
    fn answer(&self, request: &Request) -> Response {
        match request {
            Request::Manifest { .. } => self.manifests.fetch_add(1, Ordering::SeqCst),
            Request::Chunk { .. } => self.chunks.fetch_add(1, Ordering::SeqCst),
            Request::Resolve { .. } => 0,
        };
        self.store.answer(request)
    }
}

/// A dishonest provider: flips a bit in every chunk, and in the manifest if asked to.
struct Tampering {
    store: Arc<Store>,
    manifest_too: bool,
}

impl ArtifactSource for Tampering {
    fn answer(&self, request: &Request) -> Response {
        match self.store.answer(request) {
            Response::Chunk(mut bytes) => {
                bytes[0] ^= 1;
                Response::Chunk(bytes)
            }
            Response::Manifest(mut bytes) if self.manifest_too => {
                let last = bytes.len() - 1;
                bytes[last] ^= 1;
                Response::Manifest(bytes)
            }
            other => other,
        }
    }
}

/// A store holding one multi-chunk artifact.
fn provider_store(dir: &tempfile::TempDir, len: usize) -> (Arc<Store>, ArtifactId, Vec<u8>) {
    let store = open_store(dir);
    let data = artifact_bytes(len, len as u64);
    let root = store.put_bytes(ArtifactKind::Checkpoint, &data).unwrap();
    (store, root, data)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fetch_downloads_a_multi_chunk_artifact_and_checks_every_chunk() {
    bounded(async {
        let (src_dir, dst_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let (src, root, data) = provider_store(&src_dir, 20 * CHUNK as usize + 1234);
        let counting = Counting::new(src);
        let (_server, provider) = start_provider(counting.clone()).await;
        let dst = open_store(&dst_dir);
        let node = client().await;
        let mut stored = 0;
        let report = fetch(
            &node,
            &dst,
            root,
            &[provider],
            FetchOptions::default(),
            |e| {
                if let FetchEvent::Chunk { .. } = e {
                    stored += 1;
                }
            },
        )
        .await
        .expect("fetch succeeds");
        assert_eq!((report.chunks, report.fetched, report.reused), (21, 21, 0));
        assert_eq!(stored, 21);
        assert!(report.banned.is_empty());
        assert_eq!(dst.get_bytes(&root).unwrap(), data);
        assert!(dst.is_pinned(&root).unwrap());
        assert_eq!(counting.chunks.load(Ordering::SeqCst), 21);

        // Asking again costs nothing: the store has it.
        let again = fetch(&node, &dst, root, &[], FetchOptions::default(), |_| {})
            .await
            .unwrap();
        assert_eq!((again.fetched, again.reused), (0, 21));
        assert_eq!(counting.manifests.load(Ordering::SeqCst), 1);
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn provider_sending_corrupted_chunks_is_banned_and_the_honest_one_completes_the_fetch() {
    bounded(async {
        let (src_dir, dst_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let (src, root, data) = provider_store(&src_dir, 12 * CHUNK as usize);
        let liar = Arc::new(Tampering {
            store: src.clone(),
            manifest_too: false,
        });
        let (_bad, bad) = start_provider(liar).await;
        let (_good, good) = start_provider(Counting::new(src)).await;
        let dst = open_store(&dst_dir);
        let node = client().await;
        let mut dropped = Vec::new();
        // The liar comes first, so it hands out the (honest) manifest and gets chunk requests.
        let report = fetch(
            &node,
            &dst,
            root,
            &[bad.clone(), good],
            FetchOptions::default(),
            |e| {
                if let FetchEvent::Dropped { peer, banned, .. } = e {
                    dropped.push((peer, banned));
                }
            },
        )
        .await
        .expect("fetch completes from the honest provider");
        assert_eq!(dst.get_bytes(&root).unwrap(), data);
        assert_eq!(report.banned.len(), 1, "{:?}", report.banned);
        assert_eq!(report.banned[0].0, bad.peer);
        assert!(
            report.banned[0].1.contains("do not match its hash"),
            "{}",
            report.banned[0].1
        );
        assert_eq!(dropped, vec![(bad.peer, true)]);
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn provider_sending_a_manifest_of_another_root_is_banned() {
    bounded(async {
        let (src_dir, dst_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let (src, root, data) = provider_store(&src_dir, 3 * CHUNK as usize);
        let liar = Arc::new(Tampering {
            store: src.clone(),
            manifest_too: true,
        });
        let (_bad, bad) = start_provider(liar).await;
        let good_source = Counting::new(src);
        let (_good, good) = start_provider(good_source.clone()).await;
        let dst = open_store(&dst_dir);
        let node = client().await;
        let report = fetch(
            &node,
            &dst,
            root,
            &[bad.clone(), good],
            FetchOptions::default(),
            |_| {},
        )
        .await
        .expect("fetch completes");
        assert_eq!(dst.get_bytes(&root).unwrap(), data);
        assert_eq!(report.banned.len(), 1);
        assert_eq!(report.banned[0].0, bad.peer);
        assert!(
            report.banned[0].1.contains("bad manifest"),
            "{}",
            report.banned[0].1
        );
        // Every chunk came from the honest provider.
        assert_eq!(good_source.chunks.load(Ordering::SeqCst), 3);
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn interrupted_fetch_resumes_and_downloads_only_the_missing_chunks() {
    bounded(async {
        let (src_dir, dst_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let (src, root, data) = provider_store(&src_dir, 30 * CHUNK as usize);
        let first_source = Counting::new(src.clone());
        let (_first, first) = start_provider(first_source.clone()).await;
        let dst = open_store(&dst_dir);

        // First attempt: abandoned (its future dropped, its node shut down) after 7 chunks.
        {
            let node = client().await;
            let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
            let providers = [first];
            let attempt = fetch(
                &node,
                &dst,
                root,
                &providers,
                FetchOptions::default(),
                move |e| {
                    if let FetchEvent::Chunk { .. } = e {
                        let _ = tx.send(());
                    }
                },
            );
            let seven = async {
                for _ in 0..7 {
                    rx.recv().await;
                }
            };
            tokio::select! {
                result = attempt => panic!("fetch should have been interrupted, got {result:?}"),
                () = seven => {}
            }
        }
        assert!(
            !dst.has(&root).unwrap(),
            "no manifest before every chunk is stored"
        );

        // Second attempt from another provider: only what the first did not store is asked.
        let second_source = Counting::new(src);
        let (_second, second) = start_provider(second_source.clone()).await;
        let node = client().await;
        let report = fetch(
            &node,
            &dst,
            root,
            &[second],
            FetchOptions::default(),
            |_| {},
        )
        .await
        .expect("resumed fetch succeeds");
        assert_eq!(report.chunks, 30);
        assert!(report.reused >= 7, "{report:?}");
        assert_eq!(report.fetched + report.reused, 30);
        assert_eq!(
            second_source.chunks.load(Ordering::SeqCst),
            report.fetched as usize
        );
        assert_eq!(second_source.manifests.load(Ordering::SeqCst), 1);
        assert_eq!(dst.get_bytes(&root).unwrap(), data);
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fetch_fails_clearly_when_no_provider_is_left() {
    bounded(async {
        let (src_dir, dst_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let src = open_store(&src_dir);
        let (_empty, empty) = start_provider(Counting::new(src)).await;
        // A port nobody listens on.
        let closed_port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let gone = Provider {
            peer: Keypair::generate_ed25519().public().to_peer_id(),
            addr: format!("/ip4/127.0.0.1/tcp/{closed_port}").parse().unwrap(),
        };
        let dst = open_store(&dst_dir);
        let node = client().await;
        let root = ArtifactId([7; 32]);
        let err = fetch(
            &node,
            &dst,
            root,
            &[gone, empty],
            FetchOptions::default(),
            |_| {},
        )
        .await
        .unwrap_err();
        assert!(matches!(err, FetchError::Exhausted { .. }));
        let text = err.to_string();
        assert!(text.contains("no provider could deliver"), "{text}");
        assert!(
            text.contains("unreachable") && text.contains("does not have it"),
            "{text}"
        );
        let err = fetch(&node, &dst, root, &[], FetchOptions::default(), |_| {})
            .await
            .unwrap_err();
        assert!(matches!(err, FetchError::NoProviders(_)));
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn node_listening_on_all_interfaces_reports_every_address() {
    bounded(async {
        let any: Multiaddr = "/ip4/0.0.0.0/tcp/0".parse().unwrap();
        let node = Node::start(Keypair::generate_ed25519(), &[any], None)
            .await
            .expect("node starts");
        let addrs = node.listen_addrs();
        assert!(
            addrs
                .iter()
                .any(|a| a.to_string().starts_with("/ip4/127.0.0.1/tcp/")),
            "{addrs:?}"
        );
        let suffix = format!("/p2p/{}", node.peer_id());
        assert!(node
            .dial_addrs()
            .iter()
            .all(|a| a.to_string().ends_with(&suffix)));
    })
    .await
}

mod cli {
    //! The real binary: `store add`, `serve` (a child process, killed at the end), `fetch`.
    use std::io::{BufRead, BufReader};
    use std::path::Path;
    use std::process::{Child, Command, Output, Stdio};
    use std::time::{Duration, Instant};

    fn worker() -> Command {
        Command::new(env!("CARGO_BIN_EXE_mlchain-worker"))
    }

    /// Runs a command to completion, killing it after `limit`.
    fn run(mut command: Command, limit: Duration) -> Output {
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let started = Instant::now();
        while child.try_wait().unwrap().is_none() {
            if started.elapsed() > limit {
                let _ = child.kill();
                panic!("{command:?} did not finish within {limit:?}");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        child.wait_with_output().unwrap()
    }

    fn ok(out: &Output) -> String {
        assert!(
            out.status.success(),
            "exit {:?}\nstdout: {}\nstderr: {}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// A `serve` child, killed when dropped.
    struct Server {
        child: Child,
        peer_id: String,
        addr: String,
    }

    impl Drop for Server {
        fn drop(&mut self) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }

    fn serve(store: &Path) -> Server {
        let mut child = worker()
            .args(["serve", "--listen", "/ip4/127.0.0.1/tcp/0", "--store"])
            .arg(store)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut server = Server {
            child,
            peer_id: String::new(),
            addr: String::new(),
        };
        while server.addr.is_empty() {
            let line = rx
                .recv_timeout(Duration::from_secs(30))
                .expect("serve prints its addresses within 30 s");
            if let Some(id) = line.strip_prefix("peer id") {
                server.peer_id = id.trim().to_string();
            } else if let Some(addr) = line.strip_prefix("listening") {
                server.addr = addr.trim().to_string();
            }
        }
        server
    }

    #[test]
    fn serve_and_fetch_move_an_artifact_between_two_stores() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        let file = dir.path().join("model.bin");
        let data = super::artifact_bytes(2 * 1024 * 1024 + 4321, 42);
        std::fs::write(&file, &data).unwrap();
        let limit = Duration::from_secs(60);

        let mut add = worker();
        add.args(["store", "add", "--kind", "model", "--store"])
            .arg(&a)
            .arg(&file);
        let root = ok(&run(add, limit))
            .split_whitespace()
            .next()
            .unwrap()
            .to_string();
        assert_eq!(root.len(), 64);

        let server = serve(&a);
        assert!(
            server.addr.ends_with(&format!("/p2p/{}", server.peer_id)),
            "{}",
            server.addr
        );
        let out = dir.path().join("fetched.bin");
        let mut fetch = worker();
        fetch
            .args(["fetch", &root, "--from", &server.addr, "--store"])
            .arg(&b)
            .arg("--out")
            .arg(&out);
        let text = ok(&run(fetch, limit));
        assert!(text.contains("3 of 3 chunks downloaded"), "{text}");
        assert_eq!(std::fs::read(&out).unwrap(), data);

        let mut ls = worker();
        ls.args(["store", "ls", "--store"]).arg(&b);
        let listing = ok(&run(ls, limit));
        assert!(
            listing.contains(&root) && listing.contains("model"),
            "{listing}"
        );
        let mut get = worker();
        let copy = dir.path().join("copy.bin");
        get.args(["store", "get", &root, "--store"])
            .arg(&b)
            .arg("--out")
            .arg(&copy);
        ok(&run(get, limit));
        assert_eq!(std::fs::read(&copy).unwrap(), data);
        let mut gc = worker();
        gc.args(["store", "gc", "--store"]).arg(&b);
        assert!(ok(&run(gc, limit)).contains("removed 0 artifacts"));

        // Bad input and missing artifacts end in one clear line.
        let mut bad_root = worker();
        bad_root
            .args(["fetch", "12ab", "--from", &server.addr, "--store"])
            .arg(&b);
        let out_bad = run(bad_root, limit);
        assert!(!out_bad.status.success());
        assert!(String::from_utf8_lossy(&out_bad.stderr).contains("64 hex digits"));
        let mut unknown = worker();
        unknown
            .args(["fetch", &"ab".repeat(32), "--from", &server.addr, "--store"])
            .arg(&b);
        let out_unknown = run(unknown, limit);
        assert_eq!(out_unknown.status.code(), Some(1));
        let err = String::from_utf8_lossy(&out_unknown.stderr);
        assert!(
            err.contains("no provider could deliver") && err.contains("does not have it"),
            "{err}"
        );
        let mut no_peer_id = worker();
        no_peer_id
            .args(["fetch", &root, "--from", "/ip4/127.0.0.1/tcp/1", "--store"])
            .arg(&b);
        let out_no_id = run(no_peer_id, limit);
        assert!(String::from_utf8_lossy(&out_no_id.stderr).contains("/p2p/<peer id>"));

        // Killed and restarted, the server keeps its peer id (the key is in the store dir).
        let (peer_id, addr) = (server.peer_id.clone(), server.addr.clone());
        drop(server);
        let mut unreachable = worker();
        unreachable
            .args(["fetch", &"cd".repeat(32), "--from", &addr, "--store"])
            .arg(&b);
        let out_gone = run(unreachable, limit);
        assert_eq!(out_gone.status.code(), Some(1));
        assert!(String::from_utf8_lossy(&out_gone.stderr).contains("unreachable"));
        let again = serve(&a);
        assert_eq!(again.peer_id, peer_id);
    }
}
