//! The worker's connection to an mlchain node: a subxt client typed at compile time from our
//! own runtime's metadata.
//!
//! `worker/metadata/mlchain.scale` is a copy of the runtime's metadata; the runtime test
//! `worker_metadata_matches_the_runtime` fails when it goes stale and `scripts/gen-metadata.sh`
//! rewrites it. The types the runtime and the worker share (task spec, verdicts, assignments)
//! are not regenerated: the client uses `mlchain_primitives`' own types, so a verdict is encoded
//! for the chain by the same code the pallet decodes it with.
//!
//! The RPC connection reconnects by itself when the node restarts; calls made while it is down
//! fail with [`ChainError::Rpc`] and the daemons retry them at their next tick.

use crate::chain::runtime::runtime_types;
use mlchain_primitives::training::{Assignment, TaskId};
use std::path::PathBuf;
use subxt::{
    client::{ClientAtBlock, OnlineClientAtBlockImpl},
    config::{PolkadotExtrinsicParamsBuilder, RpcConfigFor},
    rpcs::{
        client::{ReconnectingRpcClient, RpcClient},
        methods::LegacyRpcMethods,
    },
    transactions::{Payload, TransactionStatus},
    utils::AccountId32,
    OnlineClient, PolkadotConfig,
};
use subxt_signer::sr25519::Keypair;

pub mod key;

#[subxt::subxt(
    runtime_metadata_path = "metadata/mlchain.scale",
    substitute_type(
        path = "mlchain_primitives::spec::TaskSpec",
        with = "::subxt::utils::Static<::mlchain_primitives::spec::TaskSpec>"
    ),
    substitute_type(
        path = "mlchain_primitives::training::Verdict",
        with = "::subxt::utils::Static<::mlchain_primitives::training::Verdict>"
    ),
    substitute_type(
        path = "mlchain_primitives::training::Assignment<B>",
        with = "::subxt::utils::Static<::mlchain_primitives::training::Assignment<B>>"
    )
)]
pub mod runtime {}

/// mlchain's transaction format is Polkadot's: `MultiAddress<AccountId32, ()>`, sr25519
/// signatures, `u32` block numbers and the standard signed extensions.
pub type Config = PolkadotConfig;
/// Events of one included transaction.
pub type Events = subxt::extrinsics::ExtrinsicEvents<Config>;
/// A training task as the chain stores it.
pub type Task = runtime_types::pallet_training::Task;
/// The balance type of the chain (12 decimals: one MLC is `10^12`).
pub type Balance = u128;
/// One MLC in the smallest unit.
pub const UNIT: Balance = 1_000_000_000_000;

/// What can go wrong talking to the chain.
#[derive(Debug, thiserror::Error)]
pub enum ChainError {
    #[error("cannot connect to {url}: {message}")]
    Connect { url: String, message: String },
    #[error("bad secret URI (expected e.g. //Alice or a mnemonic): {0}")]
    Suri(String),
    #[error("keystore {}: {message}", path.display())]
    Keystore { path: PathBuf, message: String },
    #[error("{call} failed on chain: {message}")]
    Dispatch { call: String, message: String },
    #[error("{call} was not included: {message}")]
    NotIncluded { call: String, message: String },
    #[error("node RPC: {0}")]
    Rpc(String),
}

impl ChainError {
    /// A failed RPC call (storage read, event fetch, runtime API call).
    pub(crate) fn rpc(e: impl std::fmt::Display) -> Self {
        ChainError::Rpc(e.to_string())
    }
}

pub type Result<T, E = ChainError> = std::result::Result<T, E>;

/// The client's view of one block.
pub type AtBlock = ClientAtBlock<Config, OnlineClientAtBlockImpl<Config>>;

/// A connection to a node plus the account that signs this process's transactions.
#[derive(Clone)]
pub struct Chain {
    client: OnlineClient<Config>,
    /// Plain JSON-RPC on the same connection: best blocks and pool-aware nonces.
    rpc: LegacyRpcMethods<RpcConfigFor<Config>>,
    signer: Keypair,
}

impl Chain {
    /// Connects to `url` (`ws://host:port`); transactions are signed with `signer` (see
    /// [`key`]).
    pub async fn connect(url: &str, signer: Keypair) -> Result<Self> {
        let connect_error = |e: &dyn std::fmt::Display| ChainError::Connect {
            url: url.to_owned(),
            message: e.to_string(),
        };
        let rpc = ReconnectingRpcClient::builder()
            .build(url)
            .await
            .map_err(|e| connect_error(&e))?;
        let rpc = RpcClient::new(rpc);
        let client = OnlineClient::<Config>::from_rpc_client(rpc.clone())
            .await
            .map_err(|e| connect_error(&e))?;
        Ok(Chain { client, rpc: LegacyRpcMethods::new(rpc), signer })
    }

