//! COPY and ADD sources that the `.dockerignore` keeps out of the build context.

use std::sync::Arc;

use tree_sitter::Node;

use super::{Alias, Check, Findings, Rule};
use crate::analysis::expand;
use crate::analysis::ignore_match::{IgnoreMatcher, context_path};
use crate::analysis::model::StageModel;
use crate::syntax::{Instruction, InstructionKind, Severity};

pub static COPY_IGNORED_FILE: Rule = Rule {
    id: "copy-ignored-file",
    summary: "COPY and ADD should not name files that .dockerignore excludes",
    severity: Severity::Warning,
    aliases: &[Alias::BuildKit("CopyIgnoredFile")],
    explanation: "Files excluded by `.dockerignore` are never sent to the builder, so a COPY that names one \
fails (`not found`) or, through a wildcard, silently copies less than it says. Either the file should not \
be copied, or the `.dockerignore` needs an exception (`!path`). Sources from other stages (`--from`), \
URLs and heredocs are not from the build context and are not checked.\n\nThe example assumes a \
`.dockerignore` with `*.pem`, `secrets` and `node_modules`.",
    bad: "FROM nginx:1.27\nCOPY secrets/tls.pem /etc/nginx/\n",
    good: "FROM nginx:1.27\nCOPY nginx.conf /etc/nginx/\n",
    tags: &[],
    fixable: false,
    enabled_by_default: true,
    check: Check::Stage(check),
};

/// The source nodes of a COPY or ADD from the build context (every argument but the
/// destination; heredocs excluded).
fn sources<'t>(instruction: &Instruction<'t>) -> Vec<Node<'t>> {
    let mut nodes: Vec<Node<'t>> = match instruction.json_array() {
        Some(array) => {
            let mut cursor = array.walk();
            array
                .named_children(&mut cursor)
                .filter(|n| n.kind() == "json_string")
                .collect()
        }
        None => instruction.arguments(),
    };
    nodes.pop();
    nodes.retain(|n| matches!(n.kind(), "word" | "json_string"));
    nodes
}

/// Whether a source is fetched rather than read from the context.
fn is_remote(source: &str) -> bool {
    source.contains("://") || source.starts_with("git@")
}

fn check(model: &StageModel<'_, '_>, findings: &mut Findings) {
    let Some(rules) = findings.context().dockerignore.as_ref().map(Arc::clone) else {
        return;
    };
    if rules.is_empty() {
        return;
    }
    let matcher = IgnoreMatcher::new(&rules);
    let escape = model.file.escape;
    for (at, instruction) in model.stage.instructions.iter().enumerate() {
        if !matches!(
            instruction.kind(),
            InstructionKind::Copy | InstructionKind::Add
        ) || instruction.flag("from").is_some()
        {
            continue;
        }
        for node in sources(instruction) {
            let raw = instruction.text(node);
            let source = if node.kind() == "json_string" {
                match serde_json::from_str::<String>(raw) {
                    Ok(decoded) if !decoded.contains('$') => decoded,
                    Ok(decoded) => match model.expand(&decoded, at) {
                        e if e.complete => e.value,
                        _ => continue,
                    },
                    Err(_) => continue,
                }
            } else if raw.contains('$') {
                match model.expand(raw, at) {
                    e if e.complete => e.value,
                    _ => continue,
                }
            } else {
                expand::expand(raw, escape, &|_| None).value
            };
            if is_remote(&source) {
                continue;
            }
            let Some(path) = context_path(&source) else {
                continue;
            };
            if let Some(rule) = matcher.excluded_by(&path) {
                findings.report(
                    node.byte_range(),
                    format!(
                        "`{source}` is excluded by the .dockerignore pattern `{}`, so it is not in the build context and this {} fails or copies nothing: copy something else, or re-include it with `!{path}`",
                        rule.pattern,
                        instruction.kind().name()
                    ),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::super::testing::{located, run_in};
    use crate::analysis::dockerignore_rules::ignore_rules;
    use crate::analysis::settings::Context;

    const ID: &str = "copy-ignored-file";

    fn with_ignore(dockerignore: &str, text: &str) -> Vec<(String, String)> {
        let context = Context {
            dockerignore: Some(Arc::new(ignore_rules(dockerignore))),
            ..Context::default()
        };
        located(text, run_in(ID, text, &context))
    }

    fn flagged_with(dockerignore: &str, text: &str) -> Vec<String> {
        with_ignore(dockerignore, text)
            .into_iter()
            .map(|(at, _)| at)
            .collect()
    }

    #[test]
    fn an_ignored_source_is_reported_with_its_pattern() {
        assert_eq!(
            with_ignore("*.pem\n", "FROM a\nCOPY app.conf ./key.pem /etc/\n"),
            [(
                "2:15-2:24".to_owned(),
                "`./key.pem` is excluded by the .dockerignore pattern `*.pem`, so it is not in the build context and this COPY fails or copies nothing: copy something else, or re-include it with `!key.pem`".to_owned()
            )]
        );
    }

    #[test]
    fn directories_exceptions_and_the_allow_list_style() {
        let ignore = "*\n!src\n!package.json\nsrc/secrets\n";
        let text =
            "FROM a\nCOPY package.json src/ /app/\nCOPY .env /app/\nADD src/secrets/key /k\n";
        assert_eq!(flagged_with(ignore, text), ["3:6-3:10", "4:5-4:20"]);
    }

    #[test]
    fn variables_json_and_absolute_sources() {
        let ignore = "secrets\n";
        let text =
            "FROM a\nARG DIR=secrets\nCOPY $DIR/x /\nCOPY [\"/secrets/y\", \"/\"]\nCOPY $UNSET /\n";
        assert_eq!(flagged_with(ignore, text), ["3:6-3:12", "4:7-4:19"]);
    }

    #[test]
    fn other_stages_urls_heredocs_and_the_destination_are_not_checked() {
        let ignore = "*.tar.gz\nsecrets\n.\n";
        let text = "FROM a AS build\nFROM b\nCOPY --from=build secrets /s\nADD https://example.com/x.tar.gz /x\nCOPY <<EOF secrets\nhello\nEOF\nCOPY . /secrets\n";
        assert!(flagged_with(ignore, text).is_empty());
    }

    #[test]
    fn nothing_without_a_dockerignore() {
        let text = "FROM a\nCOPY key.pem /\n";
        assert!(located(text, run_in(ID, text, &Context::default())).is_empty());
    }
}
