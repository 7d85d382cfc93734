#!/usr/bin/env bash
# Creates, once, the Python 3.11 virtualenv with the pinned PyTorch that the CPU baseline runs in:
#   ${MLCHAIN_CACHE:-$HOME/.cache/mlchain}/torch-venv
# Idempotent: does nothing when the venv already holds this pin set and `import torch` works;
# rebuilds the venv from scratch when the pins (or the install mode) changed.
#
# Everything comes from PyPI (no other index is used). MLCHAIN_TORCH_INSTALL chooses how:
#   slim (default)  `pip install --no-deps --require-hashes -r requirements-slim.txt`: torch
#                   2.15.0 plus only the CUDA wheels its libraries need in order to load
#                   (~2.43 GB of wheels; see the comment in requirements-slim.txt).
#   full            `pip install torch==2.15.0` with every dependency PyPI lists (~3.0 GB,
#                   adds triton, cusolver, nvjitlink, ...), for when the slim set stops working.
# PYTHON may name the interpreter (default: python3.11, else python3 if it is 3.11).
# Logs go to stderr so that run.sh's stdout stays JSON only.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="${MLCHAIN_CACHE:-$HOME/.cache/mlchain}"
venv="$cache/torch-venv"
mode="${MLCHAIN_TORCH_INSTALL:-slim}"
torch_version="2.15.0"
log() { echo "[torch-setup] $*" >&2; }

case "$mode" in
    slim) want="slim $(sha256sum "$here/requirements-slim.txt" | cut -d' ' -f1)" ;;
    full) want="full torch==$torch_version" ;;
    *) log "MLCHAIN_TORCH_INSTALL must be slim or full, not '$mode'"; exit 2 ;;
esac
stamp="$venv/.mlchain-torch-pins"

if [ -x "$venv/bin/python" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ] \
    && "$venv/bin/python" -W ignore -c "import torch; assert torch.__version__.split('+')[0] == '$torch_version'" 2>/dev/null; then
    log "torch $torch_version already installed in $venv ($mode)"
    exit 0
fi

python="${PYTHON:-}"
if [ -z "$python" ]; then
    if command -v python3.11 >/dev/null 2>&1; then python=python3.11; else python=python3; fi
fi
if ! "$python" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
    log "$python is $("$python" --version 2>&1); the pinned wheels are for CPython 3.11 (set PYTHON)"
    exit 2
fi

start=$SECONDS
if [ -e "$venv" ]; then
    log "rebuilding $venv (pins changed or torch does not import)"
    rm -rf -- "$venv"
fi
mkdir -p "$cache"
log "creating $venv with $("$python" --version 2>&1)"
"$python" -m venv "$venv"
# --no-cache-dir: the venv is the cache; pip's own would keep another 2.4 GB of wheels.
pip=("$venv/bin/python" -m pip install --no-cache-dir --disable-pip-version-check --only-binary=:all:)
if [ "$mode" = slim ]; then
    log "installing torch $torch_version, slim set (~2.43 GB of wheels from PyPI)"
    "${pip[@]}" --no-deps --require-hashes -r "$here/requirements-slim.txt" >&2
else
    log "installing torch $torch_version with all its PyPI dependencies (~3.0 GB of wheels)"
    "${pip[@]}" "torch==$torch_version" >&2
fi

# Smoke test: import and one AdamW step on the CPU.
"$venv/bin/python" -W ignore - >&2 <<'PY'
import torch
m = torch.nn.Linear(4, 2)
opt = torch.optim.AdamW(m.parameters())
loss = torch.nn.functional.cross_entropy(m(torch.randn(3, 4)), torch.tensor([0, 1, 1]))
loss.backward()
opt.step()
print(f"[torch-setup] torch {torch.__version__} imports and trains on the CPU "
      f"({torch.backends.cpu.get_cpu_capability()})")
PY
echo "$want" >"$stamp"
log "done in $((SECONDS - start)) s; venv size $(du -sh "$venv" | cut -f1)"
