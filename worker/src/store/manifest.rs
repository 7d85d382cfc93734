//! Artifact manifests and the root that names an artifact.
//!
//! An artifact is cut into chunks of `chunk_size` bytes (the last one may be shorter); each
//! chunk is named by its blake2b-256 hash. The manifest lists the chunk hashes in order, and
//! the artifact's **root** is
//!
//! ```text
//! root = blake2b-256( "mlchain-artifact-v1" || SCALE(manifest) )
//! SCALE(manifest) = kind: u8 || size: u64 LE || chunk_size: u32 LE
//!                   || compact(chunk count) || chunk hash 0 || chunk hash 1 || ...
//! ```
//!
//! The root commits to every field, so a manifest received from anyone can be checked against
//! the root the requester asked for, and each chunk then against its hash in the manifest. The
//! kind is part of the root: the same bytes added as a dataset and as a model are two artifacts
//! (sharing their chunks in the store).
use codec::{Decode, DecodeAll, Encode};
use mlchain_primitives::hash::{from_hex, to_hex};
use mlchain_primitives::{blake2_256, Hash};
use std::fmt;
use std::str::FromStr;

/// Domain tag hashed in front of the encoded manifest: a root can never be confused with a
/// chunk hash or a checkpoint hash.
pub const ROOT_DOMAIN: &[u8] = b"mlchain-artifact-v1";

/// Chunk size used for new artifacts: 1 MiB.
pub const CHUNK_SIZE: u32 = 1 << 20;

/// Largest chunk size a manifest may declare; it bounds the size of a chunk on the wire.
pub const MAX_CHUNK_SIZE: u32 = 1 << 20;

/// Most chunks one manifest may list. With 32-byte hashes the encoded manifest stays just
/// under 1 MiB, the same bound as a chunk on the wire; at 1 MiB chunks that is 32 GiB.
pub const MAX_CHUNKS: u32 = 32 * 1024 - 1;

/// What an artifact holds; part of its root.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Encode, Decode)]
pub enum ArtifactKind {
    /// Training or evaluation data.
    Dataset,
    /// A checkpoint of a run (weights, optimiser state and step).
    Checkpoint,
    /// Final model weights.
    Model,
    /// A run directory's record (run.json and friends).
    Run,
}

impl ArtifactKind {
    pub const ALL: [ArtifactKind; 4] = [
        ArtifactKind::Dataset,
        ArtifactKind::Checkpoint,
        ArtifactKind::Model,
        ArtifactKind::Run,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ArtifactKind::Dataset => "dataset",
            ArtifactKind::Checkpoint => "checkpoint",
            ArtifactKind::Model => "model",
            ArtifactKind::Run => "run",
        }
    }
}

impl fmt::Display for ArtifactKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ArtifactKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        ArtifactKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| {
                format!("unknown artifact kind {s:?}: use dataset, checkpoint, model or run")
            })
    }
}

/// The root of an artifact: 32 bytes, written as 64 lower-case hex digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Encode, Decode)]
pub struct ArtifactId(pub Hash);

impl fmt::Display for ArtifactId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&to_hex(&self.0))
    }
}

impl fmt::Debug for ArtifactId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ArtifactId({self})")
    }
}

impl FromStr for ArtifactId {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        from_hex(s.trim()).map(ArtifactId).ok_or_else(|| {
            format!("{s:?} is not an artifact root: expected 64 hex digits (an optional 0x prefix is accepted)")
        })
    }
}

/// The ordered list of chunks that make up an artifact.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct Manifest {
    pub kind: ArtifactKind,
    /// Total size in bytes.
    pub size: u64,
    /// Size of every chunk but the last.
    pub chunk_size: u32,
    /// blake2b-256 of each chunk, in order.
    pub chunks: Vec<Hash>,
}

impl Manifest {
    /// The manifest of `bytes` cut into `chunk_size` pieces.
    pub fn of_bytes(kind: ArtifactKind, bytes: &[u8], chunk_size: u32) -> Self {
        Manifest {
            kind,
            size: bytes.len() as u64,
            chunk_size,
            chunks: bytes
                .chunks(chunk_size.max(1) as usize)
                .map(blake2_256)
                .collect(),
        }
    }

