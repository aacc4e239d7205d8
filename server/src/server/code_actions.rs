//! Code actions: each finding's fix, ignore comments, and fix-all, as LSP edits.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::Arc;

use tower_lsp_server::ls_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, CreateFile, CreateFileOptions,
    DocumentChangeOperation, DocumentChanges, OneOf, OptionalVersionedTextDocumentIdentifier,
    ResourceOp, TextDocumentEdit, TextEdit, Uri, WorkspaceEdit,
};

use super::convert;
use crate::analysis::fixes;
use crate::analysis::fixes::base_image;
use crate::analysis::rules::format_size;
use crate::analysis::settings::Context;
use crate::analysis::suppress::{self, Scope};
use crate::position::{LineIndex, PositionEncoding};
use crate::registry::ImageReport;
use crate::syntax::{self, Dockerfile, Edit, FileKind, Finding, NewFile};

/// The kind of our fix-all action (`source.fixAll.dockerfile-lsp`).
pub(crate) fn fix_all_kind() -> CodeActionKind {
    CodeActionKind::new("source.fixAll.dockerfile-lsp")
}

/// A document as the code actions see it, copied out of the store.
#[derive(Debug)]
pub(crate) struct Snapshot {
    pub uri: Uri,
    pub kind: FileKind,
    /// The text, indexed for position conversion.
    pub index: LineIndex,
    pub context: Context,
    /// What was last published for this text.
    pub findings: Vec<Finding>,
    /// The image in the requested range, with what the registry says of its tag.
    pub image: Option<ImageChoice>,
}

/// An image word and the registry's report on its tag (a digest in the word left out).
#[derive(Debug, Clone)]
pub(crate) struct ImageChoice {
    pub range: Range<usize>,
    pub report: Arc<ImageReport>,
}

/// The text of a file next to the document, if it exists (open in the editor or on disk).
pub(crate) type Sibling<'a> = &'a dyn Fn(&Uri) -> Option<String>;

/// The actions for the findings that touch `range` (bytes), of the kinds the client asks for.
pub(crate) fn actions(
    doc: &Snapshot,
    range: Range<usize>,
    only: Option<&[CodeActionKind]>,
    encoding: PositionEncoding,
    sibling: Sibling<'_>,
) -> Vec<CodeActionOrCommand> {
    let index = &doc.index;
    let mut actions = Vec::new();
    if wants(only, &CodeActionKind::QUICKFIX) {
        let touched = doc.findings.iter().filter(|f| {
            f.range.start <= range.end
                && range.start <= f.range.end
                && !f.rule.starts_with("syntax-")
        });
        for finding in touched.clone() {
            if let Some(action) = quick_fix(doc, index, finding, encoding, sibling) {
                actions.push(action);
            }
        }
        if doc.kind == FileKind::Dockerfile {
            actions.extend(ignore_actions(doc, index, touched, encoding));
        }
    }
    if wants(only, &CodeActionKind::REFACTOR_REWRITE) {
        actions.extend(image_actions(doc, index, encoding));
    }
    if wants(only, &fix_all_kind())
        && doc
            .findings
            .iter()
            .any(|f| f.fix.as_ref().is_some_and(|x| x.is_safe()))
        && let Some(action) = fix_all(doc, index, encoding)
    {
        actions.push(action);
    }
    actions
        .into_iter()
        .map(CodeActionOrCommand::CodeAction)
        .collect()
}

