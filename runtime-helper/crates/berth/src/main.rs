//! `berth`: the engine's command line. Flags and environment are read here, once, into
//! `GlobalOpts`; the subcommands live in one module per family.
mod container_cmds;
mod daemon;
mod image_cmds;
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
    /// Serve the Docker Engine API on a unix socket.
    Daemon(daemon::DaemonArgs),
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
    // Must match berth_engine::shim::SHIM_COMMAND and shim_args.
    #[command(name = "__shim")]
    Shim(ShimArgs),
}

/// The shim's flags, as `berth_engine::shim::shim_args` writes them.
#[derive(clap::Args, Debug)]
struct ShimArgs {
    id: String,
    #[arg(long)]
    attach_stdin: bool,
    #[arg(long)]
    attach_output: bool,
    #[arg(long)]
    status_fd: Option<i32>,
    #[arg(long)]
    winch_fd: Option<i32>,
    /// ROWSxCOLS.
    #[arg(long, value_parser = parse_console)]
    console: Option<(u16, u16)>,
    #[arg(long)]
    lock_fd: Option<i32>,
}

fn parse_console(s: &str) -> std::result::Result<(u16, u16), String> {
    let (r, c) = s.split_once('x').ok_or("expected ROWSxCOLS")?;
    Ok((
        r.parse().map_err(|_| "bad rows")?,
        c.parse().map_err(|_| "bad columns")?,
    ))
}

fn main() {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if args.get(1).is_some_and(|a| a == "--root")
        && args
            .get(3)
            .is_some_and(|a| a == berth_engine::shim::SHIM_COMMAND)
    {
        let ShimCli {
            root,
            shim: ShimCommand::Shim(a),
        } = parse_or_exit(&args);
        let opts = berth_engine::shim::ShimOptions {
            id: a.id,
            attach_stdin: a.attach_stdin,
            attach_output: a.attach_output,
            status_fd: a.status_fd,
            winch_fd: a.winch_fd,
            console: a.console,
            lock_fd: a.lock_fd,
        };
        std::process::exit(berth_engine::shim::main(&root, opts));
    }
    let cli: Cli = parse_or_exit(&args);
    let code = match cli.command {
        Command::Container(c) => container_cmds::run(&cli.global, c),
        Command::Image(c) => image_cmds::run(&cli.global, c),
        Command::Daemon(a) => daemon::run(&cli.global, a),
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

    #[test]
    fn the_shim_command_line_the_engine_writes_parses_here() {
        use clap::Parser;
        let attach = berth_engine::Attach {
            stdin: true,
            output: true,
            winch: Some(9),
            console: Some((24, 80)),
        };
        let mut argv: Vec<std::ffi::OsString> = vec!["berth".into()];
        argv.extend(berth_engine::shim::shim_args(
            std::path::Path::new("/r"),
            "abc",
            &attach,
            true,
        ));
        let super::ShimCli {
            root,
            shim: super::ShimCommand::Shim(a),
        } = super::ShimCli::try_parse_from(argv).unwrap();
        assert_eq!(root, std::path::PathBuf::from("/r"));
        assert_eq!(a.id, "abc");
        assert!(a.attach_stdin && a.attach_output);
        assert_eq!(
            (a.status_fd, a.winch_fd, a.console),
            (Some(3), Some(4), Some((24, 80)))
        );
    }
}
