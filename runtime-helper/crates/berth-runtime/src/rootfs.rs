//! The order in which a container's filesystem is built. Pure sequencing over [`Syscall`]:
//! host bind sources are opened before pivot_root (the host is invisible after it), the
//! spec's mounts follow in spec order, device nodes go into the fresh /dev, and masked
//! and read-only paths come last so nothing mounted later can uncover them.
use crate::defaults::DEVICES;
use crate::{Attrs, GeneratedFile, Result, Rootfs, RuntimeError, Syscall};
use oci_spec::runtime::Spec;
use std::path::Path;

pub fn setup_rootfs(
    sys: &mut dyn Syscall,
    spec: &Spec,
    rootfs: &Rootfs,
    generated: &[GeneratedFile],
) -> Result<()> {
    sys.make_private()?;
    sys.mount_overlay(rootfs)?;
    let mounts = spec.mounts().clone().unwrap_or_default();
    let options: Vec<MountOptions> = mounts
        .iter()
        .map(|m| parse_options(m.options().as_deref().unwrap_or_default()))
        .collect();
    let mut handles = Vec::with_capacity(mounts.len());
    for (m, opts) in mounts.iter().zip(&options) {
        if m.typ().as_deref() == Some("bind") {
            let src = m.source().as_ref().ok_or_else(|| {
                RuntimeError::InvalidSpec(format!(
                    "bind mount {} has no source",
                    m.destination().display()
                ))
            })?;
            handles.push(Some(sys.open_bind_source(src, opts.recursive)?));
        } else {
            handles.push(None);
        }
    }
    sys.pivot_root(&rootfs.target)?;
    let mut dev_is_tmpfs = false;
    for ((m, opts), handle) in mounts.iter().zip(options).zip(handles) {
        let dest = m.destination();
        match (m.typ().as_deref().unwrap_or("bind"), handle) {
            (_, Some((h, is_dir))) => sys.attach_bind(h, dest, is_dir, opts.attrs)?,
            ("cgroup" | "cgroup2", _) => {
                sys.enter_cgroup()?;
                sys.mount_cgroupfs(dest)?
            }
            (fstype, _) => {
                if dest == Path::new("/dev") && fstype == "tmpfs" {
                    dev_is_tmpfs = true;
                }
                let source = m
                    .source()
                    .as_ref()
                    .map(|s| s.to_string_lossy().into_owned());
                sys.mount_fs(
                    fstype,
                    source.as_deref().unwrap_or(fstype),
                    dest,
                    &opts.data,
                    opts.attrs,
                )?;
            }
        }
    }
    if dev_is_tmpfs {
        for (path, major, minor) in DEVICES {
            sys.mknod_char(Path::new(path), *major, *minor, 0o666)?;
        }
        for (target, link) in [
            ("/proc/self/fd", "/dev/fd"),
            ("/proc/self/fd/0", "/dev/stdin"),
            ("/proc/self/fd/1", "/dev/stdout"),
            ("/proc/self/fd/2", "/dev/stderr"),
            ("pts/ptmx", "/dev/ptmx"),
            ("/proc/kcore", "/dev/core"),
        ] {
            sys.symlink(target, Path::new(link))?;
        }
    }
    // After the spec's mounts, as Docker orders them (a bind at /etc stays below
    // /etc/hosts), except where the spec mounts the same path itself (-v x:/etc/hosts).
    for f in generated {
        if mounts.iter().any(|m| m.destination() == &f.path) {
            continue;
        }
        if !dev_is_tmpfs {
            return Err(RuntimeError::InvalidSpec(format!(
                "{} needs /dev mounted as a tmpfs",
                f.path.display()
            )));
        }
        sys.mount_generated(f)?;
    }
    if let Some(linux) = spec.linux() {
        for p in linux.masked_paths().as_deref().unwrap_or_default() {
            sys.mask(Path::new(p))?;
        }
        for p in linux.readonly_paths().as_deref().unwrap_or_default() {
            sys.readonly(Path::new(p))?;
        }
    }
    if spec
        .root()
        .as_ref()
        .and_then(|r| r.readonly())
        .unwrap_or(false)
    {
        sys.remount_root_readonly()?;
    }
    Ok(())
}

pub(crate) struct MountOptions {
    pub attrs: Attrs,
    pub data: Vec<(String, Option<String>)>,
    pub recursive: bool,
}

/// Splits OCI mount options into mount attributes and filesystem parameters.
pub(crate) fn parse_options(opts: &[String]) -> MountOptions {
    let mut o = MountOptions {
        attrs: Attrs::default(),
        data: Vec::new(),
        recursive: false,
    };
    for opt in opts {
        match opt.as_str() {
            "ro" => o.attrs.rdonly = true,
            "nosuid" => o.attrs.nosuid = true,
            "nodev" => o.attrs.nodev = true,
            "noexec" => o.attrs.noexec = true,
            "rbind" => o.recursive = true,
            // Propagation and atime flags are either our default (private) or cosmetic.
            "rw" | "bind" | "private" | "rprivate" | "slave" | "rslave" | "shared" | "rshared"
            | "relatime" | "strictatime" | "noatime" | "suid" | "dev" | "exec" => {}
            other => match other.split_once('=') {
                Some((k, v)) => o.data.push((k.to_string(), Some(v.to_string()))),
                None => o.data.push((other.to_string(), None)),
            },
        }
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_split_into_attrs_and_data() {
        let o = parse_options(&[
            "nosuid".into(),
            "ro".into(),
            "mode=755".into(),
            "newinstance".into(),
            "rbind".into(),
        ]);
        assert!(o.attrs.rdonly && o.attrs.nosuid && !o.attrs.noexec);
        assert!(o.recursive);
        assert_eq!(
            o.data,
            vec![
                ("mode".into(), Some("755".into())),
                ("newinstance".into(), None)
            ]
        );
    }
}
