//! The requester: posts a training task on registered datasets and follows it to the end.
//!
//! Following with an [`Auditor`], the requester also checks an accept that was disputed: when
//! the committee accepted the run over a reject (outvoted or overturned), it replays the
//! disputed segments itself during the appeal window, exactly as a verifier would, and
//! appeals only if its replay rejects the run. The appeal committee replays every disputed
//! segment, so the requester's appeal is won when its replay is right, and then the rejected
//! worker's slash pays the appeal seats; a replay that agrees with the accept costs the
//! requester nothing but the replay.
use super::net::Net;
use super::trainer::disputed_by_replay;
use super::verifier::{self, replay_for_appeal, Judged};
use super::{mlc, NewBlocks};
use crate::chain::runtime::{
    self,
    runtime_types::pallet_training::{pallet::Event as TrainingEvent, DatasetIds, Deadlines},
};
use crate::chain::runtime::runtime_types::pallet_training::{Decision, Phase};
use crate::chain::{Balance, Chain, ChainError};
use crate::error::{Error, Result};
use mlchain_primitives::training::Verdict;
use mlchain_primitives::{hash::to_hex, training::TaskId, TaskSpec};
use std::path::PathBuf;
use std::sync::Arc;
use subxt::utils::{AccountId32, Static};
use tokio::task::JoinHandle;

/// A task to post: the spec (its dataset hashes may be left zero: they are taken from the
/// registry entries), the entries, the money and the deadlines in blocks.
#[derive(Clone, Debug)]
pub struct NewTask {
    pub spec: TaskSpec,
    pub train_entry: u64,
    pub eval_entry: u64,
    pub reward: Balance,
    /// `None`: the smallest bond the chain accepts for this reward and verifier count.
    pub worker_bond: Option<Balance>,
    pub claim_within: u32,
    pub execution: u32,
}

/// How a task ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Verified and paid: the worker got `paid`.
    Accepted { paid: Balance },
    /// Ended without a verified result: the requester got `refunded` back.
    Refunded { refunded: Balance },
}

/// Posts `task`; returns its id once `TaskCreated` is in a block.
pub async fn create_task(chain: &Chain, mut task: NewTask) -> Result<TaskId> {
    task.spec.train_dataset = entry_root(chain, task.train_entry, task.spec.train_dataset).await?;
    task.spec.eval_dataset = entry_root(chain, task.eval_entry, task.spec.eval_dataset).await?;
    let needed = min_worker_bond(chain, task.reward, task.spec.verifier_count).await?;
    let worker_bond = match task.worker_bond {
        None => needed,
        Some(bond) if bond < needed => {
            return Err(Error::Other(format!(
                "a worker bond of {} is too small for a reward of {} with {} verifiers: the chain asks at least {} \
                 so that faking any part of the run loses the worker money (docs/training-tasks.md, bond sizing); \
                 leave --worker-bond out to use that",
                mlc(bond),
                mlc(task.reward),
                task.spec.verifier_count,
                mlc(needed)
            )))
        }
        Some(bond) => bond,
    };
    println!("worker bond {} (at least {} for this reward and {} verifiers)", mlc(worker_bond), mlc(needed), task.spec.verifier_count);
    let call = runtime::transactions().training().create_task(
        Static(task.spec),
        DatasetIds { train: task.train_entry, eval: task.eval_entry },
        task.reward,
        worker_bond,
        Deadlines { claim_within: task.claim_within, execution: task.execution },
    );
    let events = chain.submit(&call).await?;
    let created = events
        .find_first::<runtime::training::events::TaskCreated>()
        .ok_or_else(|| Error::Other("create_task succeeded without a TaskCreated event".into()))?
        .map_err(|e| Error::Other(e.to_string()))?;
    println!(
        "task {} created: reward {}, {} held in escrow, {} creation fee to the treasury, open for claims until block {}; \
         {} per verifier seat (bond {}), commit window {} blocks",
        created.task,
        mlc(created.reward),
        mlc(created.escrow),
        mlc(created.creation_fee),
        created.claim_until,
        mlc(created.seat_fee),
        mlc(created.seat_bond),
        created.commit_window
    );
    Ok(created.task)
}

