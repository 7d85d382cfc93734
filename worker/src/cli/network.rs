//! The command-line side of the network roles: `data`, `submit`, `run` and `admin`.
use super::runtime;
use crate::chain::{key, Balance, Chain};
use crate::error::{Error, Result};
use crate::metrics::Metrics;
use crate::p2p::{fault::Fault, Provider};
use crate::roles::{
    self,
    admin::Windows,
    net::{Net, NetConfig},
    owner::Terms,
    participant::Role,
    requester::{NewTask, Outcome},
    trainer::{Cheat, TrainerConfig},
    verifier::{Conduct, VerifierConfig},
};
use clap::{ArgGroup, Args, Subcommand};
use libp2p::Multiaddr;
use std::net::Ipv4Addr;
use std::path::PathBuf;
use subxt_signer::sr25519::Keypair;
use std::sync::Arc;

/// Which node to talk to and which key signs.
#[derive(Args, Clone, Debug)]
#[command(group(ArgGroup::new("signer").required(true).args(["suri", "keystore_path"])))]
pub struct ChainArgs {
    /// WebSocket RPC address of an mlchain node.
    #[arg(long, default_value = "ws://127.0.0.1:9944", env = "MLCHAIN_NODE")]
    pub node: String,
    /// Secret URI of the signing sr25519 key: `//Alice` on a dev chain, or a mnemonic with
    /// optional `//derivation` and `///password`.
    #[arg(long, env = "MLCHAIN_SURI", hide_env_values = true)]
    pub suri: Option<String>,
    /// A node keystore holding the signing key, as `mlchain-node key insert --keystore-path
    /// DIR --key-type mlcw --scheme sr25519` writes it (the one `mlcw` key in DIR is used).
    #[arg(long, value_name = "DIR")]
    pub keystore_path: Option<PathBuf>,
    /// Password of the keystore, if it has one.
    #[arg(long, env = "MLCHAIN_KEYSTORE_PASSWORD", hide_env_values = true, requires = "keystore_path", conflicts_with = "password_filename")]
    pub password: Option<String>,
    /// File whose first line is the password of the keystore.
    #[arg(long, value_name = "FILE", requires = "keystore_path")]
    pub password_filename: Option<PathBuf>,
}

impl ChainArgs {
    fn signer(&self) -> Result<Keypair> {
        if let Some(suri) = &self.suri {
            return Ok(key::from_suri(suri)?);
        }
        let Some(dir) = &self.keystore_path else {
            return Err(Error::Other("give the signing key with --suri or --keystore-path".into()));
        };
        let password = match (&self.password, &self.password_filename) {
            (Some(password), _) => Some(password.clone()),
            (None, Some(path)) => {
                let text = std::fs::read_to_string(path).map_err(|source| Error::Io { path: path.clone(), source })?;
                Some(text.lines().next().unwrap_or_default().to_owned())
            }
            (None, None) => None,
        };
        Ok(key::from_keystore(dir, password.as_deref())?)
    }

    async fn connect(&self) -> Result<Chain> {
        Ok(Chain::connect(&self.node, self.signer()?).await?)
    }
}

/// Where a role keeps its store, node key and work, and how peers reach it.
#[derive(Args, Clone, Debug)]
pub struct NetArgs {
    /// Directory for the artifact store (`DIR/store`), the libp2p key (`DIR/node.key`) and
    /// runs or verdicts.
    #[arg(long)]
    pub dir: PathBuf,
    /// Address to serve artifacts on (published on chain by workers and verifiers).
    #[arg(long, default_value = "/ip4/127.0.0.1/tcp/0")]
    pub listen: Multiaddr,
    /// A peer to fetch from besides those registered on chain, as MULTIADDR/p2p/PEERID (for
    /// example a data owner's `serve`); repeatable.
    #[arg(long = "peer")]
    pub peers: Vec<Provider>,
    /// TESTING ONLY: serve artifacts badly (`corrupt-chunks`, `slow-chunks=MS`).
    #[arg(long, hide = true)]
    pub fault: Option<Fault>,
}

