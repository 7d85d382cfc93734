//! Replaying segments: honest runs match everywhere; each kind of cheating is caught at the
//! first segment it affects.
mod common;

use mlchain_primitives::{merkle_proof, merkle_root, verify_proof, Hash, TaskSpec};
use mlchain_worker::checkpoint::Checkpoint;
use mlchain_worker::data::{order::DataOrder, Dataset};
use mlchain_worker::replay::replay_segment;
use mlchain_worker::train::Trainer;
use std::sync::Arc;

#[derive(Clone, Copy, Debug)]
enum Fault {
    None,
    /// Flip one bit of a weight in the checkpoint that ends the segment, then carry on from it.
    FlipBit,
    /// Do one step fewer than K in the segment.
    SkipStep,
    /// Use twice the scheduled learning rate for one step.
    WrongLearningRate,
    /// Draw one step's batch from a differently seeded order.
    WrongDataOrder,
}

/// A worker's run with `fault` applied in segment `bad_segment`: its checkpoints and leaves.
fn run(
    spec: &TaskSpec,
    data: &Arc<Dataset>,
    fault: Fault,
    bad_segment: u64,
) -> (Vec<Checkpoint>, Vec<Hash>) {
    let k = spec.checkpoint_interval as u64;
    let mut t = Trainer::new(spec, data.clone()).unwrap();
    let mut cks = vec![t.checkpoint().unwrap()];
    let mut wrong_order = DataOrder::new(spec.seed + 1, data.len(), spec.batch_size as usize);
    while t.step < spec.total_steps as u64 {
        let in_bad = t.step / k == bad_segment;
        let last_of_segment = t.step % k == k - 1;
        let (lr, rows) = t.next_step_inputs();
        match fault {
            Fault::SkipStep if in_bad && last_of_segment => t.step += 1,
            Fault::WrongLearningRate if in_bad && last_of_segment => {
                let _ = t.step_with(lr * 2.0, &rows).unwrap();
            }
            Fault::WrongDataOrder if in_bad && last_of_segment => {
                let other = wrong_order.batch(t.step);
                t.step_with(lr, &other).unwrap();
            }
            _ => drop(t.step_with(lr, &rows).unwrap()),
        }
        if t.step % k == 0 {
            let mut ck = t.checkpoint().unwrap();
            if matches!(fault, Fault::FlipBit) && t.step / k == bad_segment + 1 {
                let (_, w) = ck
                    .tensors
                    .iter_mut()
                    .find(|(name, _)| name.starts_with("param."))
                    .unwrap();
                w.values[0] = f32::from_bits(w.values[0].to_bits() ^ 1);
                t = Trainer::from_checkpoint(spec, data.clone(), &ck).unwrap();
            }
            cks.push(ck);
        }
    }
    let leaves = cks.iter().map(|c| c.hash()).collect();
    (cks, leaves)
}

/// What a verifier concludes: the first segment whose replay disagrees with the next leaf.
fn first_mismatch(
    spec: &TaskSpec,
    data: &Arc<Dataset>,
    cks: &[Checkpoint],
    leaves: &[Hash],
) -> Option<usize> {
    (0..spec.segments() as usize)
        .find(|&i| replay_segment(spec, data.clone(), &cks[i]).unwrap() != leaves[i + 1])
}

#[test]
fn every_segment_of_an_honest_run_replays_to_its_committed_hash() {
    for (name, spec, data) in common::families() {
        let (cks, leaves) = run(&spec, &data, Fault::None, u64::MAX);
        assert_eq!(first_mismatch(&spec, &data, &cks, &leaves), None, "{name}");
        // And each replayed leaf is provable against the run's root.
        let root = merkle_root(&leaves).unwrap();
        for i in 0..leaves.len() {
            assert!(verify_proof(
                &root,
                &leaves[i],
                &merkle_proof(&leaves, i).unwrap()
            ));
        }
    }
}

#[test]
fn each_kind_of_cheating_is_detected_at_the_first_affected_segment() {
    let spec = common::mlp_spec();
    let data = Arc::new(common::separable(64, 1));
    for fault in [
        Fault::FlipBit,
        Fault::SkipStep,
        Fault::WrongLearningRate,
        Fault::WrongDataOrder,
    ] {
        for bad in [0u64, 2] {
            let (cks, leaves) = run(&spec, &data, fault, bad);
            assert_eq!(
                first_mismatch(&spec, &data, &cks, &leaves),
                Some(bad as usize),
                "{fault:?} in segment {bad}"
            );
        }
    }
}

#[test]
fn replay_refuses_a_checkpoint_that_is_not_a_segment_start() {
    let spec = common::mlp_spec();
    let data = Arc::new(common::separable(64, 1));
    let mut t = Trainer::new(&spec, data.clone()).unwrap();
    t.step().unwrap();
    assert!(replay_segment(&spec, data, &t.checkpoint().unwrap()).is_err());
}

/// Two workers' runs of one task share leaf 0 (the spec's initial weights, which verifiers
/// recompute) and nothing after it: the training seed mixes in the task, the worker and the
/// attempt, so a run copied from another worker does not replay under the copier's seed.
#[test]
fn a_copied_run_fails_replay() {
    use mlchain_primitives::training::run_seed;
    use mlchain_worker::replay::replay_segment_seeded;
    use mlchain_worker::train::initial_checkpoint;
    let spec = common::mlp_spec();
    let data = Arc::new(common::separable(64, 1));
    let honest = run_seed(spec.seed, 4, &[1; 32], 0);
    let copier = run_seed(spec.seed, 4, &[2; 32], 0);
    let next_attempt = run_seed(spec.seed, 4, &[1; 32], 1);
    let k = spec.checkpoint_interval as usize;
    let mut t = Trainer::for_run(&spec, data.clone(), honest).unwrap();
    let mut cks = vec![t.checkpoint().unwrap()];
    for _ in 0..k {
        t.step().unwrap();
    }
    cks.push(t.checkpoint().unwrap());
    assert_eq!(cks[0].hash(), initial_checkpoint(&spec).unwrap().hash(), "leaf 0 is the spec's");
    let other = Trainer::for_run(&spec, data.clone(), copier).unwrap();
    assert_eq!(other.checkpoint().unwrap().hash(), cks[0].hash());
    // The honest worker's segment replays under its own seed only.
    assert_eq!(replay_segment_seeded(&spec, data.clone(), &cks[0], honest).unwrap(), cks[1].hash());
    assert_ne!(replay_segment_seeded(&spec, data.clone(), &cks[0], copier).unwrap(), cks[1].hash());
    assert_ne!(replay_segment_seeded(&spec, data, &cks[0], next_attempt).unwrap(), cks[1].hash());
}