    /// The root that names this manifest's artifact.
    pub fn root(&self) -> ArtifactId {
        root_of_encoded(&self.encode())
    }

    /// Length of chunk `index` in bytes.
    pub fn chunk_len(&self, index: u32) -> u64 {
        let start = index as u64 * self.chunk_size as u64;
        (self.size.saturating_sub(start)).min(self.chunk_size as u64)
    }

    /// Decodes and checks a manifest received from a peer or read from disk: it must hash to
    /// `root` and be self-consistent.
    pub fn decode_checked(bytes: &[u8], root: &ArtifactId) -> Result<Self, String> {
        let actual = root_of_encoded(bytes);
        if actual != *root {
            return Err(format!("it hashes to {actual}"));
        }
        let manifest = Manifest::decode_all(&mut &bytes[..])
            .map_err(|e| format!("it does not decode: {e}"))?;
        manifest.check()?;
        Ok(manifest)
    }

    /// Checks the limits and that the chunk count matches the size.
    pub fn check(&self) -> Result<(), String> {
        if self.chunk_size == 0 || self.chunk_size > MAX_CHUNK_SIZE {
            return Err(format!(
                "chunk size {} is outside 1..={MAX_CHUNK_SIZE}",
                self.chunk_size
            ));
        }
        if self.chunks.len() > MAX_CHUNKS as usize {
            return Err(format!(
                "{} chunks is more than the limit of {MAX_CHUNKS}",
                self.chunks.len()
            ));
        }
        let expected = self.size.div_ceil(self.chunk_size as u64);
        if self.chunks.len() as u64 != expected {
            return Err(format!(
                "{} chunks cannot hold {} bytes in chunks of {} (expected {expected})",
                self.chunks.len(),
                self.size,
                self.chunk_size
            ));
        }
        Ok(())
    }
}

/// `blake2b-256(ROOT_DOMAIN || encoded)`.
pub fn root_of_encoded(encoded: &[u8]) -> ArtifactId {
    let mut buf = Vec::with_capacity(ROOT_DOMAIN.len() + encoded.len());
    buf.extend_from_slice(ROOT_DOMAIN);
    buf.extend_from_slice(encoded);
    ArtifactId(blake2_256(&buf))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_commits_to_kind_size_and_every_chunk() {
        let m = Manifest::of_bytes(ArtifactKind::Dataset, &[7u8; 10], 4);
        assert_eq!(m.chunks.len(), 3);
        assert_eq!(m.chunk_len(2), 2);
        let root = m.root();
        let mut other = m.clone();
        other.kind = ArtifactKind::Model;
        assert_ne!(other.root(), root);
        let mut other = m.clone();
        other.chunks.swap(0, 2);
        other.chunks[0][0] ^= 1;
        assert_ne!(other.root(), root);
        assert_eq!(Manifest::decode_checked(&m.encode(), &root), Ok(m));
    }

    #[test]
    fn manifest_that_does_not_hash_to_the_root_or_is_inconsistent_is_refused() {
        let m = Manifest::of_bytes(ArtifactKind::Model, &[1u8; 9], 4);
        let root = m.root();
        let mut bytes = m.encode();
        bytes[1] ^= 1;
        assert!(Manifest::decode_checked(&bytes, &root)
            .unwrap_err()
            .contains("hashes to"));
        let mut bad = m.clone();
        bad.size = 100;
        assert!(Manifest::decode_checked(&bad.encode(), &bad.root())
            .unwrap_err()
            .contains("cannot hold"));
    }

    #[test]
    fn artifact_id_parses_hex_and_explains_bad_input() {
        let id = Manifest::of_bytes(ArtifactKind::Run, b"x", 4).root();
        assert_eq!(id.to_string().parse::<ArtifactId>(), Ok(id));
        assert!("xyz"
            .parse::<ArtifactId>()
            .unwrap_err()
            .contains("64 hex digits"));
        assert_eq!("model".parse::<ArtifactKind>(), Ok(ArtifactKind::Model));
        assert!("weights".parse::<ArtifactKind>().is_err());
    }
}
