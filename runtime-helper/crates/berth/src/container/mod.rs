//! Containers as the engine keeps them: records on disk, the OCI spec generated for
//! them, their json-file logs, and the option parsing shared by the CLI verbs.
//!
//! A container lives in `<store root>/containers/<id>/`: `container.json` (what was asked
//! for, written once), `state.json` (written only by the shim and by verbs that find
//! the shim gone), `<id>-json.log` (from its first line of output), and `upper/` and
//! `work/` for the overlay, which is mounted on the store's `mnt/` inside the
//! container's own mount namespace. The OCI runtime spec and /etc/hostname, /etc/hosts
//! and /etc/resolv.conf are not kept: the shim makes them from the record at each start.
pub mod init_layer;
pub mod logfile;
pub mod options;
pub mod record;
pub mod spec;
