//! The real [`Syscall`]: the new mount API (fsopen/fsmount/open_tree/move_mount) onto
//! O_PATH fds walked in the container's root by [`crate::rooted`], so a symlink planted
//! in the image cannot send a mount anywhere outside the container: the engine's own
//! mount points, masks, read-only paths and /dev entries take no symlink at all, `-v`
//! targets and the generated /etc files follow links inside the root only. Mask sources
//! are our own objects (a private /dev/null, a fresh tmpfs), never a path in the image.
use crate::rooted::{self, Create, Links};
use crate::{Attrs, BindHandle, Result, Rootfs, RuntimeError, Syscall};
use berth_cgroups::{Layout, Mode, V1Joiner};
use nix::sched::CloneFlags;
use rustix::fs::{Mode as FMode, OFlags, CWD};
use rustix::io::Errno;
use rustix::mount::{
    fsconfig_create, fsconfig_set_flag, fsconfig_set_string, fsmount, fsopen, move_mount,
    open_tree, FsMountFlags, FsOpenFlags, MountAttrFlags, MoveMountFlags, OpenTreeFlags,
};
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::path::{Path, PathBuf};

pub struct LinuxSyscall {
    root: Option<OwnedFd>,
    binds: Vec<OwnedFd>,
    cgroups: Option<Layout>,
    /// Readable (one byte) once the parent has put us in the container's cgroup; EOF
    /// if it could not. None: nothing to wait for.
    cgroup_gate: Option<OwnedFd>,
    /// Joins the v1 hierarchies once the gate opens.
    cgroup_joiner: Option<V1Joiner>,
    /// Whether enter_cgroup still has to unshare a cgroup namespace.
    cgroup_ns: bool,
    /// Generated files made so far (their names in /dev while they are being bound).
    generated: usize,
    /// A private tmpfs, never attached, holding our /dev/null (see `null_device`).
    private: Option<OwnedFd>,
    /// The root's (device, inode), taken once at pivot_root, to refuse mounts onto it.
    root_id: Option<(u64, u64)>,
}

impl LinuxSyscall {
    /// `cgroups` is the host's hierarchy layout, used to mount the container's cgroupfs.
    pub fn new(cgroups: Option<Layout>) -> LinuxSyscall {
        LinuxSyscall {
            root: None,
            binds: Vec::new(),
            cgroups,
            cgroup_gate: None,
            cgroup_joiner: None,
            cgroup_ns: false,
            generated: 0,
            private: None,
            root_id: None,
        }
    }

    /// For [`Syscall::enter_cgroup`]: the pipe on which the parent says the cgroup is
    /// ready (and this process in its cgroup2 part), the v1 hierarchies to join then, and
    /// whether to unshare a cgroup namespace after that.
    pub(crate) fn with_cgroup_gate(
        mut self,
        gate: OwnedFd,
        joiner: Option<V1Joiner>,
        cgroup_ns: bool,
    ) -> LinuxSyscall {
        self.cgroup_gate = Some(gate);
        self.cgroup_joiner = joiner;
        self.cgroup_ns = cgroup_ns;
        self
    }

    fn root(&self) -> Result<&OwnedFd> {
        self.root
            .as_ref()
            .ok_or_else(|| RuntimeError::InvalidSpec("mount before pivot_root".into()))
    }

    /// Walks an existing `path` in the root: None if it does not exist.
    fn lookup(&self, path: &Path, links: Links) -> Result<Option<OwnedFd>> {
        rooted::walk(self.root()?, path, links, Create::Nothing, OFlags::PATH)
    }

    /// A directory mount point (made if missing), no symlink followed: the engine's
    /// own mounts (/proc, /sys, /dev, /dev/pts, cgroupfs, …).
    fn system_dir(&self, path: &Path) -> Result<OwnedFd> {
        rooted::dir(self.root()?, path, Links::Refuse)
    }

