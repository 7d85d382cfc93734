#!/usr/bin/env bash
# A four-validator mlchain network on 127.0.0.1 (Alice, Bob, Charlie, Dave).
#
#   scripts/local-testnet.sh start    build if needed, insert keys, start all four in the background
#   scripts/local-testnet.sh stop     stop them (SIGTERM, then SIGKILL after 20 s)
#   scripts/local-testnet.sh status   which are running, their best and finalized blocks
#   scripts/local-testnet.sh run      start, follow until Ctrl-C, then stop
#
# Ports: Alice RPC 9944 / P2P 30333 / Prometheus 9615, Bob 9945 / 30334 / 9616, and so on.
# Data and logs live in $MLCHAIN_TESTNET_DIR (default /tmp/mlchain-local-testnet); `start`
# keeps existing databases, so a stop/start resumes the same chain. Remove the folder to
# begin from genesis again.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

NAMES=(alice bob charlie dave)
DIR="${MLCHAIN_TESTNET_DIR:-/tmp/mlchain-local-testnet}"
SPEC="${MLCHAIN_CHAIN_SPEC:-chain-specs/local-testnet-raw.json}"
# Alice's node key is fixed so the others can name her as their boot node.
ALICE_NODE_KEY=0000000000000000000000000000000000000000000000000000000000000001

node_bin() {
	# shellcheck source=scripts/setup.sh
	source scripts/setup.sh >/dev/null 2>&1
	local bin="${MLCHAIN_NODE:-$CARGO_TARGET_DIR/debug/mlchain-node}"
	if [ -z "${MLCHAIN_NODE:-}" ]; then
		cargo build --locked --quiet -p mlchain-node >&2
	fi
	echo "$bin"
}

rpc() { # rpc PORT METHOD -> result JSON
	curl -s -H 'Content-Type: application/json' \
		-d "{\"id\":1,\"jsonrpc\":\"2.0\",\"method\":\"$2\",\"params\":[]}" "http://127.0.0.1:$1"
}

start() {
	local bin; bin="$(node_bin)"
	mkdir -p "$DIR"
	printf '%s' "$ALICE_NODE_KEY" >"$DIR/alice-node-key"
	local alice_peer; alice_peer="$("$bin" key inspect-node-key --file "$DIR/alice-node-key")"
	local i=0
	for name in "${NAMES[@]}"; do
		local base="$DIR/$name" seed="//${name^}"
		if [ -f "$DIR/$name.pid" ] && kill -0 "$(cat "$DIR/$name.pid")" 2>/dev/null; then
			echo "$name is already running (pid $(cat "$DIR/$name.pid"))"
			i=$((i + 1)); continue
		fi
		# Each validator's BABE (sr25519) and GRANDPA (ed25519) keys from its development seed.
		"$bin" key insert --chain "$SPEC" --base-path "$base" --scheme sr25519 --suri "$seed" --key-type babe
		"$bin" key insert --chain "$SPEC" --base-path "$base" --scheme ed25519 --suri "$seed" --key-type gran
		# A validator needs a persistent network key (its peer id); Alice's is fixed above.
		if [ "$name" != alice ] && [ ! -f "$base/chains/mlchain_local_testnet/network/secret_ed25519" ]; then
			"$bin" key generate-node-key --chain "$SPEC" --base-path "$base" 2>/dev/null
		fi
		local args=(--chain "$SPEC" --base-path "$base" --name "$name" --validator
			--rpc-port $((9944 + i)) --prometheus-port $((9615 + i))
			--listen-addr "/ip4/127.0.0.1/tcp/$((30333 + i))" --no-mdns --no-telemetry
			--rpc-cors all)
		if [ "$name" = alice ]; then
			args+=(--node-key-file "$DIR/alice-node-key")
		else
			args+=(--bootnodes "/ip4/127.0.0.1/tcp/30333/p2p/$alice_peer")
		fi
		nohup "$bin" "${args[@]}" >>"$DIR/$name.log" 2>&1 &
		echo $! >"$DIR/$name.pid"
		echo "started $name: pid $!, ws://127.0.0.1:$((9944 + i)), log $DIR/$name.log"
		i=$((i + 1))
	done
}

stop() {
	for name in "${NAMES[@]}"; do
		local pidfile="$DIR/$name.pid"
		[ -f "$pidfile" ] || continue
		local pid; pid="$(cat "$pidfile")"
		if kill -0 "$pid" 2>/dev/null; then
			kill -TERM "$pid"
			for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
			kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
			echo "stopped $name (pid $pid)"
		fi
		rm -f "$pidfile"
	done
}

status() {
	local i=0
	for name in "${NAMES[@]}"; do
		local port=$((9944 + i)) state=stopped
		if [ -f "$DIR/$name.pid" ] && kill -0 "$(cat "$DIR/$name.pid")" 2>/dev/null; then
			local best fin
			best="$(rpc "$port" chain_getHeader | sed -n 's/.*"number":"\(0x[0-9a-f]*\)".*/\1/p')"
			fin="$(rpc "$port" chain_getFinalizedHead | sed -n 's/.*"result":"\(0x[0-9a-f]*\)".*/\1/p')"
			state="running, best #$((${best:-0})), finalized head ${fin:0:18}…"
		fi
		echo "$name (ws://127.0.0.1:$port): $state"
		i=$((i + 1))
	done
}

case "${1:-}" in
	start) start ;;
	stop) stop ;;
	status) status ;;
	run)
		trap stop EXIT INT TERM
		start
		tail -F "$DIR/alice.log"
		;;
	*) sed -n '2,12p' "$0"; exit 2 ;;
esac
