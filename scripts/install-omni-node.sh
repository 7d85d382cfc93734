#!/usr/bin/env bash
# Installs polkadot-omni-node, the generic collator that runs mlchain's parachain runtime
# (runtime/parachain), into ~/.cache/mlchain/omni-node/bin, at the version that belongs to the
# polkadot-sdk release every other crate of ours comes from (2609.2.0: polkadot-omni-node-lib
# 0.24.0, hence polkadot-omni-node 0.24.0).
#
#   scripts/install-omni-node.sh                         # release build: what a collator runs
#   MLCHAIN_OMNI_PROFILE=quick scripts/install-omni-node.sh
#                                                        # quick build for trying the runtime and
#                                                        # for the opt-in test
#   POLKADOT_OMNI_NODE=$(scripts/install-omni-node.sh --print-path)
#
# The quick build is cargo's `dev` profile with every crate at opt-level 1 and no debug info
# (the same optimisation our own test nodes use): it compiles much faster than the release
# build on a small machine and runs a dev-mode parachain at a few-second block time easily.
# Do not run a production collator on it.
#
# Idempotent: does nothing when that version is installed there already with the asked
# profile. Otherwise a long `cargo install --locked` (a whole Substrate + Cumulus + Polkadot
# node, about 1 600 crates); its build directory (~/.cache/mlchain/omni-target) is kept so a
# rebuild reuses what it can. Output goes to ~/.cache/mlchain/omni-node/install.log with the
# wall time at the end.
set -euo pipefail

VERSION=0.24.0
ROOT="${MLCHAIN_OMNI_NODE_ROOT:-$HOME/.cache/mlchain/omni-node}"
BIN="$ROOT/bin/polkadot-omni-node"
PROFILE="${MLCHAIN_OMNI_PROFILE:-release}"

case "$PROFILE" in
release) cargo_profile=release; profile_args=() ;;
quick)
	cargo_profile=dev
	profile_args=(--debug --config 'profile.dev.debug=false'
		--config 'profile.dev.package."*".opt-level=1' --config 'profile.dev.opt-level=1')
	;;
*)
	echo "MLCHAIN_OMNI_PROFILE must be 'release' or 'quick', not '$PROFILE'" >&2
	exit 2
	;;
esac

# Whether $BIN is VERSION built with the asked cargo profile, according to cargo's own record
# (this root holds nothing else, so the record has one entry).
installed() {
	local record="$ROOT/.crates2.json"
	[ -x "$BIN" ] && grep -q "\"polkadot-omni-node $VERSION " "$record" 2>/dev/null &&
		grep -q "\"profile\":\"$cargo_profile\"" "$record"
}

if [ "${1:-}" = "--print-path" ]; then
	echo "$BIN"
	exit 0
fi

if installed; then
	echo "polkadot-omni-node $VERSION ($PROFILE build) is installed: $BIN"
	exit 0
fi

cd "$(dirname "${BASH_SOURCE[0]}")/.."
# The node needs clang (RocksDB bindings) and protoc (libp2p); setup.sh installs them.
# shellcheck source=scripts/setup.sh
source scripts/setup.sh
export CARGO_TARGET_DIR="${MLCHAIN_OMNI_TARGET:-$HOME/.cache/mlchain/omni-target}"
# The node loads runtimes from chain specs; the one Wasm among its dependencies is a test
# runtime of `benchmark storage`, which a collator does not need.
export SKIP_WASM_BUILD=1
mkdir -p "$ROOT"
log="$ROOT/install.log"
echo "building polkadot-omni-node $VERSION, $PROFILE profile (log: $log); this takes a long time" >&2
start=$(date +%s)
set +e
cargo install --locked polkadot-omni-node --version "$VERSION" --root "$ROOT" --force \
	"${profile_args[@]}" >"$log" 2>&1
status=$?
set -e
end=$(date +%s)
echo "cargo install ($PROFILE) exited with $status after $((end - start)) s" | tee -a "$log" >&2
[ "$status" -eq 0 ] || exit "$status"
installed || { echo "installed, but $BIN or its record is missing" >&2; exit 1; }
"$BIN" --version
