//! The command line: parses arguments and runs the chosen command.

mod check;
mod explain;
mod github;
mod human;
mod image;
mod json;
mod located;
mod registry_facts;
mod rules;
mod sarif;

use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// A language server and linter for Dockerfiles: lean, fast and safe images.
///
/// With no command (or with --stdio) it serves the Language Server Protocol on
/// stdin and stdout.
#[derive(Debug, Parser)]
#[command(name = "dockerfile-lsp", version)]
struct Cli {
    /// Serve LSP over stdin/stdout (the default when no command is given)
    #[arg(long)]
    stdio: bool,

    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check Dockerfiles and .dockerignore files
    ///
    /// Prints each finding (by default with a code frame of its lines and a help
    /// line, then a summary; `--format concise` for one
    /// `path:line:col: severity[rule] message` line each). Exits with 0 when no finding reaches --fail-level, 1 when one does, and 2
    /// when a path could not be read (the other files are still checked and
    /// reported) or the command line is wrong.
    Check(CheckArgs),
    /// List every rule: id, summary, severity, aliases (hadolint, BuildKit, Trivy)
    Rules(RulesArgs),
    /// Show what the registry says about an image: digest, compressed size per
    /// platform, largest layers, slimmer variants
    ///
    /// REF is taken literally (no ARG expansion). The `[registry]` settings come from
    /// the configuration files, as for `check`. Exits with 0 when the image was found,
    /// 1 when the registry says it does not exist or is not authorized, and 2 for a
    /// wrong command line and every other failure (timeout, unreachable, rate limited,
    /// offline with nothing cached).
    Image(ImageArgs),
    /// Print a rule's documentation: why it matters, an example and its fix
    ///
    /// RULE is a rule id (`apt-package-unpinned`) or another tool's code for it
    /// (hadolint `DL3008`, BuildKit `StageNameCasing`, Trivy `DS-0002`). Exits with 2
    /// and the closest names when no rule has that name.
    Explain {
        #[arg(value_name = "RULE")]
        rule: String,
    },
    /// Print a completion script for a shell, for example
    /// `dockerfile-lsp completions bash > /etc/bash_completion.d/dockerfile-lsp`
    Completions {
        #[arg(value_name = "SHELL")]
        shell: clap_complete::Shell,
    },
}

#[derive(Debug, clap::Args)]
struct ImageArgs {
    /// Output format
    #[arg(long, value_enum, default_value_t = image::Format::Human)]
    format: image::Format,

    /// The platform to report on, as os/arch[/variant] [default: the configuration's
    /// registry.platform, else this machine's]
    #[arg(long, value_name = "PLATFORM")]
    platform: Option<String>,

    /// A configuration file (`dockerfile-lsp.toml`), instead of those found from the
    /// working directory
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,

    /// The image reference: `python:3.12`, `ghcr.io/owner/repo@sha256:…`
    #[arg(value_name = "REF")]
    reference: String,
}

#[derive(Debug, clap::Args)]
struct RulesArgs {
    /// Output format
    #[arg(long, value_enum, default_value_t = RulesFormat::Human)]
    format: RulesFormat,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum RulesFormat {
    Human,
    Json,
}

#[derive(Debug, clap::Args)]
struct CheckArgs {
    /// Output format
    #[arg(long, value_enum, default_value_t = check::Format::Human)]
    format: check::Format,

    /// The least serious finding that fails the check (exit status 1) [default: the
    /// configuration's failure-threshold, else warning]
    #[arg(long, value_enum, value_name = "LEVEL")]
    fail_level: Option<check::FailLevel>,

    /// A configuration file (`dockerfile-lsp.toml`, or a `.hadolint.yaml`), instead of
    /// those found from the working directory
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,

    /// Apply every safe fix to the files, then report what is left
    #[arg(long, conflicts_with = "diff")]
    fix: bool,

    /// Print the safe fixes as a unified diff instead of applying them or reporting
    /// findings (exit status 1 when there is something to fix)
    #[arg(long)]
    diff: bool,

    /// Ask registries about the base images (with the `[registry]` settings and their
    /// cache), for the rules that need it: tags that do not exist, platforms, the size
    /// budget, digests to pin
    #[arg(long)]
    registry: bool,

    /// How many threads check files (and share out the stages of a large file)
    /// [default: the number of CPUs]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    threads: Option<u16>,

