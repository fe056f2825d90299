//! Image subcommands: import, pull, push, load, save, images, tag, rmi, image ..., login.
//! Each command is a thin function over berth-store / berth-image; errors become one line
//! on stderr and exit status 1.
mod inspect;
mod progress;

use crate::GlobalOpts;
use anyhow::{bail, Context, Result};
use berth_image::{AuthFile, Credentials, Platform, PullOptions, RegistryOptions};
use berth_layer::UnpackOptions;
use berth_store::{Reference, Store};
use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

/// Registry access options shared by pull, push and login.
#[derive(clap::Args, Clone, Debug)]
pub struct RegistryArgs {
    /// A registry (HOST[:PORT]) that may be reached over plain HTTP. Loopback always may.
    #[arg(
        long = "insecure-registry",
        env = "BERTH_INSECURE_REGISTRIES",
        value_delimiter = ','
    )]
    insecure: Vec<String>,
    /// Docker-style credentials file (default: $DOCKER_CONFIG/config.json or ~/.docker/config.json).
    #[arg(long, env = "REGISTRY_AUTH_FILE")]
    authfile: Option<PathBuf>,
}

/// How layers are unpacked by import, load and pull.
#[derive(clap::Args, Clone, Debug)]
pub struct UnpackArgs {
    /// The largest uncompressed size of one layer (bytes, or with K/M/G/T, KiB…; default
    /// 32G): a compression bomb stops there.
    #[arg(long = "max-layer-size", env = "BERTH_MAX_LAYER_SIZE", value_parser = parse_size)]
    max_layer_size: Option<u64>,
}

impl UnpackArgs {
    fn options(&self) -> UnpackOptions {
        let mut o = UnpackOptions::default();
        if let Some(m) = self.max_layer_size {
            o.max_size = m;
        }
        o
    }
}

/// `1048576`, `512K`, `10M`, `32G`, `1GiB`, `2T` (powers of 1024).
fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let digits = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (n, unit) = t.split_at(digits);
    let n: u64 = n.parse().map_err(|_| format!("invalid size {s:?}"))?;
    let shift = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 0,
        "k" | "kb" | "kib" => 10,
        "m" | "mb" | "mib" => 20,
        "g" | "gb" | "gib" => 30,
        "t" | "tb" | "tib" => 40,
        _ => {
            return Err(format!(
                "invalid size {s:?} (use a number with K, M, G or T)"
            ))
        }
    };
    n.checked_mul(1u64 << shift)
        .filter(|v| *v > 0)
        .ok_or_else(|| format!("invalid size {s:?}"))
}

#[derive(clap::Subcommand)]
pub enum ImageCommand {
    /// Import a rootfs tarball (plain, gzip or zstd; `-` for stdin) as a one-layer image.
    Import {
        /// The rootfs tar file, or `-` for standard input.
        file: PathBuf,
        /// NAME[:TAG] for the new image.
        reference: String,
        #[command(flatten)]
        unpack: UnpackArgs,
    },
    /// Pull an image from a registry.
    Pull {
        reference: String,
        /// OS/ARCH[/VARIANT] to pick from a multi-platform image (default: the host's).
        #[arg(long)]
        platform: Option<String>,
        /// No progress bars.
        #[arg(short, long)]
        quiet: bool,
        #[command(flatten)]
        registry: RegistryArgs,
        #[command(flatten)]
        unpack: UnpackArgs,
    },
    /// Push an image to a registry.
    Push {
        image: String,
        /// Where to push (default: IMAGE's own name).
        target: Option<String>,
        #[command(flatten)]
        registry: RegistryArgs,
    },
    /// Store credentials for a registry (checked against it first).
    Login {
        server: String,
        #[arg(short, long)]
        username: String,
        #[arg(short, long, conflicts_with = "password_stdin")]
        password: Option<String>,
        #[arg(long)]
        password_stdin: bool,
        #[command(flatten)]
        registry: RegistryArgs,
    },
    /// Load images from a `docker save` archive or an OCI layout (directory or tar).
    Load {
        #[arg(short, long)]
        input: PathBuf,
        #[arg(short, long)]
        quiet: bool,
        #[command(flatten)]
        unpack: UnpackArgs,
    },
    /// Save images to a `docker save` archive.
    Save {
        #[arg(short, long)]
        output: PathBuf,
        #[arg(required = true)]
        images: Vec<String>,
    },
    /// List images.
    Images {
        /// Only IDs.
        #[arg(short, long)]
        quiet: bool,
        /// `table` (default) or `json`.
        #[arg(long, default_value = "table")]
        format: String,
    },
    /// Give an image another name.
    Tag { source: String, target: String },
    /// Remove images (a name shared with others is only untagged).
    Rmi {
        #[arg(short, long)]
        force: bool,
        #[arg(required = true)]
        images: Vec<String>,
    },
    /// Manage images.
    #[command(subcommand)]
    Image(ImageSub),
}