/// The smallest worker bond the chain accepts for `reward` and `verifiers`: the pallet's rule
/// (`Pallet::min_worker_bond`) from the runtime's constants and the shared formula.
async fn min_worker_bond(chain: &Chain, reward: Balance, verifiers: u32) -> Result<Balance> {
    let at = chain.at_best().await?;
    let constants = at.constants();
    let training = runtime::constants().training();
    let get = |e: subxt::error::ConstantError| Error::Other(format!("reading a training constant: {e}"));
    let floor = constants.entry(training.min_worker_bond()).map_err(get)?;
    let collusion = constants.entry(training.assumed_collusion()).map_err(get)?.0;
    let slash = constants.entry(training.reject_slash()).map_err(get)?.0;
    let seats = constants.entry(training.escalation_seats()).map_err(get)?;
    let needed = mlchain_primitives::economics::min_worker_bond(reward, verifiers, seats, collusion, slash)
        .ok_or_else(|| Error::Other(format!("no worker bond is large enough for a reward of {}", mlc(reward))))?;
    Ok(needed.max(floor))
}

/// The content root of registry entry `id`; when the spec already names a dataset, it must be
/// that one.
async fn entry_root(chain: &Chain, id: u64, in_spec: [u8; 32]) -> Result<[u8; 32]> {
    let at = chain.at_best().await?;
    let entry = at
        .storage()
        .try_fetch(runtime::storage().data_registry().entries(), (id,))
        .await
        .map_err(ChainError::rpc)?
        .ok_or_else(|| Error::Other(format!("registry entry {id} does not exist")))?
        .decode()
        .map_err(ChainError::rpc)?;
    if in_spec != [0; 32] && in_spec != entry.root {
        return Err(Error::Other(format!(
            "the spec names dataset {} but registry entry {id} is {}",
            to_hex(&in_spec),
            to_hex(&entry.root)
        )));
    }
    Ok(entry.root)
}


/// Prints every event of task `id` as the chain produces them, until the task has ended.
/// `name` turns an account into something readable (for example a dev account's name). A
/// node that goes away is waited for; blocks it produced meanwhile are not missed.
/// With an `auditor`, a disputed accept is replayed and appealed when the replay rejects it
/// (see the module docs).
pub async fn follow(
    chain: &Chain,
    id: TaskId,
    name: &dyn Fn(&AccountId32) -> String,
    auditor: Option<&Auditor>,
) -> Result<Outcome> {
    let mut blocks = NewBlocks::default();
    let mut next = chain.best_number().await?;
    let mut audit = Audit::default();
    loop {
        let best = blocks.next(chain).await;
        while next <= best {
            match events_of(chain, next, id, name).await {
                Ok(Some(outcome)) => return Ok(outcome),
                Ok(None) => next += 1,
                Err(e) => {
                    tracing::warn!("block {next}: {e}");
                    break;
                }
            }
        }
        if let Some(auditor) = auditor {
            if let Err(e) = audit.step(chain, auditor, id, best).await {
                tracing::warn!("checking task {id}'s accept: {e}");
            }
        }
    }
}

/// What the requester replays disputed accepts with: its own artifact node (to fetch the
/// worker's checkpoints and the datasets), a work directory and the kernel threads.
pub struct Auditor {
    pub net: Arc<Net>,
    pub dir: PathBuf,
    pub threads: usize,
}

/// The requester's check of one task's accept: looked at once per appeal window.
#[derive(Default)]
struct Audit {
    /// The accept was looked at (replayed, or found undisputed).
    considered: bool,
    /// The replay of the disputed segments, while it runs.
    replay: Option<JoinHandle<Result<Judged>>>,
}