    /// The signing account.
    pub fn account(&self) -> AccountId32 {
        self.signer.public_key().to_account_id()
    }

    /// The subxt client, for reads this type has no helper for.
    pub fn client(&self) -> &OnlineClient<Config> {
        &self.client
    }

    /// Signs `call`, submits it and waits until it is in a best block; returns its events, or
    /// the decoded dispatch error (for example `Training::NotInCommittee`).
    pub async fn submit<Call: Payload>(&self, call: &Call) -> Result<Events> {
        let name = format!("{}.{}", call.pallet_name(), call.call_name());
        // The pool's next nonce, not the finalized state's: a transaction sent right after
        // another one (in a best block, not yet final) must not reuse its nonce.
        let nonce = self
            .rpc
            .system_account_next_index(&self.account())
            .await
            .map_err(ChainError::rpc)?;
        let params = PolkadotExtrinsicParamsBuilder::<Config>::new().nonce(nonce).build();
        let at = self.client.at_current_block().await.map_err(ChainError::rpc)?;
        let mut progress = at
            .transactions()
            .sign_and_submit_then_watch(call, &self.signer, params)
            .await
            .map_err(|e| ChainError::NotIncluded { call: name.clone(), message: e.to_string() })?;
        while let Some(status) = progress.next().await {
            let status = status.map_err(ChainError::rpc)?;
            let not_included = |message: String| ChainError::NotIncluded { call: name.clone(), message };
            match status {
                TransactionStatus::InBestBlock(in_block)
                | TransactionStatus::InFinalizedBlock(in_block) => {
                    return in_block.wait_for_success().await.map_err(|e| ChainError::Dispatch {
                        call: name.clone(),
                        message: e.to_string(),
                    });
                }
                TransactionStatus::Invalid { message } => return Err(not_included(format!("invalid: {message}"))),
                TransactionStatus::Dropped { message } => return Err(not_included(format!("dropped: {message}"))),
                TransactionStatus::Error { message } => return Err(not_included(message)),
                _ => {}
            }
        }
        Err(ChainError::NotIncluded { call: name, message: "the node closed the subscription".into() })
    }

    /// Number of the current best block (not the finalized one: the verification windows are
    /// a few blocks long, shorter than finality may lag).
    pub async fn best_number(&self) -> Result<u32> {
        let header = self.rpc.chain_get_header(None).await.map_err(ChainError::rpc)?;
        let number = header.map(|h| h.number).ok_or_else(|| ChainError::Rpc("the node has no best block".into()))?;
        u32::try_from(number).map_err(|_| ChainError::Rpc(format!("block number {number} exceeds u32")))
    }

    /// The state of the current best block.
    pub async fn at_best(&self) -> Result<AtBlock> {
        let number = self.best_number().await?;
        self.client.at_block(u64::from(number)).await.map_err(ChainError::rpc)
    }

    /// What the training pallet asks of `who` now (runtime API `TrainingApi::assignments_of`).
    pub async fn assignments_of(&self, who: &AccountId32) -> Result<Vec<Assignment<u32>>> {
        let at = self.at_best().await?;
        let call = runtime::runtime_apis().training_api().assignments_of(who.clone());
        let list = at.runtime_apis().call(call).await.map_err(ChainError::rpc)?;
        Ok(list.into_iter().map(|a| a.0).collect())
    }

    /// The task `id`, if it is still open.
    pub async fn task(&self, id: TaskId) -> Result<Option<Task>> {
        let at = self.at_best().await?;
        let entry = at
            .storage()
            .try_fetch(runtime::storage().training().tasks(), (id,))
            .await
            .map_err(ChainError::rpc)?;
        entry.map(|v| v.decode().map_err(ChainError::rpc)).transpose()
    }

    /// Free balance of `who`.
    pub async fn free_balance(&self, who: &AccountId32) -> Result<Balance> {
        let at = self.at_best().await?;
        let account = at
            .storage()
            .try_fetch(runtime::storage().system().account(), (who.clone(),))
            .await
            .map_err(ChainError::rpc)?;
        Ok(match account {
            Some(v) => v.decode().map_err(ChainError::rpc)?.data.free,
            None => 0,
        })
    }
}