    /// The parent directory of `path` (made if missing, no symlink followed) and its
    /// last component, to make a node or a link in.
    fn system_parent<'p>(&self, path: &'p Path) -> Result<(OwnedFd, &'p std::ffi::OsStr)> {
        let name = path
            .file_name()
            .ok_or_else(|| RuntimeError::InvalidSpec(format!("bad path {}", path.display())))?;
        let parent = self.system_dir(path.parent().unwrap_or(Path::new("/")))?;
        Ok((parent, name))
    }

    /// Our own /dev/null, the source of every file mask: a node in a tmpfs this process
    /// made and never attached anywhere, so nothing in the image can stand in for it.
    fn null_device(&mut self) -> Result<&OwnedFd> {
        if self.private.is_none() {
            let fs = self.new_mount(
                "tmpfs",
                "tmpfs",
                &[("size".into(), Some("4k".into()))],
                Attrs::default(),
            )?;
            rustix::fs::mknodat(
                &fs,
                "null",
                rustix::fs::FileType::CharacterDevice,
                FMode::from_raw_mode(0o666),
                rustix::fs::makedev(1, 3),
            )
            .map_err(|e| RuntimeError::sys("mknod", "(private) null", e))?;
            self.private = Some(fs);
        }
        Ok(self.private.as_ref().expect("made above"))
    }

    fn new_mount(
        &self,
        fstype: &str,
        source: &str,
        data: &[(String, Option<String>)],
        attrs: Attrs,
    ) -> Result<OwnedFd> {
        let at = PathBuf::from(fstype);
        let fs = fsopen(fstype, FsOpenFlags::FSOPEN_CLOEXEC)
            .map_err(|e| RuntimeError::sys("fsopen", &at, e))?;
        fsconfig_set_string(&fs, "source", source)
            .map_err(|e| RuntimeError::sys("fsconfig source", &at, e))?;
        for (k, v) in data {
            match v {
                Some(v) => fsconfig_set_string(&fs, k.as_str(), v.as_str()),
                None => fsconfig_set_flag(&fs, k.as_str()),
            }
            .map_err(|e| RuntimeError::sys("fsconfig", at.join(k), e))?;
        }
        fsconfig_create(&fs).map_err(|e| RuntimeError::sys("fsconfig create", &at, e))?;
        fsmount(&fs, FsMountFlags::FSMOUNT_CLOEXEC, attr_flags(attrs))
            .map_err(|e| RuntimeError::sys("fsmount", &at, e))
    }

    fn attach(&self, mnt: &OwnedFd, target: &OwnedFd, path: &Path) -> Result<()> {
        // Over the root the mount would be invisible to the container (its root is the
        // directory below): a path that a link led back to `/` (Docker refuses `-v x:/`).
        if self.root_id.is_some() && file_id(target) == self.root_id {
            return Err(RuntimeError::UnsafePath {
                path: path.to_path_buf(),
                reason: "it is the container's root directory".into(),
            });
        }
        move_mount(
            mnt,
            "",
            target,
            "",
            MoveMountFlags::MOVE_MOUNT_F_EMPTY_PATH | MoveMountFlags::MOVE_MOUNT_T_EMPTY_PATH,
        )
        .map_err(|e| RuntimeError::sys("move_mount", path, e))
    }
}

/// What a file is, whatever path reached it: (device, inode).
fn file_id(fd: &OwnedFd) -> Option<(u64, u64)> {
    rustix::fs::fstat(fd).ok().map(|st| (st.st_dev, st.st_ino))
}

fn attr_flags(a: Attrs) -> MountAttrFlags {
    let mut f = MountAttrFlags::empty();
    if a.rdonly {
        f |= MountAttrFlags::MOUNT_ATTR_RDONLY;
    }
    if a.nosuid {
        f |= MountAttrFlags::MOUNT_ATTR_NOSUID;
    }
    if a.nodev {
        f |= MountAttrFlags::MOUNT_ATTR_NODEV;
    }
    if a.noexec {
        f |= MountAttrFlags::MOUNT_ATTR_NOEXEC;
    }
    f
}

#[repr(C)]
struct MountAttr {
    attr_set: u64,
    attr_clr: u64,
    propagation: u64,
    userns_fd: u64,
}

