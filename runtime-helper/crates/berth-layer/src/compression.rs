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
/// without extracting it.
pub fn diff_id_of<R: io::Read>(reader: R) -> io::Result<(String, Compression)> {
    let mut r = io::BufReader::with_capacity(256 * 1024, reader);
    let c = detect_compression(&mut r)?;
    let mut h = crate::hash::HashingReader::new(c.decoder(r)?);
    io::copy(&mut h, &mut io::sink())?;
    Ok((h.finish().0, c))
}
