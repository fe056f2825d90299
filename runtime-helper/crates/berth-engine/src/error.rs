//! The engine's one error type. Every error has a kind; the kind alone decides the CLI's
//! exit code and the daemon's HTTP status (moby's errdefs, containerd's errdefs), so
//! "no such container" is the same failure for both fronts.
use std::fmt::Display;

/// What kind of failure this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// No such container or image.
    NotFound,
    /// The request clashes with the current state: a name in use, a running container
    /// that cannot be removed, a container that is not running.
    Conflict,
    /// A bad option or a bad file given by the caller or the image.
    InvalidInput,
    /// The container's command does not exist (docker's exit 127).
    CommandNotFound,
    /// The container's command cannot be executed (docker's exit 126).
    CommandNotExecutable,
    /// Something failed on the host.
    System,
}

#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct EngineError {
    kind: ErrorKind,
    message: String,
}

pub type Result<T> = std::result::Result<T, EngineError>;

impl EngineError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> EngineError {
        EngineError {
            kind,
            message: message.into(),
        }
    }
    pub fn not_found(message: impl Into<String>) -> EngineError {
        EngineError::new(ErrorKind::NotFound, message)
    }
    pub fn conflict(message: impl Into<String>) -> EngineError {
        EngineError::new(ErrorKind::Conflict, message)
    }
    pub fn invalid(message: impl Into<String>) -> EngineError {
        EngineError::new(ErrorKind::InvalidInput, message)
    }
    pub fn system(message: impl Into<String>) -> EngineError {
        EngineError::new(ErrorKind::System, message)
    }
    /// An I/O failure on `path` while doing `what`.
    pub fn io(what: &str, path: &std::path::Path, e: std::io::Error) -> EngineError {
        EngineError::system(format!("{what} {}: {e}", path.display()))
    }

    pub fn kind(&self) -> ErrorKind {
        self.kind
    }
    pub fn message(&self) -> &str {
        &self.message
    }

    /// docker's exit code for a command that failed this way (the daemon's client exits
    /// 125 for an engine error; 126/127 when the command cannot run).
    pub fn exit_code(&self) -> i32 {
        match self.kind {
            ErrorKind::CommandNotFound => 127,
            ErrorKind::CommandNotExecutable => 126,
            _ => 125,
        }
    }

    /// The Engine API's status for this error.
    pub fn http_status(&self) -> u16 {
        match self.kind {
            ErrorKind::NotFound => 404,
            ErrorKind::Conflict => 409,
            ErrorKind::InvalidInput => 400,
            ErrorKind::CommandNotFound | ErrorKind::CommandNotExecutable | ErrorKind::System => 500,
        }
    }
}

/// Adds what was being done to an error, keeping its kind.
pub trait Context<T> {
    fn context(self, what: impl Display) -> Result<T>;
    fn with_context<D: Display>(self, what: impl FnOnce() -> D) -> Result<T>;
}

impl<T, E: Into<EngineError>> Context<T> for std::result::Result<T, E> {
    fn context(self, what: impl Display) -> Result<T> {
        self.map_err(|e| {
            let e = e.into();
            EngineError::new(e.kind, format!("{what}: {}", e.message))
        })
    }
    fn with_context<D: Display>(self, what: impl FnOnce() -> D) -> Result<T> {
        self.map_err(|e| {
            let e = e.into();
            EngineError::new(e.kind, format!("{}: {}", what(), e.message))
        })
    }
}

impl From<std::io::Error> for EngineError {
    fn from(e: std::io::Error) -> EngineError {
        EngineError::system(e.to_string())
    }
}

impl From<nix::errno::Errno> for EngineError {
    fn from(e: nix::errno::Errno) -> EngineError {
        EngineError::system(e.to_string())
    }
}

impl From<rustix::io::Errno> for EngineError {
    fn from(e: rustix::io::Errno) -> EngineError {
        EngineError::system(std::io::Error::from(e).to_string())
    }
}

impl From<serde_json::Error> for EngineError {
    fn from(e: serde_json::Error) -> EngineError {
        EngineError::system(e.to_string())
    }
}

impl From<berth_store::StoreError> for EngineError {
    fn from(e: berth_store::StoreError) -> EngineError {
        use berth_store::ErrorKind as K;
        let kind = match e.kind() {
            K::NotFound => ErrorKind::NotFound,
            K::Conflict => ErrorKind::Conflict,
            K::InvalidInput => ErrorKind::InvalidInput,
            K::Io => ErrorKind::System,
        };
        EngineError::new(kind, e.to_string())
    }
}

impl From<berth_runtime::RuntimeError> for EngineError {
    fn from(e: berth_runtime::RuntimeError) -> EngineError {
        use berth_runtime::ErrorKind as K;
        let kind = match e.kind() {
            K::NotFound => ErrorKind::CommandNotFound,
            K::CannotExec => ErrorKind::CommandNotExecutable,
            K::InvalidInput => ErrorKind::InvalidInput,
            K::System => ErrorKind::System,
        };
        EngineError::new(kind, e.to_string())
    }
}

impl From<berth_cgroups::CgroupError> for EngineError {
    fn from(e: berth_cgroups::CgroupError) -> EngineError {
        EngineError::system(e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_map_to_exit_codes_and_statuses() {
        let nf = EngineError::not_found("No such container: x");
        assert_eq!((nf.exit_code(), nf.http_status()), (125, 404));
        let c: Result<()> = Err(EngineError::conflict("in use"));
        let c = c.context("removing x").unwrap_err();
        assert_eq!(c.kind(), ErrorKind::Conflict);
        assert_eq!(c.to_string(), "removing x: in use");
        assert_eq!(c.http_status(), 409);
        let e = EngineError::new(ErrorKind::CommandNotFound, "nope");
        assert_eq!(e.exit_code(), 127);
        assert_eq!(EngineError::invalid("bad").http_status(), 400);
    }
}
