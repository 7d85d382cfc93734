//! The verifier daemon: for every committee seat the runtime API reports, fetch the run's
//! checkpoint list and the assigned checkpoints from the task's worker, replay each assigned
//! segment, evaluate the final checkpoint, then commit to the verdict and reveal it once the
//! commit window has closed.
//!
//! A verdict and its salt are written to `DIR/verdicts/` before the commitment is sent, so a
//! verifier restarted between commit and reveal can still reveal (a lost salt would get it
//! slashed as absent).
//!
//! Availability is the worker's burden. When the worker does not serve what a seat needs (the
//! run listing, a segment's start checkpoint, the final checkpoint), or serves something that
//! cannot be what the spec makes (a wrong leaf count, leaf 0 other than the spec's initial
//! weights, an unparseable checkpoint, a step other than `j * K`, wrong shapes, a model hash
//! that is not the final checkpoint's), the daemon retries a few times and then commits
//! [`Verdict::Unavailable`] well inside the commit window, instead of staying silent and being
//! slashed as absent. The chain then sends the segment to fresh verifiers.
use super::net::Net;
use super::participant::{ensure_registered, Role};
use super::published::parse_run_listing;
use super::{drive, Daemon};
use crate::chain::runtime;
use crate::chain::{Balance, Chain, Task};
use crate::checkpoint::{canonical_hash, load_model, Checkpoint};
use crate::error::{Error, Result};
use crate::eval::{evaluate, model_from_params};
use crate::replay::replay_segment_witnessed;
use crate::train::initial_checkpoint;
use crate::train::pool;
use codec::{Decode, Encode};
use mlchain_primitives::{
    hash::{from_hex, to_hex},
    merkle::merkle_proof,
    training::{
        run_seed, verdict_commitment, Assignment, AssignmentRole, RejectEvidence, TaskId, UnservedReason, Verdict,
    },
    Hash,
};
use std::collections::HashMap;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use subxt::utils::Static;
use subxt::utils::AccountId32;
use tokio::task::JoinHandle;

/// How the verifier daemon runs.
pub struct VerifierConfig {
    pub bond: Balance,
    /// Verdicts and fetched artifacts live here.
    pub work_dir: PathBuf,
    pub threads: usize,
    /// How it votes: honestly, or (TESTING ONLY, for end-to-end tests) as a liar or a lazy
    /// verifier.
    pub conduct: Conduct,
    /// Stop after revealing this many verdicts (0: run forever).
    pub max_verdicts: usize,
}

/// How a verifier votes. Everything but `Honest` exists for end-to-end tests that play a
/// dishonest verifier against the chain's rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Conduct {
    /// Replay, evaluate and report what it finds.
    #[default]
    Honest,
    /// Reject every run with a well-formed but false claim about its first segment.
    Lie,
    /// Accept every run without fetching or replaying anything, its witnesses guessed.
    Lazy,
}

/// A verdict on its way through commit and reveal, as kept on disk.
#[derive(serde::Serialize, serde::Deserialize, Clone, Debug, PartialEq)]
struct Ballot {
    /// SCALE encoding of the [`Verdict`], hex.
    verdict: String,
    salt: String,
    committed: bool,
    revealed: bool,
}

impl Ballot {
    fn verdict(&self) -> Result<Verdict> {
        let bytes = hex::decode(&self.verdict).map_err(|e| Error::Other(format!("stored verdict: {e}")))?;
        Verdict::decode(&mut &bytes[..]).map_err(|e| Error::Other(format!("stored verdict: {e}")))
    }
    fn salt(&self) -> Result<[u8; 32]> {
        from_hex(&self.salt).ok_or_else(|| Error::Other("stored salt is not 32 bytes of hex".into()))
    }
}

fn ballot_path(dir: &Path, task: TaskId, role: AssignmentRole) -> PathBuf {
    dir.join("verdicts").join(format!("{task}-{role:?}.json").to_lowercase())
}

fn load_ballot(path: &Path) -> Result<Option<Ballot>> {
    match std::fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes).map(Some).map_err(|e| Error::Other(format!("{}: {e}", path.display()))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(Error::Io { path: path.to_path_buf(), source }),
    }
}

