//! The store handle: opening (and sweeping), reading images, naming, removal and GC.
use crate::digest::{chain_ids, hex_of};
use crate::fsutil::{read_blob_file, remove_any};
use crate::lock::Lock;
use crate::manifest::{ConfigRootfs, Descriptor, Manifest, OCI_CONFIG, OCI_MANIFEST};
use crate::records::{Records, RecordsFile};
use crate::{ImageId, Reference, Result, StoreError, Txn};
use berth_layer::UnpackOptions;
use oci_spec::image::ImageConfiguration;
use std::collections::HashSet;
use std::fs::{self, File};
use std::io::Read;
use std::path::{Path, PathBuf};

pub struct Store {
    root: PathBuf,
    /// Free space (bytes) a blob written to the store must leave on its file system.
    min_free: u64,
}

/// An image ready to run: its config and its unpacked layers, bottom layer first.
#[derive(Debug, Clone)]
pub struct ResolvedImage {
    pub id: ImageId,
    pub config: ImageConfiguration,
    /// The config blob as stored (`config` parsed from it), for callers that hand it on.
    pub raw_config: Vec<u8>,
    pub layer_dirs: Vec<PathBuf>,
    pub manifest_digest: String,
    pub manifest: Manifest,
    /// The manifest blob as stored (`manifest` parsed from it).
    pub raw_manifest: Vec<u8>,
    /// Full references (`docker.io/library/busybox:latest`) naming this image.
    pub references: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct ImageSummary {
    pub id: ImageId,
    pub references: Vec<String>,
    pub manifest_digest: String,
    /// Sum of the layer blob sizes.
    pub size: u64,
    pub created: Option<String>,
    pub stored: String,
}

#[derive(Debug, Clone, Default)]
pub struct RemoveReport {
    pub untagged: Vec<String>,
    pub deleted: Option<ImageId>,
}

#[derive(Debug, Clone, Default)]
pub struct GcReport {
    pub blobs: Vec<String>,
    pub layers: Vec<String>,
}

fn host_arch() -> &'static str {
    match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "arm" => "arm",
        "riscv64" => "riscv64",
        "powerpc64" => "ppc64le",
        "s390x" => "s390x",
        other => other,
    }
}

/// The image ID `s` names in `recs`: a reference, or an ID or unique ID prefix.
fn resolve_id(recs: &Records, s: &str) -> Result<ImageId> {
    if let Ok(r) = Reference::parse(s) {
        if let Some(id) = recs.refs.get(&r.to_string()) {
            return Ok(id.clone());
        }
    }
    let hex = s.strip_prefix("sha256:").unwrap_or(s);
    if hex.len() >= 4 && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        let hex = hex.to_ascii_lowercase();
        let hits: Vec<_> = recs
            .images
            .keys()
            .filter(|k| {
                k.strip_prefix("sha256:")
                    .is_some_and(|h| h.starts_with(&hex))
            })
            .collect();
        match hits.len() {
            1 => return Ok(hits[0].clone()),
            0 => {}
            _ => {
                return Err(StoreError::Conflict(format!(
                    "image ID prefix {s:?} is ambiguous"
                )))
            }
        }
    }
    Err(StoreError::NotFound {
        what: "image",
        name: s.to_string(),
    })
}

/// The directories the store itself makes under its root, parents first (not the
/// layers' own trees).
pub const STORE_DIRS: [&str; 7] = [
    "blobs",
    "blobs/sha256",
    "layers",
    "layers/sha256",
    "l",
    "tmp",
    "leases",
];

impl Store {
    /// Opens (creating if needed) the store at `root`. If no other process is using it,
    /// removes what crashed writers left in `tmp/`.
    ///
    /// The root is made (or made again) private to its owner, 0700, and so is every
    /// directory the store makes: see [`crate::fsutil::prepare_root`].
    pub fn open(root: &Path) -> Result<Store> {
        crate::fsutil::prepare_root(root)?;
        for d in STORE_DIRS {
            crate::fsutil::private_dir(&root.join(d))?;
        }
        let store = Store {
            min_free: berth_layer::DEFAULT_MIN_FREE,
            root: root.to_path_buf(),
        };
        if let Some(_l) = Lock::try_exclusive(&root.join("store.lock"))? {
            store.sweep_tmp()?;
        }
        Ok(store)
    }

