//! Container subcommands: run, ps, logs, exec, start, stop, kill, rm, inspect, wait.
use crate::GlobalOpts;

#[derive(clap::Subcommand)]
pub enum ContainerCommand {}

/// Runs one container subcommand; returns the process exit code (docker's conventions).
pub fn run(_global: &GlobalOpts, command: ContainerCommand) -> i32 {
    match command {}
}
