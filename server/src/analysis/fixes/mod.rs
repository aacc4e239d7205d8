//! Fixes: applying edits to text, and the edit builders rules share (RUN chains, lines).

pub mod apply;
pub mod base_image;
pub mod builder_stage;
pub mod command_removal;
pub mod exec_form;
pub mod global_arg;
pub mod heredoc_script;
pub mod lines;
pub mod merge_run;
pub mod run_chain;

pub use apply::{FixAll, apply_edits, fix_all, fix_all_where, minimal_edits};
