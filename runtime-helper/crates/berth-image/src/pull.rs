//! `pull`: manifest (through an index, by platform), config, then the layers in parallel,
//! each verified by digest and size, unpacked and checked against its diffID, and the
//! whole image committed to the store at once.
use crate::progress::{short, ProgressReader};
use crate::registry::{Body, Registry, RegistryOptions};
use crate::{ImageError, Platform, Progress, Reference, Result};
use berth_layer::UnpackOptions;
use berth_store::manifest::{
    is_layer_media_type, ConfigRootfs, Descriptor, Index, Manifest, DOCKER_CONFIG, DOCKER_LIST,
    DOCKER_MANIFEST, OCI_CONFIG, OCI_INDEX, OCI_MANIFEST,
};
use berth_store::{chain_ids, ImageId, Store, Txn};
use std::io::Read;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

const ACCEPT: &str = "application/vnd.oci.image.index.v1+json, \
application/vnd.docker.distribution.manifest.list.v2+json, \
application/vnd.oci.image.manifest.v1+json, \
application/vnd.docker.distribution.manifest.v2+json";

/// Manifests and configs are small; anything bigger is refused before it fills memory.
const MAX_MANIFEST: u64 = 4 << 20;
const MAX_CONFIG: u64 = 32 << 20;

#[derive(Debug, Clone)]
pub struct PullOptions {
    pub platform: Platform,
    pub registry: RegistryOptions,
    /// Layers fetched at once.
    pub jobs: usize,
    /// How layers are unpacked: size limit and free-space reserve.
    pub unpack: UnpackOptions,
}

impl Default for PullOptions {
    fn default() -> Self {
        PullOptions {
            platform: Platform::host(),
            registry: RegistryOptions::default(),
            jobs: 3,
            unpack: UnpackOptions::default(),
        }
    }
}

pub(crate) fn scope_pull(r: &Reference) -> String {
    format!("repository:{}:pull", r.repository)
}

/// GETs a manifest or index by tag or digest. Returns body, media type and digest.
fn fetch_manifest(
    reg: &Registry,
    r: &Reference,
    object: &str,
) -> Result<(Vec<u8>, String, String)> {
    let url = reg.url(&format!("/v2/{}/manifests/{object}", r.repository));
    let resp = reg.request(
        "GET",
        &url,
        &scope_pull(r),
        &[("Accept", ACCEPT)],
        Body::Empty,
    )?;
    let ct = resp
        .header("Content-Type")
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_string();
    let mut body = Vec::new();
    resp.into_reader()
        .take(MAX_MANIFEST + 1)
        .read_to_end(&mut body)
        .map_err(ImageError::io(format!("reading manifest {url}")))?;
    if body.len() as u64 > MAX_MANIFEST {
        return Err(ImageError::invalid(
            format!("manifest {url}"),
            "larger than 4 MiB",
        ));
    }
    let digest = berth_store::sha256(&body);
    if object.starts_with("sha256:") && digest != object {
        return Err(ImageError::Store(berth_store::StoreError::DigestMismatch {
            what: format!("manifest {url}"),
            expected: object.to_string(),
            actual: digest,
        }));
    }
    let v: serde_json::Value = serde_json::from_slice(&body)
        .map_err(|e| ImageError::invalid(format!("manifest {url}"), e.to_string()))?;
    let mt = v
        .get("mediaType")
        .and_then(|m| m.as_str())
        .map(str::to_string)
        .unwrap_or(ct);
    Ok((body, mt, digest))
}

fn fetch_blob(
    reg: &Registry,
    r: &Reference,
    txn: &Txn,
    d: &Descriptor,
    what: &str,
    progress: &dyn Progress,
) -> Result<()> {
    if txn.has_blob(&d.digest) {
        return Ok(());
    }
    berth_store::hex_of(&d.digest)?;
    let url = reg.url(&format!("/v2/{}/blobs/{}", r.repository, d.digest));
    let resp = reg.request("GET", &url, &scope_pull(r), &[], Body::Empty)?;
    let id = short(&d.digest);
    progress.start(&id, d.size);
    let reader = ProgressReader {
        inner: resp.into_reader(),
        id: &id,
        progress,
    };
    txn.ingest(reader, Some((&d.digest, d.size)), &format!("{what} {url}"))?;
    Ok(())
}

