//! `berth`: the engine's command line. Flags and environment are read here, once, into
//! `GlobalOpts`; the subcommands live in one module per family.
mod container;
mod container_cmds;
mod image_cmds;
mod sealed;
mod shim;
mod tty;

use clap::{Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser)]
#[command(name = "berth", version, about = "The Berth container engine")]
struct Cli {
    #[command(flatten)]
    global: GlobalOpts,
    #[command(subcommand)]
    command: Command,
}

/// Options every subcommand sees.
#[derive(clap::Args, Clone, Debug)]
pub struct GlobalOpts {
    /// Root of the image and container store.
    #[arg(
        long,
        global = true,
        env = "BERTH_ROOT",
        default_value = "/var/lib/berth"
    )]
    pub root: PathBuf,
}

#[derive(Subcommand)]
enum Command {
    #[command(flatten)]
    Container(container_cmds::ContainerCommand),
    #[command(flatten)]
    Image(image_cmds::ImageCommand),
}

/// How `run` and `start` start a shim (`berth --root R __shim ...`, never typed by
/// people): parsed on its own, since building the whole command line's parser costs
/// ~0.2 ms of every container start.
#[derive(Parser)]
#[command(name = "berth")]
struct ShimCli {
    #[arg(long)]
    root: PathBuf,
    #[command(subcommand)]
    shim: ShimCommand,
}

#[derive(Subcommand)]
enum ShimCommand {
    #[command(name = "__shim")]
    Shim(shim::ShimArgs),
}

fn main() {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if args.get(1).is_some_and(|a| a == "--root") && args.get(3).is_some_and(|a| a == "__shim") {
        let ShimCli {
            root,
            shim: ShimCommand::Shim(a),
        } = parse_or_exit(&args);
        std::process::exit(shim::main(&root, a));
    }
    let cli: Cli = parse_or_exit(&args);
    let code = match cli.command {
        Command::Container(c) => container_cmds::run(&cli.global, c),
        Command::Image(c) => image_cmds::run(&cli.global, c),
    };
    std::process::exit(code);
}

/// Bad flags are an engine error (125), on one line, as docker reports them.
fn parse_or_exit<P: Parser>(args: &[std::ffi::OsString]) -> P {
    match P::try_parse_from(args) {
        Ok(p) => p,
        Err(e) if !e.use_stderr() => e.exit(),
        Err(e) => {
            let text = e.to_string();
            let first = text.lines().next().unwrap_or("invalid arguments");
            eprintln!("berth: {}", first.trim_start_matches("error: "));
            std::process::exit(125);
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn cli_definition_is_consistent() {
        use clap::CommandFactory;
        super::Cli::command().debug_assert();
        super::ShimCli::command().debug_assert();
    }
}
