//! Registering this process as a worker or verifier in the compute pallet.
use super::{mlc, net::Net};
use crate::chain::runtime::{
    self,
    runtime_types::{
        bounded_collections::bounded_vec::BoundedVec,
        pallet_compute::{Capabilities, ModelFamily},
    },
};
use crate::chain::{Balance, Chain, ChainError};
use crate::error::Result;

/// Which side of verification this process is on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Role {
    /// Claims and trains tasks, serves their checkpoints.
    Worker,
    /// Replays segments of submitted runs and votes.
    Verifier,
}

impl Role {
    /// The role's name in metrics labels: `worker` or `verifier`.
    pub fn name(self) -> &'static str {
        match self {
            Role::Worker => "worker",
            Role::Verifier => "verifier",
        }
    }
}

/// What this machine offers: its cores and memory; every model family the engine trains.
fn capabilities() -> Capabilities {
    let cores = std::thread::available_parallelism().map(|n| n.get() as u32).unwrap_or(1);
    Capabilities {
        cores,
        memory_mib: 4096,
        gpu: false,
        model_families: BoundedVec(vec![ModelFamily::Mlp, ModelFamily::Cnn, ModelFamily::Transformer]),
    }
}

/// Registers the account with `bond` unless it already is registered; refreshes the on-chain
/// endpoint when this process listens elsewhere than it says. Prints where it serves.
pub async fn ensure_registered(chain: &Chain, net: &Net, role: Role, bond: Balance) -> Result<()> {
    let me = chain.account();
    let at = chain.at_best().await?;
    let existing = at
        .storage()
        .try_fetch(runtime::storage().compute().participants(), (me.clone(),))
        .await
        .map_err(ChainError::rpc)?;
    let endpoint = net.endpoint();
    match existing {
        Some(entry) => {
            let participant = entry.decode().map_err(ChainError::rpc)?;
            let same = participant.endpoint.peer_id.0 == endpoint.peer_id.0
                && participant.endpoint.addrs.0.iter().map(|a| &a.0).eq(endpoint.addrs.0.iter().map(|a| &a.0));
            if !same {
                chain.submit(&runtime::transactions().compute().update_endpoint(endpoint)).await?;
                println!("{role:?} {me}: endpoint updated to {}", net.node.peer_id());
            }
        }
        None => {
            let calls = runtime::transactions().compute();
            match role {
                Role::Worker => chain.submit(&calls.register_worker(bond, capabilities(), endpoint)).await?,
                Role::Verifier => chain.submit(&calls.register_verifier(bond, capabilities(), endpoint)).await?,
            };
            println!("{role:?} {me}: registered with a bond of {}", mlc(bond));
        }
    }
    let addrs: Vec<String> = net.node.dial_addrs().iter().map(|a| a.to_string()).collect();
    println!("{role:?} {me}: serving on {}", addrs.join(", "));
    Ok(())
}