/// Pulls `reference` into `store`; returns the image ID and the parsed reference.
pub fn pull(
    store: &Store,
    reference: &str,
    opts: &PullOptions,
    progress: &dyn Progress,
) -> Result<(ImageId, Reference)> {
    let r = Reference::parse(reference)?;
    let reg = Registry::new(&r.registry, opts.registry.clone());
    reg.probe()?;
    let (mut body, mut mt, mut digest) = fetch_manifest(&reg, &r, r.object())?;
    let mut index: Option<(Vec<u8>, String)> = None;
    if mt == OCI_INDEX || mt == DOCKER_LIST {
        let idx: Index = serde_json::from_slice(&body)
            .map_err(|e| ImageError::invalid(format!("index of {r}"), e.to_string()))?;
        let chosen = idx
            .manifests
            .iter()
            .find(|m| {
                m.platform
                    .as_ref()
                    .is_some_and(|p| opts.platform.matches(p))
            })
            .ok_or_else(|| {
                let have: Vec<String> = idx
                    .manifests
                    .iter()
                    .filter_map(|m| m.platform.as_ref())
                    .map(|p| format!("{}/{}", p.os, p.architecture))
                    .collect();
                ImageError::invalid(
                    format!("{r}"),
                    format!(
                        "no image for platform {} (has: {})",
                        opts.platform,
                        have.join(", ")
                    ),
                )
            })?
            .clone();
        let (b, m, d) = fetch_manifest(&reg, &r, &chosen.digest)?;
        if b.len() as u64 != chosen.size {
            return Err(ImageError::Store(berth_store::StoreError::SizeMismatch {
                what: format!("manifest {} of {r}", chosen.digest),
                expected: chosen.size,
                actual: b.len() as u64,
            }));
        }
        index = Some((std::mem::replace(&mut body, b), digest));
        mt = m;
        digest = d;
    }
    if mt != OCI_MANIFEST && mt != DOCKER_MANIFEST {
        return Err(ImageError::MediaType {
            what: format!("manifest of {r}"),
            media_type: mt,
        });
    }
    let manifest: Manifest = serde_json::from_slice(&body)
        .map_err(|e| ImageError::invalid(format!("manifest of {r}"), e.to_string()))?;
    check_media_types(&manifest, &format!("{r}"))?;
    if manifest.config.size > MAX_CONFIG {
        return Err(ImageError::invalid(
            format!("config of {r}"),
            "larger than 32 MiB",
        ));
    }

    let txn = store.begin()?;
    fetch_blob(
        &reg,
        &r,
        &txn,
        &manifest.config,
        "config",
        &crate::NoProgress,
    )?;
    let config = txn.read_blob(&manifest.config.digest)?;
    let diff_ids = diff_ids(&config, &manifest, &format!("{r}"))?;
    let chains = chain_ids(&diff_ids);

    let next = AtomicUsize::new(0);
    let failed: Mutex<Option<ImageError>> = Mutex::new(None);
    let n = manifest.layers.len();
    std::thread::scope(|s| {
        for _ in 0..opts.jobs.clamp(1, 8).min(n.max(1)) {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                if i >= n || failed.lock().map(|f| f.is_some()).unwrap_or(true) {
                    break;
                }
                let l = &manifest.layers[i];
                let id = short(&l.digest);
                let res = (|| {
                    if txn.has_layer(&chains[i]) && txn.has_blob(&l.digest) {
                        progress.finish(&id, "Already exists");
                        return Ok(());
                    }
                    fetch_blob(&reg, &r, &txn, l, "layer", progress)?;
                    progress.finish(&id, "Extracting");
                    txn.unpack_layer(
                        &l.digest,
                        Some(&diff_ids[i]),
                        i.checked_sub(1).map(|p| chains[p].as_str()),
                        &opts.unpack,
                    )?;
                    progress.finish(&id, "Pull complete");
                    Ok(())
                })();
                if let Err(e) = res {
                    progress.finish(&id, "Failed");
                    if let Ok(mut f) = failed.lock() {
                        f.get_or_insert(e);
                    }
                    break;
                }
            });
        }
    });
    if let Some(e) = failed.into_inner().ok().flatten() {
        return Err(e);
    }
    txn.put_blob(&body, Some(&digest), &format!("manifest of {r}"))?;
    let index_digest = match &index {
        Some((b, d)) => Some(txn.put_blob(b, Some(d), &format!("index of {r}"))?),
        None => None,
    };
    let id = txn.commit(&digest, index_digest.as_deref(), std::slice::from_ref(&r))?;
    Ok((id, r))
}

pub(crate) fn check_media_types(m: &Manifest, what: &str) -> Result<()> {
    if m.config.media_type != OCI_CONFIG && m.config.media_type != DOCKER_CONFIG {
        return Err(ImageError::MediaType {
            what: format!("config of {what}"),
            media_type: m.config.media_type.clone(),
        });
    }
    for l in &m.layers {
        if !is_layer_media_type(&l.media_type) {
            return Err(ImageError::MediaType {
                what: format!("layer {} of {what}", l.digest),
                media_type: l.media_type.clone(),
            });
        }
    }
    Ok(())
}

pub(crate) fn diff_ids(config: &[u8], m: &Manifest, what: &str) -> Result<Vec<String>> {
    let c: ConfigRootfs = serde_json::from_slice(config)
        .map_err(|e| ImageError::invalid(format!("config of {what}"), e.to_string()))?;
    if c.rootfs.typ != "layers" {
        return Err(ImageError::invalid(
            format!("config of {what}"),
            format!("rootfs type {:?}", c.rootfs.typ),
        ));
    }
    if c.rootfs.diff_ids.len() != m.layers.len() {
        return Err(ImageError::invalid(
            format!("image {what}"),
            format!(
                "manifest lists {} layers but config has {} diff_ids",
                m.layers.len(),
                c.rootfs.diff_ids.len()
            ),
        ));
    }
    for d in &c.rootfs.diff_ids {
        berth_store::hex_of(d)?;
    }
    Ok(c.rootfs.diff_ids)
}
