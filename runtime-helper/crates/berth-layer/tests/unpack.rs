//! Extraction on the real file system (as root: ownership, device nodes, trusted xattrs).
//! Tars are built byte by byte so hostile entries the `tar` crate would refuse to write can
//! be expressed.
use berth_layer::{unpack, write_diff, Compression, UnpackOptions};
use std::fs;
use std::io::Write;
use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};
use std::path::Path;

struct Entry<'a> {
    name: &'a str,
    typ: u8,
    link: &'a str,
    mode: u32,
    uid: u32,
    data: &'a [u8],
    pax: Vec<(&'a str, &'a [u8])>,
    dev: (u32, u32),
}

fn e<'a>(name: &'a str, typ: u8) -> Entry<'a> {
    Entry {
        name,
        typ,
        link: "",
        mode: if typ == b'5' { 0o755 } else { 0o644 },
        uid: 0,
        data: b"",
        pax: vec![],
        dev: (0, 0),
    }
}

fn octal(dst: &mut [u8], v: u64) {
    let s = format!("{:0w$o}\0", v, w = dst.len() - 1);
    dst.copy_from_slice(s.as_bytes());
}

fn header(
    name: &str,
    typ: u8,
    link: &str,
    mode: u32,
    uid: u32,
    size: u64,
    dev: (u32, u32),
) -> [u8; 512] {
    let mut h = [0u8; 512];
    h[..name.len()].copy_from_slice(name.as_bytes());
    octal(&mut h[100..108], mode as u64);
    octal(&mut h[108..116], uid as u64);
    octal(&mut h[116..124], uid as u64);
    octal(&mut h[124..136], size);
    octal(&mut h[136..148], 1_600_000_000);
    h[156] = typ;
    h[157..157 + link.len()].copy_from_slice(link.as_bytes());
    h[257..263].copy_from_slice(b"ustar\0");
    h[263..265].copy_from_slice(b"00");
    octal(&mut h[329..337], dev.0 as u64);
    octal(&mut h[337..345], dev.1 as u64);
    h[148..156].copy_from_slice(b"        ");
    let sum: u32 = h.iter().map(|b| *b as u32).sum();
    let s = format!("{sum:06o}\0 ");
    h[148..156].copy_from_slice(s.as_bytes());
    h
}

fn push_data(out: &mut Vec<u8>, data: &[u8]) {
    out.extend_from_slice(data);
    out.resize(out.len().div_ceil(512) * 512, 0);
}

fn tar(entries: &[Entry]) -> Vec<u8> {
    let mut out = Vec::new();
    for en in entries {
        if !en.pax.is_empty() {
            let mut body = Vec::new();
            for (k, v) in &en.pax {
                let rest = 1 + k.len() + 1 + v.len() + 1;
                let mut n = rest + 1;
                while format!("{n}").len() + rest != n {
                    n += 1;
                }
                body.extend_from_slice(format!("{n} {k}=").as_bytes());
                body.extend_from_slice(v);
                body.push(b'\n');
            }
            out.extend_from_slice(&header(
                "pax",
                b'x',
                "",
                0o644,
                0,
                body.len() as u64,
                (0, 0),
            ));
            push_data(&mut out, &body);
        }
        out.extend_from_slice(&header(
            en.name,
            en.typ,
            en.link,
            en.mode,
            en.uid,
            en.data.len() as u64,
            en.dev,
        ));
        push_data(&mut out, en.data);
    }
    out.extend_from_slice(&[0u8; 1024]);
    out
}

fn dirs() -> (tempfile::TempDir, std::path::PathBuf, std::path::PathBuf) {
    let t = tempfile::tempdir().unwrap();
    let root = t.path().join("root");
    let outside = t.path().join("outside");
    fs::create_dir(&root).unwrap();
    fs::create_dir(&outside).unwrap();
    fs::write(outside.join("target"), b"host data").unwrap();
    (t, root, outside)
}

fn run(root: &Path, entries: &[Entry]) -> Result<berth_layer::Unpacked, berth_layer::LayerError> {
    unpack(&tar(entries)[..], root, &UnpackOptions::default())
}

fn outside_untouched(outside: &Path) {
    let names: Vec<_> = fs::read_dir(outside)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        names,
        vec![std::ffi::OsString::from("target")],
        "something was written outside"
    );
    assert_eq!(fs::read(outside.join("target")).unwrap(), b"host data");
}

