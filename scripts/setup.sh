#!/usr/bin/env bash
# Idempotent machine setup for building and testing mlchain on Debian 12 (root).
#
# What it installs, and why:
#   * clang, libclang-dev     bindgen for librocksdb-sys (the node's database)
#   * protobuf-compiler       libp2p / litep2p build scripts
#   * rustc-web & friends     Debian's Rust, which ships a `wasm32v1-none` std source; rustup
#                             cannot download targets on these machines, so the Wasm runtime is
#                             built with this toolchain, linked into rustup as `debian`.
#   * core/alloc/compiler_builtins for wasm32v1-none, built once with -Zbuild-std and copied
#     into Debian's sysroot, because substrate-wasm-builder checks that the target's `core`
#     exists before it starts.
#
# Every step checks first and does nothing when its result is already there, so running the
# script on a warm machine takes about a second. Source it (`. scripts/setup.sh`) to also get
# the build environment exported into the calling shell.
set -euo pipefail

MLCHAIN_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
log() { printf '\033[1;34m[setup]\033[0m %s\n' "$*" >&2; }

need_apt=()
# qemu-user runs the determinism test on an emulated CPU without AVX2/FMA (issue 6).
for pkg in clang libclang-dev protobuf-compiler rustc-web cargo-web rust-web-src libstd-rust-web-dev lld-22 qemu-user; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need_apt+=("$pkg")
done
if ((${#need_apt[@]})); then
    log "installing Debian packages: ${need_apt[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

if ! rustup toolchain list | grep -q '^debian'; then
    log "linking Debian's Rust toolchain into rustup as 'debian'"
    rustup toolchain link debian /usr
fi

# Debian's rust-lld driver is named by version; rustc looks for `rust-lld` next to itself.
if ! command -v rust-lld >/dev/null 2>&1 && [ -x /usr/bin/ld.lld-22 ]; then
    ln -sf /usr/bin/ld.lld-22 /usr/local/bin/rust-lld
fi

WASM_SYSROOT_LIB=/usr/lib/rustlib/wasm32v1-none/lib
if ! ls "$WASM_SYSROOT_LIB"/libcore-*.rlib >/dev/null 2>&1; then
    log "building core/alloc for wasm32v1-none with Debian's Rust (once, ~1 min)"
    work="$(mktemp -d)"
    mkdir -p "$work/src"
    cat >"$work/Cargo.toml" <<'TOML'
[package]
name = "wasm-sysroot-seed"
version = "0.0.0"
edition = "2021"
[lib]
crate-type = ["cdylib"]
path = "src/lib.rs"
[profile.release]
panic = "abort"
TOML
    cat >"$work/src/lib.rs" <<'RS'
#![no_std]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! { loop {} }
RS
    (cd "$work" && RUSTC_BOOTSTRAP=1 RUSTFLAGS="-C embed-bitcode=yes" \
        cargo +debian build --quiet --release -Zbuild-std=core,alloc --target wasm32v1-none)
    mkdir -p "$WASM_SYSROOT_LIB"
    deps="$work/target/wasm32v1-none/release/deps"
    cp "$deps"/libcore-*.rlib "$deps"/liballoc-*.rlib "$deps"/libcompiler_builtins-*.rlib "$WASM_SYSROOT_LIB"/
    rm -rf "$work"
fi

# Build environment shared by every script (exported when sourced).
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/mlchain/target}"
# Incremental caches of our crates grew to 8 GB in the shared target dir and buy little on a
# clean checkout; off unless asked for.
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"
export WASM_BUILD_TOOLCHAIN="${WASM_BUILD_TOOLCHAIN:-debian}"
export WASM_BUILD_WORKSPACE_HINT="$MLCHAIN_ROOT"
# frame-benchmarking-cli carries a Wasm test runtime that only `benchmark storage` runs, and that
# command exists only with `--features runtime-benchmarks`; building it cost 9 of a cold build's
# 125 unit-minutes. scripts/gen-weights.sh, the one build with the feature, unsets this.
export SKIP_FRAME_STORAGE_ACCESS_TEST_RUNTIME_WASM_BUILD=1
mkdir -p "$CARGO_TARGET_DIR"
log "ready: CARGO_TARGET_DIR=$CARGO_TARGET_DIR WASM_BUILD_TOOLCHAIN=$WASM_BUILD_TOOLCHAIN"
