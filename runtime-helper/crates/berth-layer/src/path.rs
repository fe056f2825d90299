//! Entry paths from a hostile tar, reduced to plain components or refused.
use crate::LayerError;

/// Splits an entry path into its components, dropping empty and `.` parts. Refuses
/// absolute paths and `..` anywhere (even where it would stay inside the root: a layer
/// that needs it is malformed, and refusing is simpler to reason about than resolving).
pub fn components(raw: &[u8]) -> Result<Vec<&[u8]>, LayerError> {
    if raw.first() == Some(&b'/') {
        return Err(LayerError::unsafe_entry(raw, "absolute path in layer"));
    }
    if raw.contains(&0) {
        return Err(LayerError::unsafe_entry(raw, "NUL byte in path"));
    }
    let mut out = Vec::new();
    for part in raw.split(|b| *b == b'/') {
        match part {
            b"" | b"." => {}
            b".." => return Err(LayerError::unsafe_entry(raw, "`..` in path")),
            p => out.push(p),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_paths_split() {
        assert_eq!(
            components(b"./a//b/./c/").unwrap(),
            vec![&b"a"[..], b"b", b"c"]
        );
        assert!(components(b"./").unwrap().is_empty());
    }

    #[test]
    fn escapes_are_refused() {
        assert!(components(b"/etc/passwd").is_err());
        assert!(components(b"a/../../x").is_err());
        assert!(components(b"..").is_err());
        assert!(components(b"a/b\0c").is_err());
    }
}
