//! `berth daemon`: the Engine API ([`berth_api::app`]) on a unix socket, or on loopback
//! TCP when asked for explicitly. The socket is never world-accessible: mode 0660 with
//! group `berth` (created when missing), or 0600 (root only) when there is no group.
use crate::GlobalOpts;
use anyhow::{bail, Context, Result};
use std::future::IntoFuture;
use std::net::SocketAddr;
use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

pub const DEFAULT_HOST: &str = "unix:///run/berth/berth.sock";
const GROUP: &str = "berth";

#[derive(clap::Args, Debug)]
pub struct DaemonArgs {
    /// Where to listen: unix:///PATH, or tcp://127.0.0.1:PORT (loopback only, no TLS).
    #[arg(short = 'H', long, default_value = DEFAULT_HOST)]
    host: String,
}

#[derive(Debug, PartialEq)]
enum Listen {
    Unix(PathBuf),
    Tcp(SocketAddr),
}

fn parse_host(h: &str) -> Result<Listen> {
    if let Some(p) = h.strip_prefix("unix://") {
        if !p.starts_with('/') {
            bail!("invalid --host {h:?}: the socket path must be absolute (unix:///PATH)");
        }
        return Ok(Listen::Unix(PathBuf::from(p)));
    }
    if let Some(a) = h.strip_prefix("tcp://") {
        let a = a.trim_end_matches('/');
        let addr: SocketAddr = a
            .replace("localhost:", "127.0.0.1:")
            .parse()
            .with_context(|| format!("invalid --host {h:?}: want tcp://127.0.0.1:PORT"))?;
        if !addr.ip().is_loopback() {
            bail!("refusing --host {h:?}: the API has no TLS or authentication, so TCP is served on loopback only (127.0.0.1 or [::1])");
        }
        return Ok(Listen::Tcp(addr));
    }
    bail!("invalid --host {h:?}: want unix:///PATH or tcp://127.0.0.1:PORT")
}

/// A group's id in the text of /etc/group.
fn gid_in(group_file: &str, name: &str) -> Option<u32> {
    group_file.lines().find_map(|l| {
        let mut f = l.split(':');
        (f.next() == Some(name)).then(|| f.nth(1)?.parse().ok())?
    })
}

/// The `berth` group's id, made with groupadd when it is missing; None if that fails.
/// Read from /etc/group itself: `berth` is linked static, and a static glibc's
/// getgrnam (NSS) crashes.
fn berth_group() -> Option<nix::unistd::Gid> {
    let find = || {
        gid_in(&std::fs::read_to_string("/etc/group").ok()?, GROUP).map(nix::unistd::Gid::from_raw)
    };
    if let Some(g) = find() {
        return Some(g);
    }
    let made = std::process::Command::new("groupadd")
        .args(["--system", GROUP])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if made {
        find()
    } else {
        None
    }
}

/// Binds the socket: created 0600 (umask) so no one else can ever connect before its
/// mode is set, then given to the `berth` group as 0660 when there is one. A socket
/// left by a daemon that is gone is removed; one that answers is refused.
fn bind_unix(path: &Path) -> Result<std::os::unix::net::UnixListener> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_socket() => {
            if std::os::unix::net::UnixStream::connect(path).is_ok() {
                bail!("another daemon is listening on {}", path.display());
            }
            std::fs::remove_file(path)
                .with_context(|| format!("removing the stale socket {}", path.display()))?;
        }
        Ok(_) => bail!("{} exists and is not a socket", path.display()),
        Err(_) => {}
    }
    // Single-threaded still: the umask change is seen by this bind alone.
    let old = nix::sys::stat::umask(nix::sys::stat::Mode::from_bits_truncate(0o177));
    let bound = std::os::unix::net::UnixListener::bind(path);
    nix::sys::stat::umask(old);
    let listener = bound.with_context(|| format!("binding {}", path.display()))?;
    match berth_group() {
        Some(gid) => {
            nix::unistd::chown(path, None, Some(gid))
                .with_context(|| format!("giving {} to group {GROUP}", path.display()))?;
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o660))
                .with_context(|| format!("chmod {}", path.display()))?;
        }
        None => eprintln!(
            "berth: no group {GROUP:?} (groupadd failed): {} is root-only (0600)",
            path.display()
        ),
    }
    Ok(listener)
}

