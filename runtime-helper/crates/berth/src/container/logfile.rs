//! Docker's json-file log format: one JSON object per line,
//! `{"log":"text\n","stream":"stdout","time":"2024-01-01T00:00:00.000000000Z"}`.
use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use std::fs::File;
use std::io::{BufRead, BufReader, Seek, SeekFrom, Write};
use std::path::Path;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Entry {
    pub log: String,
    pub stream: String,
    pub time: String,
}

/// Buffers each stream until a newline so every entry is one line, like Docker. The
/// file is created with the first entry: a container that prints nothing costs no file
/// (readers take a missing log as an empty one).
pub struct Writer {
    path: std::path::PathBuf,
    file: Option<File>,
    partial: [Vec<u8>; 2],
}

impl Writer {
    pub fn new(path: &Path) -> Writer {
        Writer {
            path: path.to_path_buf(),
            file: None,
            partial: [Vec::new(), Vec::new()],
        }
    }

    /// `stream` 0 = stdout, 1 = stderr.
    pub fn write(&mut self, stream: usize, data: &[u8]) -> Result<()> {
        self.partial[stream].extend_from_slice(data);
        while let Some(pos) = self.partial[stream].iter().position(|b| *b == b'\n') {
            let line: Vec<u8> = self.partial[stream].drain(..=pos).collect();
            self.emit(stream, &line)?;
        }
        // Docker splits very long lines at 16 KiB.
        if self.partial[stream].len() >= 16 * 1024 {
            let line = std::mem::take(&mut self.partial[stream]);
            self.emit(stream, &line)?;
        }
        Ok(())
    }

    pub fn flush(&mut self) -> Result<()> {
        for s in 0..2 {
            if !self.partial[s].is_empty() {
                let line = std::mem::take(&mut self.partial[s]);
                self.emit(s, &line)?;
            }
        }
        Ok(())
    }

    fn emit(&mut self, stream: usize, line: &[u8]) -> Result<()> {
        let e = Entry {
            log: String::from_utf8_lossy(line).into_owned(),
            stream: if stream == 0 { "stdout" } else { "stderr" }.into(),
            time: super::record::now_rfc3339(),
        };
        let mut buf = serde_json::to_vec(&e)?;
        buf.push(b'\n');
        let file = match &mut self.file {
            Some(f) => f,
            None => self.file.insert(
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(&self.path)
                    .with_context(|| format!("opening {}", self.path.display()))?,
            ),
        };
        file.write_all(&buf)?;
        Ok(())
    }
}

/// Reads complete entries from `offset`; returns them and the offset after the last one.
pub fn read_from(path: &Path, offset: u64) -> Result<(Vec<Entry>, u64)> {
    let mut f = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((Vec::new(), offset)),
        Err(e) => return Err(e).context(format!("opening {}", path.display())),
    };
    f.seek(SeekFrom::Start(offset))?;
    let mut r = BufReader::new(f);
    let mut out = Vec::new();
    let mut pos = offset;
    let mut line = String::new();
    loop {
        line.clear();
        let n = r.read_line(&mut line)?;
        // A line without its newline is still being written: leave it for next time.
        if n == 0 || !line.ends_with('\n') {
            break;
        }
        pos += n as u64;
        if let Ok(e) = serde_json::from_str::<Entry>(&line) {
            out.push(e);
        }
    }
    Ok((out, pos))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_split_and_partials_flushed() {
        let t = tempfile::tempdir().unwrap();
        let p = t.path().join("x.log");
        let mut w = Writer::new(&p);
        w.flush().unwrap();
        assert!(!p.exists(), "no entry, no file");
        w.write(0, b"hel").unwrap();
        w.write(1, b"oops\n").unwrap();
        w.write(0, b"lo\nwor").unwrap();
        w.flush().unwrap();
        let (entries, end) = read_from(&p, 0).unwrap();
        let got: Vec<(&str, &str)> = entries
            .iter()
            .map(|e| (e.stream.as_str(), e.log.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("stderr", "oops\n"),
                ("stdout", "hello\n"),
                ("stdout", "wor")
            ]
        );
        assert!(entries[0].time.ends_with('Z'));
        assert_eq!(read_from(&p, end).unwrap().0.len(), 0);
    }
}
