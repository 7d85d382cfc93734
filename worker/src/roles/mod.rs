//! What the network commands of `mlchain-worker` do, one module per party:
//! * [`admin`]: root's settings of a local network (the verification windows);
//! * [`owner`]: a data owner stores a dataset and registers it;
//! * [`requester`]: posts a task and follows it to settlement;
//! * [`trainer`]: the worker daemon (claims, trains, serves checkpoints, submits);
//! * [`verifier`]: the verifier daemon (replays assigned segments, commits, reveals);
//! * [`net`] and [`participant`]: the artifact side and the compute-pallet registration the
//!   daemons share.
use crate::chain::{Balance, Chain, UNIT};
use crate::error::Result;
use crate::metrics::Metrics;
use std::ops::ControlFlow;
use std::time::Duration;

pub mod admin;
pub mod feasibility;
pub mod net;
pub mod owner;
pub mod participant;
pub mod published;
pub mod requester;
pub mod trainer;
pub mod verifier;

/// `amount` in MLC with as many decimals as it needs: `42.75 MLC`.
pub fn mlc(amount: Balance) -> String {
    let whole = amount / UNIT;
    let fraction = amount % UNIT;
    if fraction == 0 {
        return format!("{whole} MLC");
    }
    let digits = format!("{fraction:012}");
    format!("{whole}.{} MLC", digits.trim_end_matches('0'))
}

/// Parses an amount in MLC (`50`, `0.5`, `1.25`) into the smallest unit.
pub fn parse_mlc(text: &str) -> std::result::Result<Balance, String> {
    let bad = || format!("{text:?} is not an amount in MLC (e.g. 50 or 0.25)");
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    if whole.is_empty() && fraction.is_empty() || fraction.len() > 12 {
        return Err(bad());
    }
    let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    if !digits(whole) || !digits(fraction) {
        return Err(bad());
    }
    let whole: Balance = if whole.is_empty() { 0 } else { whole.parse().map_err(|_| bad())? };
    let fraction: Balance = format!("{fraction:0<12}").parse().map_err(|_| bad())?;
    whole
        .checked_mul(UNIT)
        .and_then(|w| w.checked_add(fraction))
        .ok_or_else(bad)
}

/// How often the daemons look at the chain: a little faster than the 3-second blocks.
pub const TICK: Duration = Duration::from_secs(2);

/// Yields each new best block number, polling every [`TICK`]. A node that is down is retried
/// (the RPC client reconnects by itself), so a daemon outlives a node restart.
#[derive(Default)]
pub struct NewBlocks {
    last: Option<u32>,
}

impl NewBlocks {
    /// Waits for the next best block after the one returned last.
    pub async fn next(&mut self, chain: &Chain) -> u32 {
        loop {
            match chain.best_number().await {
                Ok(number) if Some(number) != self.last => {
                    self.last = Some(number);
                    return number;
                }
                Ok(_) => {}
                Err(e) => tracing::warn!("node unreachable, retrying: {e}"),
            }
            tokio::time::sleep(TICK).await;
        }
    }
}

/// A daemon's work: one step per new best block.
pub(crate) trait Daemon {
    /// What the logs call it.
    const NAME: &'static str;
    /// Does what best block `number` calls for; `Break` once the daemon is done.
    async fn tick(&mut self, number: u32) -> Result<ControlFlow<()>>;
}

/// Runs `daemon` at every new best block of `chain` until it is done. A failing step (node
/// unreachable, data not available yet) is logged, counted and retried at the next block.
pub(crate) async fn drive<D: Daemon>(chain: &Chain, metrics: &Metrics, daemon: &mut D) {
    let mut blocks = NewBlocks::default();
    loop {
        let number = blocks.next(chain).await;
        metrics.best_block.set(number.into());
        match daemon.tick(number).await {
            Ok(ControlFlow::Break(())) => return,
            Ok(ControlFlow::Continue(())) => {}
            Err(e) => {
                metrics.tick_errors.inc();
                tracing::warn!("{}, block {number}: {e}", D::NAME);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_print_and_parse_in_mlc() {
        assert_eq!(mlc(42_750_000_000_000), "42.75 MLC");
        assert_eq!(mlc(3 * UNIT), "3 MLC");
        assert_eq!(mlc(1), "0.000000000001 MLC");
        assert_eq!(parse_mlc("50"), Ok(50 * UNIT));
        assert_eq!(parse_mlc("0.25"), Ok(UNIT / 4));
        assert_eq!(parse_mlc(".5"), Ok(UNIT / 2));
        for bad in ["", ".", "1.0000000000001", "-1", "1e3", "abc"] {
            assert!(parse_mlc(bad).is_err(), "{bad}");
        }
    }
}
