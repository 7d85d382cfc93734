#!/usr/bin/env bash
# Regenerates the checked-in chain specs from the runtime's genesis presets:
#   chain-specs/local-testnet.json      human-readable (genesis as a preset patch)
#   chain-specs/local-testnet-raw.json  raw storage, what nodes of one network must share
# The test `checked_in_chain_specs_match_the_runtime` fails until this is re-run after a
# change of the runtime's genesis.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/setup.sh
source scripts/setup.sh
cargo build --locked -p mlchain-node
node="$CARGO_TARGET_DIR/debug/mlchain-node"
"$node" export-chain-spec --chain local --output chain-specs/local-testnet.json
"$node" export-chain-spec --chain local --raw --output chain-specs/local-testnet-raw.json
echo "wrote chain-specs/local-testnet.json and chain-specs/local-testnet-raw.json"