#[test]
fn entries_keep_their_kind_and_metadata() {
    let (_t, root, _) = dirs();
    let mut exe = e("bin/tool", b'0');
    exe.mode = 0o4755;
    exe.uid = 1000;
    exe.data = b"#!/bin/sh\n";
    let mut sym = e("bin/link", b'2');
    sym.link = "/bin/tool";
    let mut hard = e("bin/hard", b'1');
    hard.link = "bin/tool";
    let mut dev = e("dev/null", b'3');
    dev.dev = (1, 3);
    let mut x = e("etc/attr", b'0');
    x.pax = vec![
        ("SCHILY.xattr.user.note", b"hi"),
        ("SCHILY.xattr.trusted.overlay.opaque", b"y"),
    ];
    let mut d = e("bin", b'5');
    d.mode = 0o711;
    let u = run(&root, &[d, exe, sym, hard, dev, e("run/fifo", b'6'), x]).unwrap();
    assert_eq!(u.compression, Compression::None);
    let m = fs::metadata(root.join("bin/tool")).unwrap();
    assert_eq!(m.permissions().mode() & 0o7777, 0o4755);
    assert_eq!(m.uid(), 1000);
    assert_eq!(m.mtime(), 1_600_000_000);
    assert_eq!(m.nlink(), 2);
    assert_eq!(fs::metadata(root.join("bin/hard")).unwrap().ino(), m.ino());
    assert_eq!(
        fs::read_link(root.join("bin/link")).unwrap(),
        Path::new("/bin/tool")
    );
    let bin = fs::metadata(root.join("bin")).unwrap();
    assert_eq!(bin.permissions().mode() & 0o7777, 0o711);
    assert_eq!(
        bin.mtime(),
        1_600_000_000,
        "directory mtime is set after its entries"
    );
    let dv = fs::metadata(root.join("dev/null")).unwrap();
    assert!(dv.file_type().is_char_device());
    assert_eq!(dv.rdev(), rustix::fs::makedev(1, 3));
    assert!(fs::metadata(root.join("run/fifo"))
        .unwrap()
        .file_type()
        .is_fifo());
    let mut v = [0u8; 8];
    let n = rustix::fs::lgetxattr(root.join("etc/attr"), "user.note", &mut v).unwrap();
    assert_eq!(&v[..n], b"hi");
    assert!(
        rustix::fs::lgetxattr(root.join("etc/attr"), "trusted.overlay.opaque", &mut v).is_err(),
        "overlay xattrs from a tar must be dropped"
    );
    // Implied parents get 0755.
    assert_eq!(
        fs::metadata(root.join("run")).unwrap().permissions().mode() & 0o777,
        0o755
    );
}

#[test]
fn oci_whiteouts_become_overlay_whiteouts() {
    let (_t, root, _) = dirs();
    let mut f = e("d/keep", b'0');
    f.data = b"k";
    run(
        &root,
        &[
            e("d", b'5'),
            e("d/.wh..wh..opq", b'0'),
            f,
            e("etc/.wh.gone", b'0'),
        ],
    )
    .unwrap();
    let wh = fs::symlink_metadata(root.join("etc/gone")).unwrap();
    assert!(wh.file_type().is_char_device());
    assert_eq!(wh.rdev(), 0);
    let mut v = [0u8; 4];
    let n = rustix::fs::lgetxattr(root.join("d"), "trusted.overlay.opaque", &mut v).unwrap();
    assert_eq!(&v[..n], b"y");
    assert_eq!(
        fs::read(root.join("d/keep")).unwrap(),
        b"k",
        "opaque marker hides lower layers only"
    );
    assert!(!root.join("d/.wh..wh..opq").exists());
    assert!(!root.join("etc/.wh.gone").exists());
}

#[test]
fn dot_dot_and_absolute_paths_are_refused() {
    for name in ["../escape", "a/../../escape", "/escape", "./a/../b"] {
        let (_t, root, outside) = dirs();
        let mut f = e(name, b'0');
        f.data = b"x";
        let err = run(&root, &[f]).unwrap_err();
        assert_eq!(
            err.kind(),
            berth_layer::ErrorKind::InvalidInput,
            "{name}: {err}"
        );
        assert!(
            err.to_string().contains(name),
            "error names the entry: {err}"
        );
        outside_untouched(&outside);
        assert!(!root.parent().unwrap().join("escape").exists());
    }
}

