//! Shared helpers for the image tests: a real `docker-registry` on 127.0.0.1, a small
//! std::net HTTP server (token auth in front of the registry, or hostile answers), OCI
//! layouts built from tars, and the `berth` binary.
#![allow(dead_code)]
use sha2::{Digest, Sha256};
use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub fn sha(b: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(b)))
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Runs `berth --root ROOT ARGS…`.
pub fn berth(root: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_berth"))
        .arg("--root")
        .arg(root)
        .args(args)
        .env("DOCKER_CONFIG", root.join("docker-config"))
        .output()
        .unwrap()
}

pub fn ok(o: &Output) -> String {
    assert!(
        o.status.success(),
        "berth failed: {}\nstdout: {}",
        String::from_utf8_lossy(&o.stderr),
        String::from_utf8_lossy(&o.stdout)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn fails(o: &Output) -> String {
    assert!(
        !o.status.success(),
        "berth should have failed: {}",
        String::from_utf8_lossy(&o.stdout)
    );
    let e = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(e.trim().lines().count(), 1, "one-line error expected: {e}");
    e
}

/// A real Distribution registry on 127.0.0.1, killed by PID on drop.
pub struct Registry {
    pub port: u16,
    child: Child,
    pub dir: tempfile::TempDir,
}

impl Registry {
    pub fn start() -> Registry {
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let cfg = format!(
            "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:{port}\n",
            dir.path().join("data").display()
        );
        fs::write(dir.path().join("config.yml"), cfg).unwrap();
        let child = Command::new("docker-registry")
            .arg("serve")
            .arg(dir.path().join("config.yml"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("docker-registry (apt install docker-registry)");
        let r = Registry { port, child, dir };
        wait_http(port);
        r
    }

    pub fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn wait_http(port: u16) {
    let t = Instant::now();
    while t.elapsed() < Duration::from_secs(20) {
        if let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) {
            let _ = s.write_all(b"GET /v2/ HTTP/1.0\r\n\r\n");
            let mut b = [0u8; 12];
            if s.read_exact(&mut b).is_ok() {
                return;
            }
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("nothing answers on port {port}");
}

/// skopeo copy (all platforms) from an OCI layout into the registry.
pub fn skopeo_push(layout: &Path, tag: &str, dest: &str) {
    skopeo_push_as(layout, tag, dest, None)
}

/// Like [`skopeo_push`], converting manifests (`Some("v2s2")`: Docker schema 2 manifests
/// and manifest lists).
pub fn skopeo_push_as(layout: &Path, tag: &str, dest: &str, format: Option<&str>) {
    let mut c = Command::new("skopeo");
    c.args(["copy", "--all", "--quiet", "--dest-tls-verify=false"]);
    if let Some(f) = format {
        c.args(["--format", f]);
    }
    let st = c
        .arg(format!("oci:{}:{tag}", layout.display()))
        .arg(format!("docker://{dest}"))
        .status()
        .unwrap();
    assert!(st.success(), "skopeo copy to {dest}");
}

// ---------- HTTP server for token auth and hostile answers ----------

pub struct Request {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// The address the client connected to (host:port).
    pub local: String,
}

impl Request {
    pub fn header(&self, k: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(k))
            .map(|(_, v)| v.as_str())
    }
}

pub enum Reply {
    Static {
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    },
    /// Forward to a backend (the real registry).
    Proxy(String),
}

pub fn reply(status: u16, headers: &[(&str, &str)], body: &[u8]) -> Reply {
    Reply::Static {
        status,
        headers: headers
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect(),
        body: body.to_vec(),
    }
}

pub struct Server {
    pub port: u16,
    stop: Arc<AtomicBool>,
    pub log: Arc<Mutex<Vec<String>>>,
}

impl Server {
    /// Serves on `ip` (127.0.0.1, 127.0.0.2, …) with `handler`, one thread per connection.
    pub fn start(ip: &str, handler: impl Fn(&Request) -> Reply + Send + Sync + 'static) -> Server {
        let l = TcpListener::bind((ip, 0)).unwrap();
        let port = l.local_addr().unwrap().port();
        l.set_nonblocking(true).unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let log = Arc::new(Mutex::new(Vec::new()));
        let (s2, log2) = (stop.clone(), log.clone());
        let handler = Arc::new(handler);
        std::thread::spawn(move || {
            while !s2.load(Ordering::SeqCst) {
                match l.accept() {
                    Ok((c, _)) => {
                        let h = handler.clone();
                        let lg = log2.clone();
                        std::thread::spawn(move || {
                            let _ = serve_one(c, &*h, &lg);
                        });
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(10)),
                }
            }
        });
        Server { port, stop, log }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

fn serve_one(
    c: TcpStream,
    h: &(dyn Fn(&Request) -> Reply + Send + Sync),
    log: &Mutex<Vec<String>>,
) -> std::io::Result<()> {
    c.set_nonblocking(false)?;
    let local = c.local_addr()?.to_string();
    let mut r = BufReader::new(c.try_clone()?);
    let mut line = String::new();
    r.read_line(&mut line)?;
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or("").to_string();
    let path = parts.next().unwrap_or("").to_string();
    let mut headers = Vec::new();
    loop {
        let mut l = String::new();
        r.read_line(&mut l)?;
        let l = l.trim_end();
        if l.is_empty() {
            break;
        }
        if let Some((k, v)) = l.split_once(':') {
            headers.push((k.trim().to_string(), v.trim().to_string()));
        }
    }
    let len: usize = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0u8; len];
    r.read_exact(&mut body)?;
    let req = Request {
        method,
        path,
        headers,
        body,
        local,
    };
    log.lock().unwrap().push(format!(
        "{} {} {} auth={}",
        req.local,
        req.method,
        req.path,
        req.header("authorization").is_some()
    ));
    let mut c = c;
    match h(&req) {
        Reply::Static {
            status,
            headers,
            body,
        } => {
            let mut head = format!(
                "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n",
                body.len()
            );
            for (k, v) in headers {
                head.push_str(&format!("{k}: {v}\r\n"));
            }
            head.push_str("\r\n");
            c.write_all(head.as_bytes())?;
            if req.method != "HEAD" {
                c.write_all(&body)?;
            }
        }
        Reply::Proxy(backend) => {
            let mut b = TcpStream::connect(&backend)?;
            let mut head = format!("{} {} HTTP/1.1\r\n", req.method, req.path);
            for (k, v) in &req.headers {
                if k.eq_ignore_ascii_case("connection") || k.eq_ignore_ascii_case("authorization") {
                    continue;
                }
                head.push_str(&format!("{k}: {v}\r\n"));
            }
            head.push_str("Connection: close\r\n\r\n");
            b.write_all(head.as_bytes())?;
            b.write_all(&req.body)?;
            std::io::copy(&mut b, &mut c)?;
        }
    }
    Ok(())
}

// ---------- OCI layouts ----------

pub enum Node<'a> {
    Dir(&'a str),
    File(&'a str, &'a [u8]),
    /// An executable file (mode 0755).
    Exec(&'a str, &'a [u8]),
    Symlink(&'a str, &'a str),
    Hardlink(&'a str, &'a str),
}

/// An uncompressed layer tar.
pub fn layer_tar(nodes: &[Node]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for n in nodes {
        let mut h = tar::Header::new_ustar();
        h.set_mtime(1_600_000_000);
        h.set_uid(0);
        h.set_gid(0);
        match n {
            Node::Dir(p) => {
                h.set_entry_type(tar::EntryType::Directory);
                h.set_mode(0o755);
                h.set_size(0);
                b.append_data(&mut h, p, std::io::empty()).unwrap();
            }
            Node::Exec(p, d) => {
                h.set_mode(0o755);
                h.set_size(d.len() as u64);
                b.append_data(&mut h, p, *d).unwrap();
            }
            Node::File(p, d) => {
                h.set_mode(0o644);
                h.set_size(d.len() as u64);
                b.append_data(&mut h, p, *d).unwrap();
            }
            Node::Symlink(p, t) => {
                h.set_entry_type(tar::EntryType::Symlink);
                h.set_mode(0o777);
                h.set_size(0);
                b.append_link(&mut h, p, t).unwrap();
            }
            Node::Hardlink(p, t) => {
                h.set_entry_type(tar::EntryType::Link);
                h.set_mode(0o644);
                h.set_size(0);
                b.append_link(&mut h, p, t).unwrap();
            }
        }
    }
    b.into_inner().unwrap()
}

pub fn gzip(b: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(b).unwrap();
    e.finish().unwrap()
}

/// An OCI image layout being built.
pub struct Layout {
    pub dir: PathBuf,
    index: Vec<serde_json::Value>,
}

impl Layout {
    pub fn new(dir: &Path) -> Layout {
        fs::create_dir_all(dir.join("blobs/sha256")).unwrap();
        fs::write(dir.join("oci-layout"), r#"{"imageLayoutVersion":"1.0.0"}"#).unwrap();
        Layout {
            dir: dir.to_path_buf(),
            index: Vec::new(),
        }
    }

    pub fn blob(&self, data: &[u8]) -> String {
        let d = sha(data);
        fs::write(self.dir.join("blobs/sha256").join(&d[7..]), data).unwrap();
        d
    }

    /// Writes an image from uncompressed layer tars; `zstd_top` compresses the top layer
    /// with zstd, the others with gzip. Returns the manifest descriptor.
    pub fn image(&self, layers: &[Vec<u8>], arch: &str, zstd_top: bool) -> serde_json::Value {
        let mut descs = Vec::new();
        let mut diffs = Vec::new();
        for (i, l) in layers.iter().enumerate() {
            diffs.push(sha(l));
            let (data, mt) = if zstd_top && i == layers.len() - 1 {
                (
                    zstd::encode_all(&l[..], 3).unwrap(),
                    "application/vnd.oci.image.layer.v1.tar+zstd",
                )
            } else {
                (gzip(l), "application/vnd.oci.image.layer.v1.tar+gzip")
            };
            let d = self.blob(&data);
            descs.push(serde_json::json!({"mediaType": mt, "digest": d, "size": data.len()}));
        }
        let config = serde_json::to_vec(&serde_json::json!({
            "architecture": arch, "os": "linux",
            "config": {"Env": ["PATH=/bin"], "Cmd": ["/bin/sh"]},
            "rootfs": {"type": "layers", "diff_ids": diffs},
        }))
        .unwrap();
        let cd = self.blob(&config);
        let manifest = serde_json::to_vec(&serde_json::json!({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cd, "size": config.len()},
            "layers": descs,
        }))
        .unwrap();
        let md = self.blob(&manifest);
        serde_json::json!({
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "digest": md, "size": manifest.len(),
            "platform": {"architecture": arch, "os": "linux"},
        })
    }

    /// Names a manifest (or index) descriptor `tag` in index.json.
    pub fn tag(&mut self, mut desc: serde_json::Value, tag: &str) {
        desc["annotations"] = serde_json::json!({"org.opencontainers.image.ref.name": tag});
        self.index.push(desc);
        let idx = serde_json::json!({"schemaVersion": 2, "manifests": self.index});
        fs::write(
            self.dir.join("index.json"),
            serde_json::to_vec(&idx).unwrap(),
        )
        .unwrap();
    }

    /// A multi-platform index blob over `manifests`; returns its descriptor.
    pub fn index_of(&self, manifests: Vec<serde_json::Value>) -> serde_json::Value {
        let idx = serde_json::to_vec(&serde_json::json!({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.index.v1+json",
            "manifests": manifests,
        }))
        .unwrap();
        let d = self.blob(&idx);
        serde_json::json!({"mediaType": "application/vnd.oci.image.index.v1+json", "digest": d, "size": idx.len()})
    }
}

/// Mounts the overlay of `lower` (bottom layer first) read-only at a new temp dir; unmounts
/// on drop.
pub struct Overlay {
    pub dir: tempfile::TempDir,
}

impl Overlay {
    pub fn mount(lower: &[PathBuf]) -> Overlay {
        let dir = tempfile::tempdir().unwrap();
        let lowers: Vec<String> = lower
            .iter()
            .rev()
            .map(|p| p.display().to_string())
            .collect();
        let st = Command::new("mount")
            .args(["-t", "overlay", "overlay", "-o"])
            .arg(format!("ro,lowerdir={}", lowers.join(":")))
            .arg(dir.path())
            .status()
            .unwrap();
        assert!(st.success(), "mount overlay");
        Overlay { dir }
    }
}

impl Drop for Overlay {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(self.dir.path()).status();
    }
}

/// Every path below `root` with its kind and content: `path f:content`, `path d`,
/// `path l:target`, `path c:rdev`.
pub fn tree(root: &Path) -> Vec<String> {
    use std::os::unix::fs::{FileTypeExt, MetadataExt};
    let mut out = Vec::new();
    let mut stack = vec![PathBuf::new()];
    while let Some(rel) = stack.pop() {
        for e in fs::read_dir(root.join(&rel)).unwrap() {
            let e = e.unwrap();
            let r = rel.join(e.file_name());
            let p = root.join(&r);
            let m = fs::symlink_metadata(&p).unwrap();
            let ft = m.file_type();
            let desc = if ft.is_dir() {
                stack.push(r.clone());
                "d".to_string()
            } else if ft.is_symlink() {
                format!("l:{}", fs::read_link(&p).unwrap().display())
            } else if ft.is_char_device() {
                format!("c:{}", m.rdev())
            } else {
                format!("f:{}", String::from_utf8_lossy(&fs::read(&p).unwrap()))
            };
            out.push(format!("{} {desc}", r.display()));
        }
    }
    out.sort();
    out
}
