//! The `image` command: what the registry says about one image reference.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use super::Status;
use crate::analysis::image_ref;
use crate::config_files;
use crate::registry::model::Platform;
use crate::registry::{Registry, RegistryError, RegistrySettings, report};

/// How the report is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(super) enum Format {
    /// Aligned columns for a terminal
    Human,
    /// The report as one JSON object, sizes in bytes
    Json,
}

/// What to look up and how to print it.
#[derive(Debug, Clone, Copy)]
pub(super) struct Options<'a> {
    /// The reference, literally (no ARG expansion).
    pub reference: &'a str,
    /// Overrides `registry.platform`.
    pub platform: Option<&'a str>,
    pub format: Format,
    /// A configuration file given on the command line.
    pub config: Option<&'a Path>,
}

/// Looks the reference up and prints the report to `out`, problems to `err`.
///
/// [`Status::Clean`] when the image was found; [`Status::Findings`] (exit status 1) when
/// the registry says it does not exist or will not describe it; [`Status::Failure`] for
/// usage errors and every other failure (timeout, unreachable, rate limited, offline).
pub(super) fn run(options: Options<'_>, out: &mut dyn Write, err: &mut dyn Write) -> Status {
    match look_up(options, out, err) {
        Ok(status) => status,
        Err(error) => {
            // Nothing more can be said if stderr is gone as well.
            let _ = writeln!(err, "dockerfile-lsp: cannot write the report: {error}");
            Status::Failure
        }
    }
}

fn look_up(options: Options<'_>, out: &mut dyn Write, err: &mut dyn Write) -> io::Result<Status> {
    let reference = options.reference;
    if image_ref::has_unexpanded_variable(reference) {
        writeln!(
            err,
            "dockerfile-lsp: {reference}: `image` takes a literal reference; variables are not expanded"
        )?;
        return Ok(Status::Failure);
    }
    if let Err(error) = image_ref::parse(reference) {
        writeln!(err, "dockerfile-lsp: {reference}: {error}")?;
        return Ok(Status::Failure);
    }
    let platform = match options.platform.map(|p| (p, Platform::parse(p))) {
        Some((text, None)) => {
            writeln!(
                err,
                "dockerfile-lsp: invalid platform `{text}`: write os/arch[/variant], such as linux/arm64"
            )?;
            return Ok(Status::Failure);
        }
        Some((_, platform)) => platform,
        None => None,
    };

    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let loaded = config_files::load(&cwd, options.config);
    for problem in &loaded.problems {
        writeln!(err, "{problem}")?;
    }
    if options.config.is_some() && loaded.files.is_empty() {
        // The file asked for cannot be used: other registry settings could ask another host.
        return Ok(Status::Failure);
    }
    let mut settings = RegistrySettings::from_options(&loaded.settings.registry);
    if let Some(platform) = platform {
        settings.platform = platform;
    }

    let result = match Registry::new(settings) {
        Ok(registry) => match runtime() {
            Ok(runtime) => {
                let result = runtime.block_on(registry.lookup(reference));
                runtime.shutdown_background();
                result
            }
            Err(error) => {
                writeln!(
                    err,
                    "dockerfile-lsp: cannot start the async runtime: {error}"
                )?;
                return Ok(Status::Failure);
            }
        },
        Err(error) => Err(error),
    };

    match result {
        Ok(report) => {
            match options.format {
                Format::Human => out.write_all(report::human(&report).as_bytes())?,
                Format::Json => {
                    serde_json::to_writer_pretty(&mut *out, &report::json(&report))?;
                    writeln!(out)?;
                }
            }
            Ok(Status::Clean)
        }
        Err(error) => {
            writeln!(err, "dockerfile-lsp: {reference}: {error}")?;
            Ok(match error {
                RegistryError::NotFound { .. } => Status::Findings,
                _ => Status::Failure,
            })
        }
    }
}

/// One thread is enough for one lookup: its requests run concurrently on it.
fn runtime() -> io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
}