impl NetArgs {
    async fn start(&self, metrics: Metrics) -> Result<Net> {
        let config = NetConfig { listen: vec![self.listen.clone()], peers: self.peers.clone(), fault: self.fault };
        Net::start(&self.dir, config, metrics).await
    }
}

#[derive(Subcommand)]
pub enum DataCommand {
    /// Store dataset files, make them available to peers under their content hash and
    /// register them in the data registry (one entry each; prints the entry ids).
    Add {
        /// `.safetensors` (tensors `features` and `labels`) or `.csv` (a `label` column).
        #[arg(required = true)]
        files: Vec<PathBuf>,
        #[command(flatten)]
        chain: ChainArgs,
        /// Directory of the artifact store (as `run --dir`); serve it with `serve --store
        /// DIR/store --key DIR/node.key`.
        #[arg(long)]
        dir: PathBuf,
        /// Price in MLC that each task using the dataset pays.
        #[arg(long, default_value = "1", value_parser = roles::parse_mlc)]
        price: Balance,
        /// Royalty on accepted tasks' rewards, in basis points (100 = 1 %); the runtime caps
        /// it (2 500 on mlchain).
        #[arg(long, default_value_t = 500)]
        royalty_bps: u16,
        /// SPDX licence identifier.
        #[arg(long, default_value = "CC-BY-4.0")]
        licence: String,
    },
    /// Write the generated training and evaluation data and the task spec of the demo task
    /// (an MLP on linearly separable 4-d points): DIR/train.safetensors, DIR/eval.safetensors
    /// and DIR/spec.json.
    Generate {
        #[arg(long)]
        out: PathBuf,
        /// Examples per dataset.
        #[arg(long, default_value_t = 256)]
        rows: usize,
    },
}

#[derive(Args)]
pub struct SubmitArgs {
    #[command(flatten)]
    pub chain: ChainArgs,
    /// Task spec (JSON, as `spec new` writes); dataset ids may be left zero.
    #[arg(long)]
    pub spec: PathBuf,
    /// Registry entry of the training data.
    #[arg(long)]
    pub train_data: u64,
    /// Registry entry of the evaluation data.
    #[arg(long)]
    pub eval_data: u64,
    /// Reward in MLC paid to the worker (less the datasets' royalties) when the run is
    /// verified.
    #[arg(long, value_parser = roles::parse_mlc)]
    pub reward: Balance,
    /// Bond in MLC the worker locks while it holds the task. Default: the smallest the chain
    /// accepts, which grows with the reward (about 4 rewards for 3 verifiers) so that faking
    /// any part of the run loses the worker money.
    #[arg(long, value_parser = roles::parse_mlc)]
    pub worker_bond: Option<Balance>,
    /// Blocks the task stays open for claims.
    #[arg(long, default_value_t = 600)]
    pub claim_within: u32,
    /// Blocks the worker has from its claim to submit.
    #[arg(long, default_value_t = 600)]
    pub execution: u32,
    /// Follow the task until it ends, printing each step.
    #[arg(long)]
    pub wait: bool,
    /// While following (`--wait`): when the committee accepts the run over a reject, replay
    /// the disputed segments during the appeal window and appeal if the replay rejects the
    /// run. DIR holds the artifact store, the libp2p key and the replays.
    #[arg(long, value_name = "DIR", requires = "wait")]
    pub check_accepts: Option<PathBuf>,
    /// A peer to fetch the datasets from besides those registered on chain, as
    /// MULTIADDR/p2p/PEERID (with `--check-accepts`); repeatable.
    #[arg(long = "peer", requires = "check_accepts")]
    pub peers: Vec<Provider>,
    /// Kernel threads for the replays of `--check-accepts` (0: one per core).
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
}