impl Audit {
    /// Starts the replay when the task's accept is disputed and unappealed; appeals when the
    /// finished replay rejects the run.
    async fn step(&mut self, chain: &Chain, auditor: &Auditor, id: TaskId, number: u32) -> Result<()> {
        if !self.considered {
            let Some(task) = chain.task(id).await? else { return Ok(()) };
            if !matches!(task.phase, Phase::AppealWindow { decision: Decision::Accepted, .. }) || task.appeal.is_some() {
                return Ok(());
            }
            self.considered = true;
            let Some(segments) = disputed_by_replay(&task) else {
                println!("[block {number}] requester: task {id} accepted without a dispute by replay; nothing to check");
                return Ok(());
            };
            println!("[block {number}] requester: task {id} accepted over a dispute; replaying segments {segments:?} before the appeal window closes");
            let dir = auditor.dir.join("accept-checks");
            self.replay = Some(replay_for_appeal(chain, &auditor.net, id, segments, dir, auditor.threads));
        }
        let Some(replay) = self.replay.take_if(|r| r.is_finished()) else { return Ok(()) };
        let judged = replay.await.map_err(|e| Error::Other(format!("replaying task {id} panicked: {e}")))?;
        match judged {
            Ok(Judged::Verdict(Verdict::Accept { .. })) => {
                println!("[block {number}] requester: not appealing task {id}: my replay of the disputed segments agrees with the accept")
            }
            Ok(Judged::Verdict(verdict)) => match chain.submit(&runtime::transactions().training().appeal(id)).await {
                Ok(_) => println!("[block {number}] requester: appealed task {id}: my replay says {}", verifier::describe(&verdict)),
                Err(e) => println!("[block {number}] requester: could not appeal task {id}: {e}"),
            },
            Ok(Judged::Unserved { segment, detail, .. }) => {
                println!("[block {number}] requester: not appealing task {id}: segment {segment} was not served to me ({detail})")
            }
            // The appeal window is short: try once more at the next block.
            Err(e) => {
                tracing::warn!("replaying task {id}: {e}");
                self.considered = false;
            }
        }
        Ok(())
    }
}

/// Prints the events of task `id` in block `number`; the outcome if the task ended there.
async fn events_of(chain: &Chain, number: u32, id: TaskId, name: &dyn Fn(&AccountId32) -> String) -> Result<Option<Outcome>> {
    let at = chain.client().at_block(u64::from(number)).await.map_err(ChainError::rpc)?;
    let events = at.events().fetch().await.map_err(ChainError::rpc)?;
    for event in events.iter() {
        let event = event.map_err(ChainError::rpc)?;
        if event.pallet_name() != "Training" {
            continue;
        }
        let runtime::Event::Training(event) = event.decode_as::<runtime::Event>().map_err(ChainError::rpc)? else {
            continue;
        };
        if let Some(line) = describe(&event, id, name) {
            println!("[block {number}] {line}");
        }
        if let Some(outcome) = outcome(&event, id) {
            return Ok(Some(outcome));
        }
    }
    Ok(None)
}

fn outcome(event: &TrainingEvent, id: TaskId) -> Option<Outcome> {
    match *event {
        TrainingEvent::TaskAccepted { task, paid, .. } if task == id => Some(Outcome::Accepted { paid }),
        TrainingEvent::TaskCancelled { task, refunded }
        | TrainingEvent::TaskExpired { task, refunded }
        | TrainingEvent::TaskRefunded { task, refunded }
        | TrainingEvent::TaskAbandoned { task, refunded }
            if task == id =>
        {
            Some(Outcome::Refunded { refunded })
        }
        _ => None,
    }
}

