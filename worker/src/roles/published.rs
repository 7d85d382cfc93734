//! The formats of what a worker publishes besides raw files, and their checks: the run
//! listing (named by the run's Merkle root) and datasets (named by their content hash).
use crate::data::Dataset;
use crate::error::{Error, Result};
use mlchain_primitives::{hash::to_hex, merkle::merkle_root, Hash};
use std::sync::Arc;

/// The published list of a run's checkpoint hashes: `hex\n` per leaf, in order. Its Merkle
/// root is the run's name, so a receiver checks it without trusting the sender.
pub fn run_listing(leaves: &[Hash]) -> Vec<u8> {
    leaves.iter().map(|h| format!("{}\n", to_hex(h))).collect::<String>().into_bytes()
}

/// Parses a run listing and checks it against the committed root.
pub fn parse_run_listing(bytes: &[u8], root: &Hash) -> Result<Vec<Hash>> {
    let text = std::str::from_utf8(bytes).map_err(|_| Error::Other("run listing is not text".into()))?;
    let leaves = text
        .lines()
        .map(|l| mlchain_primitives::hash::from_hex(l).ok_or_else(|| Error::Other(format!("bad leaf {l:?} in run listing"))))
        .collect::<Result<Vec<_>>>()?;
    let actual = merkle_root(&leaves).map_err(|e| Error::Other(format!("run listing: {e:?}")))?;
    if &actual != root {
        return Err(Error::Other(format!("the served run listing hashes to {}, not to the committed {}", to_hex(&actual), to_hex(root))));
    }
    Ok(leaves)
}

/// Loads a dataset from published bytes (safetensors or CSV with a `label` column) and checks
/// that it is the dataset named `name`.
pub fn parse_dataset(bytes: &[u8], name: &Hash) -> Result<Arc<Dataset>> {
    let parsed = match crate::data::st::parse(bytes) {
        Ok(dataset) => dataset,
        Err(not_safetensors) => {
            let text = std::str::from_utf8(bytes)
                .map_err(|_| Error::data(to_hex(name), format!("{not_safetensors}; nor is it UTF-8 CSV")))?;
            crate::data::csv::parse(text, "label").map_err(|e| Error::data(to_hex(name), e))?
        }
    };
    let actual = parsed.content_hash();
    if &actual != name {
        return Err(Error::data(to_hex(name), format!("the served data hashes to {}", to_hex(&actual))));
    }
    Ok(Arc::new(parsed))
}
