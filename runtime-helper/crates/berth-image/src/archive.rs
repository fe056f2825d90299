//! `docker save` archives (save and load) and OCI image layouts (load, directory or tar).
//!
//! Names inside an archive (`manifest.json`'s paths, `index.json`'s digests) are hostile:
//! they are only looked up in the archive's own table of entries, or checked as digests,
//! and never joined to a host path unchecked.
use crate::pull::{check_media_types, diff_ids};
use crate::{ImageError, Platform, Reference, Result};
use berth_layer::{detect_compression, UnpackOptions};
use berth_store::manifest::{
    Descriptor, Index, Manifest, DOCKER_LIST, OCI_CONFIG, OCI_INDEX, OCI_MANIFEST,
};
use berth_store::{hex_of, Commit, ImageId, Store, Txn};
use rustix::fs::{self as rfs, AtFlags, FileType, Mode, OFlags, ResolveFlags};
use rustix::io::Errno;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom};
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

const MAX_JSON: u64 = 16 << 20;

#[derive(Serialize, Deserialize)]
struct SaveEntry {
    #[serde(rename = "Config")]
    config: String,
    #[serde(rename = "RepoTags", default)]
    repo_tags: Option<Vec<String>>,
    #[serde(rename = "Layers")]
    layers: Vec<String>,
}

/// Writes `images` as a `docker save` archive (uncompressed layer tars named by diffID, so
/// `docker load` and skopeo accept it and a reload gives the same image IDs).
pub fn save(store: &Store, images: &[String], out: &Path) -> Result<()> {
    let (f, tmp) = create_beside(out)?;
    let r = (|| {
        let mut b = tar::Builder::new(io::BufWriter::new(f));
        let mut entries = Vec::new();
        let mut written = std::collections::HashSet::new();
        for name in images {
            let img = store.resolve_image(name)?;
            let chex = hex_of(&img.id)?.to_string();
            let tags: Vec<String> = match Reference::parse(name) {
                Ok(r) if img.references.contains(&r.to_string()) && r.tag.is_some() => {
                    vec![r.familiar()]
                }
                _ => img
                    .references
                    .iter()
                    .filter_map(|r| Reference::parse(r).ok())
                    .filter(|r| r.digest.is_none())
                    .map(|r| r.familiar())
                    .collect(),
            };
            if written.insert(chex.clone()) {
                append(
                    &mut b,
                    &format!("{chex}.json"),
                    img.raw_config.len() as u64,
                    &img.raw_config[..],
                )?;
            }
            let mut layers = Vec::new();
            for (l, diff) in img
                .manifest
                .layers
                .iter()
                .zip(img.config.rootfs().diff_ids())
            {
                let dhex = hex_of(diff)?;
                let path = format!("{dhex}/layer.tar");
                if written.insert(path.clone()) {
                    let size = {
                        let mut r = decoded(store, &l.digest)?;
                        io::copy(&mut r, &mut io::sink())
                            .map_err(ImageError::io(l.digest.clone()))?
                    };
                    append(&mut b, &path, size, decoded(store, &l.digest)?)?;
                }
                layers.push(path);
            }
            entries.push(SaveEntry {
                config: format!("{chex}.json"),
                repo_tags: Some(tags),
                layers,
            });
        }
        let m = serde_json::to_vec(&entries).expect("json");
        append(&mut b, "manifest.json", m.len() as u64, &m[..])?;
        let w = b
            .into_inner()
            .map_err(ImageError::io(out.display().to_string()))?;
        let f = w
            .into_inner()
            .map_err(|e| ImageError::io(out.display().to_string())(e.into_error()))?;
        f.sync_all()
            .map_err(ImageError::io(out.display().to_string()))?;
        std::fs::rename(&tmp, out).map_err(ImageError::io(out.display().to_string()))
    })();
    if r.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    r
}