/// A dishonest behaviour for end-to-end tests.
fn parse_cheat(text: &str) -> std::result::Result<Cheat, String> {
    match text.split_once('=') {
        Some(("corrupt-checkpoint", n)) => n
            .parse()
            .map(Cheat::CorruptCheckpoint)
            .map_err(|_| format!("{n:?} is not a checkpoint index")),
        Some(("withhold-corrupted", n)) => n
            .parse()
            .map(Cheat::WithholdCorrupted)
            .map_err(|_| format!("{n:?} is not a checkpoint index")),
        None if text == "withhold-all" => Ok(Cheat::WithholdAll),
        _ => Err(format!(
            "unknown cheat {text:?}: there are corrupt-checkpoint=N, withhold-corrupted=N and withhold-all"
        )),
    }
}

#[derive(Args)]
pub struct RunArgs {
    /// worker: claim, train and serve tasks; verifier: replay assigned segments and vote.
    #[arg(long, value_enum)]
    pub role: Role,
    #[command(flatten)]
    pub chain: ChainArgs,
    #[command(flatten)]
    pub net: NetArgs,
    /// Bond in MLC to register with, if not registered yet.
    #[arg(long, default_value = "100", value_parser = roles::parse_mlc)]
    pub bond: Balance,
    /// Kernel threads (0: one per core). Results do not depend on it.
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
    /// Exit after this many tasks settled (worker) or verdicts revealed (verifier); 0: never.
    #[arg(long, default_value_t = 0)]
    pub max_tasks: usize,
    /// TESTING ONLY: behave as a cheating worker (`corrupt-checkpoint=N`,
    /// `withhold-corrupted=N`, `withhold-all`).
    #[arg(long, value_parser = parse_cheat, hide = true)]
    pub cheat: Option<Cheat>,
    /// TESTING ONLY: as a verifier, reject every run with a false claim.
    #[arg(long, hide = true, conflicts_with = "lazy")]
    pub lie: bool,
    /// TESTING ONLY: as a verifier, accept every run without replaying it (guessed witnesses).
    #[arg(long, hide = true)]
    pub lazy: bool,
    #[command(flatten)]
    pub metrics: MetricsArgs,
}

/// Where a daemon serves its Prometheus metrics.
#[derive(Args, Clone, Debug)]
pub struct MetricsArgs {
    /// Serve Prometheus metrics at http://127.0.0.1:PORT/metrics.
    #[arg(long, value_name = "PORT")]
    pub prometheus_port: Option<u16>,
    /// Serve the metrics on all interfaces instead of 127.0.0.1 only.
    #[arg(long, requires = "prometheus_port")]
    pub prometheus_external: bool,
}

impl MetricsArgs {
    /// The metrics of a daemon in `role`, served if a port was given.
    pub async fn start(&self, role: &str) -> Result<Metrics> {
        let metrics = Metrics::new(role)?;
        if let Some(port) = self.prometheus_port {
            let ip = if self.prometheus_external { Ipv4Addr::UNSPECIFIED } else { Ipv4Addr::LOCALHOST };
            metrics.serve((ip, port).into()).await?;
        }
        Ok(metrics)
    }
}

#[derive(Subcommand)]
pub enum AdminCommand {
    /// Set the verification windows (in blocks) with the sudo key, e.g. to settle tasks in
    /// minutes on a local network.
    SetWindows {
        #[command(flatten)]
        chain: ChainArgs,
        #[arg(long)]
        commit: u32,
        #[arg(long)]
        reveal: u32,
        #[arg(long)]
        appeal: u32,
    },
}

