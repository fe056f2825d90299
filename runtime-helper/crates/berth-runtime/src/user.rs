//! Resolves `-u USER[:GROUP]` against the image's /etc/passwd and /etc/group (pure text in,
//! ids out), with docker's rules: names must exist, numbers need not.
use crate::{Result, RuntimeError};

/// The largest user or group id a container may run as (Docker's and runc's range is
/// 0..=2147483647). Larger ids are refused: 4294967295 is (uid_t)-1, which setuid and
/// setgid read as "leave unchanged", so it would run the process as root.
pub const MAX_ID: u32 = 2147483647;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecUser {
    pub uid: u32,
    pub gid: u32,
    pub additional_gids: Vec<u32>,
    pub home: String,
}

/// A numeric id as written: None if `s` is not a number at all (then it is a name);
/// Some(Err) if it is one but out of range (negative, too large, too long).
fn parse_id(s: &str) -> Option<std::result::Result<u32, ()>> {
    let digits = s.strip_prefix(['-', '+']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(match s.parse::<i64>() {
        Ok(n) if (0..=MAX_ID as i64).contains(&n) => Ok(n as u32),
        _ => Err(()),
    })
}

/// `raw` as an id in range, or the error naming `what` it is.
fn checked(raw: &str, what: impl FnOnce() -> String) -> Result<u32> {
    match parse_id(raw) {
        Some(Ok(n)) => Ok(n),
        _ => Err(RuntimeError::IdOutOfRange {
            what: format!("{} {raw}", what()),
        }),
    }
}

struct PasswdEntry<'a> {
    name: &'a str,
    uid: &'a str,
    gid: &'a str,
    home: &'a str,
}

impl PasswdEntry<'_> {
    fn uid(&self) -> Result<u32> {
        checked(self.uid, || {
            format!("uid of user {} in /etc/passwd:", self.name)
        })
    }
    fn gid(&self) -> Result<u32> {
        checked(self.gid, || {
            format!("gid of user {} in /etc/passwd:", self.name)
        })
    }
}

/// Entries with numeric ids (in range or not: that is checked when one is used).
fn passwd_entries(passwd: &str) -> impl Iterator<Item = PasswdEntry<'_>> {
    passwd.lines().filter_map(|l| {
        let f: Vec<&str> = l.split(':').collect();
        if f.len() < 7 || l.starts_with('#') {
            return None;
        }
        if parse_id(f[2]).is_none() || parse_id(f[3]).is_none() {
            return None;
        }
        Some(PasswdEntry {
            name: f[0],
            uid: f[2],
            gid: f[3],
            home: f[5],
        })
    })
}

/// (name, gid as written, members)
fn group_entries(group: &str) -> impl Iterator<Item = (&str, &str, Vec<&str>)> {
    group.lines().filter_map(|l| {
        let f: Vec<&str> = l.split(':').collect();
        if f.len() < 4 || l.starts_with('#') {
            return None;
        }
        parse_id(f[2]).is_some().then_some(())?;
        let members = f[3].split(',').filter(|m| !m.is_empty()).collect();
        Some((f[0], f[2], members))
    })
}

fn group_gid(name: &str, raw: &str) -> Result<u32> {
    checked(raw, || format!("gid of group {name} in /etc/group:"))
}

/// The numeric parts of a `-u` spec, checked without the container's files (names are
/// resolved at start, by [`resolve`]): for the engine to refuse an id out of range
/// before it creates anything.
pub fn check_spec(spec: &str) -> Result<()> {
    let (user, grp) = match spec.split_once(':') {
        Some((u, g)) => (u, Some(g)),
        None => (spec, None),
    };
    if parse_id(user).is_some() {
        checked(user, || "uid".into())?;
    }
    if let Some(g) = grp.filter(|g| parse_id(g).is_some()) {
        checked(g, || "gid".into())?;
    }
    Ok(())
}