    /// The store at `root` as it is, for calls that need no set-up (dropping a lease on
    /// a container's exit): unlike [`Store::open`] it creates and sweeps nothing.
    pub fn at(root: &Path) -> Store {
        Store {
            min_free: berth_layer::DEFAULT_MIN_FREE,
            root: root.to_path_buf(),
        }
    }

    fn sweep_tmp(&self) -> Result<()> {
        let tmp = self.tmp_dir();
        for e in fs::read_dir(&tmp).map_err(StoreError::io(&tmp))? {
            let e = e.map_err(StoreError::io(&tmp))?;
            remove_any(&e.path()).map_err(StoreError::io(e.path()))?;
        }
        Ok(())
    }

    /// The free space that writing a blob must leave (default
    /// [`berth_layer::DEFAULT_MIN_FREE`]); an ingest stops with an error before it.
    pub fn with_min_free(mut self, bytes: u64) -> Store {
        self.min_free = bytes;
        self
    }

    pub(crate) fn min_free(&self) -> u64 {
        self.min_free
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub(crate) fn tmp_dir(&self) -> PathBuf {
        self.root.join("tmp")
    }

    pub(crate) fn records(&self) -> RecordsFile {
        RecordsFile::new(&self.root)
    }

    /// Starts an image write (holds the store lock shared until dropped).
    pub fn begin(&self) -> Result<Txn<'_>> {
        Txn::new(self)
    }

    pub fn blob_path(&self, digest: &str) -> Result<PathBuf> {
        Ok(self.root.join("blobs/sha256").join(hex_of(digest)?))
    }

    pub fn layer_path(&self, chain_id: &str) -> Result<PathBuf> {
        Ok(self.root.join("layers/sha256").join(hex_of(chain_id)?))
    }

    pub fn has_blob(&self, digest: &str) -> bool {
        self.blob_path(digest).map(|p| p.exists()).unwrap_or(false)
    }

    pub fn has_layer(&self, chain_id: &str) -> bool {
        self.layer_path(chain_id)
            .map(|p| p.is_dir())
            .unwrap_or(false)
    }

