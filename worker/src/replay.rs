//! Replaying one segment: from checkpoint i, recompute checkpoint i + 1 and compare hashes.
use crate::checkpoint::Checkpoint;
use crate::data::Dataset;
use crate::error::{Error, Result};
use crate::train::{checkpoint_path, RunRecord, Trainer};
use mlchain_primitives::training::{replay_witness, witness_loss_bits};
use mlchain_primitives::{hash::to_hex, Hash, TaskSpec};
use std::path::Path;
use std::sync::Arc;

/// The outcome of replaying a segment.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct SegmentVerdict {
    pub segment: u32,
    pub matches: bool,
    /// Hash the worker committed for checkpoint `segment + 1`.
    pub claimed: String,
    /// Hash of our recomputation.
    pub recomputed: String,
}

/// Recomputes checkpoint `start.step + K` from `start` (a run seeded by `spec.seed` alone).
pub fn replay_segment(spec: &TaskSpec, data: Arc<Dataset>, start: &Checkpoint) -> Result<Hash> {
    replay_segment_seeded(spec, data, start, spec.seed)
}

/// Recomputes checkpoint `start.step + K` from `start` for the run of `run_seed`.
pub fn replay_segment_seeded(spec: &TaskSpec, data: Arc<Dataset>, start: &Checkpoint, run_seed: u64) -> Result<Hash> {
    Ok(replay_segment_witnessed(spec, data, start, run_seed)?.end)
}

/// What replaying one segment gives a verifier: the checkpoint at its end, to compare with the
/// committed leaf, and its replay witness (every step's loss), which the chain compares
/// across the members that replayed the same segment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Replayed {
    pub end: Hash,
    pub witness: Hash,
}

/// [`replay_segment_seeded`], and the segment's replay witness
/// ([`mlchain_primitives::training::replay_witness`]). Hashing `K` losses costs nothing
/// next to the `K` steps.
pub fn replay_segment_witnessed(spec: &TaskSpec, data: Arc<Dataset>, start: &Checkpoint, run_seed: u64) -> Result<Replayed> {
    let interval = spec.checkpoint_interval as u64;
    if start.step % interval != 0 || start.step >= spec.total_steps as u64 {
        return Err(Error::checkpoint(
            format!("at step {}", start.step),
            "is not the start of a segment of this spec",
        ));
    }
    let segment = (start.step / interval) as u32;
    let mut trainer = Trainer::resume(spec, data, start, run_seed)?;
    let mut losses = Vec::with_capacity(interval as usize);
    for _ in 0..interval {
        losses.push(witness_loss_bits(trainer.step()?));
    }
    Ok(Replayed { end: trainer.checkpoint()?.hash(), witness: replay_witness(segment, &losses) })
}

/// Replays segment `segment` of the run in `run` against the run's committed leaves.
pub fn replay_run_segment(
    spec: &TaskSpec,
    data: Arc<Dataset>,
    run: &Path,
    segment: u32,
) -> Result<SegmentVerdict> {
    let record_path = run.join("run.json");
    let bytes = crate::error::read_file(&record_path)?;
    let record: RunRecord = serde_json::from_slice(&bytes)
        .map_err(|e| Error::checkpoint(record_path.display(), e.to_string()))?;
    if segment >= spec.segments() || record.leaves.len() != spec.segments() as usize + 1 {
        return Err(Error::Other(format!(
            "segment {segment} does not exist: the spec has {} segments and the run commits {} checkpoints",
            spec.segments(),
            record.leaves.len()
        )));
    }
    let i = segment as usize;
    let path = checkpoint_path(run, i);
    let start = Checkpoint::load(&path)?;
    if to_hex(&start.hash()) != record.leaves[i] {
        return Err(Error::checkpoint(
            path.display(),
            format!("does not match committed leaf {i}"),
        ));
    }
    let recomputed = to_hex(&replay_segment(spec, data, &start)?);
    let claimed = record.leaves[i + 1].clone();
    Ok(SegmentVerdict {
        segment,
        matches: recomputed == claimed,
        claimed,
        recomputed,
    })
}
