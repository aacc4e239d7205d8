//! Tree-sitter languages for Dockerfile and .dockerignore, as used by dockerfile-lsp.
//!
//! ```
//! let mut parser = tree_sitter::Parser::new();
//! parser.set_language(&dockerfile_lsp_grammar::LANGUAGE_DOCKERFILE.into()).unwrap();
//! let tree = parser.parse("FROM alpine:3.20\nRUN echo hi\n", None).unwrap();
//! assert!(!tree.root_node().has_error());
//! ```

use tree_sitter_language::LanguageFn;

#[allow(unsafe_code)]
unsafe extern "C" {
    fn tree_sitter_dockerfile() -> *const ();
    fn tree_sitter_dockerignore() -> *const ();
}

/// The Dockerfile language (also Containerfile).
#[allow(unsafe_code)]
pub const LANGUAGE_DOCKERFILE: LanguageFn = unsafe { LanguageFn::from_raw(tree_sitter_dockerfile) };

/// The .dockerignore language (also .containerignore).
#[allow(unsafe_code)]
pub const LANGUAGE_DOCKERIGNORE: LanguageFn =
    unsafe { LanguageFn::from_raw(tree_sitter_dockerignore) };

/// The node types of the Dockerfile grammar, as JSON.
pub const DOCKERFILE_NODE_TYPES: &str = include_str!("../../dockerfile/src/node-types.json");
/// The node types of the .dockerignore grammar, as JSON.
pub const DOCKERIGNORE_NODE_TYPES: &str = include_str!("../../dockerignore/src/node-types.json");
/// Syntax highlighting query for Dockerfiles.
pub const DOCKERFILE_HIGHLIGHTS_QUERY: &str =
    include_str!("../../dockerfile/queries/highlights.scm");
/// Syntax highlighting query for .dockerignore files.
pub const DOCKERIGNORE_HIGHLIGHTS_QUERY: &str =
    include_str!("../../dockerignore/queries/highlights.scm");
