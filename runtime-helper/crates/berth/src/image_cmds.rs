//! Image subcommands: import, pull, push, load, save, images, tag, rmi, image ..., login.
use crate::GlobalOpts;

#[derive(clap::Subcommand)]
pub enum ImageCommand {}

/// Runs one image subcommand; returns the process exit code.
pub fn run(_global: &GlobalOpts, command: ImageCommand) -> i32 {
    match command {}
}
