//! End to end on 127.0.0.1: a `--dev` node and `mlchain-worker` processes for the data owner
//! (Ferdie), the requester (Alice), the worker (Bob) and three verifiers (Charlie, Dave, Eve).
//! Each test takes a few minutes of 3-second blocks: the committee waits for the second epoch
//! change after the submission, then commits (10 blocks), reveals (5) and the appeal window
//! runs (3); an escalation waits for randomness again and adds a commit and a reveal window.
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

    // Reward 20: 10 % royalty to the training entry (2), 10 % of the rest to the evaluation
    // entry (1.8); both entries cost 2; each verifier earns the 1 MLC fee.
    assert!(log.contains("ACCEPTED: worker") && log.contains("paid 16.2 MLC"), "{log}{}", cluster.all_logs());
    assert_eq!(lines_with(&log, "paid 1 MLC, slashed 0 MLC").len(), 3, "{log}");
    assert_eq!(lines_with(&log, "revealed Accept").len(), 3, "{log}");
    assert_eq!(cluster.free("Ferdie").await - owner_before, 2 * UNIT + 2 * UNIT + 2 * UNIT + UNIT * 18 / 10);
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
    cluster.submit_in_background(&market);
    let log = cluster.wait_for_log("alice", "REJECTED", Duration::from_secs(420));
    // Half of the 100 MLC bond; the verifiers that proved the fault share half of that.
    assert!(log.contains("slashed 50 MLC"), "{log}");
    assert_eq!(lines_with(&log, "revealed Reject").len(), 3, "every verifier replays segment 2: {log}");
    assert_eq!(lines_with(&log, "paid 1 MLC, slashed 0 MLC").len(), 3, "{log}");
    assert!(log.contains("task reopened"), "{log}");
}

/// Three more verifiers (the dev stash accounts), so that an escalation finds fresh seats.
const ESCALATION: [(&str, &str); 3] = [("charlie-stash", "Charlie//stash"), ("dave-stash", "Dave//stash"), ("eve-stash", "Eve//stash")];

