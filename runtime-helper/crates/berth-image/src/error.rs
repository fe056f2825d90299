//! The crate's error type.
use berth_layer::{elide, quoted};
use berth_store::StoreError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    NotFound,
    Unauthorized,
    InvalidInput,
    Unavailable,
    Conflict,
    Io,
}

#[derive(Debug, thiserror::Error)]
pub enum ImageError {
    #[error("registry {registry} unreachable ({}): {reason}", elide(.url))]
    Unreachable {
        registry: String,
        url: String,
        reason: String,
    },
    #[error("{}: {status} {}", elide(.url), elide(.message))]
    Http {
        url: String,
        status: u16,
        message: String,
    },
    #[error("authentication to {registry} failed: {reason}")]
    Auth { registry: String, reason: String },
    #[error("{}: unsupported media type {}", elide(.what), quoted(.media_type))]
    MediaType { what: String, media_type: String },
    #[error("{}: {reason}", elide(.what))]
    Invalid { what: String, reason: String },
    #[error("{}: {source}", elide(.what))]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl ImageError {
    pub fn kind(&self) -> ErrorKind {
        match self {
            ImageError::Unreachable { .. } => ErrorKind::Unavailable,
            ImageError::Http {
                status: 401 | 403, ..
            }
            | ImageError::Auth { .. } => ErrorKind::Unauthorized,
            ImageError::Http { status: 404, .. } => ErrorKind::NotFound,
            ImageError::Http { .. } => ErrorKind::Unavailable,
            ImageError::MediaType { .. } | ImageError::Invalid { .. } => ErrorKind::InvalidInput,
            ImageError::Io { .. } => ErrorKind::Io,
            ImageError::Store(e) => match e.kind() {
                berth_store::ErrorKind::NotFound => ErrorKind::NotFound,
                berth_store::ErrorKind::Conflict => ErrorKind::Conflict,
                berth_store::ErrorKind::InvalidInput => ErrorKind::InvalidInput,
                berth_store::ErrorKind::Io => ErrorKind::Io,
            },
        }
    }

    pub(crate) fn invalid(what: impl Into<String>, reason: impl Into<String>) -> Self {
        ImageError::Invalid {
            what: what.into(),
            reason: reason.into(),
        }
    }

    pub(crate) fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> Self {
        let what = what.into();
        move |source| ImageError::Io { what, source }
    }
}
