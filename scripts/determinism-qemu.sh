#!/usr/bin/env bash
# Runs the engine's determinism tests (golden one-step hashes, 1 vs 2 threads, replay) on an
# emulated Intel Nehalem (2008: SSE4.2, no AVX, no FMA) with qemu user-mode emulation, so a
# machine without the host's vector extensions is shown to produce the same checkpoint hashes.
#
#   scripts/determinism-qemu.sh          (needs the Debian package qemu-user)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/setup.sh
source scripts/setup.sh
command -v qemu-x86_64 >/dev/null || { echo "qemu-x86_64 missing: apt-get install qemu-user" >&2; exit 1; }
cpu="${QEMU_CPU:-Nehalem}"
for test in determinism replay; do
    bin=$(cargo test --locked -p mlchain-worker --test "$test" --no-run --message-format=json 2>/dev/null \
        | grep -o '"executable":"[^"]*"' | tail -1 | cut -d'"' -f4)
    echo "== $test on qemu -cpu $cpu ($bin)"
    qemu-x86_64 -cpu "$cpu" "$bin" --test-threads 1
done
