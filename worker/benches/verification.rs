//! Verification work as a fraction of training work, on a 1000-segment task.
//!
//! The worker trains the whole run once: S steps, writing a checkpoint every K steps. A
//! verifier replays `segments_per_verifier` (q) segments of K steps from the committed
//! checkpoints, as many more it witnesses for its partner (2q in all, with their loss
//! witnesses), and evaluates the final model; the committee has `verifier_count` (V)
//! verifiers. This measures, in one run on one thread:
//! - `train`: the worker's whole run (S steps and S/K + 1 checkpoints written);
//! - `replay one segment`: the median of 9 randomly placed segment replays;
//! - `evaluate`: the final model on the evaluation set;
//! - the baseline, `replay all`: re-executing every segment, which is what checking a run
//!   without checkpoints would cost;
//!
//! and prints one verifier's and the whole committee's work as fractions of `train`.
//!
//!   cargo bench -p mlchain-worker --bench verification [-- SEGMENTS]
//!
//! (default 1000 segments of K = 5 steps of the demo MLP). Results are in docs/benchmarks.md
//! ("Verification work").
use mlchain_worker::checkpoint::{load_model, Checkpoint};
use mlchain_worker::eval::{evaluate, model_from_params};
use mlchain_worker::replay::replay_segment;
use mlchain_worker::synthetic::demo_task;
use mlchain_worker::train::{checkpoint_path, pool, train_run};
use std::time::{Duration, Instant};

fn seconds(d: Duration) -> f64 {
    d.as_secs_f64()
}

fn main() {
    // `cargo bench` passes `--bench`; the first number among the arguments is the segment count.
    let segments: u32 = std::env::args().skip(1).find_map(|a| a.parse().ok()).unwrap_or(1000);
    let (mut spec, train, eval) = demo_task(2048);
    spec.checkpoint_interval = 5;
    spec.total_steps = segments * spec.checkpoint_interval;
    let (q, v) = (spec.segments_per_verifier, spec.verifier_count);
    let (train, eval) = (std::sync::Arc::new(train), std::sync::Arc::new(eval));
    let dir = tempfile::tempdir().expect("temp dir");
    let pool = pool(1).expect("thread pool");
    pool.install(|| {
        println!("task: {segments} segments of {} steps (S = {}), q = {q}, V = {v}", spec.checkpoint_interval, spec.total_steps);

        let started = Instant::now();
        let record = train_run(&spec, train.clone(), dir.path(), |_, _| {}).expect("train");
        let train_time = started.elapsed();
        assert_eq!(record.leaves.len() as u32, segments + 1);

        // Segments spread over the run (a fixed stride, so runs are comparable).
        let mut one = Vec::new();
        for i in 0..9u32 {
            let segment = (i * 7919 + 13) % segments;
            let start = Checkpoint::load(&checkpoint_path(dir.path(), segment as usize)).expect("checkpoint");
            let started = Instant::now();
            let leaf = replay_segment(&spec, train.clone(), &start).expect("replay");
            one.push(started.elapsed());
            assert_eq!(mlchain_primitives::hash::to_hex(&leaf), record.leaves[segment as usize + 1], "segment {segment} replays");
        }
        one.sort();
        let segment_time = one[one.len() / 2];

        let started = Instant::now();
        let params = load_model(&checkpoint_path(dir.path(), segments as usize)).expect("final checkpoint");
        evaluate(&spec, &model_from_params(&spec, &params).expect("model"), &eval).expect("evaluate");
        let eval_time = started.elapsed();

        let started = Instant::now();
        for segment in 0..segments {
            let start = Checkpoint::load(&checkpoint_path(dir.path(), segment as usize)).expect("checkpoint");
            replay_segment(&spec, train.clone(), &start).expect("replay");
        }
        let all_time = started.elapsed();

        // Its own q segments and its partner's q, witnessed.
        let verifier = segment_time * (2 * q) + eval_time;
        let committee = verifier * v;
        println!("train (worker)            {:>10.3} s", seconds(train_time));
        println!("replay one segment        {:>10.3} ms (median of 9)", seconds(segment_time) * 1e3);
        println!("evaluate final model      {:>10.3} ms", seconds(eval_time) * 1e3);
        println!("replay all (baseline)     {:>10.3} s  = {:.3} x train", seconds(all_time), seconds(all_time) / seconds(train_time));
        println!("one verifier (2q + eval)  {:>10.3} ms = {:.5} of train", seconds(verifier) * 1e3, seconds(verifier) / seconds(train_time));
        println!("committee (V verifiers)   {:>10.3} ms = {:.5} of train", seconds(committee) * 1e3, seconds(committee) / seconds(train_time));
        println!("expected from counts      2q/N = {:.5}, 2V*q/N = {:.5}", (2 * q) as f64 / segments as f64, (2 * v * q) as f64 / segments as f64);
    });
}
