//! A client for one registry, per the distribution spec: `/v2/` probe, Bearer tokens from
//! the `WWW-Authenticate` challenge (or Basic), manual redirects so credentials never
//! follow a redirect to another host.
use crate::auth::Credentials;
use crate::{ImageError, Result};
use base64::Engine;
use std::collections::HashMap;
use std::io::{Read, Seek, SeekFrom};
use std::sync::Mutex;
use std::time::Duration;

#[derive(Debug, Clone, Default)]
pub struct RegistryOptions {
    /// Registries (`host[:port]`) that may be spoken to over plain HTTP.
    pub insecure: Vec<String>,
    pub credentials: Option<Credentials>,
}

pub struct Registry {
    host: String,
    scheme: &'static str,
    agent: ureq::Agent,
    opts: RegistryOptions,
    /// Authorization header value per scope.
    auth: Mutex<HashMap<String, String>>,
}

pub(crate) enum Body<'a> {
    Empty,
    Bytes(&'a [u8]),
    File(&'a mut std::fs::File, u64),
}

fn is_loopback(host: &str) -> bool {
    let h = host
        .rsplit_once(':')
        .filter(|(_, p)| p.bytes().all(|b| b.is_ascii_digit()))
        .map(|(h, _)| h)
        .unwrap_or(host);
    h == "localhost" || h.starts_with("127.") || h == "[::1]"
}

/// Whether `host[:port]` may be spoken to over plain HTTP.
fn plain_ok(opts: &RegistryOptions, host: &str) -> bool {
    is_loopback(host) || opts.insecure.iter().any(|h| h == host)
}

/// `host[:port]` of an absolute URL.
fn authority(url: &str) -> &str {
    let rest = url.split_once("://").map(|(_, r)| r).unwrap_or(url);
    rest.split(['/', '?']).next().unwrap_or(rest)
}

/// Parses `Bearer realm="…",service="…",scope="…"` into the scheme and its parameters.
fn parse_challenge(h: &str) -> (String, HashMap<String, String>) {
    let (scheme, rest) = h.trim().split_once(' ').unwrap_or((h.trim(), ""));
    let mut params = HashMap::new();
    let mut chars = rest.chars().peekable();
    loop {
        while matches!(chars.peek(), Some(' ' | ',')) {
            chars.next();
        }
        let key: String = chars.by_ref().take_while(|c| *c != '=').collect();
        if key.is_empty() {
            break;
        }
        let mut val = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            while let Some(c) = chars.next() {
                match c {
                    '\\' => {
                        if let Some(n) = chars.next() {
                            val.push(n)
                        }
                    }
                    '"' => break,
                    c => val.push(c),
                }
            }
        } else {
            while let Some(c) = chars.peek() {
                if *c == ',' {
                    break;
                }
                val.push(*c);
                chars.next();
            }
        }
        params.insert(key.trim().to_ascii_lowercase(), val);
    }
    (scheme.to_ascii_lowercase(), params)
}

fn error_message(resp: ureq::Response) -> String {
    let mut body = String::new();
    let _ = resp.into_reader().take(64 * 1024).read_to_string(&mut body);
    if let Ok(v) = serde_json::from_str::<serde_json::Value>(&body) {
        if let Some(e) = v.get("errors").and_then(|e| e.get(0)) {
            let code = e.get("code").and_then(|c| c.as_str()).unwrap_or("");
            let msg = e.get("message").and_then(|c| c.as_str()).unwrap_or("");
            return format!("{code} {msg}").trim().to_string();
        }
    }
    body.chars()
        .take(200)
        .collect::<String>()
        .replace('\n', " ")
}

