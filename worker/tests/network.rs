//! End to end on 127.0.0.1: a `--dev` node and `mlchain-worker` processes for the data owner
//! (Ferdie), the requester (Alice), the worker (Bob) and three verifiers (Charlie, Dave, Eve).
//! Each test takes a few minutes of 3-second blocks: the committee waits for the next epoch's
//! randomness, then commits (10 blocks), reveals (5) and the appeal window runs (3).
//!
//! Needs the node binary of the same build: `cargo test --workspace` builds it; alone, run
//! `cargo build -p mlchain-node` first.
#[path = "common/cluster.rs"]
mod cluster;

use cluster::{node_bin_beside, Cluster, Market};
use mlchain_worker::chain::UNIT;
use std::path::PathBuf;
use std::time::Duration;

const VERIFIERS: [&str; 3] = ["Charlie", "Dave", "Eve"];

async fn cluster() -> Cluster {
    let worker = PathBuf::from(env!("CARGO_BIN_EXE_mlchain-worker"));
    Cluster::start(node_bin_beside(&worker), worker, false).await
}

/// Makes every verifier replay every segment (q = S/K), so that a fault is always sampled and
/// a lie is always contradicted: the tests then do not depend on the committee's draw.
fn replay_everything(market: &Market) {
    let text = std::fs::read_to_string(&market.spec).unwrap();
    let mut spec: serde_json::Value = serde_json::from_str(&text).unwrap();
    let segments = spec["total_steps"].as_u64().unwrap() / spec["checkpoint_interval"].as_u64().unwrap();
    spec["segments_per_verifier"] = segments.into();
    std::fs::write(&market.spec, serde_json::to_string_pretty(&spec).unwrap()).unwrap();
}

fn lines_with<'a>(log: &'a str, text: &str) -> Vec<&'a str> {
    log.lines().filter(|l| l.contains(text)).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_honest_run_is_verified_and_everyone_is_paid_as_the_runtime_says() {
    let mut cluster = cluster().await;
    let market = cluster.open_market();
    cluster.start_daemon("Bob", "worker", &market, &["--max-tasks", "1"]);
    for v in VERIFIERS {
        cluster.start_daemon(v, "verifier", &market, &["--max-tasks", "1"]);
    }
    let owner_before = cluster.free("Ferdie").await;
    let log = tokio::task::block_in_place(|| cluster.submit_and_wait(&market));

    // Reward 50: 10 % royalty to the training entry (5), 10 % of the rest to the evaluation
    // entry (4.5); both entries cost 2; each verifier earns the 1 MLC fee.
    assert!(log.contains("ACCEPTED: worker") && log.contains("paid 40.5 MLC"), "{log}{}", cluster.all_logs());
    assert_eq!(lines_with(&log, "paid 1 MLC, slashed 0 MLC").len(), 3, "{log}");
    assert_eq!(lines_with(&log, "revealed Accept").len(), 3, "{log}");
    assert_eq!(cluster.free("Ferdie").await - owner_before, 2 * UNIT + 5 * UNIT + 2 * UNIT + 4 * UNIT + UNIT / 2);
    for name in ["bob", "charlie", "dave", "eve"] {
        assert_eq!(cluster.wait(name, Duration::from_secs(60)), Some(0), "{name} exits after its task:{}", cluster.all_logs());
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_worker_that_commits_a_corrupted_checkpoint_is_rejected_and_slashed() {
    let mut cluster = cluster().await;
    let market = cluster.open_market();
    replay_everything(&market);
    cluster.start_daemon("Bob", "worker", &market, &["--cheat", "corrupt-checkpoint=3"]);
    for v in VERIFIERS {
        cluster.start_daemon(v, "verifier", &market, &["--max-tasks", "1"]);
    }
    // The task is reopened after the rejection (its claim window lasts), so the requester's
    // follower keeps running: watch its output instead of waiting for it to end.
    let ws = cluster.ws();
    let (train, eval) = (market.train_entry.to_string(), market.eval_entry.to_string());
    cluster.spawn(
        "alice",
        &["submit", "--node", &ws, "--suri", "//Alice", "--spec", market.spec.to_str().unwrap(), "--train-data", &train,
          "--eval-data", &eval, "--reward", "50", "--worker-bond", "100", "--claim-within", "200", "--execution", "200", "--wait"],
    );
    let log = cluster.wait_for_log("alice", "REJECTED", Duration::from_secs(420));
    // Half of the 100 MLC bond; the verifiers that proved the fault share half of that.
    assert!(log.contains("slashed 50 MLC"), "{log}");
    assert_eq!(lines_with(&log, "revealed Reject").len(), 3, "every verifier replays segment 2: {log}");
    assert_eq!(lines_with(&log, "paid 1 MLC, slashed 0 MLC").len(), 3, "{log}");
    assert!(log.contains("task reopened"), "{log}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_verifier_that_lies_is_outvoted_and_slashed() {
    let mut cluster = cluster().await;
    let market = cluster.open_market();
    replay_everything(&market);
    cluster.start_daemon("Bob", "worker", &market, &["--max-tasks", "1"]);
    cluster.start_daemon("Charlie", "verifier", &market, &["--max-tasks", "1", "--lie"]);
    cluster.start_daemon("Dave", "verifier", &market, &["--max-tasks", "1"]);
    cluster.start_daemon("Eve", "verifier", &market, &["--max-tasks", "1"]);
    let log = tokio::task::block_in_place(|| cluster.submit_and_wait(&market));
    assert!(log.contains("ACCEPTED: worker"), "{log}{}", cluster.all_logs());
    // 20 % of the 100 MLC verifier bond.
    assert_eq!(lines_with(&log, "paid 0 MLC, slashed 20 MLC").len(), 1, "{log}");
    assert_eq!(lines_with(&log, "paid 1 MLC, slashed 0 MLC").len(), 2, "{log}");
    assert!(log.contains("not upheld"), "{log}");
}
