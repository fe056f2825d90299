//! Containers as the engine keeps them: records on disk, the OCI spec generated for
//! them, their json-file logs, and the option parsing shared by the CLI verbs.
//!
//! A container lives in `<store root>/containers/<id>/`: `container.json` (what was asked
//! for, written once), `state.json` (written only by the shim and by verbs that find
//! the shim gone), `config.json` (the OCI runtime spec), `rootfs.json` (overlay layers),
//! `<id>-json.log`, and `upper/`, `work/`, `rootfs/` for the overlay.
pub mod logfile;
pub mod options;
pub mod record;
pub mod spec;
