//! Image formats and transports: references, manifests, registry client, docker-save / OCI layout import and export.
//!
//! Invariants:
//! - Everything read from a registry or an archive is hostile: every blob is read with a
//!   size cap and checked against its digest before the store sees it; layers are also
//!   checked against the config's diffIDs (by the store's unpack).
//! - Credentials go only to the registry host they belong to; redirects to another host
//!   (blob CDNs) are followed without them.
//! - Plain HTTP only for loopback registries or ones the caller marks insecure.
//! - A failed pull or load changes nothing in the store (see `berth_store::Txn`).
mod archive;
mod auth;
mod error;
mod platform;
mod progress;
mod pull;
mod push;
mod registry;

pub use archive::{load, save};
pub use auth::{AuthFile, Credentials};
pub use berth_store::Reference;
pub use error::{ErrorKind, ImageError};
pub use platform::Platform;
pub use progress::{NoProgress, Progress};
pub use pull::{pull, PullOptions};
pub use push::push;
pub use registry::{Registry, RegistryOptions};

pub type Result<T, E = ImageError> = std::result::Result<T, E>;