/// A worker that breaks its promise to serve: the verifiers report the data unserved instead
/// of falling silent (which used to get them slashed as absent), fresh verifiers confirm, and
/// the worker is slashed as for a fake while every honest verifier keeps its bond.
async fn a_withholding_worker_is_slashed(cheat: &str) {
    let mut cluster = cluster().await;
    let market = cluster.open_market();
    replay_everything(&market);
    cluster.start_daemon("Bob", "worker", &market, &["--cheat", cheat]);
    for v in VERIFIERS {
        cluster.start_daemon(v, "verifier", &market, &[]);
    }
    for (name, who) in ESCALATION {
        cluster.start_daemon_as(name, who, "verifier", &market, &[]);
    }
    cluster.submit_in_background(&market);
    let log = cluster.wait_for_log("alice", "REJECTED", Duration::from_secs(600));
    assert!(log.contains("that the worker did not serve"), "{log}{}", cluster.all_logs());
    assert!(log.contains("fresh verifiers"), "the round escalated: {log}");
    assert!(log.contains("slashed 50 MLC"), "half of the 100 MLC bond: {log}");
    // Settlement lines only ("[block N] verifier X paid .., slashed .."), not the fee announcement.
    let settled = lines_with(&log, "] verifier ").into_iter().filter(|l| l.contains(", slashed ")).collect::<Vec<_>>();
    assert!(settled.len() >= 6, "the committee and the escalation seats are settled: {log}");
    assert!(settled.iter().all(|l| l.contains("slashed 0 MLC")), "no honest verifier is slashed: {log}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_worker_that_serves_nothing_is_slashed_and_no_verifier_loses_its_bond() {
    a_withholding_worker_is_slashed("withhold-all").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_worker_that_withholds_only_its_faked_checkpoints_is_slashed() {
    a_withholding_worker_is_slashed("withhold-corrupted=3").await;
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

/// A committee of one: Charlie alone replays every segment and lies. One juror decides
/// nothing: the round escalates to three honest verifiers who registered after the first
/// draw, they replay the disputed segment and accept, Charlie is slashed and the worker is paid
/// without having to appeal; the requester replays the disputed segment too and does not
/// appeal.
#[tokio::test(flavor = "multi_thread")]
async fn a_lone_lying_verifier_cannot_get_an_honest_run_rejected() {
    let mut cluster = cluster().await;
    let market = cluster.open_market();
    replay_everything(&market);
    let text = std::fs::read_to_string(&market.spec).unwrap();
    let mut spec: serde_json::Value = serde_json::from_str(&text).unwrap();
    spec["verifier_count"] = 1.into();
    std::fs::write(&market.spec, serde_json::to_string_pretty(&spec).unwrap()).unwrap();
    // One seat catches less, so the chain asks a larger worker bond (about 108 MLC for 20).
    cluster.start_daemon("Bob", "worker", &market, &["--max-tasks", "1", "--bond", "400"]);
    cluster.start_daemon("Charlie", "verifier", &market, &["--max-tasks", "1", "--lie"]);
    cluster.submit_in_background_with_bond(&market, 300);
    cluster.wait_for_log("alice", "committee drawn", Duration::from_secs(300));
    for v in ["Dave", "Eve"] {
        cluster.start_daemon(v, "verifier", &market, &["--max-tasks", "1"]);
    }
    cluster.start_daemon_as("dave-stash", "Dave//stash", "verifier", &market, &["--max-tasks", "1"]);
    let log = cluster.wait_for_log("alice", "ACCEPTED: worker", Duration::from_secs(600));
    assert!(log.contains("fresh verifiers"), "the lone reject escalated:{log}{}", cluster.all_logs());
    assert!(!cluster.log("bob").contains("appealed task"), "no appeal was needed:{}", cluster.log("bob"));
    // The requester checks an accept that overrode a reject before letting it stand.
    assert!(log.contains("accepted over a dispute; replaying segments"), "{log}");
    assert!(!log.contains("requester: appealed"), "{log}");
    assert!(log.contains("paid 16.2 MLC"), "{log}");
    assert_eq!(lines_with(&log, "paid 0 MLC, slashed 20 MLC").len(), 1, "Charlie alone is slashed: {log}");
    assert_eq!(lines_with(&log, "paid 1 MLC, slashed 0 MLC").len(), 3, "the escalation seats are paid: {log}");
}

/// Issue 15: a lazy verifier ends the task poorer than the honest ones. Charlie accepts
/// without fetching or replaying anything (`--lazy`, his witnesses guessed); Dave and Eve
/// replay the same segments and report the witnesses of their replays, which agree. The chain
/// compares the three: two of three settle every segment, Charlie is judged wrong and
/// slashed, the run is accepted and Dave and Eve are paid.
#[tokio::test(flavor = "multi_thread")]
async fn a_lazy_verifier_ends_the_task_poorer_than_the_honest_ones() {
    let mut cluster = cluster().await;
    let market = cluster.open_market();
    replay_everything(&market);
    cluster.start_daemon("Bob", "worker", &market, &["--max-tasks", "1"]);
    cluster.start_daemon("Charlie", "verifier", &market, &["--max-tasks", "1", "--lazy"]);
    for v in ["Dave", "Eve"] {
        cluster.start_daemon(v, "verifier", &market, &["--max-tasks", "1"]);
    }
    cluster.submit_in_background(&market);
    let log = cluster.wait_for_log("alice", "ACCEPTED: worker", Duration::from_secs(600));
    assert!(log.contains("replay witnesses agree; the others did not replay it"), "{log}{}", cluster.all_logs());
    let settled = lines_with(&log, "] verifier ").into_iter().filter(|l| l.contains(", slashed ")).collect::<Vec<_>>();
    let slashed = settled.iter().filter(|l| l.contains("paid 0 MLC") && !l.contains("slashed 0 MLC")).count();
    assert_eq!(slashed, 1, "one verifier, the lazy one, is slashed: {log}");
    assert_eq!(lines_with(&log, "paid 1 MLC, slashed 0 MLC").len(), 2, "the two honest verifiers are paid: {log}");
}

/// `GET /metrics` of a daemon started with `--prometheus-port port`.
fn scrape(port: u16) -> String {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).expect("the metrics endpoint answers");
    stream.write_all(b"GET /metrics HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response
}

/// The first `fetching NAME… from PEER: MISSING of CHUNKS chunks` line of `log` with at least
/// `min_chunks` chunks: (NAME, MISSING, CHUNKS).
fn multi_chunk_fetch(log: &str, min_chunks: u32) -> Option<(String, u32, u32)> {
    log.lines().filter_map(|line| {
        let rest = line.strip_prefix("fetching ")?;
        let name = rest.split('…').next()?.to_owned();
        let counts = rest.split(": ").nth(1)?;
        let mut words = counts.split(' ');
        let missing = words.next()?.parse().ok()?;
        let chunks = words.nth(1)?.parse().ok()?;
        (chunks >= min_chunks).then_some((name, missing, chunks))
    }).next()
}

/// Three faults in one task, one after the other, and it still settles with everyone paid:
/// 1. Bob asks a peer that serves corrupted chunks first: he bans it and fetches from Ferdie.
/// 2. The node is killed and restarted after Bob's submission: the daemons and Alice's
///    follower reconnect.
/// 3. Charlie is killed while fetching the (multi-chunk) training data from Bob, who serves
///    slowly; started again, he downloads only the chunks he lacks.
#[tokio::test(flavor = "multi_thread")]
async fn a_task_settles_despite_a_corrupting_peer_a_node_restart_and_a_verifier_killed_mid_fetch() {
    let mut cluster = cluster().await;
    // 200,000 rows of 20 bytes: each dataset is 4 chunks of 1 MiB. A wider commit window
    // leaves time for the slow transfers and Charlie's restart.
    let market = cluster.open_market_with([30, 5, 3], 200_000);
    let mallory_dir = cluster.path("mallory");
    let copied = std::process::Command::new("cp").arg("-r").arg(cluster.path("ferdie")).arg(&mallory_dir).status().unwrap();
    assert!(copied.success(), "copy Ferdie's store for Mallory");
    std::fs::remove_file(mallory_dir.join("node.key")).unwrap();
    let mallory = cluster.serve("mallory", &mallory_dir, &["--fault", "corrupt-chunks"]);
    let mallory_peer = mallory.rsplit('/').next().unwrap().to_owned();

    let metrics_port = mlchain_testkit::free_port();
    let port = metrics_port.to_string();
    cluster.start_daemon("Bob", "worker", &market, &["--max-tasks", "1", "--peer", &mallory, "--fault", "slow-chunks=400", "--prometheus-port", &port]);
    for v in VERIFIERS {
        cluster.start_daemon(v, "verifier", &market, &["--max-tasks", "1"]);
    }
    cluster.submit_in_background(&market);

    // 1. Mallory's chunks fail their hash: Bob bans her and trains on Ferdie's copy.
    let bob = cluster.wait_for_log("bob", "submitted task", Duration::from_secs(300));
    assert!(bob.lines().any(|l| l.starts_with(&format!("dropped provider {mallory_peer} (banned)"))), "{bob}");
    let metrics = scrape(metrics_port);
    assert!(metrics.contains("mlchain_worker_tasks_submitted_total{role=\"worker\"} 1"), "{metrics}");
    assert!(metrics.contains("mlchain_worker_providers_dropped_total{role=\"worker\"} 1"), "{metrics}");

    // 2. The node goes down for a few seconds.
    cluster.node.kill();
    tokio::time::sleep(Duration::from_secs(6)).await;
    cluster.node.restart().expect("restart the node");
    cluster.node.rpc(Duration::from_secs(60)).await.expect("node RPC after the restart");

    // 3. Charlie is killed part way through the training data: once its first chunk is in
    // (Bob sends a chunk every 400 ms at most; this polls every 50 ms).
    let start = std::time::Instant::now();
    let (name, _, chunks) = loop {
        let log = cluster.log("charlie");
        if let Some((name, missing, chunks)) = multi_chunk_fetch(&log, 4) {
            if log.contains(&format!("fetched {name}…: 1/")) {
                break (name, missing, chunks);
            }
        }
        assert!(start.elapsed() < Duration::from_secs(240), "Charlie never fetched the training data:{}", cluster.all_logs());
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    cluster.kill("charlie");
    cluster.start_daemon_as("charlie-2", "Charlie", "verifier", &market, &["--max-tasks", "1"]);
    let resumed = cluster.wait_for_log("charlie-2", &format!("fetching {name}…"), Duration::from_secs(120));
    let (_, missing, again) = multi_chunk_fetch(&resumed, 4).expect("the fetch line");
    assert_eq!(again, chunks);
    assert!(missing < chunks, "the restarted fetch downloads only what is missing ({missing} of {chunks}):{}", cluster.all_logs());

    // Alice's follower exits once the task has settled.
    assert_eq!(cluster.wait("alice", Duration::from_secs(300)), Some(0), "the task is accepted:{}", cluster.all_logs());
    let alice = cluster.log("alice");
    assert!(alice.contains("ACCEPTED: worker") && alice.contains("paid 16.2 MLC"), "{alice}");
    assert_eq!(lines_with(&alice, "paid 1 MLC, slashed 0 MLC").len(), 3, "{alice}{}", cluster.all_logs());
}
