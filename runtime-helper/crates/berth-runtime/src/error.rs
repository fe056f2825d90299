//! The crate's error type.
use std::path::PathBuf;

pub type Result<T> = std::result::Result<T, RuntimeError>;

#[derive(Debug, thiserror::Error)]
pub enum RuntimeError {
    #[error("{op} {path}: {source}")]
    Sys {
        op: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("invalid container config: {0}")]
    InvalidSpec(String),
    #[error("exec: {0:?}: executable file not found in $PATH")]
    NotFound(String),
    #[error("exec: {path:?}: {source}")]
    CannotExec {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("unable to find user {0}: no matching entries in passwd file")]
    NoSuchUser(String),
    #[error("unable to find group {0}: no matching entries in group file")]
    NoSuchGroup(String),
    /// A path in the image that the runtime will not use as it is (a planted symlink, a
    /// FIFO for /etc/passwd, …).
    #[error("refusing {path}: {reason}")]
    UnsafePath { path: PathBuf, reason: String },
    /// A user or group id outside Docker's range (0..=2147483647); `what` says which.
    #[error("{what} is out of range: user and group ids must be between 0 and {max}", max = crate::user::MAX_ID)]
    IdOutOfRange { what: String },
    #[error("seccomp: {0}")]
    Seccomp(String),
    /// An error reported by the container's init process before exec.
    #[error("{message}")]
    Init { kind: ErrorKind, message: String },
}

/// What went wrong, so callers can choose docker's exit codes (127/126/125).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The command does not exist (exit 127).
    NotFound,
    /// The command exists but cannot be executed (exit 126).
    CannotExec,
    InvalidInput,
    System,
}

impl RuntimeError {
    pub(crate) fn sys(
        op: &'static str,
        path: impl Into<PathBuf>,
        source: impl Into<std::io::Error>,
    ) -> Self {
        RuntimeError::Sys {
            op,
            path: path.into(),
            source: source.into(),
        }
    }

    /// A cgroup operation `op` that failed for the cgroup `rel`.
    pub(crate) fn cgroup(
        op: &'static str,
        rel: impl Into<PathBuf>,
        e: berth_cgroups::CgroupError,
    ) -> Self {
        RuntimeError::sys(op, rel, std::io::Error::other(e.to_string()))
    }

    pub fn kind(&self) -> ErrorKind {
        match self {
            RuntimeError::NotFound(_) => ErrorKind::NotFound,
            RuntimeError::CannotExec { source, .. }
                if source.kind() == std::io::ErrorKind::NotFound =>
            {
                ErrorKind::NotFound
            }
            RuntimeError::CannotExec { .. } => ErrorKind::CannotExec,
            RuntimeError::InvalidSpec(_)
            | RuntimeError::NoSuchUser(_)
            | RuntimeError::NoSuchGroup(_)
            | RuntimeError::UnsafePath { .. }
            | RuntimeError::IdOutOfRange { .. } => ErrorKind::InvalidInput,
            RuntimeError::Init { kind, .. } => *kind,
            RuntimeError::Sys { .. } | RuntimeError::Seccomp(_) => ErrorKind::System,
        }
    }

    /// docker's exit code for a container that could not be started.
    pub fn exit_code(&self) -> i32 {
        match self.kind() {
            ErrorKind::NotFound => 127,
            ErrorKind::CannotExec => 126,
            ErrorKind::InvalidInput | ErrorKind::System => 125,
        }
    }

    pub(crate) fn encode(&self) -> String {
        let k = match self.kind() {
            ErrorKind::NotFound => 'N',
            ErrorKind::CannotExec => 'X',
            ErrorKind::InvalidInput => 'I',
            ErrorKind::System => 'S',
        };
        format!("{k}{self}")
    }

    pub(crate) fn decode(s: &str) -> RuntimeError {
        let mut chars = s.chars();
        let kind = match chars.next() {
            Some('N') => ErrorKind::NotFound,
            Some('X') => ErrorKind::CannotExec,
            Some('I') => ErrorKind::InvalidInput,
            _ => ErrorKind::System,
        };
        RuntimeError::Init {
            kind,
            message: chars.as_str().to_string(),
        }
    }
}

impl From<nix::Error> for RuntimeError {
    fn from(e: nix::Error) -> Self {
        RuntimeError::sys("syscall", "", std::io::Error::from(e))
    }
}