#[derive(clap::Subcommand)]
pub enum ImageSub {
    /// Show images as JSON (docker's shape).
    Inspect {
        #[arg(required = true)]
        images: Vec<String>,
    },
    /// Remove untagged images, then blobs and layers no image or lease uses.
    Prune {
        /// All images no container uses (not supported yet: refused).
        #[arg(short, long)]
        all: bool,
        /// Do not ask for confirmation (berth never asks; accepted for docker's sake).
        #[arg(short, long)]
        force: bool,
    },
    /// List images.
    Ls {
        #[arg(short, long)]
        quiet: bool,
    },
}

/// Runs one image subcommand; returns the process exit code.
pub fn run(global: &GlobalOpts, command: ImageCommand) -> i32 {
    let r = match command {
        ImageCommand::Import {
            file,
            reference,
            unpack,
        } => import(global, &file, &reference, &unpack.options()),
        ImageCommand::Pull {
            reference,
            platform,
            quiet,
            registry,
            unpack,
        } => pull(
            global,
            &reference,
            platform.as_deref(),
            quiet,
            &registry,
            unpack.options(),
        ),
        ImageCommand::Push {
            image,
            target,
            registry,
        } => push(global, &image, target.as_deref(), &registry),
        ImageCommand::Login {
            server,
            username,
            password,
            password_stdin,
            registry,
        } => login(&server, username, password, password_stdin, &registry),
        ImageCommand::Load {
            input,
            quiet,
            unpack,
        } => load(global, &input, quiet, &unpack.options()),
        ImageCommand::Save { output, images } => save(global, &output, &images),
        ImageCommand::Images { quiet, format } => images(global, quiet, &format),
        ImageCommand::Tag { source, target } => {
            open_store(global).and_then(|s| Ok(s.tag(&source, &target)?))
        }
        ImageCommand::Rmi { force, images } => rmi(global, &images, force),
        ImageCommand::Image(ImageSub::Inspect { images }) => inspect::inspect(global, &images),
        ImageCommand::Image(ImageSub::Prune { all, force: _ }) => prune(global, all),
        ImageCommand::Image(ImageSub::Ls { quiet }) => images(global, quiet, "table"),
    };
    match r {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("berth: {}", one_line(&e));
            1
        }
    }
}

/// `outer: inner: innermost`, without repeating a cause its parent already printed.
fn one_line(e: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in e.chain() {
        let s = cause.to_string();
        if out.contains(&s) {
            continue;
        }
        if !out.is_empty() {
            out.push_str(": ");
        }
        out.push_str(&s);
    }
    out.replace('\n', " ")
}

fn open_store(global: &GlobalOpts) -> Result<Store> {
    Store::open(&global.root).with_context(|| format!("opening store {}", shown(&global.root)))
}

/// A path as errors show it: an over-long one loses its middle.
fn shown(p: &Path) -> String {
    berth_layer::elide(&p.display().to_string()).into_owned()
}