#[test]
fn writes_through_symlinks_stay_inside() {
    let (_t, root, outside) = dirs();
    let o = outside.to_str().unwrap();
    // A symlinked directory pointing at the host, then a file below it.
    let mut l = e("l", b'2');
    l.link = o;
    let mut f = e("l/pwned", b'0');
    f.data = b"x";
    let _ = run(&root, &[l, f]);
    outside_untouched(&outside);
    // The same with a relative link climbing out.
    let (_t2, root2, outside2) = dirs();
    let mut l = e("l", b'2');
    l.link = "../../../../../../../../../../outside";
    let mut f = e("l/pwned", b'0');
    f.data = b"x";
    let _ = run(&root2, &[l, f]);
    outside_untouched(&outside2);
    // A regular file replacing a symlink must not write the symlink's target.
    let (_t3, root3, outside3) = dirs();
    let target = format!("{o}/target");
    let mut l = e("f", b'2');
    l.link = &target;
    let mut f = e("f", b'0');
    f.data = b"replaced";
    run(&root3, &[l, f]).unwrap();
    assert_eq!(fs::read(root3.join("f")).unwrap(), b"replaced");
    outside_untouched(&outside3);
    let _ = outside3;
}

#[test]
fn hardlinks_cannot_reach_outside() {
    let (_t, root, outside) = dirs();
    let abs = format!("{}/target", outside.display());
    let mut h = e("h", b'1');
    h.link = &abs;
    assert!(run(&root, &[h]).is_err(), "absolute hardlink target");
    let mut h = e("h", b'1');
    h.link = "../outside/target";
    assert!(run(&root, &[h]).is_err(), "hardlink target with ..");
    // Through a symlink: the link is to the symlink itself, never to the host file.
    let mut s = e("s", b'2');
    s.link = &abs;
    let mut h = e("h", b'1');
    h.link = "s";
    run(&root, &[s, h]).unwrap();
    let hm = fs::symlink_metadata(root.join("h")).unwrap();
    assert!(hm.file_type().is_symlink());
    assert_ne!(
        hm.ino(),
        fs::metadata(outside.join("target")).unwrap().ino()
    );
    // Through a symlinked directory.
    let (_t2, root2, outside2) = dirs();
    let mut s = e("sd", b'2');
    s.link = outside2.to_str().unwrap();
    let mut h = e("h", b'1');
    h.link = "sd/target";
    let _ = run(&root2, &[s, h]);
    assert_eq!(fs::metadata(outside2.join("target")).unwrap().nlink(), 1);
    outside_untouched(&outside2);
}

#[test]
fn devices_can_be_refused_and_bad_whiteouts_are() {
    let (_t, root, _) = dirs();
    let mut d = e("sda", b'4');
    d.dev = (8, 0);
    let err = unpack(
        &tar(&[d])[..],
        &root,
        &UnpackOptions {
            allow_devices: false,
            ..Default::default()
        },
    )
    .unwrap_err();
    assert!(err.to_string().contains("sda"));
    assert!(!root.join("sda").exists());
    assert!(run(&root, &[e(".wh..", b'0')]).is_err());
}

#[test]
fn broken_input_is_an_error_not_a_panic() {
    let (_t, root, _) = dirs();
    let mut f = e("big", b'0');
    f.data = &[7u8; 5000];
    let full = tar(&[f]);
    for cut in [0usize, 100, 512, 700, 3000] {
        let r = unpack(
            &full[..full.len().min(cut)],
            &root,
            &UnpackOptions::default(),
        );
        if cut > 512 {
            assert!(r.is_err(), "truncated at {cut}");
        }
    }
    assert!(unpack(&[0x1f, 0x8b, 1, 2, 3][..], &root, &UnpackOptions::default()).is_err());
    assert!(unpack(
        &[0x28, 0xb5, 0x2f, 0xfd, 9, 9][..],
        &root,
        &UnpackOptions::default()
    )
    .is_err());
    let mut junk = vec![0x55u8; 2048];
    junk[0] = b'a';
    assert!(unpack(&junk[..], &root, &UnpackOptions::default()).is_err());
}