/// mount_setattr(2) on the mount `fd` refers to (rustix has no wrapper): sets the
/// attributes in `set` (clears none), on the whole subtree with `recursive`.
pub fn mount_setattr(fd: &impl AsFd, set: MountAttrFlags, recursive: bool) -> std::io::Result<()> {
    let attr = MountAttr {
        attr_set: set.bits() as u64,
        attr_clr: 0,
        propagation: 0,
        userns_fd: 0,
    };
    let mut flags = libc::AT_EMPTY_PATH as libc::c_uint;
    if recursive {
        flags |= libc::AT_RECURSIVE as libc::c_uint;
    }
    // SAFETY: the path is a valid empty C string, `attr` outlives the call and its size
    // is passed; the kernel only reads it.
    let rc = unsafe {
        libc::syscall(
            libc::SYS_mount_setattr,
            fd.as_fd().as_raw_fd(),
            c"".as_ptr(),
            flags,
            &attr as *const MountAttr,
            std::mem::size_of::<MountAttr>(),
        )
    };
    if rc != 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

/// [`mount_setattr`] with the container's [`Attrs`]; nothing to set is no call.
fn set_attrs(fd: &impl AsFd, attrs: Attrs, recursive: bool, path: &Path) -> Result<()> {
    let set = attr_flags(attrs);
    if set.is_empty() {
        return Ok(());
    }
    mount_setattr(fd, set, recursive).map_err(|e| RuntimeError::sys("mount_setattr", path, e))
}

impl Syscall for LinuxSyscall {
    fn unshare(&mut self, flags: CloneFlags) -> Result<()> {
        nix::sched::unshare(flags).map_err(|e| RuntimeError::sys("unshare", "", e))
    }

    fn enter_cgroup(&mut self) -> Result<()> {
        // Each step is taken out of self as it is done, so a second call does nothing.
        if let Some(gate) = self.cgroup_gate.take() {
            let mut b = [0u8; 1];
            let n = loop {
                match nix::unistd::read(gate.as_raw_fd(), &mut b) {
                    Err(nix::errno::Errno::EINTR) => continue,
                    r => break r,
                }
            };
            if n != Ok(1) {
                return Err(RuntimeError::sys(
                    "join cgroup",
                    "",
                    std::io::Error::other("the engine could not make it or move us into it"),
                ));
            }
        }
        if let Some(j) = self.cgroup_joiner.take() {
            j.join_self()
                .map_err(|e| RuntimeError::cgroup("join cgroup", "", e))?;
        }
        if std::mem::take(&mut self.cgroup_ns) {
            nix::sched::unshare(CloneFlags::CLONE_NEWCGROUP)
                .map_err(|e| RuntimeError::sys("unshare cgroup", "", e))?;
        }
        Ok(())
    }

    fn make_private(&mut self) -> Result<()> {
        rustix::mount::mount_change(
            "/",
            rustix::mount::MountPropagationFlags::PRIVATE
                | rustix::mount::MountPropagationFlags::REC,
        )
        .map_err(|e| RuntimeError::sys("make rprivate", "/", e))
    }

    fn mount_overlay(&mut self, rootfs: &Rootfs) -> Result<()> {
        let at = &rootfs.target;
        let configure = |per_layer: bool| -> std::result::Result<OwnedFd, Errno> {
            let fs = fsopen("overlay", FsOpenFlags::FSOPEN_CLOEXEC)?;
            fsconfig_set_string(&fs, "source", "overlay")?;
            if per_layer {
                // "lowerdir+" (Linux 6.8) takes one layer per call, so 100+ layers never
                // hit the one-page limit of a joined lowerdir string. Overlay stacks the
                // first lowerdir on top, so the top layer goes first.
                for l in rootfs.lower.iter().rev() {
                    fsconfig_set_string(&fs, "lowerdir+", l.as_path())?;
                }
            } else {
                let joined: Vec<String> = rootfs
                    .lower
                    .iter()
                    .rev()
                    .map(|l| {
                        l.to_string_lossy()
                            .replace('\\', "\\\\")
                            .replace(':', "\\:")
                            .replace(',', "\\,")
                    })
                    .collect();
                fsconfig_set_string(&fs, "lowerdir", joined.join(":").as_str())?;
            }
            fsconfig_set_string(&fs, "upperdir", rootfs.upper.as_path())?;
            fsconfig_set_string(&fs, "workdir", rootfs.work.as_path())?;
            if rootfs.volatile {
                fsconfig_set_flag(&fs, "volatile")?;
            }
            fsconfig_create(&fs)?;
            fsmount(&fs, FsMountFlags::FSMOUNT_CLOEXEC, MountAttrFlags::empty())
        };
        let mnt = match configure(true) {
            Ok(m) => m,
            Err(Errno::INVAL) => {
                configure(false).map_err(|e| RuntimeError::sys("mount overlay", at, e))?
            }
            Err(e) => return Err(RuntimeError::sys("mount overlay", at, e)),
        };
        move_mount(
            &mnt,
            "",
            CWD,
            at.as_path(),
            MoveMountFlags::MOVE_MOUNT_F_EMPTY_PATH,
        )
        .map_err(|e| RuntimeError::sys("move_mount rootfs", at, e))
    }

    fn open_bind_source(&mut self, source: &Path, recursive: bool) -> Result<(BindHandle, bool)> {
        let mut flags = OpenTreeFlags::OPEN_TREE_CLONE | OpenTreeFlags::OPEN_TREE_CLOEXEC;
        if recursive {
            flags |= OpenTreeFlags::AT_RECURSIVE;
        }
        let fd =
            open_tree(CWD, source, flags).map_err(|e| RuntimeError::sys("open_tree", source, e))?;
        // The kind of what was opened, not of what the path named a moment before.
        let st = rustix::fs::fstat(&fd).map_err(|e| RuntimeError::sys("bind source", source, e))?;
        let is_dir = rustix::fs::FileType::from_raw_mode(st.st_mode).is_dir();
        self.binds.push(fd);
        Ok((BindHandle(self.binds.len() - 1), is_dir))
    }

    fn pivot_root(&mut self, new_root: &Path) -> Result<()> {
        let e = |op, err| RuntimeError::sys(op, new_root, err);
        rustix::process::chdir(new_root).map_err(|x| e("chdir", x))?;
        // pivot_root(".", ".") stacks the old root on top of the new one; detaching it
        // leaves only the container's tree, with no directory needed for the old root.
        rustix::process::pivot_root(".", ".").map_err(|x| e("pivot_root", x))?;
        rustix::mount::unmount(".", rustix::mount::UnmountFlags::DETACH)
            .map_err(|x| e("umount old root", x))?;
        rustix::process::chdir("/").map_err(|x| e("chdir", x))?;
        let root = rustix::fs::open(
            "/",
            OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC,
            FMode::empty(),
        )
        .map_err(|x| e("open /", x))?;
        self.root_id = file_id(&root);
        self.root = Some(root);
        Ok(())
    }

    fn mount_fs(
        &mut self,
        fstype: &str,
        source: &str,
        target: &Path,
        data: &[(String, Option<String>)],
        attrs: Attrs,
    ) -> Result<()> {
        let target_fd = self.system_dir(target)?;
        let mnt = self.new_mount(fstype, source, data, attrs)?;
        self.attach(&mnt, &target_fd, target)
    }

    fn mount_cgroupfs(&mut self, target: &Path) -> Result<()> {
        let ro = Attrs::RO_HARDENED;
        let Some(layout) = self.cgroups.clone() else {
            return Ok(());
        };
        if layout.mode() == Mode::V2 {
            return self.mount_fs("cgroup2", "cgroup", target, &[], ro);
        }
        // v1 and hybrid: a tmpfs holding one mount per hierarchy, as Docker lays it out.
        let rw = Attrs {
            rdonly: false,
            ..ro
        };
        self.mount_fs(
            "tmpfs",
            "tmpfs",
            target,
            &[("mode".into(), Some("755".into()))],
            rw,
        )?;
        let mut seen = Vec::new();
        for dir in layout.v1.values() {
            if seen.contains(dir) {
                continue;
            }
            seen.push(dir.clone());
            let Some(name) = dir.file_name().map(|n| n.to_string_lossy().into_owned()) else {
                continue;
            };
            let data: Vec<_> = name.split(',').map(|c| (c.to_string(), None)).collect();
            self.mount_fs("cgroup", "cgroup", &target.join(&name), &data, ro)?;
        }
        if let Some(u) = &layout.unified {
            let name = u
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "unified".into());
            self.mount_fs("cgroup2", "cgroup2", &target.join(name), &[], ro)?;
        }
        let tmpfs = self.system_dir(target)?;
        set_attrs(&tmpfs, ro, false, target)
    }

    fn attach_bind(
        &mut self,
        handle: BindHandle,
        target: &Path,
        is_dir: bool,
        attrs: Attrs,
    ) -> Result<()> {
        // As Docker: a link in the image is followed, inside the root only.
        let target_fd = if is_dir {
            rooted::dir(self.root()?, target, Links::InRoot)?
        } else {
            rooted::file(self.root()?, target, Links::InRoot)?
        };
        let mnt = self
            .binds
            .get(handle.0)
            .ok_or_else(|| RuntimeError::InvalidSpec("unknown bind handle".into()))?;
        set_attrs(mnt, attrs, true, target)?;
        self.attach(mnt, &target_fd, target)
    }

    fn mask(&mut self, path: &Path) -> Result<()> {
        let Some(fd) = self.lookup(path, Links::Refuse)? else {
            return Ok(());
        };
        let st = rustix::fs::fstat(&fd).map_err(|e| RuntimeError::sys("stat", path, e))?;
        let hardened = Attrs {
            rdonly: true,
            nosuid: true,
            noexec: true,
            nodev: false,
        };
        let mnt = if rustix::fs::FileType::from_raw_mode(st.st_mode).is_dir() {
            self.new_mount("tmpfs", "tmpfs", &[], hardened)?
        } else {
            let null = self.null_device()?;
            let mnt = open_tree(
                null,
                "null",
                OpenTreeFlags::OPEN_TREE_CLONE | OpenTreeFlags::OPEN_TREE_CLOEXEC,
            )
            .map_err(|e| RuntimeError::sys("open_tree", "(private) null", e))?;
            set_attrs(&mnt, hardened, false, path)?;
            mnt
        };
        self.attach(&mnt, &fd, path)
    }

    fn readonly(&mut self, path: &Path) -> Result<()> {
        let Some(fd) = self.lookup(path, Links::Refuse)? else {
            return Ok(());
        };
        let mnt = open_tree(
            &fd,
            "",
            OpenTreeFlags::OPEN_TREE_CLONE
                | OpenTreeFlags::OPEN_TREE_CLOEXEC
                | OpenTreeFlags::AT_EMPTY_PATH
                | OpenTreeFlags::AT_RECURSIVE,
        )
        .map_err(|e| RuntimeError::sys("open_tree", path, e))?;
        set_attrs(&mnt, Attrs::RO_HARDENED, true, path)?;
        self.attach(&mnt, &fd, path)
    }

    fn mount_generated(&mut self, file: &crate::GeneratedFile) -> Result<()> {
        // /dev is the container's tmpfs (a symlinked /dev was refused at its mount).
        let dev = self.system_dir(Path::new("/dev"))?;
        let name = format!(".berth-generated-{}", self.generated);
        self.generated += 1;
        let at = Path::new("/dev").join(&name);
        let f = rustix::fs::openat(
            &dev,
            name.as_str(),
            OFlags::CREATE | OFlags::EXCL | OFlags::WRONLY | OFlags::CLOEXEC | OFlags::NOFOLLOW,
            FMode::from_raw_mode(0o644),
        )
        .map_err(|e| RuntimeError::sys("create", &at, e))?;
        std::io::Write::write_all(&mut std::fs::File::from(f), &file.content)
            .map_err(|e| RuntimeError::sys("write", &at, e))?;
        let src = open_tree(
            &dev,
            name.as_str(),
            OpenTreeFlags::OPEN_TREE_CLONE | OpenTreeFlags::OPEN_TREE_CLOEXEC,
        )
        .map_err(|e| RuntimeError::sys("open_tree", &at, e))?;
        // As Docker (Ubuntu's /etc/resolv.conf is a link): followed inside the root only.
        let target = rooted::file(self.root()?, &file.path, Links::InRoot)?;
        self.attach(&src, &target, &file.path)?;
        // The bind holds the file; its name in the container's /dev goes.
        rustix::fs::unlinkat(&dev, name.as_str(), rustix::fs::AtFlags::empty())
            .map_err(|e| RuntimeError::sys("unlink", &at, e))
    }

    fn mknod_char(&mut self, path: &Path, major: u32, minor: u32, mode: u32) -> Result<()> {
        let (parent, name) = self.system_parent(path)?;
        let dev = rustix::fs::makedev(major, minor);
        // mknod honours the umask: the init clears it (spawn::init_main), so `mode` is
        // the node's mode without a chmod per device.
        match rustix::fs::mknodat(
            &parent,
            name,
            rustix::fs::FileType::CharacterDevice,
            FMode::from_raw_mode(mode),
            dev,
        ) {
            Ok(()) => Ok(()),
            // Already there is fine only as this very device (never, e.g., a symlink).
            Err(Errno::EXIST) => {
                let st = rustix::fs::statat(&parent, name, rustix::fs::AtFlags::SYMLINK_NOFOLLOW)
                    .map_err(|e| RuntimeError::sys("stat", path, e))?;
                if rustix::fs::FileType::from_raw_mode(st.st_mode)
                    == rustix::fs::FileType::CharacterDevice
                    && st.st_rdev == dev
                {
                    Ok(())
                } else {
                    Err(RuntimeError::UnsafePath {
                        path: path.to_path_buf(),
                        reason: format!("exists and is not the device {major}:{minor}"),
                    })
                }
            }
            Err(e) => Err(RuntimeError::sys("mknod", path, e)),
        }
    }

    fn symlink(&mut self, target: &str, link: &Path) -> Result<()> {
        let (parent, name) = self.system_parent(link)?;
        match rustix::fs::symlinkat(target, &parent, name) {
            Ok(()) => Ok(()),
            // Already there is fine only as this very link.
            Err(Errno::EXIST) => match rustix::fs::readlinkat(&parent, name, Vec::new()) {
                Ok(t) if t.as_bytes() == target.as_bytes() => Ok(()),
                _ => Err(RuntimeError::UnsafePath {
                    path: link.to_path_buf(),
                    reason: format!("exists and is not a link to {target}"),
                }),
            },
            Err(e) => Err(RuntimeError::sys("symlink", link, e)),
        }
    }

    fn remount_root_readonly(&mut self) -> Result<()> {
        let root = self.root()?;
        set_attrs(
            root,
            Attrs {
                rdonly: true,
                ..Default::default()
            },
            false,
            Path::new("/"),
        )
    }

    fn sethostname(&mut self, name: &str) -> Result<()> {
        nix::unistd::sethostname(name).map_err(|e| RuntimeError::sys("sethostname", name, e))
    }

    fn bind_console(&mut self, pts: &Path) -> Result<()> {
        let src = self
            .lookup(pts, Links::Refuse)?
            .ok_or_else(|| RuntimeError::sys("open", pts, Errno::NOENT))?;
        let mnt = open_tree(
            &src,
            "",
            OpenTreeFlags::OPEN_TREE_CLONE
                | OpenTreeFlags::OPEN_TREE_CLOEXEC
                | OpenTreeFlags::AT_EMPTY_PATH,
        )
        .map_err(|e| RuntimeError::sys("open_tree", pts, e))?;
        let target = rooted::file(self.root()?, Path::new("/dev/console"), Links::Refuse)?;
        self.attach(&mnt, &target, Path::new("/dev/console"))
    }
}
