//! Image subcommands: import, pull, push, load, save, images, tag, rmi, image ..., login.
//! Each command is a thin function over berth-store / berth-image; errors become one line
//! on stderr and exit status 1.
use crate::GlobalOpts;
use anyhow::{Context, Result};
use berth_store::Store;
use std::fs::File;
use std::io::{self, Read};
use std::path::PathBuf;

#[derive(clap::Subcommand)]
pub enum ImageCommand {
    /// Import a rootfs tarball (plain, gzip or zstd; `-` for stdin) as a one-layer image.
    Import {
        /// The rootfs tar file, or `-` for standard input.
        file: PathBuf,
        /// NAME[:TAG] for the new image.
        reference: String,
    },
}

/// Runs one image subcommand; returns the process exit code.
pub fn run(global: &GlobalOpts, command: ImageCommand) -> i32 {
    let r = match command {
        ImageCommand::Import { file, reference } => import(global, &file, &reference),
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
    Store::open(&global.root).with_context(|| format!("opening store {}", global.root.display()))
}

fn import(global: &GlobalOpts, file: &PathBuf, reference: &str) -> Result<()> {
    // Check the name before reading anything, so a typo fails fast.
    berth_store::Reference::parse(reference)?;
    let reader: Box<dyn Read> = if file.as_os_str() == "-" {
        Box::new(io::stdin().lock())
    } else {
        Box::new(File::open(file).with_context(|| format!("opening {}", file.display()))?)
    };
    let store = open_store(global)?;
    let id = store
        .import_rootfs(reader, reference)
        .with_context(|| format!("importing {}", file.display()))?;
    println!("{id}");
    Ok(())
}
