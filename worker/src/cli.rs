//! The `mlchain-worker` command line.
mod artifacts;
mod network;

use crate::data;
use crate::error::{Error, Result};
use crate::eval::{evaluate, model_from_params};
use crate::replay::replay_run_segment;
use crate::train::{check_dataset_hash, pool, train_run};
pub use artifacts::{FetchArgs, ServeArgs, StoreCommand, StoreDir};
use clap::{Args, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

/// The async runtime the network commands run on.
fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Other(format!("cannot start the async runtime: {e}")))
}

/// Exit code of `replay` when the recomputed checkpoint differs from the committed one.
pub const EXIT_MISMATCH: i32 = 3;

#[derive(Parser)]
#[command(
    name = "mlchain-worker",
    version,
    about = "Deterministic training, segment replay and evaluation for mlchain tasks; artifact store and peer-to-peer exchange"
)]
pub struct Cli {
    /// Print one JSON object instead of text.
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Args)]
pub struct DataArgs {
    /// Task spec (JSON).
    #[arg(long)]
    pub spec: PathBuf,
    /// Column holding the label in CSV data.
    #[arg(long, default_value = "label")]
    pub label_column: String,
    /// Kernel threads (0: one per core). Results do not depend on it.
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
}

#[derive(Subcommand)]
pub enum Command {
    /// Train a task, writing checkpoints, the model and run.json to --out.
    Train {
        #[command(flatten)]
        common: DataArgs,
        /// Training data: FILE.csv, FILE.safetensors, or FEATURES,LABELS (.npy or IDX).
        #[arg(long)]
        data: String,
        /// Evaluation data (same formats).
        #[arg(long)]
        eval: String,
        #[arg(long)]
        out: PathBuf,
    },
    /// Recompute one segment of a run and compare with its committed checkpoint hash.
    Replay {
        #[command(flatten)]
        common: DataArgs,
        #[arg(long)]
        data: String,
        /// Run directory written by `train`.
        #[arg(long)]
        run: PathBuf,
        #[arg(long)]
        segment: u32,
    },
    /// Evaluate a model file on a dataset.
    Evaluate {
        #[command(flatten)]
        common: DataArgs,
        #[arg(long)]
        model: PathBuf,
        #[arg(long)]
        data: String,
    },
    /// Check that this machine reproduces the golden checkpoint hashes of every model family
    /// (exit code 3 if not): run it before bonding as a verifier.
    Selftest,
    /// Task spec helpers.
    Spec {
        #[command(subcommand)]
        command: SpecCommand,
    },
    /// The local artifact store: add, ls, get, pin, unpin, gc.
    Store {
        #[command(subcommand)]
        command: StoreCommand,
    },
    /// Serve the store's artifacts to peers until interrupted; prints the peer id and the
    /// addresses to fetch from.
    Serve(ServeArgs),
    /// Download an artifact from peers into the store, checking every chunk; a killed fetch
    /// resumes where it stopped.
    Fetch(FetchArgs),
    /// Datasets: generate the demo's, or store and register your own.
    Data {
        #[command(subcommand)]
        command: network::DataCommand,
    },
    /// Post a training task on registered datasets (and, with --wait, follow it to the end).
    Submit(network::SubmitArgs),
    /// Run a worker or verifier daemon against a node: registers, then claims and trains tasks
    /// or replays assigned segments and votes, serving artifacts to peers all along.
    Run(network::RunArgs),
    /// Root's settings of a local network.
    Admin {
        #[command(subcommand)]
        command: network::AdminCommand,
    },
}

