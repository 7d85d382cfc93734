#!/usr/bin/env bash
# Regenerates the parachain's chain specs from the parachain runtime's genesis presets:
#   chain-specs/parachain-dev.json        `development`, for polkadot-omni-node --dev-block-time
#   chain-specs/parachain-local.json      `local_testnet` (para id 2000, relay paseo-local)
#   chain-specs/parachain-local-raw.json  the same as raw storage, what collators share
# No node is needed: a test of runtime/parachain writes them with this build's Wasm. The test
# `write_or_check_parachain_chain_specs` fails until this is re-run after a genesis change.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/setup.sh
source scripts/setup.sh
MLCHAIN_WRITE_CHAIN_SPECS=1 cargo test --locked -p mlchain-parachain-runtime --lib \
	tests::chain_spec::write_or_check_parachain_chain_specs
echo "wrote chain-specs/parachain-{dev,local,local-raw}.json"
