//! The crate's error type.
use berth_layer::{elide, quoted};
use std::io;

/// What kind of failure this is, for callers that map errors to exit codes or HTTP statuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    NotFound,
    Conflict,
    InvalidInput,
    Io,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{what} not found: {}", elide(.name))]
    NotFound { what: &'static str, name: String },
    #[error("{0}")]
    Conflict(String),
    #[error("invalid reference {}: {reason}", quoted(.reference))]
    InvalidReference { reference: String, reason: String },
    #[error("{}: {reason}", elide(.what))]
    InvalidInput { what: String, reason: String },
    #[error("digest mismatch for {}: expected {expected}, got {actual}", elide(.what))]
    DigestMismatch {
        what: String,
        expected: String,
        actual: String,
    },
    #[error("size mismatch for {}: expected {expected} bytes, got {actual}", elide(.what))]
    SizeMismatch {
        what: String,
        expected: u64,
        actual: u64,
    },
    #[error("unpacking layer {digest}: {source}")]
    Layer {
        digest: String,
        #[source]
        source: berth_layer::LayerError,
    },
    #[error("{}: {source}", elide(.path))]
    Io {
        path: String,
        #[source]
        source: io::Error,
    },
}

impl StoreError {
    pub fn kind(&self) -> ErrorKind {
        match self {
            StoreError::NotFound { .. } => ErrorKind::NotFound,
            StoreError::Conflict(_) => ErrorKind::Conflict,
            StoreError::InvalidReference { .. }
            | StoreError::InvalidInput { .. }
            | StoreError::DigestMismatch { .. }
            | StoreError::SizeMismatch { .. } => ErrorKind::InvalidInput,
            StoreError::Layer { source, .. } => match source.kind() {
                berth_layer::ErrorKind::Io => ErrorKind::Io,
                _ => ErrorKind::InvalidInput,
            },
            StoreError::Io { .. } => ErrorKind::Io,
        }
    }

    pub(crate) fn io(path: impl AsRef<std::path::Path>) -> impl FnOnce(io::Error) -> StoreError {
        let path = path.as_ref().display().to_string();
        move |source| StoreError::Io { path, source }
    }

    pub(crate) fn invalid(what: impl Into<String>, reason: impl Into<String>) -> StoreError {
        StoreError::InvalidInput {
            what: what.into(),
            reason: reason.into(),
        }
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;
