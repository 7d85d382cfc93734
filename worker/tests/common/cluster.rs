//! A local mlchain network as processes on 127.0.0.1: a `--dev` node and `mlchain-worker`
//! processes playing the data owner, the requester, the worker and the verifiers. Shared by
//! the end-to-end tests (`tests/network.rs`) and the demo (`examples/network_demo.rs`).
//!
//! Every process writes its output to `<temp dir>/<name>.log` (and, with `echo`, also to the
//! terminal, each line prefixed with the process's name); every process is killed when the
//! cluster is dropped.
#![allow(dead_code)]

use mlchain_testkit::{Node, NodeConfig};
use mlchain_worker::chain::{key, Balance, Chain};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The `mlchain-node` binary next to `worker_bin` (the same build): `cargo test --workspace`
/// builds it before running any test; alone, run `cargo build -p mlchain-node`.
pub fn node_bin_beside(worker_bin: &Path) -> PathBuf {
    let bin = worker_bin.with_file_name("mlchain-node");
    assert!(bin.exists(), "{} is missing: build it with `cargo build -p mlchain-node`", bin.display());
    bin
}

/// One long-running `mlchain-worker` process.
struct Proc {
    name: String,
    child: Child,
}

/// The node, a working directory and the processes started so far.
pub struct Cluster {
    pub node: Node,
    pub dir: tempfile::TempDir,
    worker_bin: PathBuf,
    echo: bool,
    procs: Vec<Proc>,
}

/// What the data owner set up: the two registry entries, the demo spec and the address the
/// owner serves its data on.
pub struct Market {
    pub train_entry: u64,
    pub eval_entry: u64,
    pub spec: PathBuf,
    pub owner_peer: String,
}

/// Verification windows of the local network, in blocks.
pub const WINDOWS: [u32; 3] = [10, 5, 3];

impl Cluster {
    /// Starts a `--dev` node and waits for its first finalized block; `mlchain-worker`
    /// processes will run `worker_bin`.
    pub async fn start(node_bin: PathBuf, worker_bin: PathBuf, echo: bool) -> Cluster {
        let mut node = Node::start(NodeConfig::dev(node_bin)).expect("start the node");
        let rpc = node.rpc(Duration::from_secs(60)).await.expect("node RPC");
        rpc.wait_for_finalized(1, Duration::from_secs(60)).await.expect("first finalized block");
        let dir = tempfile::Builder::new().prefix("mlchain-network-").tempdir().expect("temp dir");
        Cluster { node, dir, worker_bin, echo, procs: Vec::new() }
    }