/// A new file beside `out` for writing it atomically. O_EXCL: a symlink or file someone
/// planted at the name (in a shared directory such as /tmp) is never written through.
/// 0644, as `docker save` writes.
fn create_beside(out: &Path) -> Result<(File, PathBuf)> {
    let what = || out.display().to_string();
    let name = out
        .file_name()
        .ok_or_else(|| ImageError::invalid(what(), "not a file name"))?;
    let mut last = None;
    for attempt in 0..16u32 {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let tmp = out.with_file_name(format!(
            ".{}.berth-tmp{}-{nanos}-{attempt}",
            name.to_string_lossy(),
            std::process::id()
        ));
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o644)
            .open(&tmp)
        {
            Ok(f) => return Ok((f, tmp)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last = Some(e),
            Err(e) => return Err(ImageError::io(what())(e)),
        }
    }
    Err(ImageError::io(what())(last.unwrap_or_else(|| {
        io::Error::other("no free temporary name")
    })))
}

fn decoded(store: &Store, digest: &str) -> Result<Box<dyn Read>> {
    let mut r = BufReader::new(store.open_blob(digest)?);
    let c = detect_compression(&mut r).map_err(ImageError::io(digest.to_string()))?;
    c.decoder(r).map_err(ImageError::io(digest.to_string()))
}

fn append<W: io::Write>(
    b: &mut tar::Builder<W>,
    name: &str,
    size: u64,
    data: impl Read,
) -> Result<()> {
    let mut h = tar::Header::new_ustar();
    h.set_size(size);
    h.set_mode(0o644);
    h.set_mtime(0);
    h.set_uid(0);
    h.set_gid(0);
    h.set_entry_type(tar::EntryType::Regular);
    b.append_data(&mut h, name, data)
        .map_err(ImageError::io(format!("writing {name}")))
}

/// Where archive members come from: a directory (OCI layout) or a tar file (indexed once).
///
/// Every name is resolved inside the archive: in a directory with
/// `openat2(RESOLVE_BENEATH)` from a handle on it (symlinks inside it are followed while
/// they stay inside; `..`, absolute symlinks and magic links out of it are refused); in a
/// tar through its own table of members, following its symlinks and hard links only to
/// other members. Names with `..` or a leading `/` are refused before any lookup.
enum Source {
    Dir {
        dir: PathBuf,
        fd: OwnedFd,
    },
    Tar {
        file: PathBuf,
        members: HashMap<String, Member>,
    },
}

/// A tar member that can be looked up by name.
enum Member {
    /// Offset and size of a regular file's data.
    File(u64, u64),
    /// A symlink's target, as written (relative to the member's directory).
    Symlink(String),
    /// A hard link's target: another member's name (relative to the archive's root).
    Hardlink(String),
    /// A directory, or a kind of entry we never read (device, FIFO).
    Other,
}

/// The most links followed for one name (Linux's own limit is 40).
const MAX_HOPS: usize = 40;

/// `name` as components, with empty and `.` parts dropped; `None` if it is absolute or has
/// a `..` or NUL anywhere.
fn plain_components(name: &str) -> Option<Vec<&str>> {
    if name.starts_with('/') || name.contains('\0') {
        return None;
    }
    let mut out = Vec::new();
    for c in name.split('/') {
        match c {
            "" | "." => {}
            ".." => return None,
            c => out.push(c),
        }
    }
    Some(out)
}

/// A name the archive's own files gave (manifest.json's `Config` and `Layers`), checked to
/// stay inside the archive: relative, no `..`, not empty. `what` says where it was found.
fn member_name(name: &str, what: &str) -> Result<String> {
    match plain_components(name) {
        Some(c) if !c.is_empty() && name.len() <= 4096 => Ok(c.join("/")),
        _ => Err(ImageError::invalid(
            what.to_string(),
            format!(
                "path {} is not inside the archive (absolute, `..` or empty paths are refused)",
                berth_layer::quoted(name)
            ),
        )),
    }
}