fn auth_file(args: &RegistryArgs) -> AuthFile {
    let path = args.authfile.clone().unwrap_or_else(|| {
        let dir = std::env::var_os("DOCKER_CONFIG")
            .map(PathBuf::from)
            .unwrap_or_else(|| {
                PathBuf::from(std::env::var_os("HOME").unwrap_or_else(|| "/root".into()))
                    .join(".docker")
            });
        dir.join("config.json")
    });
    AuthFile::new(path)
}

fn registry_options(args: &RegistryArgs, registry: &str) -> Result<RegistryOptions> {
    let credentials = auth_file(args).get(registry)?;
    Ok(RegistryOptions {
        insecure: args.insecure.clone(),
        credentials,
    })
}

fn import(global: &GlobalOpts, file: &Path, reference: &str, opts: &UnpackOptions) -> Result<()> {
    // Check the name before reading anything, so a typo fails fast.
    Reference::parse(reference)?;
    let reader: Box<dyn Read> = if file.as_os_str() == "-" {
        Box::new(io::stdin().lock())
    } else {
        Box::new(File::open(file).with_context(|| format!("opening {}", shown(file)))?)
    };
    let store = open_store(global)?;
    let id = store
        .import_rootfs_with(reader, reference, opts)
        .with_context(|| format!("importing {}", shown(file)))?;
    println!("{id}");
    Ok(())
}

fn pull(
    global: &GlobalOpts,
    reference: &str,
    platform: Option<&str>,
    quiet: bool,
    args: &RegistryArgs,
    unpack: UnpackOptions,
) -> Result<()> {
    let r = Reference::parse(reference)?;
    let opts = PullOptions {
        platform: match platform {
            Some(p) => Platform::parse(p)?,
            None => Platform::host(),
        },
        registry: registry_options(args, &r.registry)?,
        jobs: 3,
        unpack,
    };
    let store = open_store(global)?;
    let bars = progress::Bars::new(quiet);
    let (id, r) = berth_image::pull(&store, reference, &opts, &bars)
        .with_context(|| format!("pulling {r}"))?;
    if !quiet {
        eprintln!("Pulled {r}");
    }
    println!("{id}");
    Ok(())
}

fn push(global: &GlobalOpts, image: &str, target: Option<&str>, args: &RegistryArgs) -> Result<()> {
    let r = Reference::parse(target.unwrap_or(image))?;
    let opts = registry_options(args, &r.registry)?;
    let store = open_store(global)?;
    let bars = progress::Bars::new(false);
    let digest = berth_image::push(&store, image, target, &opts, &bars)
        .with_context(|| format!("pushing {r}"))?;
    bars.clear();
    println!("{}: digest: {digest}", r.object());
    Ok(())
}

fn login(
    server: &str,
    username: String,
    password: Option<String>,
    password_stdin: bool,
    args: &RegistryArgs,
) -> Result<()> {
    let password = match (password, password_stdin) {
        (Some(p), _) => p,
        (None, true) => {
            let mut s = String::new();
            io::stdin().read_to_string(&mut s)?;
            s.trim_end_matches(['\r', '\n']).to_string()
        }
        (None, false) => bail!("give the password with --password or --password-stdin"),
    };
    // Accept `host`, `host/…` and URLs, like docker login.
    let host = server
        .trim_start_matches("https://")
        .trim_start_matches("http://")
        .split('/')
        .next()
        .unwrap_or(server);
    let host = Reference::parse(&format!("{host}/x"))
        .map(|r| r.registry)
        .with_context(|| format!("bad registry {server:?}"))?;
    let creds = Credentials { username, password };
    let reg = berth_image::Registry::new(
        &host,
        RegistryOptions {
            insecure: args.insecure.clone(),
            credentials: Some(creds.clone()),
        },
    );
    reg.ping()
        .with_context(|| format!("logging in to {host}"))?;
    let file = auth_file(args);
    file.set(&host, &creds)?;
    eprintln!("Login Succeeded (credentials in {})", file.path.display());
    Ok(())
}

