//! Docker's json-file log: one JSON object per line,
//! `{"log":"text\n","stream":"stdout","time":"2024-01-01T00:00:00.000000000Z"}`, rotated
//! as Docker's `max-size`/`max-file` options do: `<id>-json.log` is the live file,
//! `<id>-json.log.1` the newest rotated one, up to `.{max_file-1}`.
//!
//! Readers never load more than they print: `--tail N` reads blocks backwards from the
//! end until it has N lines, whatever the size of the log.
use crate::error::{EngineError, Result};
use crate::record::LogConfig;
use serde::{Deserialize, Serialize};
use std::fs::File;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

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
    path: PathBuf,
    config: LogConfig,
    file: Option<File>,
    size: u64,
    partial: [Vec<u8>; 2],
}

impl Writer {
    pub fn new(path: &Path, config: LogConfig) -> Writer {
        Writer {
            path: path.to_path_buf(),
            config,
            file: None,
            size: 0,
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
            time: crate::record::now_rfc3339(),
        };
        let mut buf = serde_json::to_vec(&e)?;
        buf.push(b'\n');
        if self.file.is_none() {
            self.open()?;
        }
        if self.config.max_size > 0
            && self.size > 0
            && self.size + buf.len() as u64 > self.config.max_size
        {
            self.rotate()?;
        }
        let Some(file) = self.file.as_mut() else {
            return Ok(());
        };
        file.write_all(&buf)
            .map_err(|e| EngineError::io("writing", &self.path, e))?;
        self.size += buf.len() as u64;
        Ok(())
    }

    fn open(&mut self) -> Result<()> {
        let f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .map_err(|e| EngineError::io("opening", &self.path, e))?;
        // A restarted container appends to its log.
        self.size = f.metadata().map(|m| m.len()).unwrap_or(0);
        self.file = Some(f);
        Ok(())
    }

    /// `.{n-1}` is dropped, every other file moves up one, the live file becomes `.1`
    /// (renames, so a reader that has the live file open reads it to its end).
    fn rotate(&mut self) -> Result<()> {
        self.file = None;
        let keep = self.config.max_file.max(1);
        if keep == 1 {
            let _ = std::fs::remove_file(&self.path);
        } else {
            let _ = std::fs::remove_file(rotated(&self.path, keep - 1));
            for n in (1..keep - 1).rev() {
                let _ = std::fs::rename(rotated(&self.path, n), rotated(&self.path, n + 1));
            }
            std::fs::rename(&self.path, rotated(&self.path, 1))
                .map_err(|e| EngineError::io("rotating", &self.path, e))?;
        }
        self.open()
    }
}

fn rotated(path: &Path, n: u32) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(format!(".{n}"));
    PathBuf::from(s)
}

/// The rotated files that exist, oldest first (the live file not included).
fn rotated_files(path: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut missing = 0;
    for n in 1.. {
        let p = rotated(path, n);
        if p.exists() {
            out.push(p);
            missing = 0;
        } else {
            // A rotation in progress leaves one gap (`.1` between its two renames).
            missing += 1;
            if missing == 2 {
                break;
            }
        }
    }
    out.reverse();
    out
}

