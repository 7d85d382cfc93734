//! Compiles the parachain runtime to Wasm (`WASM_BINARY`) with substrate-wasm-builder.
//!
//! As for the solochain runtime, the Wasm target comes from Debian's Rust toolchain on our
//! machines; `scripts/setup.sh` prepares it and exports `WASM_BUILD_TOOLCHAIN=debian`.

fn main() {
	#[cfg(feature = "std")]
	substrate_wasm_builder::WasmBuilder::build_using_defaults();
}