/// Pin the image to its digest, update a pin the tag no longer points at, or switch to
/// a slimmer variant that exists, with what it saves.
fn image_actions(doc: &Snapshot, index: &LineIndex, encoding: PositionEncoding) -> Vec<CodeAction> {
    let Some(choice) = &doc.image else {
        return Vec::new();
    };
    let Some(word) = index.text().get(choice.range.clone()) else {
        return Vec::new();
    };
    let report = &choice.report;
    let digest = &report.image.digest;
    let short: String = digest.chars().take("sha256:".len() + 12).collect();
    let rewrite = |title: String, new_word: String, preferred: bool| CodeAction {
        title,
        kind: Some(CodeActionKind::REFACTOR_REWRITE),
        edit: Some(in_document(
            &doc.uri,
            vec![TextEdit {
                range: convert::index_range(index, choice.range.clone(), encoding),
                new_text: new_word,
            }],
        )),
        is_preferred: Some(preferred),
        ..CodeAction::default()
    };
    let mut actions = Vec::new();
    // The unpinned-base-digest rule offers the same pin as its quick fix.
    let pin_offered = doc.findings.iter().any(|f| {
        f.rule == "unpinned-base-digest"
            && f.fix.is_some()
            && f.range.start < choice.range.end
            && choice.range.start < f.range.end
    });
    match base_image::pinned_digest(word) {
        None if !pin_offered => {
            if let Some(new) = base_image::with_digest(word, digest) {
                actions.push(rewrite(
                    format!("Pin `{word}` to its digest `{short}…`"),
                    new,
                    false,
                ));
            }
        }
        Some(pinned) if pinned != digest => {
            if let Some(new) = base_image::with_digest(word, digest) {
                actions.push(rewrite(
                    format!("Update the pinned digest: the tag now points at `{short}…`"),
                    new,
                    false,
                ));
            }
        }
        _ => {}
    }
    for variant in &report.variants {
        if let Some(new) = base_image::with_tag(word, &variant.tag) {
            actions.push(rewrite(
                format!(
                    "Switch to `{}` (saves {}, {}%)",
                    variant.reference,
                    format_size(variant.saving),
                    variant.saving_percent
                ),
                new,
                false,
            ));
        }
    }
    actions
}

/// Whether `kind` is asked for: no filter, or a filter naming it or a parent of it
/// (`source` covers `source.fixAll.dockerfile-lsp`).
fn wants(only: Option<&[CodeActionKind]>, kind: &CodeActionKind) -> bool {
    let Some(only) = only else {
        return true;
    };
    only.iter().any(|asked| {
        let asked = asked.as_str();
        kind.as_str() == asked
            || kind
                .as_str()
                .strip_prefix(asked)
                .is_some_and(|rest| rest.starts_with('.'))
    })
}

fn text_edits(index: &LineIndex, edits: &[Edit], encoding: PositionEncoding) -> Vec<TextEdit> {
    edits
        .iter()
        .map(|e| TextEdit {
            range: convert::index_range(index, e.range.clone(), encoding),
            new_text: e.text.clone(),
        })
        .collect()
}

fn in_document(uri: &Uri, edits: Vec<TextEdit>) -> WorkspaceEdit {
    WorkspaceEdit {
        changes: Some(HashMap::from([(uri.clone(), edits)])),
        ..WorkspaceEdit::default()
    }
}

fn quick_fix(
    doc: &Snapshot,
    index: &LineIndex,
    finding: &Finding,
    encoding: PositionEncoding,
    sibling: Sibling<'_>,
) -> Option<CodeAction> {
    let fix = finding.fix.as_ref()?;
    let edits = text_edits(index, &finding.fix_edits(), encoding);
    let edit = match &fix.new_file {
        None => in_document(&doc.uri, edits),
        Some(file) => {
            let mut operations = Vec::new();
            if !edits.is_empty() {
                operations.push(DocumentChangeOperation::Edit(TextDocumentEdit {
                    text_document: OptionalVersionedTextDocumentIdentifier {
                        uri: doc.uri.clone(),
                        version: None,
                    },
                    edits: edits.into_iter().map(OneOf::Left).collect(),
                }));
            }
            operations.extend(new_file_operations(&doc.uri, file, encoding, sibling)?);
            WorkspaceEdit {
                document_changes: Some(DocumentChanges::Operations(operations)),
                ..WorkspaceEdit::default()
            }
        }
    };
    Some(CodeAction {
        title: fix.title.clone(),
        kind: Some(CodeActionKind::QUICKFIX),
        diagnostics: Some(vec![convert::diagnostic(index, finding, encoding)]),
        edit: Some(edit),
        is_preferred: Some(fix.is_safe()),
        ..CodeAction::default()
    })
}

