//! The crate's error type.
use std::io;

/// What kind of failure this is, for callers that map errors to exit codes or HTTP statuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    InvalidInput,
    Conflict,
    Io,
}

#[derive(Debug, thiserror::Error)]
pub enum LayerError {
    #[error("layer entry {entry:?}: {reason}")]
    UnsafeEntry { entry: String, reason: String },
    #[error("layer entry {entry:?}: {source}")]
    Entry {
        entry: String,
        #[source]
        source: io::Error,
    },
    #[error("reading layer tar: {0}")]
    Tar(#[source] io::Error),
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: io::Error,
    },
}

impl LayerError {
    pub fn kind(&self) -> ErrorKind {
        match self {
            LayerError::UnsafeEntry { .. } | LayerError::Tar(_) => ErrorKind::InvalidInput,
            LayerError::Entry { source, .. } if source.kind() == io::ErrorKind::AlreadyExists => {
                ErrorKind::Conflict
            }
            LayerError::Entry { .. } | LayerError::Io { .. } => ErrorKind::Io,
        }
    }

    pub(crate) fn unsafe_entry(entry: &[u8], reason: impl Into<String>) -> Self {
        LayerError::UnsafeEntry {
            entry: String::from_utf8_lossy(entry).into_owned(),
            reason: reason.into(),
        }
    }

    pub(crate) fn entry(entry: &[u8], source: impl Into<io::Error>) -> Self {
        LayerError::Entry {
            entry: String::from_utf8_lossy(entry).into_owned(),
            source: source.into(),
        }
    }
}
