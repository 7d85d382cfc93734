//! The worker daemon: registers, claims an open task, fetches its datasets, trains it
//! deterministically, publishes every checkpoint, submits the run's commitment and keeps
//! serving the checkpoints to the committee until the task settles.
//!
//! When the committee rejects the run, the daemon replays the disputed segments itself (from
//! the checkpoints it committed, exactly as a verifier would) and appeals only if its replay
//! gives the run it committed: an honest worker is not left at the mercy of a lone liar on a
//! segment, and a worker whose run really is wrong does not pay for an appeal it must lose.
use super::net::Net;
use super::feasibility::{self, Machine};
use super::participant::{ensure_registered, Role};
use super::verifier::{replay_for_appeal, Judged};
use super::{drive, mlc, Daemon};
use crate::chain::runtime::{
    self,
    runtime_types::pallet_training::{Decision, Phase, Vote},
};
use crate::chain::{Balance, Chain, ChainError, Task};
use crate::checkpoint::{load_model, Checkpoint};
use super::published::run_listing;
use crate::error::{Error, Result};
use crate::eval::{evaluate, model_from_params};
use crate::store::ArtifactKind;
use crate::train::{checkpoint_path, pool, train_run_seeded};
use codec::Encode;
use mlchain_primitives::{
    hash::to_hex,
    merkle::merkle_root,
    training::{run_seed, TaskId, Verdict},
    Hash,
};
use std::collections::{HashMap, HashSet};
use std::ops::ControlFlow;
use std::path::PathBuf;
use std::sync::Arc;
use subxt::utils::AccountId32;
use tokio::task::JoinHandle;

/// A dishonest worker, for end-to-end tests of the verification game.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cheat {
    /// Commit a tampered checkpoint `n` (one weight nudged), as a worker that skipped or
    /// botched part of the training would.
    CorruptCheckpoint(usize),
    /// Tamper with checkpoint `n` as above, and serve neither it nor checkpoint `n - 1`, so the
    /// two segments it affects cannot be replayed: selective withholding of the fakes.
    WithholdCorrupted(usize),
    /// Submit the run and serve nothing of it.
    WithholdAll,
}

/// How the worker daemon runs.
pub struct TrainerConfig {
    /// Bond to register with (when not registered yet).
    pub bond: Balance,
    /// Where runs are written (`DIR/tasks/<id>`).
    pub work_dir: PathBuf,
    /// Kernel threads (0: one per core); results do not depend on it.
    pub threads: usize,
    pub cheat: Option<Cheat>,
    /// Stop after this many tasks have settled (0: run forever).
    pub max_tasks: usize,
}

/// What a finished training job submits.
struct Run {
    checkpoints_root: Hash,
    model_hash: Hash,
    metric_ppb: u64,
}

/// Runs the worker daemon until `config.max_tasks` tasks it trained have settled.
pub async fn run(chain: Chain, net: Arc<Net>, config: TrainerConfig) -> Result<()> {
    ensure_registered(&chain, &net, Role::Worker, config.bond).await?;
    let me = chain.account();
    let metrics = net.metrics.clone();
    let threads = config.threads;
    let machine = tokio::task::spawn_blocking(move || Machine::measure(threads))
        .await
        .map_err(|e| Error::Other(format!("measuring the machine: {e}")))??;
    let block_seconds = block_seconds(&chain).await?;
    println!(
        "worker: this machine trains at {:.1} · 10^9 operations/s with {:.1} GiB available; blocks every {block_seconds} s",
        machine.ops_per_second / 1e9,
        machine.memory as f64 / (1u64 << 30) as f64
    );
    let mut worker = Worker {
        me,
        chain: chain.clone(),
        net,
        config,
        machine,
        block_seconds,
        unfit: HashSet::new(),
        jobs: HashMap::new(),
        submitted: HashSet::new(),
        appeal_checks: HashMap::new(),
        considered: HashSet::new(),
        settled: 0,
    };
    drive(&chain, &metrics, &mut worker).await;
    Ok(())
}

struct Worker {
    me: AccountId32,
    chain: Chain,
    net: Arc<Net>,
    config: TrainerConfig,
    /// What this machine offers a task (measured at start).
    machine: Machine,
    /// Seconds per block, to turn execution windows into time.
    block_seconds: f64,
    /// Open tasks found not to fit this machine (reported once each).
    unfit: HashSet<TaskId>,
    /// Training jobs in progress.
    jobs: HashMap<TaskId, JoinHandle<Result<Run>>>,
    /// Tasks submitted and not settled yet.
    submitted: HashSet<TaskId>,
    /// Rejected tasks whose disputed segments this worker is replaying to decide on an appeal.
    appeal_checks: HashMap<TaskId, JoinHandle<Result<Judged>>>,
    /// Rejections already looked at (appealed or not): one decision per task.
    considered: HashSet<TaskId>,
    settled: usize,
}