/// Creating a file next to the document, or appending to it when it exists.
fn new_file_operations(
    document: &Uri,
    file: &NewFile,
    encoding: PositionEncoding,
    sibling: Sibling<'_>,
) -> Option<Vec<DocumentChangeOperation>> {
    let path = document.to_file_path()?;
    let target = Uri::from_file_path(path.parent()?.join(&file.name))?;
    let edit = |range, new_text| {
        DocumentChangeOperation::Edit(TextDocumentEdit {
            text_document: OptionalVersionedTextDocumentIdentifier {
                uri: target.clone(),
                version: None,
            },
            edits: vec![OneOf::Left(TextEdit { range, new_text })],
        })
    };
    Some(match sibling(&target) {
        Some(existing) => {
            let index = LineIndex::new(&existing);
            let end = existing.len();
            let contents = if existing.is_empty() || existing.ends_with('\n') {
                file.contents.clone()
            } else {
                format!("{}{}", fixes::lines::newline(&existing), file.contents)
            };
            vec![edit(
                convert::index_range(&index, end..end, encoding),
                contents,
            )]
        }
        None => vec![
            DocumentChangeOperation::Op(ResourceOp::Create(CreateFile {
                uri: target.clone(),
                options: Some(CreateFileOptions {
                    overwrite: Some(false),
                    ignore_if_exists: Some(true),
                }),
                annotation_id: None,
            })),
            edit(
                tower_lsp_server::ls_types::Range::default(),
                file.contents.clone(),
            ),
        ],
    })
}

/// "Ignore this rule for this instruction" and "... in this file", once per rule.
fn ignore_actions<'f>(
    doc: &Snapshot,
    index: &LineIndex,
    findings: impl Iterator<Item = &'f Finding>,
    encoding: PositionEncoding,
) -> Vec<CodeAction> {
    let Ok(tree) = syntax::parse(doc.kind, doc.index.text(), None) else {
        return Vec::new();
    };
    let file = Dockerfile::new(&tree, doc.index.text());
    let mut seen = Vec::new();
    let mut actions = Vec::new();
    for finding in findings {
        if seen.contains(&finding.rule) {
            continue;
        }
        seen.push(finding.rule);
        for (scope, title) in [
            (
                Scope::Next,
                format!("Ignore `{}` for this instruction", finding.rule),
            ),
            (
                Scope::Global,
                format!("Ignore `{}` in this file", finding.rule),
            ),
        ] {
            let Some(edit) = suppress::ignore_edit(&file, finding.range.start, finding.rule, scope)
            else {
                continue;
            };
            actions.push(CodeAction {
                title,
                kind: Some(CodeActionKind::QUICKFIX),
                diagnostics: Some(vec![convert::diagnostic(index, finding, encoding)]),
                edit: Some(in_document(&doc.uri, text_edits(index, &[edit], encoding))),
                ..CodeAction::default()
            });
        }
    }
    actions
}

fn fix_all(doc: &Snapshot, index: &LineIndex, encoding: PositionEncoding) -> Option<CodeAction> {
    let text = doc.index.text();
    let fixed = fixes::fix_all(doc.kind, text, &doc.context);
    if fixed.text == text {
        return None;
    }
    let edits = fixes::minimal_edits(text, &fixed.text);
    Some(CodeAction {
        title: format!("Fix all safe problems ({} fixes)", fixed.applied.len()),
        kind: Some(fix_all_kind()),
        edit: Some(in_document(&doc.uri, text_edits(index, &edits, encoding))),
        ..CodeAction::default()
    })
}
