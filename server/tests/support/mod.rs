//! Shared helpers of the integration tests.
#![allow(dead_code)]

pub mod buildkit;
pub mod corpus;
pub mod lsp;
pub mod registry;
pub mod whitespace;
