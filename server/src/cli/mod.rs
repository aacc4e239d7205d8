//! The command line: parses arguments and runs the chosen command.

mod check;
mod github;
mod human;
mod image;
mod json;
mod located;
mod registry_facts;
mod rules;
mod sarif;

use std::io::{self, Write};
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
    /// Prints each finding (as `path:line:col: severity[rule] message` by default).
    /// Exits with 0 when no finding reaches --fail-level, 1 when one does, and 2
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

    /// Files to check, or directories to search for Dockerfiles and ignore files.
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
}

/// How a run ended, from best to worst; the process exit status is its number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Status {
    /// Nothing to report.
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
            let mut stderr = io::stderr().lock();
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
