//! Container subcommands: run, ps, logs, exec, start, stop, kill, rm, inspect, wait.
//! Each verb: look the container up, check its state, act, report. Exit codes follow
//! docker: 125 engine error, 126 cannot exec, 127 not found, otherwise the container's.
//! This file holds the argument structs and the dispatch; the verbs live in the
//! submodules (run, exec, lifecycle verbs, and the read-only ps/inspect/logs).
use crate::GlobalOpts;
use berth_engine::{options, Engine, EngineError};

mod exec;
mod lifecycle;
mod run;
mod show;

use exec::exec;
use lifecycle::{kill_one, rm_one, start_one, stop_one, wait_one};
use run::run_cmd;
use show::{inspect, logs, ps};

#[derive(clap::Subcommand)]
pub enum ContainerCommand {
    /// Create and start a container from an image.
    Run(Box<RunArgs>),
    /// List containers.
    Ps {
        /// Show all containers (default shows just running).
        #[arg(short, long)]
        all: bool,
        /// Only display container IDs.
        #[arg(short, long)]
        quiet: bool,
        #[arg(long)]
        no_trunc: bool,
    },
    /// Fetch the logs of a container.
    Logs {
        #[arg(short, long)]
        follow: bool,
        #[arg(short = 't', long)]
        timestamps: bool,
        /// Number of lines to show from the end ("all" for everything).
        #[arg(short = 'n', long, default_value = "all")]
        tail: String,
        container: String,
    },
    /// Run a command in a running container.
    Exec(ExecArgs),
    /// Start stopped containers.
    Start {
        #[arg(required = true)]
        containers: Vec<String>,
    },
    /// Stop running containers (the stop signal, then SIGKILL after the timeout).
    Stop {
        /// Seconds to wait before killing.
        #[arg(
            short = 't',
            long = "time",
            visible_alias = "timeout",
            default_value_t = 10
        )]
        time: u64,
        #[arg(required = true)]
        containers: Vec<String>,
    },
    /// Send a signal to running containers.
    Kill {
        #[arg(short, long, default_value = "KILL")]
        signal: String,
        #[arg(required = true)]
        containers: Vec<String>,
    },
    /// Remove containers.
    Rm {
        /// Kill a running container first.
        #[arg(short, long)]
        force: bool,
        #[arg(required = true)]
        containers: Vec<String>,
    },
    /// Low-level information on containers, as JSON.
    Inspect {
        /// Go-template-like field selection, e.g. '{{.State.ExitCode}}'.
        #[arg(short, long)]
        format: Option<String>,
        #[arg(required = true)]
        containers: Vec<String>,
    },
    /// Block until containers stop, then print their exit codes.
    Wait {
        #[arg(required = true)]
        containers: Vec<String>,
    },
}

#[derive(clap::Args, Debug)]
pub struct RunArgs {
    /// Run in the background and print the container ID.
    #[arg(short, long)]
    detach: bool,
    /// Remove the container when it exits.
    #[arg(long)]
    rm: bool,
    /// Keep STDIN open.
    #[arg(short, long)]
    interactive: bool,
    /// Allocate a pseudo-TTY.
    #[arg(short, long)]
    tty: bool,
    #[arg(long)]
    name: Option<String>,
    /// Set environment variables (K=V, or K to pass the caller's value).
    #[arg(short, long = "env")]
    env: Vec<String>,
    #[arg(short, long = "workdir")]
    workdir: Option<String>,
    /// USER[:GROUP], by name or number.
    #[arg(short, long)]
    user: Option<String>,
    /// Bind mount SRC:DST[:ro].
    #[arg(short, long = "volume")]
    volume: Vec<String>,
    #[arg(long)]
    hostname: Option<String>,
    /// Memory limit (e.g. 64m).
    #[arg(short, long)]
    memory: Option<String>,
    /// Number of CPUs (e.g. 0.5).
    #[arg(long)]
    cpus: Option<String>,
    #[arg(long)]
    pids_limit: Option<i64>,
    /// none or host.
    #[arg(long, default_value = "none")]
    network: String,
    /// Mount the container's root filesystem read-only.
    #[arg(long)]
    read_only: bool,
    #[arg(long)]
    cap_add: Vec<String>,
    #[arg(long)]
    cap_drop: Vec<String>,
    /// no-new-privileges, seccomp=unconfined.
    #[arg(long)]
    security_opt: Vec<String>,
    #[arg(long)]
    entrypoint: Option<String>,
    /// json-file log options: max-size=SIZE (-1: no limit), max-file=N.
    #[arg(long)]
    log_opt: Vec<String>,
    /// Set metadata on the container (KEY=VALUE; KEY alone for an empty value).
    #[arg(short = 'l', long = "label")]
    label: Vec<String>,
    /// IMAGE [COMMAND [ARG...]]
    #[arg(required = true, trailing_var_arg = true, value_name = "IMAGE [CMD]")]
    image_and_cmd: Vec<String>,
}

