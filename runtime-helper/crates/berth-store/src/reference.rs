//! Image references with docker's defaulting: `busybox` is `docker.io/library/busybox:latest`.
use crate::{Result, StoreError};
use std::fmt;

pub const DEFAULT_REGISTRY: &str = "docker.io";

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Reference {
    /// `docker.io`, `127.0.0.1:5000`, `ghcr.io`, …
    pub registry: String,
    /// `library/busybox`, `x/y/z`
    pub repository: String,
    pub tag: Option<String>,
    /// `sha256:<hex>`
    pub digest: Option<String>,
}

fn bad(s: &str, reason: &str) -> StoreError {
    StoreError::InvalidReference {
        reference: s.to_string(),
        reason: reason.to_string(),
    }
}

/// One path component: `[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*`.
fn valid_component(c: &str) -> bool {
    let b = c.as_bytes();
    if b.is_empty() || !b[0].is_ascii_alphanumeric() || !b[b.len() - 1].is_ascii_alphanumeric() {
        return false;
    }
    let mut i = 0;
    while i < b.len() {
        let ch = b[i];
        if ch.is_ascii_lowercase() || ch.is_ascii_digit() {
            i += 1;
            continue;
        }
        let start = i;
        while i < b.len() && matches!(b[i], b'.' | b'_' | b'-') {
            i += 1;
        }
        let sep = &c[start..i];
        let ok = sep == "." || sep == "_" || sep == "__" || sep.bytes().all(|x| x == b'-');
        if !ok || sep.is_empty() {
            return false;
        }
    }
    true
}

fn valid_tag(t: &str) -> bool {
    let b = t.as_bytes();
    !b.is_empty()
        && b.len() <= 128
        && (b[0].is_ascii_alphanumeric() || b[0] == b'_')
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'-'))
}

fn valid_host(h: &str) -> bool {
    !h.is_empty()
        && h.len() <= 255
        && h.bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'-' | b':' | b'[' | b']'))
}

impl Reference {
    /// Parses `name`, `name:tag`, `name@sha256:…`, `host[:port]/name[:tag][@digest]`.
    pub fn parse(s: &str) -> Result<Reference> {
        if s.is_empty() {
            return Err(bad(s, "empty reference"));
        }
        if s.len() > 4096 {
            return Err(bad(s, "too long"));
        }
        let (rest, digest) = match s.split_once('@') {
            Some((r, d)) => {
                crate::digest::hex_of(d).map_err(|_| bad(s, "digest must be sha256:<64 hex>"))?;
                (r, Some(d.to_string()))
            }
            None => (s, None),
        };
        let (name, tag) = match rest.rfind(':') {
            Some(i) if !rest[i..].contains('/') => (&rest[..i], Some(rest[i + 1..].to_string())),
            _ => (rest, None),
        };
        if let Some(t) = &tag {
            if !valid_tag(t) {
                return Err(bad(s, "invalid tag"));
            }
        }
        let (registry, repo) = match name.split_once('/') {
            Some((first, path))
                if first.contains('.') || first.contains(':') || first == "localhost" =>
            {
                if !valid_host(first) {
                    return Err(bad(s, "invalid registry host"));
                }
                (first.to_string(), path.to_string())
            }
            _ => (DEFAULT_REGISTRY.to_string(), name.to_string()),
        };
        let registry = if registry == "index.docker.io" || registry == "registry-1.docker.io" {
            DEFAULT_REGISTRY.to_string()
        } else {
            registry
        };
        let repository = if registry == DEFAULT_REGISTRY && !repo.contains('/') {
            format!("library/{repo}")
        } else {
            repo
        };
        if repository.len() > 255 || !repository.split('/').all(valid_component) {
            return Err(bad(
                s,
                "repository must be lowercase letters, digits and separators (. _ __ -)",
            ));
        }
        let tag = if tag.is_none() && digest.is_none() {
            Some("latest".to_string())
        } else {
            tag
        };
        Ok(Reference {
            registry,
            repository,
            tag,
            digest,
        })
    }

    /// `registry/repository`
    pub fn name(&self) -> String {
        format!("{}/{}", self.registry, self.repository)
    }

    /// The short form docker prints: `busybox:latest` for `docker.io/library/busybox:latest`.
    pub fn familiar(&self) -> String {
        let full = self.to_string();
        full.strip_prefix("docker.io/library/")
            .or_else(|| full.strip_prefix("docker.io/"))
            .map(str::to_string)
            .unwrap_or(full)
    }

    /// What the registry's manifest endpoint is asked for: the digest if there is one.
    pub fn object(&self) -> &str {
        self.digest
            .as_deref()
            .or(self.tag.as_deref())
            .unwrap_or("latest")
    }
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.name())?;
        if let Some(t) = &self.tag {
            write!(f, ":{t}")?;
        }
        if let Some(d) = &self.digest {
            write!(f, "@{d}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn full(s: &str) -> String {
        Reference::parse(s).unwrap().to_string()
    }

    #[test]
    fn docker_defaulting() {
        assert_eq!(full("busybox"), "docker.io/library/busybox:latest");
        assert_eq!(full("busybox:1.36"), "docker.io/library/busybox:1.36");
        assert_eq!(full("user/app"), "docker.io/user/app:latest");
        assert_eq!(
            full("index.docker.io/library/x"),
            "docker.io/library/x:latest"
        );
        assert_eq!(full("127.0.0.1:5000/x/y:t"), "127.0.0.1:5000/x/y:t");
        assert_eq!(full("localhost/x"), "localhost/x:latest");
        let d = format!("sha256:{}", "a".repeat(64));
        assert_eq!(
            full(&format!("ghcr.io/o/r@{d}")),
            format!("ghcr.io/o/r@{d}")
        );
        assert_eq!(
            Reference::parse("busybox").unwrap().familiar(),
            "busybox:latest"
        );
    }

    #[test]
    fn malformed_references_are_refused() {
        for s in [
            "",
            "UPPER",
            "a//b",
            "a:",
            "a:-x",
            "a@sha256:123",
            "-a",
            "a/../b",
            "host:5000/",
            "a b",
        ] {
            assert!(Reference::parse(s).is_err(), "{s:?} should be refused");
        }
    }
}
