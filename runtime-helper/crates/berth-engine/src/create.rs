//! Creation as one transaction: the container is built in `containers/.new-<id>/`
//! under its own lock, and appears (one rename to `containers/<id>/`) only when it is
//! whole. The lock is still held after the rename, so the caller can start the
//! container before anyone else can touch it (`run` = create + start, with no window
//! for a racing `rm`). A creator killed half-way leaves a `.new-*` directory whose lock
//! nobody holds: [`crate::sweep`] removes it and its image lease.
use crate::error::{Context, EngineError, Result};
use crate::lock::FileLock;
use crate::options::{self, Bind, Capabilities, NetworkMode, Security};
use crate::record::{self, containers_dir, ContainerDir, LogConfig, Record};
use crate::{init_layer, Engine};
use std::fs;
use std::os::unix::fs::DirBuilderExt;

/// What a container is created from, checked and typed (the CLI and the Engine API
/// both parse their own spellings into this).
#[derive(Debug, Clone, Default)]
pub struct CreateOptions {
    pub image: String,
    pub name: Option<String>,
    /// Replaces the image's Cmd when not empty.
    pub cmd: Vec<String>,
    /// Replaces the image's Entrypoint when given (an empty one clears it).
    pub entrypoint: Option<Vec<String>>,
    /// `K=V`, over the image's.
    pub env: Vec<String>,
    pub working_dir: Option<String>,
    pub user: Option<String>,
    pub hostname: Option<String>,
    pub tty: bool,
    pub open_stdin: bool,
    pub auto_remove: bool,
    pub binds: Vec<Bind>,
    pub network: NetworkMode,
    pub read_only: bool,
    pub capabilities: Capabilities,
    pub security: Security,
    pub memory: i64,
    pub nano_cpus: i64,
    pub pids_limit: i64,
    pub log: LogConfig,
    /// The container's labels (`--label`, the API's `Config.Labels`), over the image's.
    pub labels: std::collections::BTreeMap<String, String>,
}

/// A container just made, still locked by its creator.
pub struct Created {
    pub dir: ContainerDir,
    pub record: Record,
    pub(crate) lock: FileLock,
}

fn check_name(n: &str) -> Result<()> {
    let valid = !n.is_empty()
        && n.len() <= 253
        && n.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c))
        && n.chars().next().is_some_and(|c| c.is_ascii_alphanumeric());
    if !valid {
        return Err(EngineError::invalid(format!(
            "invalid container name {n:?}: only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed"
        )));
    }
    Ok(())
}

