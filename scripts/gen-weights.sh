#!/usr/bin/env bash
# Regenerates the weights.rs of our own pallets by measuring their benchmarks in the runtime:
# builds mlchain-node with `--features runtime-benchmarks` in the `weights` profile (the first
# build takes as long as a cold build; later ones are incremental), then runs `benchmark pallet`
# for each pallet with the template scripts/weight-template.hbs, which writes the `WeightInfo`
# trait, the `SubstrateWeight<T>` implementation and the `()` implementation the mocks use.
#
#   scripts/gen-weights.sh [PALLET ...]     (default: every pallet under pallets/ with benchmarks)
#
# STEPS and REPEAT (environment) trade time for precision; the defaults are polkadot-sdk's.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/setup.sh
source scripts/setup.sh
# The benchmarking node keeps everything `benchmark` can do, `benchmark storage` included.
unset SKIP_FRAME_STORAGE_ACCESS_TEST_RUNTIME_WASM_BUILD
steps="${STEPS:-50}"
repeat="${REPEAT:-20}"

# The `weights` profile (`dev` settings) keeps this node out of `target/debug`, where it would
# replace the node the end-to-end tests start; a test build beside it does not wait for it.
cargo build --locked -p mlchain-node --features runtime-benchmarks --profile weights
node="$CARGO_TARGET_DIR/weights/mlchain-node"
# A debug build of the node keeps the plain (uncompressed) Wasm; the runtime code inside is
# built with the release profile either way, so the measurements are of optimised code.
wasm="$CARGO_TARGET_DIR/weights/wbuild/mlchain-runtime/mlchain_runtime.wasm"

pallets=("$@")
if ((${#pallets[@]} == 0)); then
    for dir in pallets/*/; do
        [[ -f "$dir/src/benchmarking.rs" ]] && pallets+=("$(basename "$dir")")
    done
fi
for dir in "${pallets[@]}"; do
    crate="pallet_${dir//-/_}"
    echo "== $crate ($steps steps x $repeat repeats)"
    "$node" benchmark pallet \
        --runtime "$wasm" --genesis-builder runtime \
        --genesis-builder-preset development \
        --pallet "$crate" --extrinsic '*' \
        --steps "$steps" --repeat "$repeat" \
        --wasm-execution compiled \
        --template scripts/weight-template.hbs \
        --header scripts/licence-header.txt \
        --output "pallets/$dir/src/weights.rs"
done