/// A tar member's own name, normalised; the leading `/` GNU tar would strip is dropped
/// too. `None` for names with `..` (never reachable by a lookup).
fn tar_member_name(raw: &[u8]) -> Option<String> {
    let s = String::from_utf8_lossy(raw);
    plain_components(s.trim_start_matches('/')).map(|c| c.join("/"))
}

impl Source {
    fn open(input: &Path) -> Result<Source> {
        let what = input.display().to_string();
        let md = std::fs::metadata(input).map_err(ImageError::io(what.clone()))?;
        if md.is_dir() {
            let fd = rfs::open(
                input,
                OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC,
                Mode::empty(),
            )
            .map_err(|e| ImageError::io(what.clone())(e.into()))?;
            return Ok(Source::Dir {
                dir: input.to_path_buf(),
                fd,
            });
        }
        let f = File::open(input).map_err(ImageError::io(what.clone()))?;
        let mut a = tar::Archive::new(BufReader::new(f));
        let mut members = HashMap::new();
        for e in a.entries().map_err(ImageError::io(what.clone()))? {
            let e = e.map_err(|e| ImageError::invalid(&what, format!("not a tar archive: {e}")))?;
            let Some(name) = tar_member_name(&e.path_bytes()) else {
                continue;
            };
            let link = || {
                e.link_name_bytes()
                    .map(|l| String::from_utf8_lossy(&l).into_owned())
                    .unwrap_or_default()
            };
            let m = match e.header().entry_type() {
                tar::EntryType::Regular | tar::EntryType::Continuous => {
                    Member::File(e.raw_file_position(), e.size())
                }
                tar::EntryType::Symlink => Member::Symlink(link()),
                tar::EntryType::Link => Member::Hardlink(link()),
                _ => Member::Other,
            };
            members.insert(name, m);
        }
        Ok(Source::Tar {
            file: input.to_path_buf(),
            members,
        })
    }

    fn what(&self, name: &str) -> String {
        let base = match self {
            Source::Dir { dir, .. } => dir,
            Source::Tar { file, .. } => file,
        };
        format!("{} member {}", base.display(), berth_layer::quoted(name))
    }

    /// Whether the archive has something under `name` (a fixed name: `manifest.json`).
    /// Something that is there but unusable (a symlink out, a directory) still counts, so
    /// reading it gives the precise error.
    fn has(&self, name: &str) -> bool {
        match self {
            Source::Dir { fd, .. } => rfs::statat(fd, name, AtFlags::SYMLINK_NOFOLLOW).is_ok(),
            Source::Tar { members, .. } => members.contains_key(name),
        }
    }

