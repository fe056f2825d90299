//! Starts a container process from an OCI runtime-spec config: namespaces, rootfs, pivot_root, capabilities, seccomp.
