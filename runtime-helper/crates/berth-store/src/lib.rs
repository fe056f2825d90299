//! Content-addressed blobs, unpacked layers keyed by chain ID, image records; crash-safe writes and locking.
