//! dockerfile-lsp: a language server and command-line linter for Dockerfiles.

pub mod analysis;
pub mod cli;
pub mod config_files;
pub mod files;
pub mod position;
pub mod registry;
pub mod server;
pub mod syntax;
