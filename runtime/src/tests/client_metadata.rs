//! The worker's chain client is typed at compile time from a checked-in copy of this runtime's
//! metadata (`worker/metadata/mlchain.scale`). This test fails when the copy no longer matches
//! the runtime; `scripts/gen-metadata.sh` rewrites it.

use super::*;
use std::path::PathBuf;

/// Version of the metadata the client is generated from: V15 carries the runtime APIs the
/// worker calls (`TrainingApi`).
const CLIENT_METADATA_VERSION: u32 = 15;

fn client_metadata_path() -> PathBuf {
	PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../worker/metadata/mlchain.scale")
}

#[test]
fn worker_metadata_matches_the_runtime() {
	let metadata = Runtime::metadata_at_version(CLIENT_METADATA_VERSION)
		.expect("the runtime offers metadata V15");
	// `OpaqueMetadata` wraps the SCALE encoding of `RuntimeMetadataPrefixed`, which is what
	// `state_getMetadata` returns and what subxt's codegen reads.
	let bytes: &[u8] = &metadata;
	let path = client_metadata_path();
	if std::env::var_os("MLCHAIN_WRITE_METADATA").is_some() {
		std::fs::write(&path, bytes).expect("write worker/metadata/mlchain.scale");
		return;
	}
	let checked_in = std::fs::read(&path).unwrap_or_default();
	assert!(
		checked_in == bytes,
		"worker/metadata/mlchain.scale is not this runtime's metadata (run scripts/gen-metadata.sh)"
	);
}
