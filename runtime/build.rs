//! Compiles the runtime to Wasm (`WASM_BINARY`) with substrate-wasm-builder.
//!
//! On our machines the Wasm target comes from Debian's Rust toolchain; `scripts/setup.sh`
//! prepares it and exports `WASM_BUILD_TOOLCHAIN=debian`.

fn main() {
	#[cfg(feature = "std")]
	substrate_wasm_builder::WasmBuilder::build_using_defaults();
}
