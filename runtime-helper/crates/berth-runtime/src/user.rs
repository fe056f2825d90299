//! Resolves `-u USER[:GROUP]` against the image's /etc/passwd and /etc/group (pure text in,
//! ids out), with docker's rules: names must exist, numbers need not.
use crate::{Result, RuntimeError};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecUser {
    pub uid: u32,
    pub gid: u32,
    pub additional_gids: Vec<u32>,
    pub home: String,
}

struct PasswdEntry<'a> {
    name: &'a str,
    uid: u32,
    gid: u32,
    home: &'a str,
}

fn passwd_entries(passwd: &str) -> impl Iterator<Item = PasswdEntry<'_>> {
    passwd.lines().filter_map(|l| {
        let f: Vec<&str> = l.split(':').collect();
        if f.len() < 7 || l.starts_with('#') {
            return None;
        }
        Some(PasswdEntry {
            name: f[0],
            uid: f[2].parse().ok()?,
            gid: f[3].parse().ok()?,
            home: f[5],
        })
    })
}

/// (name, gid, members)
fn group_entries(group: &str) -> impl Iterator<Item = (&str, u32, Vec<&str>)> {
    group.lines().filter_map(|l| {
        let f: Vec<&str> = l.split(':').collect();
        if f.len() < 4 || l.starts_with('#') {
            return None;
        }
        let members = f[3].split(',').filter(|m| !m.is_empty()).collect();
        Some((f[0], f[2].parse().ok()?, members))
    })
}

/// `spec` is "", "name", "uid", "name:group", "uid:gid" (any mix).
pub fn resolve(spec: &str, passwd: &str, group: &str) -> Result<ExecUser> {
    let (user, grp) = match spec.split_once(':') {
        Some((u, g)) => (u, Some(g)),
        None => (spec, None),
    };
    let user = if user.is_empty() { "0" } else { user };
    let entry = match user.parse::<u32>() {
        Ok(uid) => passwd_entries(passwd).find(|e| e.uid == uid),
        Err(_) => Some(
            passwd_entries(passwd)
                .find(|e| e.name == user)
                .ok_or_else(|| RuntimeError::NoSuchUser(user.to_string()))?,
        ),
    };
    let uid = match &entry {
        Some(e) => e.uid,
        None => user.parse().expect("numeric uid checked above"),
    };
    let mut gid = entry.as_ref().map_or(0, |e| e.gid);
    let home = entry
        .as_ref()
        .map_or("/".to_string(), |e| e.home.to_string());
    if let Some(g) = grp {
        gid = match g.parse::<u32>() {
            Ok(n) => n,
            Err(_) => group_entries(group)
                .find(|(name, _, _)| *name == g)
                .map(|(_, id, _)| id)
                .ok_or_else(|| RuntimeError::NoSuchGroup(g.to_string()))?,
        };
    }
    let mut additional_gids = Vec::new();
    if let Some(e) = &entry {
        if grp.is_none() {
            for (_, id, members) in group_entries(group) {
                if members.contains(&e.name) && id != gid && !additional_gids.contains(&id) {
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
}