impl Daemon for Worker {
    const NAME: &'static str = "worker";

    async fn tick(&mut self, number: u32) -> Result<ControlFlow<()>> {
        // Tasks we submitted that are gone from the chain, or no longer ours (rejected and
        // reopened), are over for us; the others may need an appeal.
        let mut ours = Vec::new();
        for id in self.submitted.clone() {
            match self.chain.task(id).await? {
                Some(task) if task.worker.as_ref() == Some(&self.me) => ours.push((id, task)),
                _ => {
                    self.submitted.remove(&id);
                    self.settled += 1;
                    self.net.metrics.tasks_settled.inc();
                    println!("[block {number}] worker: task {id} settled");
                }
            }
        }
        if self.config.max_tasks > 0 && self.settled >= self.config.max_tasks {
            return Ok(ControlFlow::Break(()));
        }
        // Rejections of our runs: replay, and appeal the wrong ones.
        self.consider_appeals(number, ours).await?;
        let (chain, metrics) = (&self.chain, &self.net.metrics);
        // Finished jobs: submit.
        for id in self.jobs.keys().copied().collect::<Vec<_>>() {
            if !self.jobs[&id].is_finished() {
                continue;
            }
            let Some(job) = self.jobs.remove(&id) else { continue };
            let run = match job.await.map_err(|e| Error::Other(format!("training task {id} panicked: {e}")))? {
                Ok(run) => run,
                // Retried at the next block (for example when the data is not served yet).
                Err(e) => {
                    tracing::warn!("task {id}: {e}");
                    continue;
                }
            };
            let call = runtime::transactions().training().submit_result(id, run.checkpoints_root, run.model_hash, run.metric_ppb);
            chain.submit(&call).await?;
            metrics.tasks_submitted.inc();
            self.submitted.insert(id);
            println!(
                "[block {number}] worker: submitted task {id}: run {}…, metric {:.2} %",
                &to_hex(&run.checkpoints_root)[..16],
                run.metric_ppb as f64 / 1e7
            );
        }
        // Claimed tasks without a job yet (also after a restart): train them.
        for task_id in claimed_by(chain, &self.me).await? {
            if self.jobs.contains_key(&task_id) || self.submitted.contains(&task_id) {
                continue;
            }
            let Some(task) = chain.task(task_id).await? else { continue };
            if !matches!(task.phase, Phase::Claimed { .. }) {
                self.submitted.insert(task_id);
                continue;
            }
            println!("[block {number}] worker: training task {task_id}");
            let (chain, net) = (chain.clone(), self.net.clone());
            let dir = self.config.work_dir.join("tasks").join(task_id.to_string());
            let (threads, cheat) = (self.config.threads, self.config.cheat);
            // The run's seed mixes the task, this worker and the attempt (claims before ours).
            let seed = run_seed(task.spec.0.seed, task_id, &self.me.encode(), task.claims.saturating_sub(1));
            self.jobs.insert(task_id, tokio::spawn(async move { train_task(&chain, &net, task, dir, threads, seed, cheat).await }));
        }
        // Idle: claim the oldest open task we did not post.
        if self.jobs.is_empty() && self.submitted.is_empty() {
            if let Some((id, task)) = self.open_task(number).await? {
                let (chain, metrics) = (&self.chain, &self.net.metrics);
                match chain.submit(&runtime::transactions().training().claim_task(id)).await {
                    Ok(_) => {
                        metrics.tasks_claimed.inc();
                        println!("[block {number}] worker: claimed task {id} (bond {})", mlc(task.worker_bond));
                    }
                    Err(e) => tracing::warn!("cannot claim task {id}: {e}"),
                }
            }
        }
        Ok(ControlFlow::Continue(()))
    }
}

/// Tasks the runtime API lists as this worker's.
async fn claimed_by(chain: &Chain, me: &AccountId32) -> Result<Vec<TaskId>> {
    use mlchain_primitives::training::AssignmentRole;
    Ok(chain
        .assignments_of(me)
        .await?
        .into_iter()
        .filter(|a| a.role == AssignmentRole::Worker)
        .map(|a| a.task)
        .collect())
}