    pub fn open_blob(&self, digest: &str) -> Result<File> {
        let p = self.blob_path(digest)?;
        File::open(&p).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => StoreError::NotFound {
                what: "blob",
                name: digest.to_string(),
            },
            _ => StoreError::io(&p)(e),
        })
    }

    pub fn read_blob(&self, digest: &str) -> Result<Vec<u8>> {
        read_blob_file(self.open_blob(digest)?, digest)
    }

    /// Imports a rootfs tar (plain, gzip or zstd) as a one-layer image named `reference`,
    /// with the default unpack limits. A tar that escapes its root, or any other failure,
    /// leaves the store unchanged.
    pub fn import_rootfs(&self, reader: impl Read, reference: &str) -> Result<ImageId> {
        self.import_rootfs_with(reader, reference, &UnpackOptions::default())
    }

    /// [`Store::import_rootfs`] with the caller's unpack options (size limit, free-space
    /// reserve). A layer over the limit is removed with everything else the import wrote.
    pub fn import_rootfs_with(
        &self,
        reader: impl Read,
        reference: &str,
        opts: &UnpackOptions,
    ) -> Result<ImageId> {
        let r = Reference::parse(reference)?;
        if r.digest.is_some() {
            return Err(StoreError::InvalidReference {
                reference: reference.to_string(),
                reason: "an imported image cannot be named by digest".into(),
            });
        }
        let txn = self.begin()?;
        let (blob, size) = txn.ingest(reader, None, "rootfs tar")?;
        let layer = txn.unpack_layer(&blob, None, None, opts)?;
        let compression = layer.compression.unwrap_or(berth_layer::Compression::None);
        let now = crate::fsutil::now_rfc3339();
        let config = serde_json::json!({
            "created": now,
            "architecture": host_arch(),
            "os": "linux",
            "config": {
                "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]
            },
            "rootfs": { "type": "layers", "diff_ids": [layer.diff_id] },
            "history": [{ "created": now, "created_by": "berth import", "comment": "imported from rootfs tar" }]
        });
        let config = serde_json::to_vec(&config).expect("json");
        let config_digest = txn.put_blob(&config, None, "image config")?;
        let manifest = Manifest {
            schema_version: 2,
            media_type: Some(OCI_MANIFEST.to_string()),
            config: Descriptor {
                media_type: OCI_CONFIG.to_string(),
                digest: config_digest,
                size: config.len() as u64,
                platform: None,
            },
            layers: vec![Descriptor {
                media_type: compression.oci_media_type().to_string(),
                digest: blob,
                size,
                platform: None,
            }],
        };
        let manifest = serde_json::to_vec(&manifest).expect("json");
        let md = txn.put_blob(&manifest, None, "image manifest")?;
        txn.commit(&md, None, &[r])
    }

    /// Finds an image by reference (`busybox`, `x:tag`, full form), or by ID (`sha256:…`,
    /// bare hex, or a unique prefix of at least 4 hex digits).
    pub fn resolve_image(&self, reference_or_id: &str) -> Result<ResolvedImage> {
        let recs = self.records().read()?;
        let id = resolve_id(&recs, reference_or_id)?;
        self.load_image(&recs, &id)
    }

    fn load_image(&self, recs: &Records, id: &str) -> Result<ResolvedImage> {
        let rec = recs.images.get(id).ok_or_else(|| StoreError::NotFound {
            what: "image",
            name: id.to_string(),
        })?;
        let raw = self.read_blob(&rec.manifest)?;
        let manifest: Manifest = serde_json::from_slice(&raw).map_err(|e| {
            StoreError::invalid(format!("manifest {}", rec.manifest), e.to_string())
        })?;
        let cfg_raw = self.read_blob(id)?;
        let config: ImageConfiguration = serde_json::from_slice(&cfg_raw)
            .map_err(|e| StoreError::invalid(format!("image config {id}"), e.to_string()))?;
        let mut layer_dirs = Vec::new();
        for c in chain_ids(config.rootfs().diff_ids()) {
            let p = self.layer_path(&c)?;
            if !p.is_dir() {
                return Err(StoreError::NotFound {
                    what: "unpacked layer",
                    name: format!("{c} of image {id}"),
                });
            }
            layer_dirs.push(p);
        }
        Ok(ResolvedImage {
            id: id.to_string(),
            config,
            layer_dirs,
            raw_config: cfg_raw,
            manifest_digest: rec.manifest.clone(),
            manifest,
            raw_manifest: raw,
            references: recs.refs_of(id),
        })
    }

    pub fn list_images(&self) -> Result<Vec<ImageSummary>> {
        let recs = self.records().read()?;
        let mut out = Vec::new();
        for (id, rec) in &recs.images {
            let manifest: Option<Manifest> = self
                .read_blob(&rec.manifest)
                .ok()
                .and_then(|b| serde_json::from_slice(&b).ok());
            // Only `created` is wanted: the rest of the config (history, env) is skipped,
            // not built into a JSON tree.
            #[derive(serde::Deserialize)]
            struct Created {
                created: Option<String>,
            }
            let created = self
                .read_blob(id)
                .ok()
                .and_then(|b| serde_json::from_slice::<Created>(&b).ok())
                .and_then(|c| c.created);
            out.push(ImageSummary {
                id: id.clone(),
                references: recs.refs_of(id),
                manifest_digest: rec.manifest.clone(),
                size: manifest
                    .map(|m| m.layers.iter().map(|l| l.size).sum())
                    .unwrap_or(0),
                created,
                stored: rec.stored.clone(),
            });
        }
        Ok(out)
    }

    /// Points `target` at the image `source` names.
    pub fn tag(&self, source: &str, target: &str) -> Result<()> {
        let t = Reference::parse(target)?;
        if t.digest.is_some() {
            return Err(StoreError::InvalidReference {
                reference: target.to_string(),
                reason: "cannot tag with a digest".into(),
            });
        }
        let id = resolve_id(&self.records().read()?, source)?;
        self.records().update(|r| {
            if !r.images.contains_key(&id) {
                return Err(StoreError::NotFound {
                    what: "image",
                    name: source.to_string(),
                });
            }
            r.refs.insert(t.to_string(), id.clone());
            Ok(())
        })
    }

    /// Docker's `rmi`: a name that is one of several on an image is just untagged; the last
    /// name (or the ID, with `force` when the image has several names) removes the image,
    /// then unreferenced blobs and layers are collected.
    pub fn remove_image(&self, name: &str, force: bool) -> Result<RemoveReport> {
        let recs = self.records().read()?;
        let id = resolve_id(&recs, name)?;
        let by_ref = Reference::parse(name)
            .ok()
            .map(|r| r.to_string())
            .filter(|r| recs.refs.contains_key(r));
        let holders: Vec<String> = self
            .leases()?
            .into_iter()
            .filter(|l| l.image == id)
            .map(|l| l.holder)
            .collect();
        let report = self.records().update(|r| {
            let refs = r.refs_of(&id);
            if !holders.is_empty() && !force && (by_ref.is_none() || refs.len() <= 1) {
                return Err(StoreError::Conflict(format!(
                    "image {id} is in use by {}; remove that first or use -f",
                    holders.join(", ")
                )));
            }
            let mut rep = RemoveReport::default();
            match &by_ref {
                Some(rf) if refs.len() > 1 => {
                    r.refs.remove(rf);
                    rep.untagged.push(rf.clone());
                    return Ok(rep);
                }
                None if refs.len() > 1 && !force => {
                    return Err(StoreError::Conflict(format!(
                        "image {id} is referenced by {} names ({}); remove them by name or use -f",
                        refs.len(),
                        refs.join(", ")
                    )));
                }
                _ => {}
            }
            for rf in refs {
                r.refs.remove(&rf);
                rep.untagged.push(rf);
            }
            r.images.remove(&id);
            rep.deleted = Some(id.clone());
            Ok(rep)
        })?;
        if report.deleted.is_some() {
            self.gc()?;
        }
        Ok(report)
    }

    /// Removes images with no name (docker's dangling images), then collects garbage.
    pub fn prune_dangling(&self) -> Result<(Vec<ImageId>, GcReport)> {
        let removed = self.records().update(|r| {
            let named: HashSet<String> = r.refs.values().cloned().collect();
            let gone: Vec<String> = r
                .images
                .keys()
                .filter(|k| !named.contains(*k))
                .cloned()
                .collect();
            for g in &gone {
                r.images.remove(g);
            }
            Ok(gone)
        })?;
        Ok((removed, self.gc()?))
    }

    /// Deletes every blob and layer no image record reaches. Holds the store lock
    /// exclusively, so it waits for writers in progress and never races them.
    pub fn gc(&self) -> Result<GcReport> {
        let _l = Lock::exclusive(&self.root.join("store.lock"))?;
        let recs = self.records().read()?;
        let mut blobs = HashSet::new();
        let mut layers = HashSet::new();
        // A set: every container of an image holds a lease on it, and each root's
        // manifest and config are read once, not once per holder.
        let mut roots: HashSet<(String, String)> = HashSet::new();
        for (id, rec) in &recs.images {
            roots.insert((id.clone(), rec.manifest.clone()));
            if let Some(i) = &rec.index {
                blobs.insert(i.clone());
            }
        }
        // Leased images stay whole even when their record is gone (rmi -f).
        roots.extend(self.leases()?.into_iter().map(|l| (l.image, l.manifest)));
        for (id, manifest) in &roots {
            blobs.insert(id.clone());
            blobs.insert(manifest.clone());
            if let Ok(m) = self.read_blob(manifest).and_then(|b| {
                serde_json::from_slice::<Manifest>(&b)
                    .map_err(|e| StoreError::invalid("manifest", e.to_string()))
            }) {
                blobs.extend(m.layers.into_iter().map(|l| l.digest));
            }
            if let Ok(c) = self.read_blob(id).and_then(|b| {
                serde_json::from_slice::<ConfigRootfs>(&b)
                    .map_err(|e| StoreError::invalid("config", e.to_string()))
            }) {
                layers.extend(chain_ids(&c.rootfs.diff_ids));
            }
        }
        let mut rep = GcReport::default();
        for (dir, keep, out) in [
            ("blobs/sha256", &blobs, &mut rep.blobs),
            ("layers/sha256", &layers, &mut rep.layers),
        ] {
            let d = self.root.join(dir);
            for e in fs::read_dir(&d).map_err(StoreError::io(&d))? {
                let e = e.map_err(StoreError::io(&d))?;
                let name = format!("sha256:{}", e.file_name().to_string_lossy());
                if !keep.contains(&name) {
                    // Layers are moved to tmp first so a crash mid-delete never leaves a
                    // half-deleted layer under its chain ID.
                    let tmp = crate::fsutil::temp_path(&self.tmp_dir(), "gc");
                    fs::rename(e.path(), &tmp).map_err(StoreError::io(e.path()))?;
                    remove_any(&tmp).map_err(StoreError::io(&tmp))?;
                    out.push(name);
                }
            }
        }
        crate::links::sweep(self)?;
        Ok(rep)
    }
}
