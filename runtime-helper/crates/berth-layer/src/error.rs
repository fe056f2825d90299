//! The crate's error type.
use std::borrow::Cow;
use std::io;

/// What kind of failure this is, for callers that map errors to exit codes or HTTP statuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    InvalidInput,
    Conflict,
    Io,
}

#[derive(Debug, thiserror::Error)]
pub enum LayerError {
    #[error("layer entry {}: {reason}", quoted(.entry))]
    UnsafeEntry { entry: String, reason: String },
    #[error("layer entry {}: {source}", quoted(.entry))]
    Entry {
        entry: String,
        #[source]
        source: io::Error,
    },
    #[error("reading layer tar: {0}")]
    Tar(#[source] io::Error),
    #[error("{}: {source}", elide(.path))]
    Io {
        path: String,
        #[source]
        source: io::Error,
    },
    /// The uncompressed layer is larger than the caller allows (a "zip bomb", or a limit
    /// set too low for a legitimately huge layer).
    #[error(
        "layer is larger than the limit of {} uncompressed (a compression bomb, or raise the limit)",
        human_size(*.limit)
    )]
    TooLarge { limit: u64 },
    /// The destination's file system is nearly full: extraction stopped to keep a reserve.
    #[error(
        "{}: only {} free, stopping to keep {} free for the system",
        elide(.path),
        human_size(*.available),
        human_size(*.reserve)
    )]
    NoSpace {
        path: String,
        available: u64,
        reserve: u64,
    },
}

impl LayerError {
    pub fn kind(&self) -> ErrorKind {
        match self {
            LayerError::UnsafeEntry { .. } | LayerError::Tar(_) | LayerError::TooLarge { .. } => {
                ErrorKind::InvalidInput
            }
            LayerError::Entry { source, .. } if source.kind() == io::ErrorKind::AlreadyExists => {
                ErrorKind::Conflict
            }
            LayerError::Entry { .. } | LayerError::Io { .. } | LayerError::NoSpace { .. } => {
                ErrorKind::Io
            }
        }
    }

    pub(crate) fn unsafe_entry(entry: &[u8], reason: impl Into<String>) -> Self {
        LayerError::UnsafeEntry {
            entry: String::from_utf8_lossy(entry).into_owned(),
            reason: reason.into(),
        }
    }

    pub(crate) fn entry(entry: &[u8], source: impl Into<io::Error>) -> Self {
        LayerError::Entry {
            entry: String::from_utf8_lossy(entry).into_owned(),
            source: source.into(),
        }
    }
}

/// The longest name or path an error message shows whole; longer ones lose their middle.
pub const MAX_SHOWN: usize = 200;

/// `s` as an error message shows it: whole when short, otherwise its first and last ~96
/// characters around a note of how much was left out. Names from hostile input (tar
/// entries, archive members, references) can be kilobytes long; one error line must stay
/// readable.
pub fn elide(s: &str) -> Cow<'_, str> {
    if s.len() <= MAX_SHOWN {
        return Cow::Borrowed(s);
    }
    let keep = (MAX_SHOWN - 8) / 2;
    let mut head = keep;
    while !s.is_char_boundary(head) {
        head -= 1;
    }
    let mut tail = s.len() - keep;
    while !s.is_char_boundary(tail) {
        tail += 1;
    }
    Cow::Owned(format!(
        "{}…[{} bytes]…{}",
        &s[..head],
        tail - head,
        &s[tail..]
    ))
}

/// `s` quoted and escaped (`{:?}`), elided like [`elide`].
pub fn quoted(s: &str) -> String {
    format!("{:?}", elide(s).as_ref())
}

/// `1.5 GiB`, `512 KiB`, `100 bytes`.
pub fn human_size(n: u64) -> String {
    const UNITS: [&str; 5] = ["KiB", "MiB", "GiB", "TiB", "PiB"];
    if n < 1024 {
        return format!("{n} bytes");
    }
    let mut v = n as f64 / 1024.0;
    let mut u = 0;
    while v >= 1024.0 && u + 1 < UNITS.len() {
        v /= 1024.0;
        u += 1;
    }
    if v.fract() == 0.0 {
        format!("{v:.0} {}", UNITS[u])
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_names_lose_their_middle() {
        assert_eq!(elide("short"), "short");
        let long = format!("{}{}{}", "a".repeat(5000), "MIDDLE", "z".repeat(7000));
        let e = elide(&long);
        assert!(e.len() < MAX_SHOWN + 40, "{}", e.len());
        assert!(e.starts_with("aaaa") && e.ends_with("zzzz"));
        assert!(e.contains("[11814 bytes]"), "{e}");
        // Multi-byte characters are never cut in half.
        let wide = "é".repeat(3000);
        assert!(elide(&wide).starts_with('é'));
        let err = LayerError::unsafe_entry(long.as_bytes(), "too long");
        assert!(err.to_string().len() < 300);
    }

    #[test]
    fn sizes_read_well() {
        assert_eq!(human_size(100), "100 bytes");
        assert_eq!(human_size(1 << 20), "1 MiB");
        assert_eq!(human_size(3 << 29), "1.5 GiB");
        assert_eq!(human_size(32 << 30), "32 GiB");
    }
}