impl Worker {
    /// Starts a replay of the disputed segments of every newly rejected run among `ours`
    /// (submitted tasks still ours, as read this block), and appeals each whose replay came
    /// out as committed.
    async fn consider_appeals(&mut self, number: u32, ours: Vec<(TaskId, Task)>) -> Result<()> {
        let chain = self.chain.clone();
        for (id, task) in ours {
            if self.considered.contains(&id) {
                continue;
            }
            if !matches!(task.phase, Phase::AppealWindow { decision: Decision::Rejected, .. }) || task.appeal.is_some() {
                continue;
            }
            self.considered.insert(id);
            let Some(segments) = disputed_by_replay(&task) else {
                // Only unserved reports: fresh verifiers already tried to get the data, and
                // this worker knows whether it served it; an appeal would replay nothing new.
                println!("[block {number}] worker: task {id} rejected for data the verifiers could not get; not appealing");
                continue;
            };
            println!("[block {number}] worker: task {id} rejected; replaying the disputed segments {segments:?} before appealing");
            let (dir, threads) = (self.config.work_dir.join("appeal-checks"), self.config.threads);
            self.appeal_checks.insert(id, replay_for_appeal(&chain, &self.net, id, segments, dir, threads));
        }
        for id in self.appeal_checks.keys().copied().collect::<Vec<_>>() {
            if !self.appeal_checks[&id].is_finished() {
                continue;
            }
            let Some(check) = self.appeal_checks.remove(&id) else { continue };
            let judged = check.await.map_err(|e| Error::Other(format!("replaying task {id} panicked: {e}")))?;
            match judged {
                Ok(Judged::Verdict(Verdict::Accept { .. })) => {
                    match chain.submit(&runtime::transactions().training().appeal(id)).await {
                        Ok(_) => println!("[block {number}] worker: appealed task {id}: my replay of the disputed segments gives the committed run"),
                        Err(e) => println!("[block {number}] worker: could not appeal task {id}: {e}"),
                    }
                }
                Ok(Judged::Verdict(verdict)) => println!(
                    "[block {number}] worker: not appealing task {id}: my own replay agrees with the rejection ({})",
                    super::verifier::describe(&verdict)
                ),
                Ok(Judged::Unserved { segment, detail, .. }) => {
                    println!("[block {number}] worker: not appealing task {id}: segment {segment} cannot be replayed from what I serve ({detail})")
                }
                // The appeal window is short: try once more at the next block.
                Err(e) => {
                    tracing::warn!("replaying task {id} for an appeal: {e}");
                    self.considered.remove(&id);
                }
            }
        }
        Ok(())
    }

    /// The lowest-numbered open task posted by someone else that this worker is not barred
    /// from (rejected on it, timed out on it or gave it back) and that fits this machine
    /// ([`feasibility::check`]); each task that does not fit is reported once.
    async fn open_task(&mut self, number: u32) -> Result<Option<(TaskId, Task)>> {
        let chain = &self.chain;
        let at = chain.at_best().await?;
        let mut entries = at.storage().iter(runtime::storage().training().tasks(), ()).await.map_err(ChainError::rpc)?;
        let mut open: Vec<(TaskId, Task)> = Vec::new();
        while let Some(entry) = entries.next().await {
            let entry = entry.map_err(ChainError::rpc)?;
            let (id,) = entry.key().map_err(ChainError::rpc)?.decode().map_err(ChainError::rpc)?;
            let task: Task = entry.value().decode().map_err(ChainError::rpc)?;
            let eligible = matches!(task.phase, Phase::Open) && task.requester != self.me && !task.barred.0.contains(&self.me);
            if eligible && !self.unfit.contains(&id) {
                open.push((id, task));
            }
        }
        open.sort_by_key(|(id, _)| *id);
        for (id, task) in open {
            let (train, eval) = (entry_features(&at, task.datasets.train).await?, entry_features(&at, task.datasets.eval).await?);
            let window_s = f64::from(task.execution) * self.block_seconds;
            match feasibility::check(&task.spec.0, &self.machine, window_s, train, eval) {
                Ok(()) => return Ok(Some((id, task))),
                Err(why) => {
                    println!("[block {number}] worker: not claiming task {id}: {why}");
                    self.unfit.insert(id);
                }
            }
        }
        Ok(None)
    }
}

/// The `feature_count` a registry entry declares (0 for an entry that does not exist).
async fn entry_features(at: &crate::chain::AtBlock, entry: u64) -> Result<u64> {
    let found =
        at.storage().try_fetch(runtime::storage().data_registry().entries(), (entry,)).await.map_err(ChainError::rpc)?;
    Ok(match found {
        Some(e) => u64::from(e.decode().map_err(ChainError::rpc)?.schema.feature_count),
        None => 0,
    })
}

/// Seconds per block: twice the timestamp pallet's minimum period (BABE and Aura chains set
/// it to half the slot), or 6 s where it is zero (a parachain with async backing). Shorter
/// is the safe side: windows look shorter than they are.
async fn block_seconds(chain: &Chain) -> Result<f64> {
    let at = chain.at_best().await?;
    let period = at
        .constants()
        .entry(runtime::constants().timestamp().minimum_period())
        .map_err(|e| Error::Other(format!("reading Timestamp.MinimumPeriod: {e}")))?;
    Ok(if period == 0 { 6.0 } else { 2.0 * period as f64 / 1000.0 })
}

