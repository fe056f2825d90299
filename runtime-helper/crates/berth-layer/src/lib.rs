//! Layer tar <-> directory: rooted extraction with OCI->overlay whiteouts, and overlay upper -> tar diff.
//!
//! Invariants:
//! - Every tar is hostile. Extraction never writes outside the destination directory: entry
//!   paths with `..` or a leading `/` are refused, parents are resolved with
//!   `openat2(RESOLVE_IN_ROOT)`, and the final component is always created with `*at`
//!   calls that do not follow symlinks.
//! - No input makes this crate panic; every failure is a [`LayerError`] naming the entry
//!   (long names elided in the middle, so one error stays one readable line).
//! - Extraction is bounded: at most [`UnpackOptions::max_size`] bytes of uncompressed
//!   stream are read, and it stops before the destination's free space falls below
//!   [`UnpackOptions::min_free`].
//! - Layer tars may carry `trusted.overlay.*` xattrs; they are dropped, because they would
//!   let a layer forge overlay metadata (redirects, opaque dirs) behind our back.
mod compression;
mod diff;
mod error;
mod hash;
mod path;
mod unpack;

pub use compression::{detect_compression, diff_id_of, Compression};
pub use diff::write_diff;
pub use error::{elide, human_size, quoted, ErrorKind, LayerError};
pub use hash::HashingWriter;
pub use unpack::{
    unpack, SpaceCheck, SpaceWriter, UnpackOptions, Unpacked, DEFAULT_MAX_LAYER_SIZE,
    DEFAULT_MIN_FREE,
};

/// The xattr that marks an overlay directory as opaque (hides the lower layers' content).
pub const OPAQUE_XATTR: &str = "trusted.overlay.opaque";
/// Prefix of OCI whiteout files.
pub const WHITEOUT_PREFIX: &str = ".wh.";
/// Name of the OCI opaque-directory marker.
pub const OPAQUE_WHITEOUT: &str = ".wh..wh..opq";
