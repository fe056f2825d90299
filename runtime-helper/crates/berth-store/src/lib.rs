//! Content-addressed blobs, unpacked layers keyed by chain ID, image records; crash-safe writes and locking.
//!
//! Layout under the root (the container runtime owns `containers/`; nothing here touches it):
//!
//! ```text
//! blobs/sha256/<hex>      manifests, configs, layer blobs (OCI image-layout style)
//! layers/sha256/<hex>     one unpacked layer per chain ID: an overlay lowerdir
//! l/<16 hex>              short symlinks to layers, for long lowerdir lists
//! images.json             image records: id -> manifest, name:tag -> id
//! leases/<holder>         images in use by a container or build: kept by rmi and GC
//! tmp/                    work in progress; swept when no other process uses the store
//! store.lock, images.lock flock(2) files
//! ```
//!
//! Invariants:
//! - The store is private to its owner: the root is 0700 (0710 when an administrator set
//!   it so), every directory the store makes is 0700 and its own files 0600, whatever the
//!   umask. Layers hold setuid binaries and device nodes; no other user may reach them.
//!   Opening a store made by an older version (0755 all the way down) tightens it, and a
//!   root owned by another user is refused.
//! - Nothing is visible before it is complete and verified: blobs and layers are built
//!   under `tmp/`, checked (size, digest, diffID) and only then renamed into place, after
//!   an fsync (`syncfs` for layer trees). A crash leaves only `tmp/` debris.
//! - An image write ([`Txn`]) commits all of its blobs and layers, then its record, or
//!   nothing; a failure leaves the store as it was.
//! - Blobs (compressed digest) and layers (diffID -> chain ID) are keyed apart and both
//!   verified.
mod digest;
mod error;
mod fsutil;
pub mod inspect;
mod leases;
mod links;
mod lock;
pub mod manifest;
mod records;
pub mod reference;
mod store;
mod txn;

pub use digest::{chain_ids, hex_of, sha256};
pub use error::{ErrorKind, Result, StoreError};
pub use leases::Lease;
pub use reference::Reference;
pub use store::{GcReport, ImageSummary, RemoveReport, ResolvedImage, Store, STORE_DIRS};
pub use txn::{Commit, LayerInfo, Txn};

/// An image ID: the digest of its config, `sha256:<hex>`.
pub type ImageId = String;