#[test]
fn compression_is_detected_and_diff_id_is_of_the_tar() {
    let mut f = e("a", b'0');
    f.data = b"hello";
    let raw = tar(&[f]);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&raw).unwrap();
    let gz = gz.finish().unwrap();
    let zs = zstd::encode_all(&raw[..], 3).unwrap();
    let mut ids = Vec::new();
    for (data, c) in [
        (&raw, Compression::None),
        (&gz, Compression::Gzip),
        (&zs, Compression::Zstd),
    ] {
        let (_t, root, _) = dirs();
        let u = unpack(&data[..], &root, &UnpackOptions::default()).unwrap();
        assert_eq!(u.compression, c);
        assert_eq!(fs::read(root.join("a")).unwrap(), b"hello");
        ids.push(u.diff_id);
    }
    assert_eq!(ids[0], ids[1]);
    assert_eq!(ids[0], ids[2]);
    assert_eq!(ids[0], berth_layer_sha(&raw));
}

fn berth_layer_sha(b: &[u8]) -> String {
    use sha2::Digest;
    format!("sha256:{}", hex::encode(sha2::Sha256::digest(b)))
}

#[test]
fn diff_round_trips_whiteouts_and_hardlinks() {
    let (_t, root, _) = dirs();
    let mut f = e("d/f", b'0');
    f.data = b"data";
    let mut h = e("d/h", b'1');
    h.link = "d/f";
    run(
        &root,
        &[
            e("d", b'5'),
            e("d/.wh..wh..opq", b'0'),
            f,
            h,
            e(".wh.gone", b'0'),
        ],
    )
    .unwrap();
    let out = write_diff(&root, Vec::new()).unwrap();
    let (_t2, root2, _) = dirs();
    run_raw(&root2, &out);
    assert!(fs::symlink_metadata(root2.join("gone"))
        .unwrap()
        .file_type()
        .is_char_device());
    let mut v = [0u8; 4];
    assert!(rustix::fs::lgetxattr(root2.join("d"), "trusted.overlay.opaque", &mut v).is_ok());
    assert_eq!(fs::read(root2.join("d/h")).unwrap(), b"data");
    assert_eq!(
        fs::metadata(root2.join("d/h")).unwrap().ino(),
        fs::metadata(root2.join("d/f")).unwrap().ino()
    );
    // Same tree, same bytes.
    assert_eq!(write_diff(&root, Vec::new()).unwrap(), out);
}

fn run_raw(root: &Path, data: &[u8]) {
    unpack(data, root, &UnpackOptions::default()).unwrap();
}