impl Engine {
    /// Checks the options against the image, then makes the container. On any failure
    /// nothing is left behind (and a crash leaves only what the sweep removes).
    pub fn create(&self, o: CreateOptions) -> Result<Created> {
        if let Some(n) = &o.name {
            check_name(n)?;
        }
        if let Some(w) = &o.working_dir {
            options::check_workdir(w)?;
        }
        if let Some(u) = &o.user {
            options::check_user(u)?;
        }
        if o.memory != 0 {
            options::check_memory(o.memory)?;
        }
        // The capability names are checked by their parser; whether the engine holds
        // them, here, before anything is made.
        o.capabilities.resolve(&options::held_capabilities())?;
        let store = berth_store::Store::open(&self.root)
            .with_context(|| format!("opening store {}", self.root.display()))?;
        let image = store.resolve_image(&o.image).map_err(|e| match e.kind() {
            berth_store::ErrorKind::NotFound => {
                EngineError::not_found(format!("Unable to find image {:?} locally", o.image))
            }
            _ => e.into(),
        })?;
        let cfg = image.config.config().clone().unwrap_or_default();
        let entrypoint = match &o.entrypoint {
            Some(e) => e.clone(),
            None => cfg.entrypoint().clone().unwrap_or_default(),
        };
        let cmd = if !o.cmd.is_empty() || o.entrypoint.is_some() {
            o.cmd.clone()
        } else {
            cfg.cmd().clone().unwrap_or_default()
        };
        let full: Vec<String> = entrypoint.iter().chain(&cmd).cloned().collect();
        if full.is_empty() {
            return Err(EngineError::invalid("no command specified"));
        }
        let working_dir = o
            .working_dir
            .clone()
            .or_else(|| cfg.working_dir().clone())
            .filter(|w| !w.is_empty())
            .unwrap_or_else(|| "/".into());
        // An image's relative WorkingDir is taken from / (as Docker does).
        let working_dir = if working_dir.starts_with('/') {
            working_dir
        } else {
            format!("/{working_dir}")
        };
        let layers: Vec<_> = image
            .layer_dirs
            .iter()
            .cloned()
            .chain([init_layer::ensure(&self.root)?])
            .collect();

        let id = record::new_id();
        let hostname = o.hostname.clone().unwrap_or_else(|| id[..12].to_string());
        let mut env = vec![
            format!("PATH={}", berth_runtime::defaults::DEFAULT_PATH),
            format!("HOSTNAME={hostname}"),
        ];
        if o.tty {
            env.push("TERM=xterm".into());
        }
        let env = options::merge_env(
            &options::merge_env(&env, &cfg.env().clone().unwrap_or_default()),
            &o.env,
        );
        let mut rec = Record {
            id: id.clone(),
            name: String::new(),
            created: record::now_rfc3339(),
            image: o.image.clone(),
            image_id: image.id.clone(),
            path: full[0].clone(),
            args: full.clone(),
            entrypoint,
            cmd,
            env,
            working_dir,
            user: o
                .user
                .clone()
                .or_else(|| cfg.user().clone())
                .unwrap_or_default(),
            hostname,
            tty: o.tty,
            open_stdin: o.open_stdin,
            auto_remove: o.auto_remove,
            binds: o.binds.clone(),
            network: o.network,
            read_only: o.read_only,
            capabilities: o.capabilities.clone(),
            security: o.security,
            memory: o.memory,
            nano_cpus: o.nano_cpus,
            pids_limit: o.pids_limit,
            stop_signal: cfg.stop_signal().clone().unwrap_or_default(),
            log: o.log,
            labels: {
                let mut l = cfg.labels().clone().unwrap_or_default();
                l.extend(o.labels.clone());
                l.into_iter().collect()
            },
            layers,
            ..Default::default()
        };

        // Built aside under its own lock; the lease is taken while the directory exists,
        // so a crash leaves a lease only next to a directory the sweep will find.
        let parent = containers_dir(&self.root);
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&parent)
            .map_err(|e| EngineError::io("creating", &parent, e))?;
        let staging = parent.join(format!(".new-{id}"));
        let names_lock = || {
            FileLock::exclusive(&self.root.join("containers.lock"))
                .map_err(|e| EngineError::io("locking", &self.root, e))
        };
        // Made and locked under the name lock, which the sweep holds too: it never
        // sees this directory without its lock held.
        let lock = {
            let _names = names_lock()?;
            fs::DirBuilder::new()
                .mode(0o700)
                .create(&staging)
                .map_err(|e| EngineError::io("creating", &staging, e))?;
            FileLock::exclusive(&staging.join("lock"))
                .map_err(|e| EngineError::io("locking", &staging, e))?
        };
        let cd = ContainerDir::new(&self.root, &id);
        let made = (|| -> Result<()> {
            // Keeps the image's layers (our overlay's lowerdirs) from `rmi -f` and GC
            // until the container is removed.
            store.lease(&record::image_lease_holder(&id), &image)?;
            for d in ["upper", "work"] {
                fs::create_dir(staging.join(d))
                    .map_err(|e| EngineError::io("creating", &staging.join(d), e))?;
            }
            let mnt = cd.rootfs(&rec).target;
            fs::create_dir_all(&mnt).map_err(|e| EngineError::io("creating", &mnt, e))?;
            // The name is taken under the store-wide name lock, and the container
            // becomes visible before that lock is released, so two creations can never
            // both take one name.
            let _names = names_lock()?;
            let existing = record::list(&self.root)?;
            rec.name = match &o.name {
                Some(n) => {
                    if let Some((_, r)) = existing.iter().find(|(_, r)| &r.name == n) {
                        return Err(EngineError::conflict(format!(
                            "Conflict. The container name \"/{n}\" is already in use by container \"{}\"",
                            r.id
                        )));
                    }
                    n.clone()
                }
                None => loop {
                    let n = record::random_name();
                    if !existing.iter().any(|(_, r)| r.name == n) {
                        break n;
                    }
                },
            };
            record::write_json(&staging.join("container.json"), &rec)?;
            fs::rename(&staging, &cd.dir).map_err(|e| EngineError::io("creating", &cd.dir, e))
        })();
        if let Err(e) = made {
            let _ = crate::lifecycle::remove_all(&staging);
            let _ = store.release(&record::image_lease_holder(&id));
            return Err(e);
        }
        Ok(Created {
            dir: cd,
            record: rec,
            lock,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::check_name;

    #[test]
    fn names() {
        for ok in ["a", "web-1", "x.y_z", "A9"] {
            assert!(check_name(ok).is_ok(), "{ok}");
        }
        for bad in ["", "-a", "_a", "a/b", "a b", "ä"] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
    }
}