    /// The offset and size of the tar member `name` resolves to, following the archive's
    /// own symlinks and hard links, never out of it.
    fn resolve_tar(&self, members: &HashMap<String, Member>, name: &str) -> Result<(u64, u64)> {
        let bad = |reason: String| ImageError::invalid(self.what(name), reason);
        let mut path: Vec<String> = match plain_components(name) {
            Some(c) => c.into_iter().map(str::to_string).collect(),
            None => return Err(bad("absolute or `..` path".into())),
        };
        let mut hops = 0;
        'walk: loop {
            // The first prefix that is a link is replaced by its target, then the walk
            // starts over; a path with no links left must be a regular file.
            for i in 0..path.len() {
                let prefix = path[..=i].join("/");
                let target = match members.get(&prefix) {
                    Some(Member::File(off, len)) if i + 1 == path.len() => return Ok((*off, *len)),
                    Some(Member::Symlink(t)) => {
                        if t.starts_with('/') {
                            return Err(bad(format!(
                                "{} is a symlink to the absolute path {}, outside the archive",
                                berth_layer::quoted(&prefix),
                                berth_layer::quoted(t)
                            )));
                        }
                        let mut base: Vec<String> = path[..i].to_vec();
                        base.push(t.clone());
                        (base.join("/"), "symlink")
                    }
                    Some(Member::Hardlink(t)) => (t.clone(), "hard link"),
                    Some(Member::Other) if i + 1 == path.len() => {
                        return Err(bad("not a regular file".into()))
                    }
                    _ => continue,
                };
                hops += 1;
                if hops > MAX_HOPS {
                    return Err(bad("too many levels of links".into()));
                }
                let mut next: Vec<String> = Vec::new();
                for c in target.0.split('/') {
                    match c {
                        "" | "." => {}
                        ".." => {
                            if next.pop().is_none() {
                                return Err(bad(format!(
                                    "{} is a {} to {}, outside the archive",
                                    berth_layer::quoted(&prefix),
                                    target.1,
                                    berth_layer::quoted(match members.get(&prefix) {
                                        Some(Member::Symlink(t)) | Some(Member::Hardlink(t)) => t,
                                        _ => "",
                                    })
                                )));
                            }
                        }
                        c => next.push(c.to_string()),
                    }
                }
                next.extend(path[i + 1..].iter().cloned());
                path = next;
                continue 'walk;
            }
            return Err(bad("no such member in the archive".into()));
        }
    }

    fn reader(&self, name: &str) -> Result<Box<dyn Read + Send>> {
        match self {
            Source::Dir { fd, .. } => {
                let what = || self.what(name);
                if plain_components(name).is_none() {
                    return Err(ImageError::invalid(what(), "absolute or `..` path"));
                }
                // O_PATH first: nothing is opened for reading (a device's open has side
                // effects) before the kind of file is known.
                let path = rfs::openat2(
                    fd,
                    name,
                    OFlags::PATH | OFlags::CLOEXEC,
                    Mode::empty(),
                    ResolveFlags::BENEATH | ResolveFlags::NO_MAGICLINKS,
                )
                .map_err(|e| match e {
                    Errno::XDEV | Errno::LOOP => ImageError::invalid(
                        what(),
                        "resolves outside the directory (a symlink or `..` leading out of it)",
                    ),
                    e => ImageError::io(what())(e.into()),
                })?;
                let st = rfs::fstat(&path).map_err(|e| ImageError::io(what())(e.into()))?;
                // FIFOs are read as streams, as `cat` would; devices and the rest never.
                match FileType::from_raw_mode(st.st_mode) {
                    FileType::RegularFile | FileType::Fifo => {}
                    t => {
                        return Err(ImageError::invalid(
                            what(),
                            format!("not a regular file ({t:?})"),
                        ))
                    }
                }
                // Reopened through the handle we checked, not by name again.
                let f = rfs::open(
                    format!("/proc/self/fd/{}", path.as_raw_fd()),
                    OFlags::RDONLY | OFlags::CLOEXEC | OFlags::NOCTTY,
                    Mode::empty(),
                )
                .map_err(|e| ImageError::io(what())(e.into()))?;
                Ok(Box::new(File::from(f)))
            }
            Source::Tar { file, members } => {
                let (off, len) = self.resolve_tar(members, name)?;
                let mut f = File::open(file).map_err(ImageError::io(file.display().to_string()))?;
                f.seek(SeekFrom::Start(off))
                    .map_err(ImageError::io(file.display().to_string()))?;
                Ok(Box::new(f.take(len)))
            }
        }
    }

    /// A small member (JSON), at most MAX_JSON bytes of it.
    fn read_small(&self, name: &str) -> Result<Vec<u8>> {
        let mut b = Vec::new();
        self.reader(name)?
            .take(MAX_JSON + 1)
            .read_to_end(&mut b)
            .map_err(ImageError::io(self.what(name)))?;
        if b.len() as u64 > MAX_JSON {
            return Err(ImageError::invalid(
                self.what(name),
                format!("larger than {}", berth_layer::human_size(MAX_JSON)),
            ));
        }
        Ok(b)
    }

    fn read_json<T: serde::de::DeserializeOwned>(&self, name: &str) -> Result<T> {
        serde_json::from_slice(&self.read_small(name)?)
            .map_err(|e| ImageError::invalid(self.what(name), e.to_string()))
    }
}

