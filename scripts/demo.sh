#!/usr/bin/env bash
# README command 1: set up whatever is missing, build the node, start a development chain and
# show it producing and finalising blocks, then submit a transfer and show it land.
#
#   scripts/demo.sh [SECONDS]     how long to watch the chain (default 40)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/setup.sh
source scripts/setup.sh

watch_seconds="${1:-40}"
cargo build --locked -p mlchain-node
node_bin="$CARGO_TARGET_DIR/debug/mlchain-node"
exec cargo run --locked --quiet -p mlchain-node --example demo -- --node "$node_bin" --seconds "$watch_seconds"