pub fn data(command: DataCommand) -> Result<i32> {
    match command {
        DataCommand::Add { files, chain, dir, price, royalty_bps, licence } => runtime()?.block_on(async {
            let chain = chain.connect().await?;
            let config = NetConfig { listen: Vec::new(), peers: Vec::new(), fault: None };
            let net = Net::start(&dir, config, Metrics::new("owner")?).await?;
            let terms = Terms { licence, price, royalty_bps };
            for file in files {
                roles::owner::add_dataset(&chain, &net, &file, &terms).await?;
            }
            Ok(0)
        }),
        DataCommand::Generate { out, rows } => {
            let (spec, train, eval) = crate::synthetic::demo_task(rows);
            let io = |path: PathBuf| move |source| Error::Io { path, source };
            std::fs::create_dir_all(&out).map_err(io(out.clone()))?;
            for (name, dataset) in [("train.safetensors", &train), ("eval.safetensors", &eval)] {
                let bytes = crate::data::st::serialize(dataset).map_err(Error::Other)?;
                std::fs::write(out.join(name), bytes).map_err(io(out.join(name)))?;
            }
            let json = serde_json::to_string_pretty(&spec).map_err(|e| Error::Other(e.to_string()))?;
            std::fs::write(out.join("spec.json"), json).map_err(io(out.join("spec.json")))?;
            println!("wrote {0}/train.safetensors, {0}/eval.safetensors and {0}/spec.json", out.display());
            Ok(0)
        }
    }
}

pub fn submit(args: SubmitArgs) -> Result<i32> {
    let spec = crate::spec::load(&args.spec)?;
    runtime()?.block_on(async {
        let chain = args.chain.connect().await?;
        let task = NewTask {
            spec,
            train_entry: args.train_data,
            eval_entry: args.eval_data,
            reward: args.reward,
            worker_bond: args.worker_bond,
            claim_within: args.claim_within,
            execution: args.execution,
        };
        let id = roles::requester::create_task(&chain, task).await?;
        if !args.wait {
            return Ok(0);
        }
        let name = |who: &subxt::utils::AccountId32| who.to_string();
        let auditor = match &args.check_accepts {
            Some(dir) => {
                // It only fetches: a loopback listener it never publishes.
                let listen: Multiaddr = "/ip4/127.0.0.1/tcp/0".parse().map_err(|e| Error::Other(format!("{e}")))?;
                let net = NetArgs { dir: dir.clone(), listen, peers: args.peers.clone(), fault: None };
                let net = Arc::new(net.start(Metrics::new("requester")?).await?);
                Some(roles::requester::Auditor { net, dir: dir.clone(), threads: args.threads })
            }
            None => None,
        };
        match roles::requester::follow(&chain, id, &name, auditor.as_ref()).await? {
            Outcome::Accepted { paid } => {
                println!("task {id} accepted: the worker was paid {}", roles::mlc(paid));
                Ok(0)
            }
            Outcome::Refunded { refunded } => {
                println!("task {id} ended without a verified result: {} refunded", roles::mlc(refunded));
                Ok(2)
            }
        }
    })
}

pub fn run(args: RunArgs) -> Result<i32> {
    runtime()?.block_on(async {
        let chain = args.chain.connect().await?;
        let metrics = args.metrics.start(args.role.name()).await?;
        let net = Arc::new(args.net.start(metrics).await?);
        match args.role {
            Role::Worker => {
                let config = TrainerConfig {
                    bond: args.bond,
                    work_dir: args.net.dir.clone(),
                    threads: args.threads,
                    cheat: args.cheat,
                    max_tasks: args.max_tasks,
                };
                roles::trainer::run(chain, net, config).await?
            }
            Role::Verifier => {
                let config = VerifierConfig {
                    bond: args.bond,
                    work_dir: args.net.dir.clone(),
                    threads: args.threads,
                    conduct: match (args.lie, args.lazy) {
                        (true, _) => Conduct::Lie,
                        (_, true) => Conduct::Lazy,
                        _ => Conduct::Honest,
                    },
                    max_verdicts: args.max_tasks,
                };
                roles::verifier::run(chain, net, config).await?
            }
        }
        Ok(0)
    })
}

pub fn admin(command: AdminCommand) -> Result<i32> {
    match command {
        AdminCommand::SetWindows { chain, commit, reveal, appeal } => runtime()?.block_on(async {
            let chain = chain.connect().await?;
            roles::admin::set_windows(&chain, Windows { commit, reveal, appeal }).await?;
            println!("windows set: commit {commit}, reveal {reveal}, appeal {appeal} blocks");
            Ok(0)
        }),
    }
}
