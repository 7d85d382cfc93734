//! What can go wrong in the artifact store; each message names the artifact and chunk.
use super::manifest::ArtifactId;
use mlchain_primitives::hash::to_hex;
use mlchain_primitives::Hash;
use std::path::PathBuf;

/// Position of a chunk, for error messages: the artifact and index when known.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChunkRef {
    pub artifact: Option<ArtifactId>,
    pub index: Option<u32>,
    pub hash: Hash,
}

impl std::fmt::Display for ChunkRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(a) = &self.artifact {
            write!(f, "artifact {a} ")?;
        }
        match self.index {
            Some(i) => write!(f, "chunk #{i} ({})", to_hex(&self.hash)),
            None => write!(f, "chunk {}", to_hex(&self.hash)),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open the artifact store at {}: {source} (is another mlchain-worker using this store?)", path.display())]
    Open {
        path: PathBuf,
        source: rocksdb::Error,
    },
    #[error("artifact store database error: {0}")]
    Db(#[from] rocksdb::Error),
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{chunk} is corrupt in the store: its bytes hash to {}; run `store gc` after unpinning the artifact, or fetch it again", to_hex(actual))]
    CorruptChunk { chunk: ChunkRef, actual: Hash },
    #[error("{chunk} is missing from the store although its manifest is present; fetch the artifact again")]
    MissingChunk { chunk: ChunkRef },
    #[error("the manifest of artifact {root} is corrupt in the store: {reason}")]
    CorruptManifest { root: ArtifactId, reason: String },
    #[error(
        "received chunk does not match: expected {}, its bytes hash to {}",
        to_hex(expected),
        to_hex(actual)
    )]
    ChunkMismatch { expected: Hash, actual: Hash },
    #[error("chunk of {size} bytes is larger than the limit of {max}")]
    ChunkTooLarge { size: usize, max: u32 },
    #[error("artifact {0} is not in the store")]
    NotFound(ArtifactId),
    #[error("manifest of artifact {root} is invalid: {reason}")]
    InvalidManifest { root: ArtifactId, reason: String },
    #[error("cannot store the manifest of artifact {root}: {missing} of its chunks are missing")]
    Incomplete { root: ArtifactId, missing: usize },
}