/// Writes the ballot atomically (temp file + rename), so a crash never leaves half a salt.
fn save_ballot(path: &Path, ballot: &Ballot) -> Result<()> {
    let io = |source| Error::Io { path: path.to_path_buf(), source };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    let tmp = path.with_extension("tmp");
    let json = serde_json::to_vec_pretty(ballot).map_err(|e| Error::Other(e.to_string()))?;
    std::fs::write(&tmp, json).map_err(io)?;
    std::fs::rename(&tmp, path).map_err(io)
}

fn fresh_salt() -> Result<[u8; 32]> {
    use std::io::Read;
    let mut salt = [0u8; 32];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut salt))
        .map_err(|source| Error::Io { path: "/dev/urandom".into(), source })?;
    Ok(salt)
}

/// Runs the verifier daemon until it has revealed `config.max_verdicts` verdicts.
pub async fn run(chain: Chain, net: Arc<Net>, config: VerifierConfig) -> Result<()> {
    ensure_registered(&chain, &net, Role::Verifier, config.bond).await?;
    let me = chain.account();
    let metrics = net.metrics.clone();
    let mut verifier =
        Verifier { me, chain: chain.clone(), net, config, jobs: HashMap::new(), unserved: HashMap::new(), revealed: 0 };
    drive(&chain, &metrics, &mut verifier).await;
    Ok(())
}

struct Verifier {
    me: AccountId32,
    chain: Chain,
    net: Arc<Net>,
    config: VerifierConfig,
    /// Verifications in progress, by task and seat role.
    jobs: HashMap<(TaskId, AssignmentRole), JoinHandle<Result<Judged>>>,
    /// Attempts at a seat whose data the worker did not serve (or served malformed).
    unserved: HashMap<(TaskId, AssignmentRole), u32>,
    revealed: usize,
}

/// Attempts at fetching a seat's data before reporting it unserved.
const UNSERVED_ATTEMPTS: u32 = 5;
/// Blocks before the commit deadline by which an unserved seat is reported whatever the count
/// of attempts, so the commitment is still included in time.
const REPORT_MARGIN: u32 = 3;

/// What judging a seat came to.
pub(super) enum Judged {
    /// The verdict to commit.
    Verdict(Verdict),
    /// The worker did not serve usable data for `segment` (see the module docs): retried, then
    /// reported as [`Verdict::Unavailable`].
    Unserved { segment: u32, reason: UnservedReason, detail: String },
}

impl Daemon for Verifier {
    const NAME: &'static str = "verifier";

