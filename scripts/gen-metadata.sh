#!/usr/bin/env bash
# Rewrites worker/metadata/mlchain.scale, the runtime metadata the worker's subxt client is
# generated from. The runtime test `worker_metadata_matches_the_runtime` fails until this is
# re-run after a change of the runtime's calls, storage, events or APIs.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/setup.sh
source scripts/setup.sh
MLCHAIN_WRITE_METADATA=1 cargo test --locked -p mlchain-runtime --lib -- worker_metadata_matches_the_runtime
echo "wrote worker/metadata/mlchain.scale"
