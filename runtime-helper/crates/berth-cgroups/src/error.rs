//! The crate's error type.
use std::path::{Path, PathBuf};

pub type Result<T> = std::result::Result<T, CgroupError>;

#[derive(Debug, thiserror::Error)]
pub enum CgroupError {
    #[error("cgroup {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("no cgroup hierarchy mounted under {0}")]
    NotMounted(PathBuf),
    #[error("this host's cgroups have no {0} controller")]
    Unsupported(&'static str),
}

/// What went wrong, for callers that map errors to exit codes or HTTP statuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    NotFound,
    Unsupported,
    Io,
}

impl CgroupError {
    pub(crate) fn io(path: impl AsRef<Path>, source: std::io::Error) -> Self {
        CgroupError::Io {
            path: path.as_ref().to_path_buf(),
            source,
        }
    }

    pub fn kind(&self) -> ErrorKind {
        match self {
            CgroupError::Io { source, .. } if source.kind() == std::io::ErrorKind::NotFound => {
                ErrorKind::NotFound
            }
            CgroupError::Io { .. } => ErrorKind::Io,
            CgroupError::NotMounted(_) => ErrorKind::NotFound,
            CgroupError::Unsupported(_) => ErrorKind::Unsupported,
        }
    }
}
