#!/usr/bin/env bash
# README command 2: set up whatever is missing, build, and run every test.
#
#   scripts/test.sh            all tests (unit, runtime integration, node end-to-end)
#   scripts/test.sh -p NAME    only one package; any further arguments go to `cargo test`
#
# The cargo target dir lives outside the clone (default ~/.cache/mlchain/target), so a second
# run is warm. End-to-end tests start real nodes on 127.0.0.1 and stop them when they finish.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/setup.sh
source scripts/setup.sh

# One job a core is the default; nodes started by the end-to-end tests need CPU too, so the
# test binaries run one at a time and each test file runs its tests serially.
export RUST_TEST_THREADS="${RUST_TEST_THREADS:-1}"

if [ "$#" -gt 0 ]; then
	exec cargo test --locked "$@"
fi
# One invocation builds everything with one feature set; the node binary the end-to-end tests
# start is among its targets. (A separate `cargo build -p mlchain-node` first would resolve the
# node's dependencies' features differently and compile the whole Substrate stack twice.)
cargo test --locked --workspace