impl Registry {
    pub fn new(host: &str, opts: RegistryOptions) -> Registry {
        let plain = plain_ok(&opts, host);
        // Docker Hub's API lives on registry-1.docker.io.
        let api_host = if host == berth_store::reference::DEFAULT_REGISTRY {
            "registry-1.docker.io".to_string()
        } else {
            host.to_string()
        };
        Registry {
            host: api_host,
            scheme: if plain { "http" } else { "https" },
            agent: ureq::AgentBuilder::new()
                .redirects(0)
                .timeout_connect(Duration::from_secs(15))
                .timeout_read(Duration::from_secs(120))
                .user_agent(concat!("berth/", env!("CARGO_PKG_VERSION")))
                .build(),
            opts,
            auth: Mutex::new(HashMap::new()),
        }
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}://{}{}", self.scheme, self.host, path)
    }

    /// `GET /v2/`: checks the registry speaks the distribution API (and primes auth).
    pub fn ping(&self) -> Result<()> {
        self.request("GET", &self.url("/v2/"), "", &[], Body::Empty)
            .map(|_| ())
    }

    /// Like [`Registry::ping`], but a refused scope-less token is fine: the registry is
    /// there, and the repository request that follows asks for its own scope.
    pub fn probe(&self) -> Result<()> {
        match self.ping() {
            Err(ImageError::Auth { .. }) => Ok(()),
            r => r,
        }
    }

    fn allowed_plain(&self, url: &str) -> bool {
        plain_ok(&self.opts, authority(url))
    }

    /// Sends a request with the scope's credentials, answering one 401 challenge and
    /// following redirects (credentials only to this registry's host).
    pub(crate) fn request(
        &self,
        method: &str,
        url: &str,
        scope: &str,
        headers: &[(&str, &str)],
        mut body: Body,
    ) -> Result<ureq::Response> {
        let mut challenged = false;
        loop {
            let mut url = url.to_string();
            let mut method = method.to_string();
            let mut redirects = 0;
            let resp = loop {
                if url.starts_with("http://") && !self.allowed_plain(&url) {
                    return Err(ImageError::Unreachable {
                        registry: self.host.clone(),
                        url,
                        reason: "refusing plain HTTP to a registry not marked insecure".into(),
                    });
                }
                let mut req = self.agent.request(&method, &url);
                for (k, v) in headers {
                    req = req.set(k, v);
                }
                if authority(&url) == self.host {
                    if let Some(a) = self.auth.lock().expect("poisoned").get(scope) {
                        req = req.set("Authorization", a);
                    }
                }
                let r = match &mut body {
                    Body::Empty => req.call(),
                    Body::Bytes(b) => req.send_bytes(b),
                    Body::File(f, len) => {
                        f.seek(SeekFrom::Start(0))
                            .map_err(ImageError::io("rewinding upload"))?;
                        req.set("Content-Length", &len.to_string()).send(&mut **f)
                    }
                };
                match r {
                    Ok(resp) if (300..400).contains(&resp.status()) => {
                        let Some(loc) = resp.header("Location") else {
                            return Err(ImageError::Http {
                                url,
                                status: resp.status(),
                                message: "redirect without Location".into(),
                            });
                        };
                        redirects += 1;
                        if redirects > 5 {
                            return Err(ImageError::Http {
                                url,
                                status: resp.status(),
                                message: "too many redirects".into(),
                            });
                        }
                        let next = self.resolve(&url, loc);
                        if resp.status() == 303 {
                            method = "GET".into();
                        }
                        url = next;
                    }
                    other => break other,
                }
            };
            match resp {
                Ok(r) => return Ok(r),
                Err(ureq::Error::Status(401, r)) if !challenged && authority(&url) == self.host => {
                    challenged = true;
                    let challenge = r.header("WWW-Authenticate").unwrap_or("").to_string();
                    self.authenticate(&challenge, scope)?;
                }
                Err(ureq::Error::Status(401, r)) => {
                    return Err(ImageError::Auth {
                        registry: self.host.clone(),
                        reason: format!("{url}: 401 {}", error_message(r)),
                    })
                }
                Err(ureq::Error::Status(status, r)) => {
                    return Err(ImageError::Http {
                        url,
                        status,
                        message: error_message(r),
                    })
                }
                Err(ureq::Error::Transport(t)) => {
                    return Err(ImageError::Unreachable {
                        registry: self.host.clone(),
                        url,
                        reason: t.to_string(),
                    })
                }
            }
        }
    }

    fn resolve(&self, base: &str, loc: &str) -> String {
        if loc.starts_with("http://") || loc.starts_with("https://") {
            loc.to_string()
        } else if loc.starts_with('/') {
            let scheme = base
                .split_once("://")
                .map(|(s, _)| s)
                .unwrap_or(self.scheme);
            format!("{scheme}://{}{loc}", authority(base))
        } else {
            let dir = base.rsplit_once('/').map(|(d, _)| d).unwrap_or(base);
            format!("{dir}/{loc}")
        }
    }

    fn basic(&self) -> Option<String> {
        self.opts.credentials.as_ref().map(|c| {
            format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD
                    .encode(format!("{}:{}", c.username, c.password))
            )
        })
    }

    fn authenticate(&self, challenge: &str, scope: &str) -> Result<()> {
        let (scheme, params) = parse_challenge(challenge);
        let header = match scheme.as_str() {
            "basic" => self.basic().ok_or_else(|| ImageError::Auth {
                registry: self.host.clone(),
                reason: "the registry wants a username and password (berth login)".into(),
            })?,
            "bearer" => format!("Bearer {}", self.token(&params, scope)?),
            _ => {
                return Err(ImageError::Auth {
                    registry: self.host.clone(),
                    reason: format!("unsupported challenge {challenge:?}"),
                })
            }
        };
        self.auth
            .lock()
            .expect("poisoned")
            .insert(scope.to_string(), header);
        Ok(())
    }

    fn token(&self, params: &HashMap<String, String>, scope: &str) -> Result<String> {
        let auth_err = |reason: String| ImageError::Auth {
            registry: self.host.clone(),
            reason,
        };
        let realm = params
            .get("realm")
            .ok_or_else(|| auth_err("Bearer challenge without realm".into()))?;
        if !(realm.starts_with("https://")
            || (realm.starts_with("http://") && self.allowed_plain(realm)))
        {
            return Err(auth_err(format!("refusing token realm {realm:?}")));
        }
        let mut req = self.agent.get(realm);
        if let Some(s) = params.get("service") {
            req = req.query("service", s);
        }
        if !scope.is_empty() {
            req = req.query("scope", scope);
        }
        if let Some(b) = self.basic() {
            req = req.set("Authorization", &b);
        }
        let resp = req.call().map_err(|e| match e {
            ureq::Error::Status(s, r) => {
                auth_err(format!("token server {realm}: {s} {}", error_message(r)))
            }
            ureq::Error::Transport(t) => auth_err(format!("token server {realm}: {t}")),
        })?;
        let mut body = String::new();
        resp.into_reader()
            .take(1 << 20)
            .read_to_string(&mut body)
            .map_err(|e| auth_err(format!("token server {realm}: {e}")))?;
        let v: serde_json::Value = serde_json::from_str(&body)
            .map_err(|e| auth_err(format!("token server {realm}: bad JSON: {e}")))?;
        v.get("token")
            .or_else(|| v.get("access_token"))
            .and_then(|t| t.as_str())
            .filter(|t| !t.is_empty())
            .map(str::to_string)
            .ok_or_else(|| auth_err(format!("token server {realm}: no token in answer")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenges_parse() {
        let (s, p) = parse_challenge(
            r#"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull,push""#,
        );
        assert_eq!(s, "bearer");
        assert_eq!(p["realm"], "https://auth.docker.io/token");
        assert_eq!(p["service"], "registry.docker.io");
        assert_eq!(p["scope"], "repository:library/busybox:pull,push");
        let (s, p) = parse_challenge(r#"Basic realm="Registry Realm""#);
        assert_eq!(s, "basic");
        assert_eq!(p["realm"], "Registry Realm");
    }

    #[test]
    fn plain_http_only_for_loopback_or_insecure() {
        assert_eq!(
            Registry::new("127.0.0.1:5000", RegistryOptions::default()).scheme,
            "http"
        );
        assert_eq!(
            Registry::new("localhost:5000", RegistryOptions::default()).scheme,
            "http"
        );
        assert_eq!(
            Registry::new("ghcr.io", RegistryOptions::default()).scheme,
            "https"
        );
        let o = RegistryOptions {
            insecure: vec!["reg.lan:5000".into()],
            credentials: None,
        };
        assert_eq!(Registry::new("reg.lan:5000", o).scheme, "http");
        assert_eq!(authority("http://a.b:5/v2/x?y"), "a.b:5");
    }
}