/// Loads every image in a `docker save` archive or an OCI layout, unpacking layers with
/// `opts` (size limit, free-space reserve). All images are committed together or none:
/// a bad path, blob or layer anywhere leaves the store as it was. Returns the image IDs
/// with the names they got.
pub fn load(
    store: &Store,
    input: &Path,
    opts: &UnpackOptions,
) -> Result<Vec<(ImageId, Vec<String>)>> {
    let src = Source::open(input)?;
    if src.has("manifest.json") {
        load_docker(store, &src, opts)
    } else if src.has("index.json") && src.has("oci-layout") {
        load_oci(store, &src, opts)
    } else {
        Err(ImageError::invalid(
            input.display().to_string(),
            "neither a docker save archive (manifest.json) nor an OCI layout (index.json)",
        ))
    }
}

/// A `docker save` manifest entry whose paths and names were checked.
struct CheckedEntry {
    config: String,
    layers: Vec<String>,
    refs: Vec<Reference>,
}

fn load_docker(
    store: &Store,
    src: &Source,
    opts: &UnpackOptions,
) -> Result<Vec<(ImageId, Vec<String>)>> {
    let entries: Vec<SaveEntry> = src.read_json("manifest.json")?;
    // Every path and name is checked before anything is read or written.
    let mut checked = Vec::with_capacity(entries.len());
    for (i, e) in entries.into_iter().enumerate() {
        let what = format!("manifest.json image {i}");
        checked.push(CheckedEntry {
            config: member_name(&e.config, &format!("{what} Config"))?,
            layers: e
                .layers
                .iter()
                .map(|l| member_name(l, &format!("{what} Layers")))
                .collect::<Result<_>>()?,
            refs: e
                .repo_tags
                .unwrap_or_default()
                .iter()
                .map(|t| Reference::parse(t))
                .collect::<std::result::Result<_, _>>()?,
        });
    }
    let txn = store.begin()?;
    let mut manifests = Vec::with_capacity(checked.len());
    for e in &checked {
        let config = src.read_small(&e.config)?;
        let cd = txn.put_blob(&config, None, &src.what(&e.config))?;
        let mut layers = Vec::new();
        for l in &e.layers {
            // Peeked on the way in, rather than reopening the ingested blob.
            let mut br = BufReader::new(src.reader(l)?);
            let c = detect_compression(&mut br).map_err(ImageError::io(src.what(l)))?;
            let (d, size) = txn.ingest(br, None, &src.what(l))?;
            layers.push(Descriptor {
                media_type: c.oci_media_type().to_string(),
                digest: d,
                size,
                platform: None,
            });
        }
        let manifest = Manifest {
            schema_version: 2,
            media_type: Some(OCI_MANIFEST.to_string()),
            config: Descriptor {
                media_type: OCI_CONFIG.to_string(),
                digest: cd.clone(),
                size: config.len() as u64,
                platform: None,
            },
            layers,
        };
        unpack_layers(&txn, &manifest, &config, &cd, opts)?;
        let md = txn.put_blob(
            &serde_json::to_vec(&manifest).expect("json"),
            None,
            "manifest",
        )?;
        manifests.push(md);
    }
    let commits: Vec<Commit> = checked
        .iter()
        .zip(&manifests)
        .map(|(e, md)| Commit {
            manifest: md,
            index: None,
            refs: &e.refs,
        })
        .collect();
    let ids = txn.commit_all(&commits)?;
    Ok(ids
        .into_iter()
        .zip(&checked)
        .map(|(id, e)| (id, e.refs.iter().map(|r| r.familiar()).collect()))
        .collect())
}

