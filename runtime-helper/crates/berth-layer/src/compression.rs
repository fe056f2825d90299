//! Layer compression, detected from the stream's magic bytes rather than trusted from a
//! media type (registries and archives mislabel layers).
use std::io::{self, BufRead, Read};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    None,
    Gzip,
    Zstd,
}

impl Compression {
    /// The OCI layer media type for a layer with this compression.
    pub fn oci_media_type(self) -> &'static str {
        match self {
            Compression::None => "application/vnd.oci.image.layer.v1.tar",
            Compression::Gzip => "application/vnd.oci.image.layer.v1.tar+gzip",
            Compression::Zstd => "application/vnd.oci.image.layer.v1.tar+zstd",
        }
    }

    /// Wraps `reader` in the matching decompressor.
    pub fn decoder<'a, R: BufRead + 'a>(self, reader: R) -> io::Result<Box<dyn Read + 'a>> {
        Ok(match self {
            Compression::None => Box::new(reader),
            Compression::Gzip => Box::new(flate2::bufread::MultiGzDecoder::new(reader)),
            Compression::Zstd => Box::new(zstd::stream::read::Decoder::with_buffer(reader)?),
        })
    }
}

/// Peeks at the first bytes of `reader` (without consuming them).
pub fn detect_compression<R: BufRead>(reader: &mut R) -> io::Result<Compression> {
    let buf = reader.fill_buf()?;
    Ok(if buf.starts_with(&[0x1f, 0x8b]) {
        Compression::Gzip
    } else if buf.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        Compression::Zstd
    } else {
        Compression::None
    })
}

/// The diffID (`sha256:<hex>` of the uncompressed stream) of a possibly compressed layer,
/// without extracting it. A stream longer than `max_size` bytes uncompressed is refused
/// ([`crate::LayerError::TooLarge`]) rather than hashed for minutes.
pub fn diff_id_of<R: io::Read>(
    reader: R,
    max_size: u64,
) -> Result<(String, Compression), crate::LayerError> {
    let mut r = io::BufReader::with_capacity(256 * 1024, reader);
    let c = detect_compression(&mut r).map_err(crate::LayerError::Tar)?;
    let d = c.decoder(r).map_err(crate::LayerError::Tar)?;
    let mut h = crate::hash::HashingReader::new(d.take(max_size.saturating_add(1)));
    io::copy(&mut h, &mut io::sink()).map_err(crate::LayerError::Tar)?;
    let (digest, size) = h.finish();
    if size > max_size {
        return Err(crate::LayerError::TooLarge { limit: max_size });
    }
    Ok((digest, c))
}
