//! Measures a four-validator local network on 127.0.0.1: block time (from on-chain
//! timestamps), finality lag (best minus finalized, sampled every second) and each node's
//! resident memory. Results go to stdout as a Markdown table for docs/benchmarks.md.
//!
//! `cargo run -p mlchain-node --example measure -- --node PATH [--seconds N]`

use clap::Parser;
use codec::Decode;
use mlchain_testkit::LocalTestnet;
use std::{path::PathBuf, time::Duration};

#[derive(Parser)]
struct Args {
	/// The mlchain-node binary to run.
	#[arg(long)]
	node: PathBuf,
	/// How long to sample after the network has started finalizing.
	#[arg(long, default_value_t = 120)]
	seconds: u64,
}

fn summary(mut values: Vec<f64>) -> String {
	if values.is_empty() {
		return "no samples".into();
	}
	values.sort_by(|a, b| a.total_cmp(b));
	let mean = values.iter().sum::<f64>() / values.len() as f64;
	let pick = |q: f64| values[((values.len() - 1) as f64 * q).round() as usize];
	format!(
		"mean {mean:.2}, median {:.2}, p95 {:.2}, max {:.2} (n = {})",
		pick(0.5),
		pick(0.95),
		pick(1.0),
		values.len()
	)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
	let args = Args::parse();
	let mut net = LocalTestnet::start(&args.node).await?;
	let alice = net.nodes[0].rpc(Duration::from_secs(60)).await?;
	alice.wait_for_finalized(3, Duration::from_secs(180)).await?;
	// Let start-up effects settle (peers connecting, first epoch) before measuring.
	tokio::time::sleep(Duration::from_secs(15)).await;

	let first_block = alice.best_number().await?;
	let mut lags = Vec::new();
	for _ in 0..args.seconds {
		let (best, finalized) = (alice.best_number().await?, alice.finalized_number().await?);
		lags.push(best.saturating_sub(finalized) as f64);
		tokio::time::sleep(Duration::from_secs(1)).await;
	}
	let last_block = alice.best_number().await?;

	let now_key = pallet_timestamp::Now::<mlchain_runtime::Runtime>::hashed_key();
	let mut stamps = Vec::new();
	for number in first_block..=last_block {
		let Some(hash) = alice.block_hash(number).await? else { continue };
		if let Some(bytes) = alice.storage(&now_key, Some(hash)).await? {
			stamps.push(u64::decode(&mut &bytes[..])?);
		}
	}
	let block_times: Vec<f64> = stamps.windows(2).map(|w| (w[1] - w[0]) as f64 / 1000.0).collect();
	let memory: Vec<String> = net
		.nodes
		.iter()
		.map(|n| n.rss_kib().map(|k| format!("{} MiB", k / 1024)).unwrap_or("?".into()))
		.collect();

	println!("| measure | value |\n| --- | --- |");
	println!("| blocks sampled | #{first_block}..#{last_block} over {} s |", args.seconds);
	println!("| block time (s) | {} |", summary(block_times));
	println!("| finality lag (blocks) | {} |", summary(lags));
	println!("| resident memory (Alice, Bob, Charlie, Dave) | {} |", memory.join(", "));
	Ok(())
}
