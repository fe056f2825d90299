//! Registry credentials in a Docker-style `config.json` (`{"auths": {host: {"auth":
//! base64(user:pass)}}}`), which `berth login` writes and docker / podman can read.
use crate::{ImageError, Result};
use base64::Engine;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

#[derive(Clone)]
pub struct Credentials {
    pub username: String,
    pub password: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Credentials({}, ***)", self.username)
    }
}

pub struct AuthFile {
    pub path: PathBuf,
}

/// The keys docker uses for Docker Hub in config.json.
fn keys_for(registry: &str) -> Vec<String> {
    if registry == berth_store::reference::DEFAULT_REGISTRY {
        vec![
            "https://index.docker.io/v1/".into(),
            "index.docker.io".into(),
            "docker.io".into(),
        ]
    } else {
        vec![
            registry.to_string(),
            format!("https://{registry}"),
            format!("http://{registry}"),
        ]
    }
}

impl AuthFile {
    pub fn new(path: impl Into<PathBuf>) -> AuthFile {
        AuthFile { path: path.into() }
    }

    fn read_json(&self) -> Result<Value> {
        match std::fs::read(&self.path) {
            Ok(b) => serde_json::from_slice(&b)
                .map_err(|e| ImageError::invalid(self.path.display().to_string(), e.to_string())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(json!({})),
            Err(e) => Err(ImageError::io(self.path.display().to_string())(e)),
        }
    }

    pub fn get(&self, registry: &str) -> Result<Option<Credentials>> {
        let v = self.read_json()?;
        for k in keys_for(registry) {
            let Some(auth) = v.pointer(&format!(
                "/auths/{}",
                k.replace('~', "~0").replace('/', "~1")
            )) else {
                continue;
            };
            if let (Some(u), Some(p)) = (
                auth.get("username").and_then(Value::as_str),
                auth.get("password").and_then(Value::as_str),
            ) {
                return Ok(Some(Credentials {
                    username: u.into(),
                    password: p.into(),
                }));
            }
            if let Some(a) = auth.get("auth").and_then(Value::as_str) {
                let bad = || {
                    ImageError::invalid(
                        self.path.display().to_string(),
                        format!("bad auth entry for {k}"),
                    )
                };
                let dec = base64::engine::general_purpose::STANDARD
                    .decode(a.trim())
                    .map_err(|_| bad())?;
                let s = String::from_utf8(dec).map_err(|_| bad())?;
                let (u, p) = s.split_once(':').ok_or_else(bad)?;
                return Ok(Some(Credentials {
                    username: u.into(),
                    password: p.into(),
                }));
            }
        }
        Ok(None)
    }

    /// Stores credentials for `registry` (mode 0600, written atomically).
    pub fn set(&self, registry: &str, c: &Credentials) -> Result<()> {
        let mut v = self.read_json()?;
        let auth = base64::engine::general_purpose::STANDARD
            .encode(format!("{}:{}", c.username, c.password));
        let key = keys_for(registry).remove(0);
        if !v.get("auths").is_some_and(Value::is_object) {
            v["auths"] = json!({});
        }
        v["auths"][key] = json!({ "auth": auth });
        let data = serde_json::to_vec_pretty(&v).expect("json");
        write_private(&self.path, &data)
    }
}

fn write_private(path: &Path, data: &[u8]) -> Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let err = |e| ImageError::io(path.display().to_string())(e);
    if let Some(d) = path.parent() {
        std::fs::create_dir_all(d).map_err(err)?;
    }
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .write(true)
        .truncate(true)
        .mode(0o600)
        .open(&tmp)
        .map_err(err)?;
    f.write_all(data).map_err(err)?;
    f.sync_all().map_err(err)?;
    std::fs::rename(&tmp, path).map_err(err)
}