/// A thousand corrupted variants of a tar with every entry kind: each must give Ok or an
/// error (never a panic) and write nothing outside the destination.
#[test]
fn mutated_tars_never_panic_or_escape() {
    let mut f = e("d/f", b'0');
    f.data = b"some file content";
    let mut l = e("d/l", b'2');
    l.link = "../../outside";
    let mut h = e("d/h", b'1');
    h.link = "d/f";
    let mut x = e("d/x", b'0');
    x.pax = vec![("SCHILY.xattr.user.a", b"1"), ("path", b"d/px")];
    let base = tar(&[
        e("d", b'5'),
        f,
        l,
        h,
        x,
        e("d/.wh.f", b'0'),
        e("d/.wh..wh..opq", b'0'),
    ]);
    let (_t, _, outside) = dirs();
    let mut seed = 0x9e3779b97f4a7c15u64;
    let mut rnd = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for i in 0..1000 {
        let mut data = base.clone();
        for _ in 0..1 + rnd() % 4 {
            let pos = (rnd() as usize) % data.len();
            data[pos] = match rnd() % 4 {
                0 => b'/',
                1 => b'.',
                2 => 0,
                _ => rnd() as u8,
            };
        }
        if i % 7 == 0 {
            data.truncate((rnd() as usize) % data.len());
        }
        let t = tempfile::tempdir().unwrap();
        let root = t.path().join("r");
        fs::create_dir(&root).unwrap();
        let _ = unpack(&data[..], &root, &UnpackOptions::default());
        let names: Vec<_> = fs::read_dir(t.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(
            names,
            vec![std::ffi::OsString::from("r")],
            "mutation {i} wrote beside the root"
        );
        outside_untouched(&outside);
    }
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(data).unwrap();
    gz.finish().unwrap()
}

/// Bytes of file data under `root`.
fn bytes_under(root: &Path) -> u64 {
    let mut n = 0;
    for e in fs::read_dir(root).unwrap() {
        let e = e.unwrap();
        let m = fs::symlink_metadata(e.path()).unwrap();
        n += if m.is_dir() {
            bytes_under(&e.path())
        } else {
            m.len()
        };
    }
    n
}

fn limited(max_size: u64) -> UnpackOptions {
    UnpackOptions {
        max_size,
        ..Default::default()
    }
}

#[test]
fn a_compression_bomb_stops_at_the_size_limit() {
    let zeros = vec![0u8; 10 << 20];
    let mut f = e("zeros", b'0');
    f.data = &zeros;
    let bomb = gzip(&tar(&[f]));
    assert!(bomb.len() < 100 << 10, "{} bytes of gzip", bomb.len());
    let (_t, root, _) = dirs();
    let err = unpack(&bomb[..], &root, &limited(1 << 20)).unwrap_err();
    assert!(
        matches!(err, berth_layer::LayerError::TooLarge { limit } if limit == 1 << 20),
        "{err}"
    );
    let msg = err.to_string();
    assert!(msg.contains("larger than the limit of 1 MiB"), "{msg}");
    assert!(
        bytes_under(&root) <= 1 << 20,
        "{} bytes written",
        bytes_under(&root)
    );
    // The same bytes hidden after the end-of-archive marker, where only the diffID reads them.
    let mut small = e("a", b'0');
    small.data = b"a";
    let mut padded = tar(&[small]);
    padded.extend_from_slice(&zeros);
    let (_t, root, _) = dirs();
    let err = unpack(&gzip(&padded)[..], &root, &limited(1 << 20)).unwrap_err();
    assert!(
        matches!(err, berth_layer::LayerError::TooLarge { .. }),
        "{err}"
    );
    // A stream of exactly the limit is fine; one byte less is not.
    let mut ok = e("ok", b'0');
    ok.data = b"fits";
    let exact = tar(&[ok]);
    let (_t, root, _) = dirs();
    let u = unpack(&exact[..], &root, &limited(exact.len() as u64)).unwrap();
    assert_eq!(u.size, exact.len() as u64);
    let (_t, root, _) = dirs();
    assert!(matches!(
        unpack(&exact[..], &root, &limited(exact.len() as u64 - 1)),
        Err(berth_layer::LayerError::TooLarge { .. })
    ));
    // The diffID of a layer that need not be unpacked again is bounded the same way.
    assert!(matches!(
        berth_layer::diff_id_of(&bomb[..], 1 << 20),
        Err(berth_layer::LayerError::TooLarge { .. })
    ));
    assert_eq!(
        berth_layer::diff_id_of(&bomb[..], 11 << 20).unwrap().0,
        berth_layer_sha(&tar(&[{
            let mut f = e("zeros", b'0');
            f.data = &zeros;
            f
        }]))
    );
}

#[test]
fn extraction_stops_before_the_disk_fills() {
    let (_t, root, _) = dirs();
    let st = rustix::fs::statvfs(&root).unwrap();
    let available = st.f_bavail * st.f_frsize;
    // Leave 4 MiB of headroom above the reserve, then write 24 MiB.
    let reserve = available - (4 << 20);
    let data = vec![7u8; 24 << 20];
    let mut f = e("big", b'0');
    f.data = &data;
    let err = unpack(
        &tar(&[f])[..],
        &root,
        &UnpackOptions {
            min_free: reserve,
            ..Default::default()
        },
    )
    .unwrap_err();
    assert!(
        matches!(err, berth_layer::LayerError::NoSpace { reserve: r, .. } if r == reserve),
        "{err}"
    );
    assert!(err.to_string().contains("free"), "{err}");
    let written = bytes_under(&root);
    assert!(
        written < 12 << 20,
        "{written} bytes written past the reserve"
    );
    // A reserve already eaten into: nothing is written at all.
    let (_t, root, _) = dirs();
    let mut g = e("g", b'0');
    g.data = b"x";
    let err = unpack(
        &tar(&[g])[..],
        &root,
        &UnpackOptions {
            min_free: u64::MAX,
            ..Default::default()
        },
    )
    .unwrap_err();
    assert!(
        matches!(err, berth_layer::LayerError::NoSpace { .. }),
        "{err}"
    );
    assert_eq!(fs::read_dir(&root).unwrap().count(), 0);
}

#[test]
fn over_long_entry_names_give_a_short_error() {
    let (_t, root, _) = dirs();
    let long = format!("{}/x", "d".repeat(12_000));
    let mut f = e("x", b'0');
    f.pax = vec![("path", long.as_bytes())];
    let err = run(&root, &[f]).unwrap_err().to_string();
    assert!(err.len() < 700, "{} bytes: {err}", err.len());
    assert!(err.contains("bytes]"), "{err}");
}
