//! Which hierarchies are mounted under a cgroupfs root: v1, pure v2, or hybrid.
use crate::error::{CgroupError, Result};
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    V1,
    V2,
    Hybrid,
}

/// The mounted hierarchies, discovered from the directory tree alone (no mountinfo),
/// so a fake tree in a temp dir is detected exactly like the real one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    /// v1 controller name -> its hierarchy's mount directory.
    pub v1: BTreeMap<String, PathBuf>,
    /// The cgroup2 mount, if any.
    pub unified: Option<PathBuf>,
    /// Controllers the cgroup2 root offers (`cgroup.controllers`).
    pub v2_controllers: Vec<String>,
}

impl Layout {
    pub fn detect(root: &Path) -> Result<Layout> {
        if root.join("cgroup.controllers").is_file() {
            return Ok(Layout {
                v1: BTreeMap::new(),
                unified: Some(root.to_path_buf()),
                v2_controllers: read_controllers(root)?,
            });
        }
        let mut v1 = BTreeMap::new();
        let mut unified = None;
        let mut v2_controllers = Vec::new();
        let entries = fs::read_dir(root).map_err(|e| CgroupError::io(root, e))?;
        let mut names: Vec<_> = entries.filter_map(|e| e.ok()).collect();
        names.sort_by_key(|e| e.file_name());
        for entry in names {
            let path = entry.path();
            // Symlinks like cpu -> cpu,cpuacct name the same hierarchy twice.
            let is_dir = entry.file_type().map(|t| t.is_dir()).unwrap_or(false);
            if !is_dir {
                continue;
            }
            if path.join("cgroup.controllers").is_file() {
                v2_controllers = read_controllers(&path)?;
                unified = Some(path);
            } else if path.join("cgroup.procs").is_file() {
                let name = entry.file_name().to_string_lossy().into_owned();
                for c in name.split(',') {
                    if !c.starts_with("name=") && c != "systemd" {
                        v1.insert(c.to_string(), path.clone());
                    }
                }
            }
        }
        if v1.is_empty() && unified.is_none() {
            return Err(CgroupError::NotMounted(root.to_path_buf()));
        }
        Ok(Layout {
            v1,
            unified,
            v2_controllers,
        })
    }

    pub fn mode(&self) -> Mode {
        match (self.v1.is_empty(), self.unified.is_some()) {
            (true, _) => Mode::V2,
            (false, false) => Mode::V1,
            (false, true) => Mode::Hybrid,
        }
    }
}

fn read_controllers(dir: &Path) -> Result<Vec<String>> {
    let p = dir.join("cgroup.controllers");
    let text = fs::read_to_string(&p).map_err(|e| CgroupError::io(&p, e))?;
    Ok(text.split_whitespace().map(str::to_string).collect())
}
