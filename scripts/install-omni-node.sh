#!/usr/bin/env bash
# Installs polkadot-omni-node, the generic collator that runs mlchain's parachain runtime
# (runtime/parachain), into ~/.cache/mlchain/omni-node/bin, at the version that belongs to the
# polkadot-sdk release every other crate of ours comes from (2609.2.0: polkadot-omni-node-lib
# 0.24.0, hence polkadot-omni-node 0.24.0).
#
# Idempotent: does nothing when that version is installed there already. Otherwise a long
# `cargo install --locked` (a whole Substrate + Cumulus node: about ~1 600 crates in release
# mode); its build directory (~/.cache/mlchain/omni-target) is kept so a rebuild after a
# toolchain change reuses what it can. Output goes to ~/.cache/mlchain/omni-node/install.log
# with the wall time at the end.
#
#   scripts/install-omni-node.sh            # install if missing
#   POLKADOT_OMNI_NODE=$(scripts/install-omni-node.sh --print-path)
set -euo pipefail

VERSION=0.24.0
ROOT="${MLCHAIN_OMNI_NODE_ROOT:-$HOME/.cache/mlchain/omni-node}"
BIN="$ROOT/bin/polkadot-omni-node"

installed() {
	[ -x "$BIN" ] && grep -q "\"polkadot-omni-node $VERSION " "$ROOT/.crates2.json" 2>/dev/null
}

if [ "${1:-}" = "--print-path" ]; then
	echo "$BIN"
	exit 0
fi

if installed; then
	echo "polkadot-omni-node $VERSION is installed: $BIN"
	exit 0
fi

cd "$(dirname "${BASH_SOURCE[0]}")/.."
# The node needs clang (RocksDB bindings) and protoc (libp2p); setup.sh installs them.
# shellcheck source=scripts/setup.sh
source scripts/setup.sh
export CARGO_TARGET_DIR="${MLCHAIN_OMNI_TARGET:-$HOME/.cache/mlchain/omni-target}"
mkdir -p "$ROOT"
log="$ROOT/install.log"
echo "building polkadot-omni-node $VERSION (log: $log); this takes a long time" >&2
start=$(date +%s)
set +e
cargo install --locked polkadot-omni-node --version "$VERSION" --root "$ROOT" >"$log" 2>&1
status=$?
set -e
end=$(date +%s)
echo "cargo install exited with $status after $((end - start)) s" | tee -a "$log" >&2
[ "$status" -eq 0 ] || exit "$status"
installed || { echo "installed, but $BIN or its record is missing" >&2; exit 1; }
"$BIN" --version
