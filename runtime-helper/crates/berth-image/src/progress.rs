//! Progress reporting for pulls and pushes, implemented by the CLI (indicatif) or not at all.
use std::io::{self, Read};

pub trait Progress: Sync {
    /// A blob transfer starts (`id` is the short digest).
    fn start(&self, _id: &str, _total: u64) {}
    fn advance(&self, _id: &str, _bytes: u64) {}
    /// `status` is e.g. "Pull complete", "Already exists".
    fn finish(&self, _id: &str, _status: &str) {}
}

pub struct NoProgress;
impl Progress for NoProgress {}

pub(crate) struct ProgressReader<'a, R> {
    pub inner: R,
    pub id: &'a str,
    pub progress: &'a dyn Progress,
}

impl<R: Read> Read for ProgressReader<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.progress.advance(self.id, n as u64);
        Ok(n)
    }
}

pub(crate) fn short(digest: &str) -> String {
    digest
        .trim_start_matches("sha256:")
        .chars()
        .take(12)
        .collect()
}
