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
use berth_store::{hex_of, ImageId, Store, Txn};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom};
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
    let tmp = out.with_file_name(format!(
        ".{}.berth-tmp{}",
        out.file_name().and_then(|n| n.to_str()).unwrap_or("save"),
        std::process::id()
    ));
    let r = (|| {
        let f = File::create(&tmp).map_err(ImageError::io(tmp.display().to_string()))?;
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
enum Source {
    Dir(PathBuf),
    Tar {
        file: PathBuf,
        entries: HashMap<String, (u64, u64)>,
    },
}

fn clean(name: &str) -> String {
    name.trim_start_matches("./")
        .trim_start_matches('/')
        .to_string()
}

impl Source {
    fn open(input: &Path) -> Result<Source> {
        let what = input.display().to_string();
        let md = std::fs::metadata(input).map_err(ImageError::io(what.clone()))?;
        if md.is_dir() {
            return Ok(Source::Dir(input.to_path_buf()));
        }
        let f = File::open(input).map_err(ImageError::io(what.clone()))?;
        let mut a = tar::Archive::new(BufReader::new(f));
        let mut entries = HashMap::new();
        for e in a.entries().map_err(ImageError::io(what.clone()))? {
            let e = e.map_err(|e| ImageError::invalid(&what, format!("not a tar archive: {e}")))?;
            if e.header().entry_type().is_file() {
                let name = clean(&String::from_utf8_lossy(&e.path_bytes()));
                entries.insert(name, (e.raw_file_position(), e.size()));
            }
        }
        Ok(Source::Tar {
            file: input.to_path_buf(),
            entries,
        })
    }

    fn has(&self, name: &str) -> bool {
        match self {
            Source::Dir(d) => d.join(name).is_file(),
            Source::Tar { entries, .. } => entries.contains_key(name),
        }
    }

    fn reader(&self, name: &str) -> Result<Box<dyn Read + Send>> {
        let name = clean(name);
        match self {
            Source::Dir(d) => {
                // Only called with fixed names or `blobs/sha256/<checked hex>`.
                let p = d.join(&name);
                let f = File::open(&p).map_err(ImageError::io(p.display().to_string()))?;
                Ok(Box::new(f))
            }
            Source::Tar { file, entries } => {
                let (off, len) = *entries.get(&name).ok_or_else(|| {
                    ImageError::invalid(file.display().to_string(), format!("no member {name:?}"))
                })?;
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
            .take(MAX_JSON)
            .read_to_end(&mut b)
            .map_err(ImageError::io(name.to_string()))?;
        Ok(b)
    }

    fn read_json<T: serde::de::DeserializeOwned>(&self, name: &str) -> Result<T> {
        serde_json::from_slice(&self.read_small(name)?)
            .map_err(|e| ImageError::invalid(name.to_string(), e.to_string()))
    }
}

/// Loads every image in a `docker save` archive or an OCI layout. Returns the image IDs
/// with the names they got.
pub fn load(store: &Store, input: &Path) -> Result<Vec<(ImageId, Vec<String>)>> {
    let src = Source::open(input)?;
    if src.has("manifest.json") {
        load_docker(store, &src)
    } else if src.has("index.json") && src.has("oci-layout") {
        load_oci(store, &src)
    } else {
        Err(ImageError::invalid(
            input.display().to_string(),
            "neither a docker save archive (manifest.json) nor an OCI layout (index.json)",
        ))
    }
}

fn load_docker(store: &Store, src: &Source) -> Result<Vec<(ImageId, Vec<String>)>> {
    let entries: Vec<SaveEntry> = src.read_json("manifest.json")?;
    let mut out = Vec::new();
    for e in entries {
        let txn = store.begin()?;
        let config = src.read_small(&e.config)?;
        let cd = txn.put_blob(&config, None, &e.config)?;
        let mut layers = Vec::new();
        for l in &e.layers {
            // Peeked on the way in, rather than reopening the ingested blob.
            let mut br = BufReader::new(src.reader(l)?);
            let c = detect_compression(&mut br).map_err(ImageError::io(l.clone()))?;
            let (d, size) = txn.ingest(br, None, l)?;
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
        let refs: Vec<Reference> = e
            .repo_tags
            .unwrap_or_default()
            .iter()
            .map(|t| Reference::parse(t))
            .collect::<std::result::Result<_, _>>()?;
        unpack_layers(&txn, &manifest, &config, &cd)?;
        let md = txn.put_blob(
            &serde_json::to_vec(&manifest).expect("json"),
            None,
            "manifest",
        )?;
        let got = txn.commit(&md, None, &refs)?;
        debug_assert_eq!(got, cd);
        out.push((got, refs.iter().map(|r| r.familiar()).collect()));
    }
    Ok(out)
}

/// Unpacks an image's layers (checking each against the config's diffIDs).
fn unpack_layers(txn: &Txn, m: &Manifest, config: &[u8], id: &str) -> Result<()> {
    let diffs = diff_ids(config, m, id)?;
    let chains = berth_store::chain_ids(&diffs);
    for (i, l) in m.layers.iter().enumerate() {
        txn.unpack_layer(
            &l.digest,
            Some(&diffs[i]),
            i.checked_sub(1).map(|p| chains[p].as_str()),
            &UnpackOptions::default(),
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

fn load_oci(store: &Store, src: &Source) -> Result<Vec<(ImageId, Vec<String>)>> {
    let index: AnnotatedIndex = src.read_json("index.json")?;
    let mut out = Vec::new();
    for ad in index.manifests {
        let name = ad
            .annotations
            .get("io.containerd.image.name")
            .or_else(|| ad.annotations.get("org.opencontainers.image.ref.name"))
            .filter(|n| n.contains('/') || n.contains(':'))
            .map(|n| Reference::parse(n))
            .transpose()?;
        let txn = store.begin()?;
        let mut desc = ad.desc;
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
        unpack_layers(&txn, &m, &config, &m.config.digest)?;
        let refs: Vec<Reference> = name.into_iter().collect();
        let id = txn.commit(&desc.digest, None, &refs)?;
        out.push((id, refs.iter().map(|r| r.familiar()).collect()));
    }
    Ok(out)
}
