//! What crashed verbs left, removed when the engine is opened: `.new-<id>` (a creation
//! that never finished), `.removing-<id>` (a removal that never finished) whose locks
//! nobody holds, `.init-layer-<pid>` whose builder is dead, and image leases whose
//! container does not exist in any form.
use crate::lock;
use crate::record::{containers_dir, image_lease_holder, lease_holder_id, ContainerDir};
use std::fs;
use std::path::Path;

pub fn sweep(root: &Path) {
    let dir = containers_dir(root);
    let has_dot_entries = fs::read_dir(&dir).is_ok_and(|rd| {
        rd.flatten()
            .any(|e| e.file_name().to_string_lossy().starts_with('.'))
    });
    if has_dot_entries {
        sweep_entries(root, &dir);
    }
    sweep_leases(root);
}

fn sweep_entries(root: &Path, dir: &Path) {
    // Creators make and lock `.new-<id>`, and rename it into place, while holding the
    // name lock: with it ours (and the listing made after taking it), every `.new-*`
    // listed stays one, and one whose lock is free has a dead creator.
    let Ok(_names) = lock::FileLock::exclusive(&root.join("containers.lock")) else {
        return;
    };
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        // The shared init layer, built aside by a process that died before its rename
        // (see crate::init_layer).
        if let Some(pid) = name.strip_prefix(".init-layer-") {
            let alive = pid
                .parse::<i32>()
                .is_ok_and(|p| nix::sys::signal::kill(nix::unistd::Pid::from_raw(p), None).is_ok());
            if !alive {
                let _ = crate::lifecycle::remove_all(&e.path());
            }
            continue;
        }
        let Some(id) = name
            .strip_prefix(".new-")
            .or_else(|| name.strip_prefix(".removing-"))
        else {
            continue;
        };
        let path = e.path();
        // Held while we remove it, so nobody can take it up meanwhile; a missing lock
        // file is one a removal already deleted (its remover is gone or nearly done).
        let _held = match lock::FileLock::try_exclusive(&path.join("lock")) {
            Ok(Some(l)) => Some(l),
            Ok(None) => continue,
            Err(_) => None,
        };
        if lock::held(&path.join("shim.lock")) || !path.exists() {
            continue;
        }
        let cd = ContainerDir {
            dir: path.clone(),
            id: id.to_string(),
        };
        if let Ok(cg) = cd.cgroup() {
            let _ = cg.destroy();
        }
        if crate::lifecycle::remove_all(&path).is_ok() {
            let _ = berth_store::Store::at(root).release(&image_lease_holder(id));
        }
    }
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