    /// When to colour the report: `auto` colours it when stdout is a terminal and
    /// NO_COLOR is not set
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = ColorChoice::Auto)]
    color: ColorChoice,

    /// Files to check, or directories to search for Dockerfiles and ignore files.
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum ColorChoice {
    Auto,
    Always,
    Never,
}

impl ColorChoice {
    /// Whether to colour what goes to stdout.
    fn colors_stdout(self) -> bool {
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            // https://no-color.org: set and not empty.
            ColorChoice::Auto => {
                io::stdout().is_terminal()
                    && std::env::var_os("NO_COLOR").is_none_or(|value| value.is_empty())
            }
        }
    }
}

/// A progress bar belongs on a person's terminal, never in a CI log.
fn progress_wanted() -> bool {
    io::stderr().is_terminal() && std::env::var_os("CI").is_none()
}

/// How a run ended, from best to worst; the process exit status is its number.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
enum Status {
    /// Nothing to report.
    #[default]
    Clean,
    /// At least one finding reached the failure threshold (`--fail-level`); for
    /// `image`, the registry says the image does not exist or is not authorized.
    Findings,
    /// Bad usage, or a file that could not be read or written.
    Failure,
}

impl From<Status> for ExitCode {
    fn from(status: Status) -> Self {
        match status {
            Status::Clean => ExitCode::SUCCESS,
            Status::Findings => ExitCode::from(1),
            Status::Failure => ExitCode::from(2),
        }
    }
}

/// Runs the command line of this process.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            // clap prints --help and --version to stdout with status 0, and usage
            // errors to stderr with status 2.
            let code = u8::try_from(error.exit_code()).unwrap_or(2);
            return match error.print() {
                Ok(()) => ExitCode::from(code),
                Err(_) => Status::Failure.into(),
            };
        }
    };
    match cli.command {
        Some(command) => run(command).into(),
        None => crate::server::run_stdio(),
    }
}

fn run(command: Command) -> Status {
    match command {
        Command::Rules(args) => {
            let listing = rules::listing(matches!(args.format, RulesFormat::Json));
            match io::stdout().lock().write_all(listing.as_bytes()) {
                Ok(()) => Status::Clean,
                Err(_) => Status::Failure,
            }
        }
        Command::Check(args) => {
            let mut stdout = io::BufWriter::new(io::stdout().lock());
            // Not locked for the whole run: the progress bar draws on stderr from the
            // threads that check the files.
            let mut stderr = io::stderr();
            let options = check::Options {
                paths: &args.paths,
                format: args.format,
                fail_level: args.fail_level,
                config: args.config.as_deref(),
                fixes: if args.diff {
                    check::Fixes::Diff
                } else if args.fix {
                    check::Fixes::Apply
                } else {
                    check::Fixes::Report
                },
                registry: args.registry,
                threads: args.threads.map_or_else(default_threads, usize::from),
                color: args.color.colors_stdout(),
                progress: progress_wanted(),
            };
            let status = check::run(options, &mut stdout, &mut stderr);
            match stdout.flush() {
                Ok(()) => status,
                Err(error) => {
                    // Nothing more can be said if stderr is gone as well.
                    let _ = writeln!(stderr, "error: cannot write the report: {error}");
                    Status::Failure
                }
            }
        }
        Command::Explain { rule } => match explain::explain(&rule) {
            Ok(page) => match io::stdout().lock().write_all(page.as_bytes()) {
                Ok(()) => Status::Clean,
                Err(_) => Status::Failure,
            },
            Err(unknown) => {
                let _ = writeln!(io::stderr().lock(), "{unknown}");
                Status::Failure
            }
        },
        Command::Completions { shell } => {
            let mut script = Vec::new();
            clap_complete::generate(
                shell,
                &mut <Cli as clap::CommandFactory>::command(),
                "dockerfile-lsp",
                &mut script,
            );
            match io::stdout().lock().write_all(&script) {
                Ok(()) => Status::Clean,
                Err(_) => Status::Failure,
            }
        }
        Command::Image(args) => {
            let mut stdout = io::stdout().lock();
            let mut stderr = io::stderr().lock();
            let options = image::Options {
                reference: &args.reference,
                platform: args.platform.as_deref(),
                format: args.format,
                config: args.config.as_deref(),
            };
            let status = image::run(options, &mut stdout, &mut stderr);
            match stdout.flush() {
                Ok(()) => status,
                Err(error) => {
                    let _ = writeln!(stderr, "error: cannot write the report: {error}");
                    Status::Failure
                }
            }
        }
    }
}

/// One thread per core the process may use.
fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZero::get)
}
