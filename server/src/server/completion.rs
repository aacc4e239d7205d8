//! Completion as LSP items: the analysis's candidates, and image tags from the registry's cache.

use tower_lsp_server::ls_types::{
    CompletionItem, CompletionItemKind, CompletionList, CompletionTextEdit, Documentation,
    InsertTextFormat, MarkupContent, MarkupKind, Position, TextEdit,
};

use super::convert::{self, line_col};
use super::document::Document;
use super::state::Shared;
use crate::analysis::completion::{self, Candidate, CandidateKind, TagQuery};
use crate::position::{PositionEncoding, rope};
use crate::syntax::{Dockerfile, FileKind};

/// Tags to add: the query, and the range their text replaces.
pub(crate) type TagRequest = (TagQuery, tower_lsp_server::ls_types::Range);

/// The most tags listed at once: the client filters further as the user types.
const MAX_TAG_ITEMS: usize = 300;

/// What completion computes while the document is borrowed: items, and the tags to ask for.
pub(crate) fn candidates(
    document: &Document,
    position: Position,
    encoding: PositionEncoding,
) -> Option<(Vec<CompletionItem>, Option<TagRequest>)> {
    if document.kind != FileKind::Dockerfile {
        return None;
    }
    let model = document.model.as_ref()?;
    let offset = rope::offset(&document.rope, line_col(position), encoding);
    let file = Dockerfile::new(&document.tree, document.text());
    let found = completion::complete(&file, model, &document.context, offset);
    let items = found
        .candidates
        .iter()
        .enumerate()
        .map(|(order, c)| {
            item(
                c,
                order,
                convert::range(&document.rope, c.range.clone(), encoding),
            )
        })
        .collect();
    let tags = found.tags.map(|query| {
        let range = convert::range(&document.rope, query.range.clone(), encoding);
        (query, range)
    });
    Some((items, tags))
}

/// Adds the repository's tags when the registry's cache has them; otherwise asks for
/// them in the background and marks the list incomplete, so that the client asks again.
pub(crate) fn with_tags(
    shared: &Shared,
    mut items: Vec<CompletionItem>,
    tags: Option<TagRequest>,
) -> CompletionList {
    let mut incomplete = false;
    if let Some((query, range)) = tags
        && let Some(registry) = shared.registry()
    {
        match registry.cached_tags(&query.repository) {
            Some(list) => {
                let mut matching: Vec<&String> = list
                    .iter()
                    .filter(|t| t.starts_with(&query.prefix))
                    .collect();
                // Newest versions first: tags sort better by their digits than as text.
                matching.sort_by_key(|tag| std::cmp::Reverse(version_key(tag)));
                incomplete = matching.len() > MAX_TAG_ITEMS;
                for (order, tag) in matching.into_iter().take(MAX_TAG_ITEMS).enumerate() {
                    items.push(CompletionItem {
                        label: tag.clone(),
                        kind: Some(CompletionItemKind::CONSTANT),
                        detail: Some(format!("tag of {}", query.repository)),
                        sort_text: Some(format!("{order:05}")),
                        text_edit: Some(CompletionTextEdit::Edit(TextEdit {
                            range,
                            new_text: tag.clone(),
                        })),
                        ..CompletionItem::default()
                    });
                }
            }
            None => {
                incomplete = true;
                let repository = query.repository.clone();
                tokio::spawn(async move {
                    registry.fetch_tags(&repository).await;
                });
            }
        }
    }
    CompletionList {
        is_incomplete: incomplete,
        items,
    }
}

/// Numbers compare as numbers: `3.12.1` after `3.9`.
fn version_key(tag: &str) -> Vec<(u64, String)> {
    tag.split(['.', '-'])
        .map(|part| {
            let digits: String = part.chars().take_while(char::is_ascii_digit).collect();
            (digits.parse().unwrap_or(0), part[digits.len()..].to_owned())
        })
        .collect()
}

fn item(
    candidate: &Candidate,
    order: usize,
    range: tower_lsp_server::ls_types::Range,
) -> CompletionItem {
    let kind = match candidate.kind {
        CandidateKind::Keyword => CompletionItemKind::KEYWORD,
        CandidateKind::Flag => CompletionItemKind::PROPERTY,
        CandidateKind::Value => CompletionItemKind::VALUE,
        CandidateKind::Stage => CompletionItemKind::MODULE,
        CandidateKind::Variable => CompletionItemKind::VARIABLE,
        CandidateKind::Directive => CompletionItemKind::KEYWORD,
        CandidateKind::Image => CompletionItemKind::REFERENCE,
        CandidateKind::Tag => CompletionItemKind::CONSTANT,
        CandidateKind::Snippet => CompletionItemKind::SNIPPET,
    };
    CompletionItem {
        label: candidate.label.clone(),
        kind: Some(kind),
        detail: candidate.detail.clone(),
        documentation: candidate.documentation.as_ref().map(|value| {
            Documentation::MarkupContent(MarkupContent {
                kind: MarkupKind::Markdown,
                value: value.clone(),
            })
        }),
        sort_text: Some(format!("{order:05}")),
        insert_text_format: Some(if candidate.snippet {
            InsertTextFormat::SNIPPET
        } else {
            InsertTextFormat::PLAIN_TEXT
        }),
        text_edit: Some(CompletionTextEdit::Edit(TextEdit {
            range,
            new_text: candidate.insert.clone(),
        })),
        ..CompletionItem::default()
    }
}

#[cfg(test)]
mod tests {
    use super::version_key;

    #[test]
    fn newest_versions_first() {
        let mut tags = vec!["3.9", "3.12.1", "3.12", "3.10-slim", "latest"];
        tags.sort_by_key(|tag| std::cmp::Reverse(version_key(tag)));
        assert_eq!(tags, ["3.12.1", "3.12", "3.10-slim", "3.9", "latest"]);
    }
}
