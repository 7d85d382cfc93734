//! The Polkadot-JS client scripts of `node/tests/polkadot-js`: a standard third-party client
//! that the end-to-end tests run against our nodes.

use std::{
	path::{Path, PathBuf},
	process::Command,
};

/// The folder of the client scripts and their `package-lock.json`.
pub fn client_dir() -> PathBuf {
	Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/polkadot-js")
}

/// Installs the client's npm packages into [`client_dir`] from the checked-in lock file
/// (`npm ci`), unless they are installed already.
pub fn install_client() -> PathBuf {
	let dir = client_dir();
	if dir.join("node_modules/@polkadot/api").exists() {
		return dir;
	}
	let status = Command::new("npm")
		.args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
		.current_dir(&dir)
		.status()
		.expect("npm is installed (Node.js comes with the machine)");
	assert!(status.success(), "npm ci failed in {}", dir.display());
	dir
}
