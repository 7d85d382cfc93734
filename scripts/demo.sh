#!/usr/bin/env bash
# README command 1: set up whatever is missing, build the node and the worker, then run a
# training task on a local network from submission to payout: a --dev node, a data owner, a
# worker and three verifiers as processes on 127.0.0.1, every step printed, balances at the end
# (worker/examples/network_demo.rs; about three minutes once built).
#
#   scripts/demo.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/setup.sh
source scripts/setup.sh

# Exactly the build of README command 2 (`cargo test` builds every binary and example too), so
# running both commands compiles the Substrate stack once.
cargo test --locked --workspace --no-run
# The example as cargo placed it (plain name, or the newest hashed copy).
demo="$(ls -t "$CARGO_TARGET_DIR"/debug/examples/network_demo "$CARGO_TARGET_DIR"/debug/examples/network_demo-* 2>/dev/null | grep -v '\.d$' | head -n 1 || true)"
[ -x "$demo" ] || { echo "network_demo was not built" >&2; exit 1; }
exec "$demo" --worker "$CARGO_TARGET_DIR/debug/mlchain-worker"
