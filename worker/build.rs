//! The chain client's types are generated at compile time from `metadata/mlchain.scale`
//! (`#[subxt::subxt]` in `src/chain/mod.rs`). The macro reads the file, but cargo does not know
//! that: without this, regenerating the metadata left the worker built against the old one
//! until some source file changed, and every call it made was refused by the live chain
//! ("not compatible with the live chain").
fn main() {
    println!("cargo:rerun-if-changed=metadata/mlchain.scale");
}
