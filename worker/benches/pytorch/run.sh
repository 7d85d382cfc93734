#!/usr/bin/env bash
# PyTorch-on-CPU baseline: installs the pinned torch if missing (setup.sh), then runs bench.py
# once per thread count; stdout is one JSON object per model and thread count.
#
#   worker/benches/pytorch/run.sh                 # threads 1 and 2
#   worker/benches/pytorch/run.sh 1               # threads 1 only
#   worker/benches/pytorch/run.sh 1 2 -- --models mlp-mnist --attention sdpa
#
# Arguments after `--` go to bench.py (see `bench.py --help`). MLCHAIN_CACHE moves the venv.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="${MLCHAIN_CACHE:-$HOME/.cache/mlchain}/torch-venv"

threads=()
while [ $# -gt 0 ]; do
    case "$1" in
        --) shift; break ;;
        *[!0-9]* | '') echo "run.sh: thread counts are positive integers (got '$1'); bench.py options go after --" >&2; exit 2 ;;
        *) threads+=("$1"); shift ;;
    esac
done
[ ${#threads[@]} -gt 0 ] || threads=(1 2)

"$here/setup.sh"
for n in "${threads[@]}"; do
    # OMP/MKL pools sized to N as well, so no idle OpenMP threads spin beside the N used.
    OMP_NUM_THREADS="$n" MKL_NUM_THREADS="$n" "$venv/bin/python" "$here/bench.py" --threads "$n" "$@"
done