pub fn run(global: &GlobalOpts, a: DaemonArgs) -> i32 {
    match serve(global, a) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("berth: {e:#}");
            1
        }
    }
}

enum Bound {
    Unix(std::os::unix::net::UnixListener, PathBuf),
    Tcp(std::net::TcpListener),
}

fn serve(global: &GlobalOpts, a: DaemonArgs) -> Result<()> {
    let bound = match parse_host(&a.host)? {
        Listen::Unix(p) => Bound::Unix(bind_unix(&p)?, p),
        Listen::Tcp(addr) => Bound::Tcp(
            std::net::TcpListener::bind(addr).with_context(|| format!("binding {addr}"))?,
        ),
    };
    let engine = Arc::new(berth_engine::Engine::open(&global.root));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    // The socket as bound: removed at the end only if it is still ours (a daemon that
    // started while this one was stopping may have bound the same path).
    let socket = match &bound {
        Bound::Unix(_, p) => std::fs::metadata(p).ok().map(|m| (p.clone(), m.ino())),
        Bound::Tcp(_) => None,
    };
    let result = runtime.block_on(async move {
        let app = berth_api::app(engine);
        let stop = Arc::new(tokio::sync::Notify::new());
        let graceful = {
            let stop = stop.clone();
            async move { stop.notified().await }
        };
        let server = match bound {
            Bound::Unix(l, p) => {
                l.set_nonblocking(true)?;
                let l = tokio::net::UnixListener::from_std(l)?;
                eprintln!("berth: API listening on unix://{}", p.display());
                tokio::spawn(
                    axum::serve(l, app)
                        .with_graceful_shutdown(graceful)
                        .into_future(),
                )
            }
            Bound::Tcp(l) => {
                l.set_nonblocking(true)?;
                let l = tokio::net::TcpListener::from_std(l)?;
                eprintln!("berth: API listening on tcp://{}", l.local_addr()?);
                tokio::spawn(
                    axum::serve(l, app)
                        .with_graceful_shutdown(graceful)
                        .into_future(),
                )
            }
        };
        use tokio::signal::unix::{signal, SignalKind};
        let mut term = signal(SignalKind::terminate())?;
        let mut int = signal(SignalKind::interrupt())?;
        tokio::select! {
            _ = term.recv() => {}
            _ = int.recv() => {}
        }
        eprintln!("berth: shutting down");
        stop.notify_one();
        // Requests still open (logs -f, wait) get a moment, not for ever.
        let _ = tokio::time::timeout(Duration::from_secs(3), server).await;
        anyhow::Ok(())
    });
    // Blocking calls still waiting (a wait, a follow) are abandoned with the process.
    runtime.shutdown_timeout(Duration::from_millis(500));
    if let Some((p, ino)) = socket {
        if std::fs::metadata(&p).is_ok_and(|m| m.ino() == ino) {
            let _ = std::fs::remove_file(p);
        }
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_ids() {
        let f = "root:x:0:\nberthx:x:5:\nberth:x:998:alice,bob\nbad\n";
        assert_eq!(gid_in(f, "berth"), Some(998));
        assert_eq!(gid_in(f, "root"), Some(0));
        assert_eq!(gid_in(f, "nope"), None);
    }

    #[test]
    fn hosts() {
        assert_eq!(
            parse_host("unix:///run/x.sock").unwrap(),
            Listen::Unix("/run/x.sock".into())
        );
        assert_eq!(
            parse_host("tcp://127.0.0.1:2375").unwrap(),
            Listen::Tcp("127.0.0.1:2375".parse().unwrap())
        );
        assert!(parse_host("tcp://localhost:2375").is_ok());
        for bad in [
            "tcp://0.0.0.0:2375",
            "tcp://10.1.2.3:2375",
            "unix://rel.sock",
            "http://127.0.0.1:1",
            "/run/x.sock",
        ] {
            assert!(parse_host(bad).is_err(), "{bad}");
        }
    }
}
