//! Starts a container process from an OCI runtime-spec config: namespaces, rootfs, pivot_root, capabilities, seccomp.
//!
//! Invariants:
//! - The OCI runtime spec (`config.json`) is the whole contract with the engine; the only
//!   extra inputs are the overlay layers ([`Rootfs`]), the cgroup to join, the stdio and
//!   the files generated per start ([`GeneratedFile`]).
//! - Every privileged call that shapes the container's filesystem goes through the
//!   [`Syscall`] trait, so the order of mounts is unit-tested with [`recording::Recorder`].
//! - The rootfs is hostile: after pivot_root every path the runtime creates, opens or
//!   mounts on (mount targets, masks, device nodes, /etc/hosts & co., the working
//!   directory, /etc/passwd, the pty) is walked inside the root by `rooted` and used
//!   through an fd. The engine's own mount points take no symlink at all; `-v` targets,
//!   generated files, the workdir and /etc/passwd follow links inside the root only, never
//!   /proc links, never onto procfs/sysfs/cgroupfs. Mask sources are our own objects.
//! - Every uid and gid a process gets is within 0..=2147483647 ([`user::MAX_ID`]).
//! - Nothing opened by the engine survives execve into the container (close_range CLOEXEC).
pub mod defaults;
mod error;
mod exec;
mod fdpass;
mod init;
mod linux;
mod net;
pub mod recording;
mod rooted;
mod rootfs;
pub mod seccomp;
mod seccomp_bpf;
mod seccomp_table;
mod security;
mod spawn;
pub mod user;

pub use error::{ErrorKind, Result, RuntimeError};
pub use exec::{exec_in, ExecRequest};
pub use linux::{mount_setattr, LinuxSyscall};
pub use rootfs::setup_rootfs;
pub use spawn::{spawn, Launch, Spawned, Stdio};

use std::path::{Path, PathBuf};

/// A file the engine makes for each start of a container (Docker's /etc/hostname,
/// /etc/hosts, /etc/resolv.conf): it lives in the container's /dev tmpfs, unlinked once
/// bound onto `path`, so it is in memory, private to the container, and gone with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedFile {
    pub path: PathBuf,
    pub content: Vec<u8>,
}

/// The image layers and the container's writable layer, mounted as the rootfs.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct Rootfs {
    /// Read-only layers, bottom first.
    pub lower: Vec<PathBuf>,
    pub upper: PathBuf,
    pub work: PathBuf,
    /// Where the overlay is mounted (inside the container's own mount namespace only).
    pub target: PathBuf,
    /// Overlay's `volatile`: no sync of the upper filesystem, in particular none when
    /// the overlay is unmounted as the container exits (a sync of the whole filesystem,
    /// on the exit path). For writable layers nobody keeps: after a crash overlay
    /// refuses to mount such a layer again.
    #[serde(default)]
    pub volatile: bool,
}

/// Mount attributes (the new mount API's MOUNT_ATTR_* flags).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Attrs {
    pub rdonly: bool,
    pub nosuid: bool,
    pub nodev: bool,
    pub noexec: bool,
}

impl Attrs {
    pub const RO_HARDENED: Attrs = Attrs {
        rdonly: true,
        nosuid: true,
        nodev: true,
        noexec: true,
    };
}

/// A host directory or file opened before pivot_root, attached later by index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BindHandle(pub usize);

/// The privileged operations that build a container's filesystem and identity. Paths
/// after [`Syscall::pivot_root`] are inside the container.
pub trait Syscall {
    fn unshare(&mut self, flags: nix::sched::CloneFlags) -> Result<()>;
    /// Stops mount events propagating back to the host (rprivate on /).
    fn make_private(&mut self) -> Result<()>;
    fn mount_overlay(&mut self, rootfs: &Rootfs) -> Result<()>;
    /// Opens a host path for a bind mount; returns whether it is a directory.
    fn open_bind_source(&mut self, source: &Path, recursive: bool) -> Result<(BindHandle, bool)>;
    fn pivot_root(&mut self, new_root: &Path) -> Result<()>;
    /// Mounts a fresh filesystem; `data` are fsconfig key[=value] options. The target
    /// (made if missing) may not be or go through a symlink.
    fn mount_fs(
        &mut self,
        fstype: &str,
        source: &str,
        target: &Path,
        data: &[(String, Option<String>)],
        attrs: Attrs,
    ) -> Result<()>;
    /// Waits until the engine has moved this process into the container's cgroup (done
    /// from outside while the filesystem is built), then enters a new cgroup namespace
    /// if the spec asks for one: its root is the cgroup the process is in at that moment.
    /// Idempotent; needed before cgroupfs is mounted and before the process starts.
    fn enter_cgroup(&mut self) -> Result<()>;
    /// The container's cgroupfs, read-only, for this host's hierarchy layout.
    fn mount_cgroupfs(&mut self, target: &Path) -> Result<()>;
    /// Attaches an opened bind source at `target` (made if missing). As in Docker, links
    /// in the image are followed, inside the root only and never onto procfs or sysfs.
    fn attach_bind(
        &mut self,
        handle: BindHandle,
        target: &Path,
        is_dir: bool,
        attrs: Attrs,
    ) -> Result<()>;
    /// Hides `path`: our own /dev/null over a file, a fresh read-only tmpfs over a
    /// directory (never anything the image provides); missing paths are skipped, a
    /// symlinked one is an error.
    fn mask(&mut self, path: &Path) -> Result<()>;
    /// Bind-mounts `path` onto itself read-only; missing paths are skipped, a symlinked
    /// one is an error.
    fn readonly(&mut self, path: &Path) -> Result<()>;
    /// Makes `file` in the container's /dev tmpfs and binds it onto its path (see
    /// [`GeneratedFile`]). Needs /dev mounted as a tmpfs.
    fn mount_generated(&mut self, file: &GeneratedFile) -> Result<()>;
    fn mknod_char(&mut self, path: &Path, major: u32, minor: u32, mode: u32) -> Result<()>;
    fn symlink(&mut self, target: &str, link: &Path) -> Result<()>;
    fn remount_root_readonly(&mut self) -> Result<()>;
    fn sethostname(&mut self, name: &str) -> Result<()>;
    /// Bind-mounts the container's pty slave (in its devpts) onto /dev/console.
    fn bind_console(&mut self, pts: &Path) -> Result<()>;
}