fn load(global: &GlobalOpts, input: &Path, quiet: bool, opts: &UnpackOptions) -> Result<()> {
    let store = open_store(global)?;
    let loaded = berth_image::load(&store, input, opts)
        .with_context(|| format!("loading {}", shown(input)))?;
    for (id, refs) in loaded {
        if refs.is_empty() {
            println!("Loaded image ID: {id}");
        }
        for r in refs {
            if !quiet {
                println!("Loaded image: {r}");
            }
        }
    }
    Ok(())
}

fn save(global: &GlobalOpts, output: &Path, images: &[String]) -> Result<()> {
    let store = open_store(global)?;
    berth_image::save(&store, images, output)
        .with_context(|| format!("saving to {}", shown(output)))
}

fn images(global: &GlobalOpts, quiet: bool, format: &str) -> Result<()> {
    let store = open_store(global)?;
    let mut list = store.list_images()?;
    list.sort_by(|a, b| b.stored.cmp(&a.stored));
    if format == "json" {
        let v: Vec<_> = list
            .iter()
            .map(|i| {
                serde_json::json!({
                    "Id": i.id, "RepoTags": i.references, "Size": i.size,
                    "Created": i.created, "ManifestDigest": i.manifest_digest,
                })
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&v)?);
        return Ok(());
    }
    if format != "table" {
        bail!("unknown format {format:?} (table or json)");
    }
    let short = |id: &str| {
        id.trim_start_matches("sha256:")
            .chars()
            .take(12)
            .collect::<String>()
    };
    if quiet {
        for i in &list {
            println!("{}", short(&i.id));
        }
        return Ok(());
    }
    println!(
        "{:<40} {:<16} {:<14} {:<22} {:>10}",
        "REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE"
    );
    for i in &list {
        let created = i.created.clone().unwrap_or_default();
        let created: String = created.chars().take(19).collect();
        let size = format!("{:.1}MB", i.size as f64 / 1e6);
        let mut names: Vec<(String, String)> = i
            .references
            .iter()
            .filter_map(|r| Reference::parse(r).ok())
            .filter(|r| r.tag.is_some())
            .map(|r| {
                let f = r.familiar();
                let tag = r.tag.clone().unwrap_or_default();
                let repo = f.rsplit_once(':').map(|(a, _)| a.to_string()).unwrap_or(f);
                (repo, tag)
            })
            .collect();
        if names.is_empty() {
            names.push(("<none>".into(), "<none>".into()));
        }
        for (repo, tag) in names {
            println!(
                "{repo:<40} {tag:<16} {:<14} {created:<22} {size:>10}",
                short(&i.id)
            );
        }
    }
    Ok(())
}

fn rmi(global: &GlobalOpts, images: &[String], force: bool) -> Result<()> {
    let store = open_store(global)?;
    let mut failures = Vec::new();
    for name in images {
        match store.remove_image(name, force) {
            Ok(rep) => {
                for u in rep.untagged {
                    println!("Untagged: {u}");
                }
                if let Some(d) = rep.deleted {
                    println!("Deleted: {d}");
                }
            }
            Err(e) => failures.push(format!("removing {}: {e}", berth_layer::elide(name))),
        }
    }
    if failures.is_empty() {
        Ok(())
    } else {
        bail!("{}", failures.join("; "))
    }
}

fn prune(global: &GlobalOpts, all: bool) -> Result<()> {
    let store = open_store(global)?;
    if all {
        // Without container records to consult, "unused" means every image: refuse rather
        // than guess.
        bail!("image prune -a is not supported yet; remove images by name with rmi");
    }
    let (removed, gc) = store.prune_dangling()?;
    for id in &removed {
        println!("Deleted Images: {id}");
    }
    println!(
        "Removed {} image(s), {} blob(s), {} layer(s)",
        removed.len(),
        gc.blobs.len(),
        gc.layers.len()
    );
    Ok(())
}