/// Fetches the task's data, trains the run into `dir`, publishes its artifacts and returns
/// what to submit.
async fn train_task(
    chain: &Chain,
    net: &Net,
    task: Task,
    dir: PathBuf,
    threads: usize,
    seed: u64,
    cheat: Option<Cheat>,
) -> Result<Run> {
    let spec = task.spec.0.clone();
    let providers = net.providers(chain, None).await?;
    let train = net.dataset(spec.train_dataset, &providers).await?;
    let eval = if spec.eval_dataset == spec.train_dataset {
        train.clone()
    } else {
        net.dataset(spec.eval_dataset, &providers).await?
    };
    let started = std::time::Instant::now();
    let (checkpoints, model_hash, metric_ppb, model_bytes) = tokio::task::spawn_blocking(move || -> Result<_> {
        pool(threads)?.install(|| {
            let record = train_run_seeded(&spec, train, &dir, seed, |_, _| {})?;
            let model_path = dir.join("model.safetensors");
            let params = load_model(&model_path)?;
            let evaluation = evaluate(&spec, &model_from_params(&spec, &params)?, &eval)?;
            let mut checkpoints = (0..record.leaves.len())
                .map(|i| Checkpoint::load(&checkpoint_path(&dir, i)))
                .collect::<Result<Vec<_>>>()?;
            if let Some(Cheat::CorruptCheckpoint(n) | Cheat::WithholdCorrupted(n)) = cheat {
                tamper(&mut checkpoints, n)?;
            }
            let model_hash = mlchain_primitives::hash::from_hex(&record.model_hash)
                .ok_or_else(|| Error::Other("bad model hash".into()))?;
            let model_bytes = crate::error::read_file(&model_path)?;
            Ok((checkpoints, model_hash, evaluation.metric_ppb, model_bytes))
        })
    })
    .await
    .map_err(|e| Error::Other(format!("training thread: {e}")))??;
    net.metrics.training_seconds.observe(started.elapsed().as_secs_f64());
    net.metrics.tasks_trained.inc();
    let hashes: Vec<Hash> = checkpoints.iter().map(|c| c.hash()).collect();
    let root = merkle_root(&hashes).map_err(|e| Error::Other(format!("merkle root: {e:?}")))?;
    let withheld = |i: usize| match cheat {
        Some(Cheat::WithholdAll) => true,
        Some(Cheat::WithholdCorrupted(n)) => i == n || i + 1 == n,
        _ => false,
    };
    for (i, (ck, hash)) in checkpoints.iter().zip(&hashes).enumerate() {
        if withheld(i) {
            println!("worker: TESTING cheat: not serving checkpoint {i}");
            continue;
        }
        net.publish(ArtifactKind::Checkpoint, *hash, &ck.to_bytes()?)?;
    }
    if cheat != Some(Cheat::WithholdAll) {
        net.publish(ArtifactKind::Model, model_hash, &model_bytes)?;
        net.publish(ArtifactKind::Run, root, &run_listing(&hashes))?;
    }
    Ok(Run { checkpoints_root: root, model_hash, metric_ppb })
}

/// Nudges one weight of checkpoint `n` (the cheat of [`Cheat::CorruptCheckpoint`]).
fn tamper(checkpoints: &mut [Checkpoint], n: usize) -> Result<()> {
    let ck = checkpoints.get_mut(n).ok_or_else(|| Error::Other(format!("no checkpoint {n} to corrupt")))?;
    let entry = ck
        .tensors
        .iter_mut()
        .find(|(name, _)| name.starts_with("param."))
        .map(|(_, e)| e)
        .ok_or_else(|| Error::Other("checkpoint has no parameters".into()))?;
    entry.values[0] += 0.01;
    Ok(())
}

/// The segments the round rejected by replay (ascending; segment 0 when only the metric was
/// rejected, so the final model is evaluated again), or `None` when nobody rejected by replay.
pub(super) fn disputed_by_replay(task: &Task) -> Option<Vec<u32>> {
    let round = task.round.as_ref()?;
    let votes = round.committee.0.iter().filter_map(|slot| slot.vote.as_ref());
    let (mut segments, mut metric) = (Vec::new(), false);
    for vote in votes {
        match vote {
            Vote::RejectSegment(j) => segments.push(*j),
            Vote::RejectMetric(_) => metric = true,
            Vote::Accept | Vote::Unserved(_) => {}
        }
    }
    segments.sort_unstable();
    segments.dedup();
    if segments.is_empty() && metric {
        segments.push(0);
    }
    (!segments.is_empty()).then_some(segments)
}
