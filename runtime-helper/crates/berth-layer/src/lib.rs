//! Layer tar <-> directory: rooted extraction with OCI->overlay whiteouts, and overlay upper -> tar diff.
