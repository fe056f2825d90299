//! A [`Syscall`] that records calls instead of making them: the test double that lets
//! the mount order be checked without root.
use crate::{Attrs, BindHandle, Result, Rootfs, Syscall};
use nix::sched::CloneFlags;
use std::path::Path;

#[derive(Default)]
pub struct Recorder {
    pub calls: Vec<String>,
}

impl Recorder {
    /// Index of the first call starting with `prefix`.
    pub fn position(&self, prefix: &str) -> Option<usize> {
        self.calls.iter().position(|c| c.starts_with(prefix))
    }
}

impl Syscall for Recorder {
    fn unshare(&mut self, flags: CloneFlags) -> Result<()> {
        self.calls.push(format!("unshare {:#x}", flags.bits()));
        Ok(())
    }
    fn make_private(&mut self) -> Result<()> {
        self.calls.push("make_private".into());
        Ok(())
    }
    fn mount_generated(&mut self, file: &crate::GeneratedFile) -> Result<()> {
        self.calls.push(format!(
            "generated {} ({} bytes)",
            file.path.display(),
            file.content.len()
        ));
        Ok(())
    }
    fn enter_cgroup(&mut self) -> Result<()> {
        if self.position("enter_cgroup").is_none() {
            self.calls.push("enter_cgroup".into());
        }
        Ok(())
    }
    fn mount_overlay(&mut self, rootfs: &Rootfs) -> Result<()> {
        self.calls.push(format!(
            "overlay {} layers -> {}",
            rootfs.lower.len(),
            rootfs.target.display()
        ));
        Ok(())
    }
    fn open_bind_source(&mut self, source: &Path, recursive: bool) -> Result<(BindHandle, bool)> {
        self.calls.push(format!(
            "open_bind {} recursive={recursive}",
            source.display()
        ));
        Ok((BindHandle(self.calls.len()), true))
    }
    fn pivot_root(&mut self, new_root: &Path) -> Result<()> {
        self.calls
            .push(format!("pivot_root {}", new_root.display()));
        Ok(())
    }
    fn mount_fs(
        &mut self,
        fstype: &str,
        _source: &str,
        target: &Path,
        data: &[(String, Option<String>)],
        attrs: Attrs,
    ) -> Result<()> {
        let data: Vec<String> = data
            .iter()
            .map(|(k, v)| v.as_ref().map_or(k.clone(), |v| format!("{k}={v}")))
            .collect();
        self.calls.push(format!(
            "mount {fstype} {} [{}] ro={}",
            target.display(),
            data.join(","),
            attrs.rdonly
        ));
        Ok(())
    }
    fn mount_cgroupfs(&mut self, target: &Path) -> Result<()> {
        self.calls.push(format!("cgroupfs {}", target.display()));
        Ok(())
    }
    fn attach_bind(
        &mut self,
        handle: BindHandle,
        target: &Path,
        is_dir: bool,
        attrs: Attrs,
    ) -> Result<()> {
        self.calls.push(format!(
            "bind #{} {} dir={is_dir} ro={}",
            handle.0,
            target.display(),
            attrs.rdonly
        ));
        Ok(())
    }
    fn mask(&mut self, path: &Path) -> Result<()> {
        self.calls.push(format!("mask {}", path.display()));
        Ok(())
    }
    fn readonly(&mut self, path: &Path) -> Result<()> {
        self.calls.push(format!("readonly {}", path.display()));
        Ok(())
    }
    fn mknod_char(&mut self, path: &Path, major: u32, minor: u32, mode: u32) -> Result<()> {
        self.calls
            .push(format!("mknod {} {major}:{minor} {mode:o}", path.display()));
        Ok(())
    }
    fn symlink(&mut self, target: &str, link: &Path) -> Result<()> {
        self.calls
            .push(format!("symlink {} -> {target}", link.display()));
        Ok(())
    }
    fn remount_root_readonly(&mut self) -> Result<()> {
        self.calls.push("root_readonly".into());
        Ok(())
    }
    fn sethostname(&mut self, name: &str) -> Result<()> {
        self.calls.push(format!("sethostname {name}"));
        Ok(())
    }
    fn bind_console(&mut self, pts: &Path) -> Result<()> {
        self.calls.push(format!("console {}", pts.display()));
        Ok(())
    }
}