#[derive(clap::Args, Debug)]
pub struct ExecArgs {
    #[arg(short, long)]
    interactive: bool,
    #[arg(short, long)]
    tty: bool,
    #[arg(short, long)]
    user: Option<String>,
    #[arg(short, long = "env")]
    env: Vec<String>,
    #[arg(short, long = "workdir")]
    workdir: Option<String>,
    /// CONTAINER COMMAND [ARG...]
    #[arg(required = true, num_args = 2.., trailing_var_arg = true, value_name = "CONTAINER CMD")]
    container_and_cmd: Vec<String>,
}

/// An error with the exit code docker would use.
struct Exit(i32, String);

fn fail<T>(code: i32, msg: impl Into<String>) -> std::result::Result<T, Exit> {
    Err(Exit(code, msg.into()))
}

/// An engine error as docker's client reports it: 125, or 126/127 when the command
/// cannot run.
fn engine(e: EngineError) -> Exit {
    Exit(e.exit_code(), e.to_string())
}

type Outcome = std::result::Result<i32, Exit>;

/// Runs one container subcommand; returns the process exit code (docker's conventions).
pub fn run(global: &GlobalOpts, command: ContainerCommand) -> i32 {
    let eng = Engine::open(&global.root);
    let r: Outcome = match command {
        ContainerCommand::Run(a) => run_cmd(&eng, *a),
        ContainerCommand::Ps {
            all,
            quiet,
            no_trunc,
        } => ps(&eng, all, quiet, no_trunc).map_err(engine),
        ContainerCommand::Logs {
            follow,
            timestamps,
            tail,
            container,
        } => logs(&eng, &container, follow, timestamps, &tail),
        ContainerCommand::Exec(a) => exec(&eng, a),
        ContainerCommand::Start { containers } => each(&eng, &containers, start_one),
        ContainerCommand::Stop { time, containers } => {
            each(&eng, &containers, |e, c| stop_one(e, c, time))
        }
        // docker's daemon refuses a bad signal: its client exits 1.
        ContainerCommand::Kill { signal, containers } => match options::parse_signal(&signal) {
            Ok(sig) => each(&eng, &containers, |e, c| kill_one(e, c, sig)),
            Err(e) => fail(1, e.to_string()),
        },
        ContainerCommand::Rm { force, containers } => {
            each(&eng, &containers, |e, c| rm_one(e, c, force))
        }
        ContainerCommand::Inspect { format, containers } => {
            inspect(&eng, &containers, format.as_deref())
        }
        ContainerCommand::Wait { containers } => each(&eng, &containers, wait_one),
    };
    match r {
        Ok(code) => code,
        Err(Exit(code, msg)) => {
            eprintln!("berth: {}", one_line(&msg));
            code
        }
    }
}

/// An error message on one line, and not a screenful: an over-long one keeps its start
/// and its end.
fn one_line(msg: &str) -> String {
    const MAX: usize = 1000;
    let flat = msg.replace('\n', " ");
    if flat.chars().count() <= MAX {
        return flat;
    }
    let head: String = flat.chars().take(MAX / 2).collect();
    let tail: String = flat
        .chars()
        .rev()
        .take(MAX / 2)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    format!("{head} … {tail}")
}

/// Applies a verb to each named container; docker goes on after a failure and exits 1.
fn each(eng: &Engine, names: &[String], f: impl Fn(&Engine, &str) -> Outcome) -> Outcome {
    let mut code = 0;
    for n in names {
        if let Err(Exit(_, msg)) = f(eng, n) {
            eprintln!("berth: {}", one_line(&msg));
            code = 1;
        }
    }
    Ok(code)
}

#[cfg(test)]
mod tests {
    #[test]
    fn long_messages_are_cut_in_the_middle() {
        let long = format!("start {} end", "x".repeat(20_000));
        let s = super::one_line(&long);
        assert!(s.len() < 1100 && s.starts_with("start ") && s.ends_with(" end"));
        assert_eq!(super::one_line("a\nb"), "a b");
    }
}