#[derive(Subcommand)]
pub enum SpecCommand {
    /// Write a valid spec to start from.
    New {
        /// mlp, cnn or transformer.
        #[arg(long, default_value = "mlp")]
        family: String,
        /// Features per example (MLP).
        #[arg(long, default_value_t = 4)]
        inputs: u32,
        /// Classes (or regression outputs).
        #[arg(long, default_value_t = 2)]
        outputs: u32,
        /// Output file (stdout if absent).
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

fn print(json: bool, value: serde_json::Value, text: String) {
    if json {
        println!("{value}");
    } else {
        println!("{text}");
    }
}

/// Runs a parsed command line; returns the process exit code.
pub fn run(cli: Cli) -> Result<i32> {
    match cli.command {
        Command::Train {
            common,
            data: train,
            eval,
            out,
        } => {
            let spec = crate::spec::load(&common.spec)?;
            let train_data = Arc::new(data::load(&train, &common.label_column)?);
            let eval_data = data::load(&eval, &common.label_column)?;
            check_dataset_hash(spec.eval_dataset, &eval_data, "evaluation")?;
            let bar = if cli.json {
                ProgressBar::hidden()
            } else {
                ProgressBar::new(spec.total_steps as u64)
            };
            bar.set_style(
                ProgressStyle::with_template("{bar:40} {pos}/{len} steps  loss {msg}")
                    .map_err(|e| Error::Other(e.to_string()))?,
            );
            let started = Instant::now();
            let (record, evaluation) = pool(common.threads)?.install(|| -> Result<_> {
                let record = train_run(&spec, train_data, &out, |step, loss| {
                    bar.set_position(step);
                    bar.set_message(format!("{loss:.4}"));
                })?;
                let params = crate::checkpoint::load_model(&out.join("model.safetensors"))?;
                let evaluation = evaluate(&spec, &model_from_params(&spec, &params)?, &eval_data)?;
                Ok((record, evaluation))
            })?;
            bar.finish_and_clear();
            let seconds = started.elapsed().as_secs_f64();
            print(
                cli.json,
                serde_json::json!({
                    "model_hash": record.model_hash, "checkpoints_root": record.checkpoints_root,
                    "metric": evaluation.metric_ppb, "passes": evaluation.passes, "loss": evaluation.loss,
                    "accuracy": evaluation.accuracy, "steps": record.steps, "seconds": seconds,
                }),
                format!(
                    "model hash        {}\ncheckpoints root  {}\nmetric            {} ppb ({})\nsteps             {}\nseconds           {seconds:.2}",
                    record.model_hash,
                    record.checkpoints_root,
                    evaluation.metric_ppb,
                    if evaluation.passes { "passes" } else { "below threshold" },
                    record.steps
                ),
            );
            Ok(0)
        }
        Command::Replay {
            common,
            data: train,
            run,
            segment,
        } => {
            let spec = crate::spec::load(&common.spec)?;
            let train_data = Arc::new(data::load(&train, &common.label_column)?);
            check_dataset_hash(spec.train_dataset, &train_data, "training")?;
            let verdict = pool(common.threads)?
                .install(|| replay_run_segment(&spec, train_data, &run, segment))?;
            let word = if verdict.matches { "match" } else { "MISMATCH" };
            print(
                cli.json,
                serde_json::to_value(&verdict).map_err(|e| Error::Other(e.to_string()))?,
                format!(
                    "segment {segment}: {word}\n  committed   {}\n  recomputed  {}",
                    verdict.claimed, verdict.recomputed
                ),
            );
            Ok(if verdict.matches { 0 } else { EXIT_MISMATCH })
        }
        Command::Evaluate {
            common,
            model,
            data: eval,
        } => {
            let spec = crate::spec::load(&common.spec)?;
            let eval_data = data::load(&eval, &common.label_column)?;
            let params = crate::checkpoint::load_model(&model)?;
            let evaluation = pool(common.threads)?
                .install(|| evaluate(&spec, &model_from_params(&spec, &params)?, &eval_data))?;
            print(
                cli.json,
                serde_json::to_value(&evaluation).map_err(|e| Error::Other(e.to_string()))?,
                format!(
                    "metric {} ppb ({}), loss {}, accuracy {}",
                    evaluation.metric_ppb,
                    if evaluation.passes {
                        "passes"
                    } else {
                        "below threshold"
                    },
                    evaluation.loss,
                    evaluation
                        .accuracy
                        .map(|a| format!("{a:.4}"))
                        .unwrap_or_else(|| "n/a".into())
                ),
            );
            Ok(0)
        }
        Command::Selftest => {
            let checks = crate::selftest::run()?;
            let machine = crate::selftest::machine();
            let all_match = checks.iter().all(|c| c.matches);
            let mut lines = vec![format!(
                "machine      {} avx2={} fma={} l1d={}",
                machine.arch,
                machine.avx2,
                machine.fma,
                machine.l1d_kib.map(|k| format!("{k} KiB")).unwrap_or_else(|| "unknown".into())
            )];
            lines.extend(checks
                .iter()
                .map(|c| {
                    let word = if c.matches { "ok" } else { "MISMATCH" };
                    format!("{:<12} {word:<8} {}", c.family, c.computed)
                }));
            print(
                cli.json,
                serde_json::json!({ "matches": all_match, "machine": machine, "families": checks }),
                lines.join("\n"),
            );
            Ok(if all_match { 0 } else { EXIT_MISMATCH })
        }
        Command::Spec {
            command:
                SpecCommand::New {
                    family,
                    inputs,
                    outputs,
                    out,
                },
        } => {
            let spec = crate::spec::template(&family, inputs, outputs)?;
            let text =
                serde_json::to_string_pretty(&spec).map_err(|e| Error::Other(e.to_string()))?;
            match out {
                Some(path) => {
                    std::fs::write(&path, text).map_err(|source| Error::Io { path, source })?
                }
                None => println!("{text}"),
            }
            Ok(0)
        }
        Command::Store { command } => artifacts::store(cli.json, command),
        Command::Serve(args) => artifacts::serve(cli.json, args),
        Command::Fetch(args) => artifacts::fetch(cli.json, args),
        Command::Data { command } => network::data(command),
        Command::Submit(args) => network::submit(args),
        Command::Run(args) => network::run(args),
        Command::Admin { command } => network::admin(command),
    }
}
