//! The engine's error type: every malformed input ends up here as one readable line.
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot read {}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("spec {path}: {message}")]
    Spec { path: String, message: String },
    #[error("data {path}: {message}")]
    Data { path: String, message: String },
    #[error("checkpoint {path}: {message}")]
    Checkpoint { path: String, message: String },
    #[error("data does not fit the model: {0}")]
    Mismatch(String),
    #[error("tensor operation failed: {0}")]
    Candle(#[from] candle_core::Error),
    #[error(transparent)]
    Chain(#[from] crate::chain::ChainError),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error(transparent)]
    P2p(#[from] crate::p2p::P2pError),
    #[error(transparent)]
    Fetch(#[from] crate::p2p::FetchError),
    #[error("{0}")]
    Other(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn data(path: impl std::fmt::Display, message: impl Into<String>) -> Self {
        Error::Data {
            path: path.to_string(),
            message: message.into(),
        }
    }
    pub fn checkpoint(path: impl std::fmt::Display, message: impl Into<String>) -> Self {
        Error::Checkpoint {
            path: path.to_string(),
            message: message.into(),
        }
    }
}

/// Reads a whole file, naming it in the error.
pub fn read_file(path: &std::path::Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })
}