fn open_log(p: &Path) -> Result<Option<File>> {
    match File::open(p) {
        Ok(f) => Ok(Some(f)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(EngineError::io("opening", p, e)),
    }
}

fn parse_line(line: &[u8]) -> Option<Entry> {
    serde_json::from_slice(line).ok()
}

/// Complete lines of `f` between `from` and `to`, in order, streamed.
fn each_line(f: &mut File, from: u64, to: u64, out: &mut dyn FnMut(Entry)) -> Result<u64> {
    f.seek(SeekFrom::Start(from))?;
    let mut r = BufReader::new(f.take(to.saturating_sub(from)));
    let mut pos = from;
    let mut line = Vec::new();
    loop {
        line.clear();
        let n = r.read_until(b'\n', &mut line)?;
        // A line without its newline is still being written: leave it for next time.
        if n == 0 || line.last() != Some(&b'\n') {
            return Ok(pos);
        }
        pos += n as u64;
        if let Some(e) = parse_line(&line) {
            out(e);
        }
    }
}

const BLOCK: u64 = 64 * 1024;

/// Just after the last newline before `end` (0 if there is none): what follows it is a
/// line still being written.
fn complete_end(f: &mut File, end: u64) -> Result<u64> {
    let mut pos = end;
    while pos > 0 {
        let start = pos.saturating_sub(BLOCK);
        let mut block = vec![0u8; (pos - start) as usize];
        f.seek(SeekFrom::Start(start))?;
        f.read_exact(&mut block)?;
        if let Some(i) = block.iter().rposition(|b| *b == b'\n') {
            return Ok(start + i as u64 + 1);
        }
        pos = start;
    }
    Ok(0)
}

/// The last `n` complete lines of `f` before `end`, read backwards in blocks (memory
/// for `n` lines, whatever the file's size), and where the complete lines end.
fn last_lines(f: &mut File, end: u64, n: usize) -> Result<(Vec<Vec<u8>>, u64)> {
    let stop = complete_end(f, end)?;
    let mut lines: Vec<Vec<u8>> = Vec::new();
    // The end of a line whose start is in an earlier block.
    let mut tail: Vec<u8> = Vec::new();
    let mut pos = stop;
    while pos > 0 && lines.len() < n {
        let start = pos.saturating_sub(BLOCK);
        let mut buf = vec![0u8; (pos - start) as usize];
        f.seek(SeekFrom::Start(start))?;
        f.read_exact(&mut buf)?;
        buf.extend_from_slice(&tail);
        let pieces: Vec<&[u8]> = buf.split(|b| *b == b'\n').collect();
        // The first piece starts in the block before, unless this is the file's start.
        let whole = if start == 0 { 0 } else { 1 };
        for p in pieces[whole.min(pieces.len())..].iter().rev() {
            if lines.len() == n {
                break;
            }
            if !p.is_empty() {
                lines.push(p.to_vec());
            }
        }
        tail = if start > 0 {
            pieces[0].to_vec()
        } else {
            Vec::new()
        };
        pos = start;
    }
    lines.reverse();
    Ok((lines, stop))
}

/// Reads a container's log: everything, or the last N entries, then optionally what
/// is written after. Opened at a point in time: [`LogReader::history`] reads up to it,
/// [`LogReader::follow`] from it, so nothing is missed or read twice in between.
pub struct LogReader {
    path: PathBuf,
    live: Option<File>,
    ino: u64,
    /// The end of the history in the live file; where following starts.
    pos: u64,
}

impl LogReader {
    pub fn open(path: &Path) -> Result<LogReader> {
        let live = open_log(path)?;
        let (ino, pos) = match &live {
            Some(f) => {
                let m = f.metadata()?;
                (m.ino(), m.len())
            }
            None => (0, 0),
        };
        Ok(LogReader {
            path: path.to_path_buf(),
            live,
            ino,
            pos,
        })
    }

    /// Every entry up to the opening point, oldest first; only the last `tail` if given.
    pub fn history(&mut self, tail: Option<usize>, out: &mut dyn FnMut(Entry)) -> Result<()> {
        // A rotation since opening shows the live file as `.1` too: read it once.
        let live = self.ino;
        let rotated: Vec<PathBuf> = rotated_files(&self.path)
            .into_iter()
            .filter(|p| std::fs::metadata(p).map_or(true, |m| m.ino() != live))
            .collect();
        match tail {
            None => {
                for p in rotated {
                    if let Some(mut f) = open_log(&p)? {
                        let len = f.metadata()?.len();
                        each_line(&mut f, 0, len, out)?;
                    }
                }
                if let Some(f) = &mut self.live {
                    self.pos = each_line(f, 0, self.pos, out)?;
                }
            }
            Some(n) => {
                let mut picked: Vec<Vec<Vec<u8>>> = Vec::new();
                let mut have = 0;
                if let Some(f) = &mut self.live {
                    let (l, stop) = last_lines(f, self.pos, n)?;
                    // Following goes on from the first line not yet complete.
                    self.pos = stop;
                    have += l.len();
                    picked.push(l);
                }
                for p in rotated.iter().rev() {
                    if have >= n {
                        break;
                    }
                    if let Some(mut f) = open_log(p)? {
                        let len = f.metadata()?.len();
                        let (l, _) = last_lines(&mut f, len, n - have)?;
                        have += l.len();
                        picked.push(l);
                    }
                }
                for l in picked.iter().rev().flatten() {
                    if let Some(e) = parse_line(l) {
                        out(e);
                    }
                }
            }
        }
        Ok(())
    }

    /// What was written since the last call (or since opening). Follows a rotation:
    /// the old file is read to its end, then the new one from its start.
    pub fn follow(&mut self, out: &mut dyn FnMut(Entry)) -> Result<()> {
        if let Some(f) = &mut self.live {
            let len = f.metadata()?.len();
            self.pos = each_line(f, self.pos, len, out)?;
        }
        let now = std::fs::metadata(&self.path).map(|m| m.ino()).ok();
        if now.is_some() && now != Some(self.ino) {
            // More than one rotation since the last call: the files made after the one
            // we had (newer than it in the rotation order) are read whole, oldest first.
            let rotated = rotated_files(&self.path);
            let ours = rotated
                .iter()
                .position(|p| std::fs::metadata(p).is_ok_and(|m| m.ino() == self.ino));
            let newer = match ours {
                Some(i) => &rotated[i + 1..],
                None => &rotated[..],
            };
            for p in newer {
                if let Some(mut f) = open_log(p)? {
                    let len = f.metadata()?.len();
                    each_line(&mut f, 0, len, out)?;
                }
            }
            self.live = open_log(&self.path)?;
            self.ino = now.unwrap_or(0);
            self.pos = 0;
            if let Some(f) = &mut self.live {
                let len = f.metadata()?.len();
                self.pos = each_line(f, 0, len, out)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(r: &mut LogReader, tail: Option<usize>) -> Vec<String> {
        let mut v = Vec::new();
        r.history(tail, &mut |e| v.push(e.log)).unwrap();
        v
    }

    #[test]
    fn lines_are_split_and_partials_flushed() {
        let t = tempfile::tempdir().unwrap();
        let p = t.path().join("x.log");
        let mut w = Writer::new(&p, LogConfig::default());
        w.flush().unwrap();
        assert!(!p.exists(), "no entry, no file");
        w.write(0, b"hel").unwrap();
        w.write(1, b"oops\n").unwrap();
        w.write(0, b"lo\nwor").unwrap();
        w.flush().unwrap();
        let mut entries = Vec::new();
        LogReader::open(&p)
            .unwrap()
            .history(None, &mut |e| entries.push(e))
            .unwrap();
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
    }

    #[test]
    fn rotation_keeps_max_file_files_and_readers_see_them_in_order() {
        let t = tempfile::tempdir().unwrap();
        let p = t.path().join("x.log");
        let cfg = LogConfig {
            max_size: 1000,
            max_file: 3,
        };
        let mut w = Writer::new(&p, cfg);
        for i in 0..200 {
            w.write(0, format!("line {i}\n").as_bytes()).unwrap();
        }
        let sizes: Vec<u64> = [p.clone(), rotated(&p, 1), rotated(&p, 2)]
            .iter()
            .map(|f| std::fs::metadata(f).unwrap().len())
            .collect();
        assert!(sizes.iter().all(|s| *s <= 1000), "{sizes:?}");
        assert!(!rotated(&p, 3).exists(), "max-file 3: three files");
        let all = collect(&mut LogReader::open(&p).unwrap(), None);
        assert_eq!(all.last().unwrap(), "line 199\n");
        // Consecutive, ending at the newest: nothing lost inside what is kept.
        let first: usize = all[0].trim()[5..].parse().unwrap();
        let want: Vec<String> = (first..200).map(|i| format!("line {i}\n")).collect();
        assert_eq!(all, want);
        // A tail that spans the rotated files.
        let tail = collect(&mut LogReader::open(&p).unwrap(), Some(30));
        assert_eq!(tail, want[want.len() - 30..].to_vec());
        assert_eq!(collect(&mut LogReader::open(&p).unwrap(), Some(0)).len(), 0);
        assert_eq!(
            collect(&mut LogReader::open(&p).unwrap(), Some(100_000)),
            want
        );
    }

    #[test]
    fn tail_reads_from_the_end_without_reading_everything() {
        let t = tempfile::tempdir().unwrap();
        let p = t.path().join("x.log");
        let mut w = Writer::new(
            &p,
            LogConfig {
                max_size: 0,
                max_file: 1,
            },
        );
        // Long lines across block boundaries, then a partial one being written.
        for i in 0..3000 {
            w.write(0, format!("{i} {}\n", "x".repeat(i % 300)).as_bytes())
                .unwrap();
        }
        w.write(0, b"partial").unwrap();
        let got = collect(&mut LogReader::open(&p).unwrap(), Some(3));
        assert_eq!(
            got,
            (2997..3000)
                .map(|i| format!("{i} {}\n", "x".repeat(i % 300)))
                .collect::<Vec<_>>()
        );
        let all = collect(&mut LogReader::open(&p).unwrap(), Some(5000));
        assert_eq!(all.len(), 3000);
    }

    #[test]
    fn tail_survives_a_line_longer_than_a_block_being_written() {
        let t = tempfile::tempdir().unwrap();
        let p = t.path().join("x.log");
        let mut w = Writer::new(
            &p,
            LogConfig {
                max_size: 0,
                max_file: 1,
            },
        );
        w.write(0, b"first\n").unwrap();
        // An entry of ~210 KB (control bytes escape to six), then half of another
        // written by hand, as a shim killed mid-write leaves it.
        w.write(0, &[1u8; 35_000]).unwrap();
        w.flush().unwrap();
        std::fs::OpenOptions::new()
            .append(true)
            .open(&p)
            .unwrap()
            .write_all(&vec![b'x'; 150_000])
            .unwrap();
        let got = collect(&mut LogReader::open(&p).unwrap(), Some(1));
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].len(), 35_000, "the long entry, whole");
        let got = collect(&mut LogReader::open(&p).unwrap(), Some(10));
        assert_eq!(got[0], "first\n");
        // Following after a tail resumes at the partial line, not in its middle.
        let mut r = LogReader::open(&p).unwrap();
        let _ = collect(&mut r, Some(1));
        std::fs::OpenOptions::new()
            .append(true)
            .open(&p)
            .unwrap()
            .write_all(b"\n")
            .unwrap();
        w.write(0, b"after\n").unwrap();
        let mut seen = Vec::new();
        r.follow(&mut |e| seen.push(e.log)).unwrap();
        assert_eq!(seen, vec!["after\n"], "the broken line is skipped whole");
    }

    #[test]
    fn follow_sees_new_lines_across_a_rotation() {
        let t = tempfile::tempdir().unwrap();
        let p = t.path().join("x.log");
        let mut w = Writer::new(
            &p,
            LogConfig {
                max_size: 1000,
                max_file: 2,
            },
        );
        w.write(0, b"before\n").unwrap();
        let mut r = LogReader::open(&p).unwrap();
        assert_eq!(collect(&mut r, None), vec!["before\n"]);
        let mut seen = Vec::new();
        for i in 0..20 {
            w.write(0, format!("after {i}\n").as_bytes()).unwrap();
            // Read every few lines, as a follower polls.
            if i % 3 == 0 {
                r.follow(&mut |e| seen.push(e.log)).unwrap();
            }
        }
        r.follow(&mut |e| seen.push(e.log)).unwrap();
        let want: Vec<String> = (0..20).map(|i| format!("after {i}\n")).collect();
        assert_eq!(seen, want);
    }

    #[test]
    fn follow_reads_the_files_of_several_rotations_between_two_calls() {
        let t = tempfile::tempdir().unwrap();
        let p = t.path().join("x.log");
        let mut w = Writer::new(
            &p,
            LogConfig {
                max_size: 300,
                max_file: 5,
            },
        );
        w.write(0, b"first\n").unwrap();
        let mut r = LogReader::open(&p).unwrap();
        assert_eq!(collect(&mut r, None), vec!["first\n"]);
        // ~3 entries per file: three rotations before the reader looks again.
        for i in 0..12 {
            w.write(0, format!("after {i}\n").as_bytes()).unwrap();
        }
        assert!(rotated(&p, 3).exists(), "three rotations happened");
        let mut seen = Vec::new();
        r.follow(&mut |e| seen.push(e.log)).unwrap();
        let want: Vec<String> = (0..12).map(|i| format!("after {i}\n")).collect();
        assert_eq!(seen, want);
    }
}
