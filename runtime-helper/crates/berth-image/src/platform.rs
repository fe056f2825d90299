//! `os/arch[/variant]` platforms and index entry selection.
use crate::{ImageError, Result};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Platform {
    pub os: String,
    pub architecture: String,
    pub variant: Option<String>,
}

impl Platform {
    /// The host's platform, in OCI spelling.
    pub fn host() -> Platform {
        let (architecture, variant) = match std::env::consts::ARCH {
            "x86_64" => ("amd64", None),
            "aarch64" => ("arm64", Some("v8")),
            "arm" => ("arm", Some("v7")),
            "x86" => ("386", None),
            "powerpc64" => ("ppc64le", None),
            other => (other, None),
        };
        Platform {
            os: "linux".into(),
            architecture: architecture.into(),
            variant: variant.map(str::to_string),
        }
    }

    pub fn parse(s: &str) -> Result<Platform> {
        let parts: Vec<&str> = s.split('/').collect();
        let ok =
            |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
        match parts.as_slice() {
            [os, arch] if ok(os) && ok(arch) => Ok(Platform {
                os: os.to_string(),
                architecture: arch.to_string(),
                variant: None,
            }),
            [os, arch, v] if ok(os) && ok(arch) && ok(v) => Ok(Platform {
                os: os.to_string(),
                architecture: arch.to_string(),
                variant: Some(v.to_string()),
            }),
            _ => Err(ImageError::invalid(
                format!("platform {s:?}"),
                "expected os/arch[/variant], e.g. linux/amd64",
            )),
        }
    }

    /// Whether an index entry's platform satisfies this one (a missing variant matches any,
    /// and arm64's `v8` is its default).
    pub fn matches(&self, p: &berth_store::manifest::Platform) -> bool {
        if p.os != self.os || p.architecture != self.architecture {
            return false;
        }
        let norm = |v: Option<&str>| match (self.architecture.as_str(), v) {
            ("arm64", Some("v8")) | ("arm64", None) => None,
            (_, v) => v.map(str::to_string),
        };
        match &self.variant {
            None => true,
            Some(v) => norm(Some(v)) == norm(p.variant.as_deref()),
        }
    }
}

impl std::fmt::Display for Platform {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.os, self.architecture)?;
        if let Some(v) = &self.variant {
            write!(f, "/{v}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use berth_store::manifest::Platform as P;

    fn p(os: &str, arch: &str, v: Option<&str>) -> P {
        P {
            os: os.into(),
            architecture: arch.into(),
            variant: v.map(str::to_string),
        }
    }

    #[test]
    fn parse_and_match() {
        let amd = Platform::parse("linux/amd64").unwrap();
        assert!(amd.matches(&p("linux", "amd64", None)));
        assert!(!amd.matches(&p("linux", "arm64", None)));
        assert!(!amd.matches(&p("windows", "amd64", None)));
        let arm = Platform::parse("linux/arm64/v8").unwrap();
        assert!(
            arm.matches(&p("linux", "arm64", None)),
            "v8 is arm64's default"
        );
        let v7 = Platform::parse("linux/arm/v7").unwrap();
        assert!(!v7.matches(&p("linux", "arm", Some("v6"))));
        for bad in ["linux", "linux/", "a/b/c/d", "linux/am d64"] {
            assert!(Platform::parse(bad).is_err(), "{bad}");
        }
    }
}