/// Unpacks an image's layers (checking each against the config's diffIDs).
fn unpack_layers(
    txn: &Txn,
    m: &Manifest,
    config: &[u8],
    id: &str,
    opts: &UnpackOptions,
) -> Result<()> {
    let diffs = diff_ids(config, m, id)?;
    let chains = berth_store::chain_ids(&diffs);
    for (i, l) in m.layers.iter().enumerate() {
        txn.unpack_layer(
            &l.digest,
            Some(&diffs[i]),
            i.checked_sub(1).map(|p| chains[p].as_str()),
            opts,
        )?;
    }
    Ok(())
}

fn copy_blob(txn: &Txn, src: &Source, d: &Descriptor) -> Result<()> {
    if txn.has_blob(&d.digest) {
        return Ok(());
    }
    let hex = hex_of(&d.digest)?;
    let r = src.reader(&format!("blobs/sha256/{hex}"))?;
    txn.ingest(r, Some((&d.digest, d.size)), &format!("blob {}", d.digest))?;
    Ok(())
}

#[derive(Deserialize)]
struct AnnotatedIndex {
    manifests: Vec<AnnotatedDescriptor>,
}

#[derive(Deserialize)]
struct AnnotatedDescriptor {
    #[serde(flatten)]
    desc: Descriptor,
    #[serde(default)]
    annotations: BTreeMap<String, String>,
}

fn load_oci(
    store: &Store,
    src: &Source,
    opts: &UnpackOptions,
) -> Result<Vec<(ImageId, Vec<String>)>> {
    let index: AnnotatedIndex = src.read_json("index.json")?;
    // Names and digests are checked before anything is read or written.
    let mut wanted = Vec::with_capacity(index.manifests.len());
    for ad in index.manifests {
        hex_of(&ad.desc.digest)?;
        let name = ad
            .annotations
            .get("io.containerd.image.name")
            .or_else(|| ad.annotations.get("org.opencontainers.image.ref.name"))
            .filter(|n| n.contains('/') || n.contains(':'))
            .map(|n| Reference::parse(n))
            .transpose()?;
        wanted.push((ad.desc, name.into_iter().collect::<Vec<Reference>>()));
    }
    let txn = store.begin()?;
    let mut manifests = Vec::with_capacity(wanted.len());
    for (top, _) in &wanted {
        let mut desc = top.clone();
        if desc.media_type == OCI_INDEX || desc.media_type == DOCKER_LIST {
            copy_blob(&txn, src, &desc)?;
            let idx: Index =
                serde_json::from_slice(&txn.read_blob(&desc.digest)?).map_err(|e| {
                    ImageError::invalid(format!("index {}", desc.digest), e.to_string())
                })?;
            let host = Platform::host();
            desc = idx
                .manifests
                .into_iter()
                .find(|m| m.platform.as_ref().is_some_and(|p| host.matches(p)))
                .ok_or_else(|| {
                    ImageError::invalid(
                        format!("index {}", desc.digest),
                        format!("no image for {host}"),
                    )
                })?;
        }
        copy_blob(&txn, src, &desc)?;
        let m: Manifest = serde_json::from_slice(&txn.read_blob(&desc.digest)?)
            .map_err(|e| ImageError::invalid(format!("manifest {}", desc.digest), e.to_string()))?;
        check_media_types(&m, &desc.digest)?;
        copy_blob(&txn, src, &m.config)?;
        for l in &m.layers {
            copy_blob(&txn, src, l)?;
        }
        let config = txn.read_blob(&m.config.digest)?;
        unpack_layers(&txn, &m, &config, &m.config.digest, opts)?;
        manifests.push(desc.digest);
    }
    let commits: Vec<Commit> = wanted
        .iter()
        .zip(&manifests)
        .map(|((_, refs), md)| Commit {
            manifest: md,
            index: None,
            refs,
        })
        .collect();
    let ids = txn.commit_all(&commits)?;
    Ok(ids
        .into_iter()
        .zip(&wanted)
        .map(|(id, (_, refs))| (id, refs.iter().map(|r| r.familiar()).collect()))
        .collect())
}
