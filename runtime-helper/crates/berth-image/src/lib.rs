//! Image formats and transports: references, manifests, registry client, docker-save / OCI layout import and export.
