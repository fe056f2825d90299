//! What crashed verbs left, removed when the engine is opened: `.new-<id>` (a creation
//! that never finished), `.removing-<id>` (a removal that never finished) whose locks
//! nobody holds, and image leases whose container does not exist in any form.
use crate::lock;
use crate::record::{containers_dir, image_lease_holder, lease_holder_id, ContainerDir};
use std::fs;
use std::path::Path;
use std::time::{Duration, SystemTime};

/// A `.new-*` directory without its lock file yet is one being made right now, unless
/// it is older than this (its creator died between mkdir and lock).
const UNLOCKED_GRACE: Duration = Duration::from_secs(60);

pub fn sweep(root: &Path) {
    let dir = containers_dir(root);
    let Ok(entries) = fs::read_dir(&dir) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let Some(id) = name
            .strip_prefix(".new-")
            .or_else(|| name.strip_prefix(".removing-"))
        else {
            continue;
        };
        let path = e.path();
        let lock_file = path.join("lock");
        if !lock_file.exists() {
            let young = fs::metadata(&path)
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| SystemTime::now().duration_since(t).ok())
                .is_none_or(|age| age < UNLOCKED_GRACE);
            if young {
                continue;
            }
        }
        if lock::held(&lock_file) || lock::held(&path.join("shim.lock")) {
            continue;
        }
        let cd = ContainerDir {
            dir: path.clone(),
            id: id.to_string(),
        };
        if let Ok(cg) = cd.cgroup() {
            let _ = cg.destroy();
        }
        if fs::remove_dir_all(&path).is_ok() {
            let _ = berth_store::Store::at(root).release(&image_lease_holder(id));
        }
    }
    sweep_leases(root);
}

/// Leases held for containers that exist under no name (made before their directory
/// was removed by a crashed `rm`, or by the crash of an older berth).
fn sweep_leases(root: &Path) {
    let Ok(entries) = fs::read_dir(root.join("leases")) else {
        return;
    };
    let dir = containers_dir(root);
    for e in entries.flatten() {
        let holder = e.file_name().to_string_lossy().into_owned();
        let Some(id) = lease_holder_id(&holder) else {
            continue;
        };
        // Checked in the order a container moves through them, so one rename between
        // two checks cannot make a live container look absent.
        let exists = [
            format!(".new-{id}"),
            id.to_string(),
            format!(".removing-{id}"),
        ]
        .iter()
        .any(|n| dir.join(n).exists());
        if !exists {
            let _ = berth_store::Store::at(root).release(&holder);
        }
    }
}