    async fn tick(&mut self, now: u32) -> Result<ControlFlow<()>> {
        let (chain, me, config, metrics) = (&self.chain, &self.me, &self.config, &self.net.metrics);
        for seat in chain.assignments_of(me).await? {
            if seat.role == AssignmentRole::Worker {
                continue;
            }
            let key = (seat.task, seat.role);
            let path = ballot_path(&config.work_dir, seat.task, seat.role);
            let mut ballot = load_ballot(&path)?;
            if ballot.is_none() && now <= seat.commit_deadline {
                match self.jobs.get(&key) {
                    None => {
                        println!(
                            "[block {now}] verifier: task {}: replaying segments {:?}, witnessing {:?}",
                            seat.task, seat.segments, seat.witnessed
                        );
                        let (chain, net, seat, dir) = (chain.clone(), self.net.clone(), seat.clone(), config.work_dir.clone());
                        let (threads, conduct) = (config.threads, config.conduct);
                        self.jobs.insert(key, tokio::spawn(async move { judge(&chain, &net, &seat, &dir, threads, conduct).await }));
                    }
                    Some(job) if job.is_finished() => {
                        let Some(job) = self.jobs.remove(&key) else { continue };
                        let judged = job.await.map_err(|e| Error::Other(format!("verification panicked: {e}")))?;
                        let verdict = match judged {
                            Ok(Judged::Verdict(verdict)) => Some(verdict),
                            Ok(Judged::Unserved { segment, reason, detail }) => {
                                let attempts = self.unserved.entry(key).or_default();
                                *attempts += 1;
                                let late = now.saturating_add(REPORT_MARGIN) >= seat.commit_deadline;
                                println!(
                                    "[block {now}] verifier: task {}: segment {segment} not served ({detail}), attempt {attempts}",
                                    seat.task
                                );
                                (*attempts >= UNSERVED_ATTEMPTS || late).then_some(Verdict::Unavailable { segment, reason })
                            }
                            // Could not verify yet (node down, data owner offline): next block.
                            Err(e) => {
                                tracing::warn!("task {}: cannot verify yet: {e}", seat.task);
                                None
                            }
                        };
                        if let Some(verdict) = verdict {
                            self.unserved.remove(&key);
                            println!("[block {now}] verifier: task {}: verdict {}", seat.task, describe(&verdict));
                            let fresh = Ballot {
                                verdict: hex::encode(verdict.encode()),
                                salt: to_hex(&fresh_salt()?),
                                committed: false,
                                revealed: false,
                            };
                            save_ballot(&path, &fresh)?;
                            ballot = Some(fresh);
                        }
                    }
                    Some(_) => {}
                }
            }
            let Some(mut ballot) = ballot else { continue };
            if !ballot.committed && now <= seat.commit_deadline {
                let commitment = verdict_commitment(seat.task, &me.encode(), &ballot.verdict()?, &ballot.salt()?);
                chain.submit(&runtime::transactions().training().commit_verdict(seat.task, commitment)).await?;
                metrics.verdicts_committed.with_label_values(&[verdict_kind(&ballot.verdict()?)]).inc();
                ballot.committed = true;
                save_ballot(&path, &ballot)?;
                println!("[block {now}] verifier: task {}: committed", seat.task);
            }
            if ballot.committed && !ballot.revealed && now > seat.commit_deadline && now <= seat.reveal_deadline {
                let call = runtime::transactions().training().reveal_verdict(seat.task, Static(ballot.verdict()?), ballot.salt()?);
                chain.submit(&call).await?;
                ballot.revealed = true;
                save_ballot(&path, &ballot)?;
                self.revealed += 1;
                metrics.verdicts_revealed.inc();
                println!("[block {now}] verifier: task {}: revealed", seat.task);
            }
        }
        if config.max_verdicts > 0 && self.revealed >= config.max_verdicts {
            return Ok(ControlFlow::Break(()));
        }
        Ok(ControlFlow::Continue(()))
    }
}

/// The verdict's label in metrics.
fn verdict_kind(verdict: &Verdict) -> &'static str {
    match verdict {
        Verdict::Accept { .. } => "accept",
        Verdict::RejectSegment(_) => "reject_segment",
        Verdict::RejectMetric { .. } => "reject_metric",
        Verdict::Unavailable { .. } => "unavailable",
    }
}

pub(super) fn describe(verdict: &Verdict) -> String {
    match verdict {
        Verdict::Accept { witnesses } => format!("accept ({} segment witnesses)", witnesses.len()),
        Verdict::RejectSegment(e) => format!("reject: segment {} replays to {}…", e.segment, &to_hex(&e.recomputed)[..16]),
        Verdict::RejectMetric { metric_ppb } => format!("reject: the final model's metric is {metric_ppb} ppb"),
        Verdict::Unavailable { segment, reason } => format!("unavailable: segment {segment} ({reason:?})"),
    }
}

/// Replays `segments` of task `id` in the background exactly as an honest verifier would
/// (no witnessed segments, no deadlines): what a party checks before it appeals a decision.
pub(super) fn replay_for_appeal(
    chain: &Chain,
    net: &Arc<Net>,
    id: TaskId,
    segments: Vec<u32>,
    dir: PathBuf,
    threads: usize,
) -> JoinHandle<Result<Judged>> {
    let seat = Assignment { task: id, role: AssignmentRole::Verifier, segments, witnessed: Vec::new(), commit_deadline: 0, reveal_deadline: 0 };
    let (chain, net) = (chain.clone(), net.clone());
    tokio::spawn(async move { judge(&chain, &net, &seat, &dir, threads, Conduct::Honest).await })
}

