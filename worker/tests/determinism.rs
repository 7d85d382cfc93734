//! Same spec, data and seed give bit-identical checkpoints, whatever the thread count.
mod common;

use mlchain_primitives::hash::to_hex;
use mlchain_worker::train::{pool, Trainer};

/// Checkpoint hashes (hex) at steps 0, K, ..., S of a run on `threads` threads.
fn run_hashes(
    spec: &mlchain_primitives::TaskSpec,
    data: &std::sync::Arc<mlchain_worker::data::Dataset>,
    threads: usize,
) -> Vec<String> {
    pool(threads).unwrap().install(|| {
        let mut t = Trainer::new(spec, data.clone()).unwrap();
        let mut out = vec![to_hex(&t.checkpoint().unwrap().hash())];
        while t.step < spec.total_steps as u64 {
            t.step().unwrap();
            if t.step % spec.checkpoint_interval as u64 == 0 {
                out.push(to_hex(&t.checkpoint().unwrap().hash()));
            }
        }
        out
    })
}

#[test]
fn every_family_gives_identical_checkpoints_on_one_and_two_threads_and_when_run_twice() {
    for (name, spec, data) in common::families() {
        let one = run_hashes(&spec, &data, 1);
        let two = run_hashes(&spec, &data, 2);
        let again = run_hashes(&spec, &data, 1);
        assert_eq!(one.len(), spec.segments() as usize + 1);
        assert_eq!(one, two, "{name}: 1 vs 2 threads");
        assert_eq!(one, again, "{name}: run twice");
        // Training actually changes the state from one checkpoint to the next.
        assert!(one.windows(2).all(|w| w[0] != w[1]), "{name}: {one:?}");
    }
}

#[test]
fn one_training_step_of_every_family_matches_its_golden_hash() {
    let checks = mlchain_worker::selftest::run().unwrap();
    assert_eq!(checks.len(), 3);
    if std::env::var("GOLDEN_PRINT").is_ok() {
        for c in &checks {
            println!("(\"{}\", \"{}\"),", c.family, c.computed);
        }
        return;
    }
    for c in checks {
        assert!(c.matches, "{}: one-step hash {} differs from golden {}", c.family, c.computed, c.golden);
    }
}
