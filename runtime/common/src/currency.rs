//! Money. One MLC is `UNITS` of the smallest unit; 12 decimals, like most Substrate chains, so
//! wallets display amounts without surprises. The same on the solochain and the parachain.

use crate::Balance;

/// Decimal places of the token.
pub const DECIMALS: u8 = 12;
/// One MLC.
pub const UNITS: Balance = 1_000_000_000_000;
/// A thousandth of an MLC.
pub const MILLI_UNITS: Balance = UNITS / 1_000;
/// A millionth of an MLC.
pub const MICRO_UNITS: Balance = UNITS / 1_000_000;
/// The symbol wallets show.
pub const TOKEN_SYMBOL: &str = "MLC";
/// Accounts below this balance are reaped, which keeps dust from filling the state.
pub const EXISTENTIAL_DEPOSIT: Balance = MILLI_UNITS;