    pub fn ws(&self) -> String {
        self.node.ws_url()
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn log_path(&self, name: &str) -> PathBuf {
        self.path(&format!("{name}.log"))
    }

    /// Everything process `name` printed so far.
    pub fn log(&self, name: &str) -> String {
        std::fs::read_to_string(self.log_path(name)).unwrap_or_default()
    }

    /// The logs of every process, for a failing test's message.
    pub fn all_logs(&self) -> String {
        let mut out = String::new();
        for p in &self.procs {
            out += &format!("\n===== {} =====\n{}", p.name, self.log(&p.name));
        }
        out + &format!("\n===== node (tail) =====\n{}", self.node.log_tail(40))
    }

    fn command(&self, name: &str, args: &[&str]) -> (Command, Arc<Mutex<std::fs::File>>) {
        let mut cmd = Command::new(&self.worker_bin);
        cmd.args(args).stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
        let log = std::fs::File::options().create(true).append(true).open(self.log_path(name)).expect("log file");
        (cmd, Arc::new(Mutex::new(log)))
    }

    /// Copies `stream` line by line to the log (and the terminal with `echo`).
    fn pipe(&self, name: &str, stream: impl std::io::Read + Send + 'static, log: Arc<Mutex<std::fs::File>>) {
        let (name, echo) = (name.to_owned(), self.echo);
        std::thread::spawn(move || {
            for line in BufReader::new(stream).lines().map_while(Result::ok) {
                if echo {
                    println!("{:>9} | {line}", name);
                }
                let _ = writeln!(log.lock().expect("log lock"), "{line}");
            }
        });
    }

    /// Runs `mlchain-worker ARGS` to completion and returns what it printed; panics with its
    /// output if it fails.
    pub fn run(&self, name: &str, args: &[&str]) -> String {
        let (mut cmd, log) = self.command(name, args);
        let mut child = cmd.spawn().expect("spawn mlchain-worker");
        self.pipe(name, child.stdout.take().expect("stdout"), log.clone());
        self.pipe(name, child.stderr.take().expect("stderr"), log);
        let status = child.wait().expect("wait for mlchain-worker");
        // The pipe threads finish when the process's output closes.
        std::thread::sleep(Duration::from_millis(100));
        let output = self.log(name);
        assert!(status.success(), "`mlchain-worker {}` failed:\n{output}", args.join(" "));
        output
    }

    /// Starts a long-running `mlchain-worker ARGS` as `name`.
    pub fn spawn(&mut self, name: &str, args: &[&str]) {
        let (mut cmd, log) = self.command(name, args);
        let mut child = cmd.spawn().expect("spawn mlchain-worker");
        self.pipe(name, child.stdout.take().expect("stdout"), log.clone());
        self.pipe(name, child.stderr.take().expect("stderr"), log);
        self.procs.push(Proc { name: name.to_owned(), child });
    }

    /// Kills process `name` at once (SIGKILL).
    pub fn kill(&mut self, name: &str) {
        if let Some(p) = self.procs.iter_mut().find(|p| p.name == name) {
            let _ = p.child.kill();
            let _ = p.child.wait();
        }
    }

    /// Waits until process `name` has exited; its exit code.
    pub fn wait(&mut self, name: &str, timeout: Duration) -> Option<i32> {
        let start = Instant::now();
        while start.elapsed() < timeout {
            if let Some(p) = self.procs.iter_mut().find(|p| p.name == name) {
                if let Ok(Some(status)) = p.child.try_wait() {
                    return status.code();
                }
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        None
    }

    /// Waits until `name`'s log contains `text`; the log.
    pub fn wait_for_log(&self, name: &str, text: &str, timeout: Duration) -> String {
        let start = Instant::now();
        loop {
            let log = self.log(name);
            if log.contains(text) {
                return log;
            }
            assert!(start.elapsed() < timeout, "`{text}` did not appear in {name}'s output:{}", self.all_logs());
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// Root shortens the windows; Ferdie stores, registers and serves the demo's two datasets.
    pub fn open_market(&mut self) -> Market {
        self.open_market_with(WINDOWS, 256)
    }

    /// [`Cluster::open_market`] with other verification windows (commit, reveal, appeal) and
    /// `rows` examples per dataset.
    pub fn open_market_with(&mut self, windows: [u32; 3], rows: usize) -> Market {
        let ws = self.ws();
        let [commit, reveal, appeal] = windows.map(|w| w.to_string());
        self.run("admin", &["admin", "set-windows", "--node", &ws, "--suri", "//Alice", "--commit", &commit, "--reveal", &reveal, "--appeal", &appeal]);
        let data = self.path("data");
        self.run("generate", &["data", "generate", "--out", data.to_str().unwrap(), "--rows", &rows.to_string()]);
        let owner = self.path("ferdie");
        let (train, eval) = (data.join("train.safetensors"), data.join("eval.safetensors"));
        let out = self.run(
            "ferdie-add",
            &["data", "add", train.to_str().unwrap(), eval.to_str().unwrap(), "--node", &ws, "--suri", "//Ferdie",
              "--dir", owner.to_str().unwrap(), "--price", "2", "--royalty-bps", "1000"],
        );
        let entries: Vec<u64> = out
            .lines()
            .filter_map(|l| l.split(" registered as entry ").nth(1))
            .filter_map(|rest| rest.split(':').next()?.parse().ok())
            .collect();
        assert_eq!(entries.len(), 2, "two entries registered:\n{out}");
        let owner_peer = self.serve("ferdie", &owner, &[]);
        Market { train_entry: entries[0], eval_entry: entries[1], spec: data.join("spec.json"), owner_peer }
    }

    /// Starts `serve` as `name` on the store and key in `dir` (as `data add --dir` leaves
    /// them); the address to fetch from, `MULTIADDR/p2p/PEERID`.
    pub fn serve(&mut self, name: &str, dir: &Path, extra: &[&str]) -> String {
        let (store, key) = (dir.join("store"), dir.join("node.key"));
        let mut args = vec!["serve", "--store", store.to_str().unwrap(), "--key", key.to_str().unwrap(), "--listen", "/ip4/127.0.0.1/tcp/0"];
        args.extend_from_slice(extra);
        self.spawn(name, &args);
        let log = self.wait_for_log(name, "listening", Duration::from_secs(30));
        log.lines()
            .find_map(|l| l.strip_prefix("listening").map(|a| a.trim().to_owned()))
            .expect("a listen address")
    }

    /// Starts a worker (`role` worker or verifier) daemon for dev account `who`, logging as
    /// `who` in lower case. `extra` comes before the data owner's `--peer`, so peers in it are
    /// asked first.
    pub fn start_daemon(&mut self, who: &str, role: &str, market: &Market, extra: &[&str]) {
        self.start_daemon_as(&who.to_lowercase(), who, role, market, extra);
    }

    /// [`Cluster::start_daemon`] logging as `name`: a daemon started again keeps its
    /// directory (`who` in lower case) under a new name.
    pub fn start_daemon_as(&mut self, name: &str, who: &str, role: &str, market: &Market, extra: &[&str]) {
        let ws = self.ws();
        let dir = self.path(&who.to_lowercase());
        let suri = format!("//{who}");
        let mut args = vec!["run", "--role", role, "--node", &ws, "--suri", &suri, "--dir", dir.to_str().unwrap(), "--threads", "1"];
        args.extend_from_slice(extra);
        args.extend_from_slice(&["--peer", &market.owner_peer]);
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        let args: Vec<&str> = args.iter().map(|s| s.as_str()).collect();
        self.spawn(name, &args);
    }

    /// Alice posts the demo task (reward 20 MLC) and follows it to its end; her output.
    pub fn submit_and_wait(&self, market: &Market) -> String {
        self.run("alice", &self.submit_args(market).iter().map(String::as_str).collect::<Vec<_>>())
    }

    /// Alice posts the demo task and follows it in the background, logging as `alice`.
    pub fn submit_in_background(&mut self, market: &Market) {
        let args = self.submit_args(market);
        self.spawn("alice", &args.iter().map(String::as_str).collect::<Vec<_>>());
    }

    /// [`Cluster::submit_in_background`] with a worker bond of `worker_bond` MLC instead of 100.
    pub fn submit_in_background_with_bond(&mut self, market: &Market, worker_bond: u32) {
        let args = self.submit_args_with_bond(market, worker_bond);
        self.spawn("alice", &args.iter().map(String::as_str).collect::<Vec<_>>());
    }

    fn submit_args(&self, market: &Market) -> Vec<String> {
        self.submit_args_with_bond(market, 100)
    }

    fn submit_args_with_bond(&self, market: &Market, worker_bond: u32) -> Vec<String> {
        let (train, eval, bond) = (market.train_entry.to_string(), market.eval_entry.to_string(), worker_bond.to_string());
        let checks = self.dir.path().join("alice-checks");
        ["submit", "--node", &self.ws(), "--suri", "//Alice", "--spec", market.spec.to_str().unwrap(), "--train-data", &train,
         "--eval-data", &eval, "--reward", "20", "--worker-bond", &bond, "--claim-within", "200", "--execution", "200", "--wait",
         "--check-accepts", checks.to_str().unwrap(), "--peer", &market.owner_peer, "--threads", "1"]
            .map(String::from)
            .to_vec()
    }

    /// Free balance of dev account `who`.
    pub async fn free(&self, who: &str) -> Balance {
        let chain = Chain::connect(&self.ws(), key::from_suri("//Alice").unwrap()).await.expect("connect");
        let account = key::from_suri(&format!("//{who}")).expect("dev key").public_key().to_account_id();
        chain.free_balance(&account).await.expect("balance")
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        for p in &mut self.procs {
            let _ = p.child.kill();
            let _ = p.child.wait();
        }
    }
}
