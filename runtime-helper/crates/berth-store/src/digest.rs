//! sha256 digests as the store spells them (`sha256:<64 hex>`), and chain IDs.
use crate::{Result, StoreError};
use sha2::{Digest as _, Sha256};

/// Checks `d` is `sha256:<64 lowercase hex>` and returns the hex part. Anything else is
/// refused before it can become a path component.
pub fn hex_of(d: &str) -> Result<&str> {
    let hex = d
        .strip_prefix("sha256:")
        .ok_or_else(|| StoreError::invalid(format!("digest {d:?}"), "only sha256 is supported"))?;
    if hex.len() != 64
        || !hex
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        return Err(StoreError::invalid(
            format!("digest {d:?}"),
            "not 64 lowercase hex digits",
        ));
    }
    Ok(hex)
}

pub fn sha256(data: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(data)))
}

/// OCI chain IDs: `chain(L0) = diffID(L0)`, `chain(Ln) = sha256(chain(Ln-1) + " " + diffID(Ln))`.
pub fn chain_ids(diff_ids: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(diff_ids.len());
    for d in diff_ids {
        let next = chain_id(out.last().map(String::as_str), d);
        out.push(next);
    }
    out
}

/// The chain ID of the layer `diff_id` on top of the layer chain `parent` (none: the base).
pub(crate) fn chain_id(parent: Option<&str>, diff_id: &str) -> String {
    match parent {
        None => diff_id.to_string(),
        Some(p) => sha256(format!("{p} {diff_id}").as_bytes()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chain_ids_follow_the_spec() {
        let a = sha256(b"a");
        let b = sha256(b"b");
        let c = chain_ids(&[a.clone(), b.clone()]);
        assert_eq!(c[0], a);
        assert_eq!(c[1], sha256(format!("{a} {b}").as_bytes()));
    }

    #[test]
    fn digests_are_checked() {
        assert!(hex_of(&sha256(b"x")).is_ok());
        assert!(hex_of("sha256:../../etc").is_err());
        assert!(hex_of("md5:abc").is_err());
        assert!(hex_of(&sha256(b"x").to_uppercase()).is_err());
    }
}