/// Replays the seat's segments and evaluates the final checkpoint: the verdict to commit, or
/// which segment the worker did not serve usable data for.
pub(super) async fn judge(
    chain: &Chain,
    net: &Net,
    seat: &Assignment<u32>,
    dir: &Path,
    threads: usize,
    conduct: Conduct,
) -> Result<Judged> {
    let duties = seat.duties();
    if conduct == Conduct::Lazy {
        let guess = |j: &u32| mlchain_primitives::blake2_256(&(b"a lazy guess", seat.task, *j).encode());
        return Ok(Judged::Verdict(Verdict::accept(duties.iter().map(guess).collect())));
    }
    let lie = conduct == Conduct::Lie;
    let task: Task = chain.task(seat.task).await?.ok_or_else(|| Error::Other(format!("task {} is gone", seat.task)))?;
    let submission = task.submission.as_ref().ok_or_else(|| Error::Other("no submission".into()))?;
    let worker = task.worker.as_ref().ok_or_else(|| Error::Other("no worker".into()))?;
    let spec = task.spec.0.clone();
    let first = *seat.segments.first().ok_or_else(|| Error::Other("a seat without segments".into()))?;
    let unserved = |segment: u32, reason: UnservedReason, detail: String| Ok(Judged::Unserved { segment, reason, detail });
    let providers = net.providers(chain, Some(worker)).await?;
    let listing = match net.fetch_named(submission.checkpoints_root, &providers).await {
        Ok(bytes) => bytes,
        Err(e) => return unserved(first, UnservedReason::NotServed, format!("run listing: {e}")),
    };
    let leaves = match parse_run_listing(&listing, &submission.checkpoints_root) {
        Ok(leaves) => leaves,
        Err(e) => return unserved(first, UnservedReason::BadListing, e.to_string()),
    };
    if leaves.len() != spec.segments() as usize + 1 {
        let detail = format!("the run lists {} checkpoints, the spec makes {}", leaves.len(), spec.segments() + 1);
        return unserved(first, UnservedReason::BadListing, detail);
    }
    // Leaf 0 is the spec's initial weights: a run may not start from a model of the worker's.
    let spec_for_init = spec.clone();
    let initial = tokio::task::spawn_blocking(move || initial_checkpoint(&spec_for_init))
        .await
        .map_err(|e| Error::Other(format!("initial weights: {e}")))??
        .hash();
    if leaves[0] != initial {
        let detail = format!("leaf 0 is {}…, the spec's initial weights hash to {}…", &to_hex(&leaves[0])[..16], &to_hex(&initial)[..16]);
        return unserved(first, UnservedReason::BadInitialWeights, detail);
    }
    let train = net.dataset(spec.train_dataset, &providers).await?;
    let eval = if spec.eval_dataset == spec.train_dataset { train.clone() } else { net.dataset(spec.eval_dataset, &providers).await? };
    let interval = u64::from(spec.checkpoint_interval);
    // Own segments first: a mismatch there ends the replay before the witnessed ones.
    let order: Vec<u32> = seat.segments.iter().chain(seat.witnessed.iter()).copied().collect();
    let mut starts = Vec::new();
    for &segment in &order {
        match checkpoint(net, leaves[segment as usize], &providers).await {
            Ok(ck) if ck.step == u64::from(segment) * interval => starts.push((segment, ck)),
            Ok(ck) => {
                let detail = format!("checkpoint {segment} is at step {}, not {}", ck.step, u64::from(segment) * interval);
                return unserved(segment, UnservedReason::BadCheckpoint, detail);
            }
            Err(Fetch::NotServed(e)) => return unserved(segment, UnservedReason::NotServed, e),
            Err(Fetch::Malformed(e)) => return unserved(segment, UnservedReason::BadCheckpoint, e),
        }
    }
    let last = match checkpoint(net, leaves[leaves.len() - 1], &providers).await {
        Ok(ck) if ck.step == u64::from(spec.total_steps) => ck,
        Ok(ck) => return unserved(first, UnservedReason::BadCheckpoint, format!("the final checkpoint is at step {}", ck.step)),
        Err(Fetch::NotServed(e)) => return unserved(first, UnservedReason::NotServed, format!("final checkpoint: {e}")),
        Err(Fetch::Malformed(e)) => return unserved(first, UnservedReason::BadCheckpoint, format!("final checkpoint: {e}")),
    };
    let final_path = dir.join("tasks").join(seat.task.to_string()).join("final.safetensors");
    if let Some(parent) = final_path.parent() {
        std::fs::create_dir_all(parent).map_err(|source| Error::Io { path: parent.to_path_buf(), source })?;
    }
    last.save(&final_path)?;
    let claimed_metric = submission.metric_ppb;
    let claimed_model = submission.model_hash;
    // The seed the worker had to train with: its runs differ from every other worker's.
    let seed = run_seed(spec.seed, seat.task, &worker.encode(), task.claims.saturating_sub(1));
    let (metrics, started) = (net.metrics.clone(), std::time::Instant::now());
    let own = seat.segments.clone();
    let judged = tokio::task::spawn_blocking(move || -> Result<Judged> {
        pool(threads)?.install(|| {
            let mut witnesses: HashMap<u32, Hash> = HashMap::new();
            for (segment, start) in starts {
                let (recomputed, witness) = match replay_segment_witnessed(&spec, train.clone(), &start, seed) {
                    Ok(replayed) => {
                        witnesses.insert(segment, replayed.witness);
                        (replayed.end, replayed.witness)
                    }
                    // The checkpoint does not fit the spec's model (missing tensors, shapes).
                    Err(e @ Error::Checkpoint { .. }) => {
                        return Ok(Judged::Unserved { segment, reason: UnservedReason::BadCheckpoint, detail: e.to_string() })
                    }
                    Err(e) => return Err(e),
                };
                metrics.segments_replayed.inc();
                if !own.contains(&segment) {
                    // Witnessed for the partner: its witness is all the verdict says of it.
                    continue;
                }
                let leaf = leaves[segment as usize + 1];
                if recomputed != leaf || lie {
                    let recomputed = if lie && recomputed == leaf { mlchain_primitives::blake2_256(b"a lie") } else { recomputed };
                    let proof = merkle_proof(&leaves, segment as usize + 1).map_err(|e| Error::Other(format!("proof: {e:?}")))?;
                    return Ok(Judged::Verdict(Verdict::RejectSegment(RejectEvidence { segment, recomputed, leaf, proof, witness })));
                }
            }
            let params = load_model(&final_path)?;
            // The model the requester gets is the final checkpoint's parameters.
            if canonical_hash(None, &params) != claimed_model {
                let detail = "the submitted model hash is not the final checkpoint's parameters".to_string();
                return Ok(Judged::Unserved { segment: first, reason: UnservedReason::BadModelHash, detail });
            }
            let metric_ppb = evaluate(&spec, &model_from_params(&spec, &params)?, &eval)?.metric_ppb;
            if metric_ppb != claimed_metric {
                return Ok(Judged::Verdict(Verdict::RejectMetric { metric_ppb }));
            }
            let witnesses = duties.iter().map(|j| witnesses.get(j).copied()).collect::<Option<Vec<Hash>>>();
            let witnesses = witnesses.ok_or_else(|| Error::Other("a duty was not replayed".into()))?;
            Ok(Judged::Verdict(Verdict::accept(witnesses)))
        })
    })
    .await
    .map_err(|e| Error::Other(format!("verification thread: {e}")))??;
    net.metrics.verification_seconds.observe(started.elapsed().as_secs_f64());
    Ok(judged)
}

/// Why a checkpoint could not be had.
enum Fetch {
    /// Nobody served it.
    NotServed(String),
    /// What was served is not a checkpoint, or not the one named.
    Malformed(String),
}

/// The checkpoint named `hash`, fetched and checked.
async fn checkpoint(net: &Net, hash: Hash, providers: &[crate::p2p::Provider]) -> std::result::Result<Checkpoint, Fetch> {
    let bytes = net.fetch_named(hash, providers).await.map_err(|e| Fetch::NotServed(e.to_string()))?;
    let ck = Checkpoint::from_bytes(&bytes).map_err(|e| Fetch::Malformed(format!("checkpoint {}…: {e}", &to_hex(&hash)[..16])))?;
    if ck.hash() != hash {
        return Err(Fetch::Malformed(format!("the served checkpoint hashes to {}", to_hex(&ck.hash()))));
    }
    Ok(ck)
}
