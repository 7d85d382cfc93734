//! README command 1: a training task on a local network, from submission to payout.
//!
//! Starts a `--dev` node and, as separate `mlchain-worker` processes on 127.0.0.1, a data owner
//! (Ferdie) serving two generated datasets, a worker (Bob) and three verifiers (Charlie, Dave,
//! Eve); then Alice posts a task and follows it. Every process's output is shown, prefixed with
//! its name; at the end the balances are compared with those before the task.
//!
//! `cargo run -p mlchain-worker --example network_demo -- --worker PATH [--node PATH]`
#[path = "../tests/common/cluster.rs"]
mod cluster;

use cluster::{node_bin_beside, Cluster};
use mlchain_worker::roles::mlc;
use std::path::PathBuf;

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let mut worker = None;
    let mut node = None;
    while let Some(flag) = args.next() {
        match flag.as_str() {
            "--worker" => worker = args.next().map(PathBuf::from),
            "--node" => node = args.next().map(PathBuf::from),
            other => panic!("unknown argument {other}: use --worker PATH [--node PATH]"),
        }
    }
    let worker = worker.expect("--worker PATH of the mlchain-worker binary");
    let node = node.unwrap_or_else(|| node_bin_beside(&worker));

    println!("== starting a --dev node (Alice validates and holds the sudo key)");
    let mut cluster = Cluster::start(node, worker, true).await;
    println!("== node at {}; root shortens the verification windows, Ferdie registers data", cluster.ws());
    let market = cluster.open_market();
    let people = ["Alice", "Bob", "Charlie", "Dave", "Eve", "Ferdie"];
    let mut before = Vec::new();
    for who in people {
        before.push(cluster.free(who).await);
    }
    println!("== Bob runs a worker, Charlie, Dave and Eve run verifiers");
    cluster.start_daemon("Bob", "worker", &market, &["--max-tasks", "1"]);
    for v in ["Charlie", "Dave", "Eve"] {
        cluster.start_daemon(v, "verifier", &market, &["--max-tasks", "1"]);
    }
    println!("== Alice posts a task: train an MLP on entry {} and evaluate on entry {}, reward 20 MLC", market.train_entry, market.eval_entry);
    tokio::task::block_in_place(|| cluster.submit_and_wait(&market));
    println!("== balances (free) before the task and after it; differences include transaction fees and bonds");
    for (who, before) in people.iter().zip(before) {
        let after = cluster.free(who).await;
        let change = if after >= before { format!("+{}", mlc(after - before)) } else { format!("-{}", mlc(before - after)) };
        println!("{who:>8}: {:>24} -> {:>24}  ({change})", mlc(before), mlc(after));
    }
}