/// `spec` is "", "name", "uid", "name:group", "uid:gid" (any mix). Every id that comes
/// out, from `spec` or from the files, is within 0..=[`MAX_ID`], or this is an error.
pub fn resolve(spec: &str, passwd: &str, group: &str) -> Result<ExecUser> {
    let (user, grp) = match spec.split_once(':') {
        Some((u, g)) => (u, Some(g)),
        None => (spec, None),
    };
    let user = if user.is_empty() { "0" } else { user };
    let (uid, entry) = match parse_id(user) {
        Some(Ok(uid)) => (
            uid,
            passwd_entries(passwd).find(|e| parse_id(e.uid) == Some(Ok(uid))),
        ),
        Some(Err(())) => return Err(checked(user, || "uid".into()).unwrap_err()),
        None => {
            let e = passwd_entries(passwd)
                .find(|e| e.name == user)
                .ok_or_else(|| RuntimeError::NoSuchUser(user.to_string()))?;
            (e.uid()?, Some(e))
        }
    };
    let mut gid = match &entry {
        Some(e) => e.gid()?,
        None => 0,
    };
    let home = entry
        .as_ref()
        .map_or("/".to_string(), |e| e.home.to_string());
    if let Some(g) = grp {
        gid = match parse_id(g) {
            Some(_) => checked(g, || "gid".into())?,
            None => {
                let (name, raw, _) = group_entries(group)
                    .find(|(name, _, _)| *name == g)
                    .ok_or_else(|| RuntimeError::NoSuchGroup(g.to_string()))?;
                group_gid(name, raw)?
            }
        };
    }
    let mut additional_gids = Vec::new();
    if let Some(e) = &entry {
        if grp.is_none() {
            for (name, raw, members) in group_entries(group) {
                if !members.contains(&e.name) {
                    continue;
                }
                let id = group_gid(name, raw)?;
                if id != gid && !additional_gids.contains(&id) {
                    additional_gids.push(id);
                }
            }
        }
    }
    Ok(ExecUser {
        uid,
        gid,
        additional_gids,
        home,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    const PASSWD: &str = "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\nalice:x:1000:1000::/home/alice:/bin/sh\n";
    const GROUP: &str =
        "root:x:0:\nnogroup:x:65534:\nalice:x:1000:\nwheel:x:10:alice,bob\naudio:x:29:alice\n";

    #[test]
    fn by_name_gets_primary_and_supplementary_groups() {
        let u = resolve("alice", PASSWD, GROUP).unwrap();
        assert_eq!((u.uid, u.gid, u.home.as_str()), (1000, 1000, "/home/alice"));
        assert_eq!(u.additional_gids, vec![10, 29]);
    }

    #[test]
    fn by_number_need_not_exist() {
        assert_eq!(
            resolve("1234", PASSWD, GROUP).unwrap(),
            ExecUser {
                uid: 1234,
                gid: 0,
                additional_gids: vec![],
                home: "/".into()
            }
        );
        assert_eq!(
            resolve("65534", PASSWD, GROUP).unwrap().home,
            "/nonexistent"
        );
    }

    #[test]
    fn explicit_group_by_name_or_number() {
        let u = resolve("nobody:wheel", PASSWD, GROUP).unwrap();
        assert_eq!((u.uid, u.gid), (65534, 10));
        assert_eq!(resolve("5:7", PASSWD, GROUP).unwrap().gid, 7);
    }

    #[test]
    fn empty_is_root() {
        let u = resolve("", PASSWD, GROUP).unwrap();
        assert_eq!((u.uid, u.gid, u.home.as_str()), (0, 0, "/root"));
    }

    #[test]
    fn unknown_names_are_errors() {
        assert!(matches!(
            resolve("mallory", PASSWD, GROUP),
            Err(RuntimeError::NoSuchUser(_))
        ));
        assert!(matches!(
            resolve("alice:nope", PASSWD, GROUP),
            Err(RuntimeError::NoSuchGroup(_))
        ));
    }

    #[test]
    fn ids_out_of_range_are_errors() {
        let passwd =
            format!("{PASSWD}evil:x:4294967295:0::/:/bin/sh\nevilgid:x:5:4294967295::/:/bin/sh\n");
        let group = format!("{GROUP}evilgrp:x:2147483648:\nbig:x:99999999999999999999:alice\n");
        for spec in [
            "4294967295",
            "2147483648",
            "-1",
            "+2147483648",
            "99999999999999999999999999999999999999999",
            "nobody:4294967295",
            "0:-1",
            "evil",
            "evilgid",
            "nobody:evilgrp",
            "alice",
        ] {
            let e = resolve(spec, &passwd, &group).unwrap_err();
            assert!(
                matches!(e, RuntimeError::IdOutOfRange { .. }),
                "{spec}: {e}"
            );
            assert!(e.to_string().contains("2147483647"), "{e}");
        }
        let u = resolve("2147483647:2147483647", &passwd, &group).unwrap();
        assert_eq!((u.uid, u.gid), (MAX_ID, MAX_ID));
        // A name with ':' is a user and a group (that does not exist).
        assert!(matches!(
            resolve("a:b:c", &passwd, &group),
            Err(RuntimeError::NoSuchUser(_))
        ));
        assert!(matches!(
            resolve("nobody:b:c", &passwd, &group),
            Err(RuntimeError::NoSuchGroup(_))
        ));
    }
}
