//! `push`: blobs the registry lacks (monolithic upload), then the manifest.
use crate::progress::short;
use crate::pull::scope_pull;
use crate::registry::{Body, Registry, RegistryOptions};
use crate::{ImageError, Progress, Reference, Result};
use berth_store::manifest::OCI_MANIFEST;
use berth_store::Store;

fn has_blob(reg: &Registry, r: &Reference, scope: &str, digest: &str) -> Result<bool> {
    let url = reg.url(&format!("/v2/{}/blobs/{digest}", r.repository));
    match reg.request("HEAD", &url, scope, &[], Body::Empty) {
        Ok(_) => Ok(true),
        Err(ImageError::Http { status: 404, .. }) => Ok(false),
        Err(e) => Err(e),
    }
}

/// Pushes the local image `image` to `target` (default: `image` itself). Returns the
/// manifest digest.
pub fn push(
    store: &Store,
    image: &str,
    target: Option<&str>,
    opts: &RegistryOptions,
    progress: &dyn Progress,
) -> Result<String> {
    let local = store.resolve_image(image)?;
    let r = Reference::parse(target.unwrap_or(image))?;
    let reg = Registry::new(&r.registry, opts.clone());
    reg.probe()?;
    let scope = format!("{},push", scope_pull(&r));
    let mut blobs: Vec<_> = local.manifest.layers.clone();
    blobs.push(local.manifest.config.clone());
    for d in &blobs {
        let id = short(&d.digest);
        if has_blob(&reg, &r, &scope, &d.digest)? {
            progress.finish(&id, "Layer already exists");
            continue;
        }
        let start = reg.url(&format!("/v2/{}/blobs/uploads/", r.repository));
        let resp = reg.request(
            "POST",
            &start,
            &scope,
            &[("Content-Length", "0")],
            Body::Empty,
        )?;
        let loc = resp.header("Location").ok_or_else(|| {
            ImageError::invalid(format!("upload to {start}"), "no Location in answer")
        })?;
        let loc = if loc.starts_with("http") {
            loc.to_string()
        } else {
            reg.url(loc)
        };
        let sep = if loc.contains('?') { '&' } else { '?' };
        let put = format!("{loc}{sep}digest={}", d.digest);
        let mut f = store.open_blob(&d.digest)?;
        progress.start(&id, d.size);
        reg.request(
            "PUT",
            &put,
            &scope,
            &[("Content-Type", "application/octet-stream")],
            Body::File(&mut f, d.size),
        )?;
        progress.finish(&id, "Pushed");
    }
    let mt = local
        .manifest
        .media_type
        .clone()
        .unwrap_or_else(|| OCI_MANIFEST.to_string());
    let url = reg.url(&format!("/v2/{}/manifests/{}", r.repository, r.object()));
    reg.request(
        "PUT",
        &url,
        &scope,
        &[("Content-Type", &mt)],
        Body::Bytes(&local.raw_manifest),
    )?;
    Ok(local.manifest_digest)
}
