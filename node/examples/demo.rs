//! The README's first command: start a `--dev` chain, show blocks being produced (BABE) and
//! finalized (GRANDPA), send a transfer from Alice to Bob and show it land and finalize.
//!
//! `cargo run -p mlchain-node --example demo -- --node PATH [--seconds N]`

use clap::Parser;
use mlchain_runtime::{constants::currency::UNITS, RuntimeCall};
use mlchain_testkit::{sign, ChainContext, Node, NodeConfig, Rpc, TxStatus};
use sp_keyring::Sr25519Keyring;
use std::{
	path::PathBuf,
	time::{Duration, Instant},
};

#[derive(Parser)]
struct Args {
	/// The mlchain-node binary to run.
	#[arg(long)]
	node: PathBuf,
	/// How long to watch blocks before and after the transfer.
	#[arg(long, default_value_t = 40)]
	seconds: u64,
}

/// An amount in MLC with six decimals (fees are fractions of a milli-MLC).
fn mlc(amount: u128) -> String {
	format!("{}.{:06} MLC", amount / UNITS, (amount % UNITS) / (UNITS / 1_000_000))
}

async fn watch(
	rpc: &Rpc,
	for_how_long: Duration,
	last: &mut (u32, u32),
) -> mlchain_testkit::Result<()> {
	let start = Instant::now();
	while start.elapsed() < for_how_long {
		let (best, finalized) = (rpc.best_number().await?, rpc.finalized_number().await?);
		if (best, finalized) != *last {
			let hash = rpc.block_hash(best).await?.unwrap_or_default();
			println!("  block #{best:<4} {hash:?}   finalized #{finalized}");
			*last = (best, finalized);
		}
		tokio::time::sleep(Duration::from_millis(500)).await;
	}
	Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
	let args = Args::parse();
	println!("==> starting a development chain: {} --dev (Alice validates)", args.node.display());
	let mut node = Node::start(NodeConfig::dev(&args.node))?;
	let rpc = node.rpc(Duration::from_secs(60)).await?;
	println!(
		"    JSON-RPC at {}; node log at {}/node.log",
		node.ws_url(),
		node.base_path().display()
	);

	let half = Duration::from_secs(args.seconds / 2);
	println!("==> blocks as they are produced and finalized ({} s)", half.as_secs());
	let mut last = (u32::MAX, u32::MAX);
	watch(&rpc, half, &mut last).await?;

	let (alice, bob) = (Sr25519Keyring::Alice, Sr25519Keyring::Bob);
	let (spec_version, transaction_version) = rpc.runtime_versions().await?;
	let chain =
		ChainContext { genesis_hash: rpc.genesis_hash().await?, spec_version, transaction_version };
	let amount = 25 * UNITS;
	let before = (
		rpc.free_balance(&alice.to_account_id()).await?,
		rpc.free_balance(&bob.to_account_id()).await?,
	);
	println!(
		"==> Alice sends {} to Bob (Alice has {}, Bob has {})",
		mlc(amount),
		mlc(before.0),
		mlc(before.1)
	);
	let xt = sign(
		RuntimeCall::Balances(pallet_balances::Call::transfer_keep_alive {
			dest: bob.to_account_id().into(),
			value: amount,
		}),
		&alice.pair(),
		rpc.next_nonce(&alice.to_account_id()).await?,
		chain,
	);
	match rpc.submit_and_watch(&xt, true, Duration::from_secs(120)).await? {
		TxStatus::Finalized(block) | TxStatus::InBlock(block) => {
			println!("    included and finalized in block {block:?}")
		},
	}
	let after = (
		rpc.free_balance(&alice.to_account_id()).await?,
		rpc.free_balance(&bob.to_account_id()).await?,
	);
	println!(
		"    Alice now has {} (paid {} in fees), Bob now has {}",
		mlc(after.0),
		mlc(before.0 - after.0 - amount),
		mlc(after.1)
	);

	println!("==> more blocks ({} s)", half.as_secs());
	watch(&rpc, half, &mut last).await?;
	println!("==> stopping the node; the chain worked end to end");
	drop(node);
	Ok(())
}