/// One line about `event` if it concerns task `id`.
pub fn describe(event: &TrainingEvent, id: TaskId, name: &dyn Fn(&AccountId32) -> String) -> Option<String> {
    use TrainingEvent as E;
    let line = match event {
        E::TaskCreated { task, reward, creation_fee, seat_fee, seat_bond, commit_window, .. } if *task == id => format!(
            "task created with reward {} (creation fee {} to the treasury); each verifier is paid {} and locks {}; \
             committees have {commit_window} blocks to commit",
            mlc(*reward),
            mlc(*creation_fee),
            mlc(*seat_fee),
            mlc(*seat_bond)
        ),
        E::TaskClaimed { task, worker, submit_by } if *task == id => {
            format!("{} claimed the task; must submit by block {submit_by}", name(worker))
        }
        E::ResultSubmitted { task, worker, checkpoints_root, metric_ppb, select_at, .. } if *task == id => format!(
            "{} committed run {}… with metric {:.2} %; committee drawn from block {select_at} on",
            name(worker),
            &to_hex(checkpoints_root)[..16],
            *metric_ppb as f64 / 1e7
        ),
        E::SelectionPostponed { task, retry_at } if *task == id => {
            format!("waiting for fresh randomness; next try at block {retry_at}")
        }
        E::CommitteeSelected { task, appeal, verifiers, commit_deadline, reveal_deadline } if *task == id => format!(
            "{}committee drawn: {}; commit until block {commit_deadline}, reveal until {reveal_deadline}",
            if *appeal { "appeal " } else { "" },
            verifiers.0.iter().map(name).collect::<Vec<_>>().join(", ")
        ),
        E::VerdictCommitted { task, verifier } if *task == id => format!("{} committed a verdict", name(verifier)),
        E::VerdictRevealed { task, verifier, vote, segment, unserved } if *task == id => format!(
            "{} revealed {}{}",
            name(verifier),
            if *unserved { "that the worker did not serve".to_string() } else { format!("{vote:?}") },
            segment.map(|s| format!(" (segment {s})")).unwrap_or_default()
        ),
        E::EscalationSelected { task, verifiers, segments, commit_deadline, reveal_deadline, .. } if *task == id => format!(
            "escalation: segments {:?} (reported unserved, their jury too small or tied, or their replay witnesses split): fresh verifiers {} replay them; commit until block {commit_deadline}, reveal until {reveal_deadline}",
            segments.0,
            verifiers.0.iter().map(name).collect::<Vec<_>>().join(", ")
        ),
        E::EscalationVoid { task } if *task == id => "no escalation verifier revealed; drawing new ones".to_string(),
        E::DisputeRuled { task, dispute, rejects, accepts, unserved, upheld, .. } if *task == id => format!(
            "dispute {dispute:?}: {rejects} reject(s), {accepts} accept(s), {unserved} not served: {}",
            if *upheld { "upheld" } else { "not upheld" }
        ),
        E::WitnessesCompared { task, segment, agreeing, witnesses, conclusive, .. } if *task == id => format!(
            "segment {segment}: {agreeing} of {witnesses} replay witnesses agree{}",
            if *conclusive { "; the others did not replay it and are judged wrong" } else { ", too few to settle it" }
        ),
        E::RoundTallied { task, accepts, rejects, decision, .. } if *task == id => {
            format!("round tallied: {accepts} accept(s), {rejects} reject(s) -> {decision:?}")
        }
        E::AppealFiled { task, appellant, deposit } if *task == id => {
            format!("{} appealed, holding {}", name(appellant), mlc(*deposit))
        }
        E::VerifierSettled { task, verifier, paid, slashed } if *task == id => {
            format!("verifier {} paid {}, slashed {}", name(verifier), mlc(*paid), mlc(*slashed))
        }
        E::DataPaid { task, entry, owner, price, royalty } if *task == id => format!(
            "data owner {} paid {} for entry {entry} ({} price + {} royalty)",
            name(owner),
            mlc(price + royalty),
            mlc(*price),
            mlc(*royalty)
        ),
        E::TaskAccepted { task, worker, paid } if *task == id => {
            format!("ACCEPTED: worker {} paid {}", name(worker), mlc(*paid))
        }
        E::TaskRejected { task, worker, slashed } if *task == id => {
            format!("REJECTED: worker {} slashed {}", name(worker), mlc(*slashed))
        }
        E::ClaimReleased { task, worker } if *task == id => {
            format!("{} gave the task back within the grace period (no slash; it may not claim it again)", name(worker))
        }
        E::WorkerTimedOut { task, worker, slashed } if *task == id => {
            format!("worker {} missed its deadline, slashed {}", name(worker), mlc(*slashed))
        }
        E::TaskReopened { task, claim_until } if *task == id => format!("task reopened for claims until block {claim_until}"),
        E::TaskCancelled { task, refunded } | E::TaskExpired { task, refunded } if *task == id => {
            format!("task ended unclaimed; {} refunded", mlc(*refunded))
        }
        E::TaskRefunded { task, refunded } | E::TaskAbandoned { task, refunded } if *task == id => {
            format!("task ended without a verified result; {} refunded", mlc(*refunded))
        }
        E::PaymentFailed { task, to, amount } if *task == id => {
            format!("payment of {} to {} failed and was returned", mlc(*amount), name(to))
        }
        _ => return None,
    };
    Some(line)
}
