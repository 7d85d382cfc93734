//! Durations in blocks. The solochain makes a block every 3 seconds, the parachain every 6 (one
//! relay-chain slot), so "a day" is a different number of blocks on each; every duration of the
//! shared configuration is written in these units and converted with the runtime's block time.

use crate::{BlockNumber, Moment};

/// Blocks in a minute at `millisecs_per_block`.
pub const fn minutes(millisecs_per_block: Moment) -> BlockNumber {
	(60_000 / millisecs_per_block) as BlockNumber
}

/// Blocks in an hour at `millisecs_per_block`.
pub const fn hours(millisecs_per_block: Moment) -> BlockNumber {
	minutes(millisecs_per_block) * 60
}

/// Blocks in a day at `millisecs_per_block`.
pub const fn days(millisecs_per_block: Moment) -> BlockNumber {
	hours(millisecs_per_block) * 24
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn block_counts_follow_the_block_time() {
		assert_eq!((minutes(3_000), hours(3_000), days(3_000)), (20, 1_200, 28_800));
		assert_eq!((minutes(6_000), hours(6_000), days(6_000)), (10, 600, 14_400));
	}
}
