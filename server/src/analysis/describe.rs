//! What hover says about the word under the cursor: an instruction, a flag, a directive, a variable or a stage.

use std::ops::Range;

use super::docs;
use super::expand;
use super::model::{FileModel, VarKind};
use super::scope;
use super::settings::Context;
use crate::syntax::{Dockerfile, InstructionKind};

/// A hover: the bytes it is about and its markdown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Description {
    pub range: Range<usize>,
    pub markdown: String,
}

fn contains(range: &Range<usize>, offset: usize) -> bool {
    range.start <= offset && offset <= range.end
}

/// The description of what is at `offset`, if anything there is documented.
pub fn describe(
    file: &Dockerfile<'_>,
    model: &FileModel,
    context: &Context,
    offset: usize,
) -> Option<Description> {
    for directive in file.directives() {
        if let Some(name) = directive.name_node()
            && contains(&directive.node.byte_range(), offset)
            && let Some(doc) = docs::directive(directive.name())
        {
            return Some(Description {
                range: name.byte_range(),
                markdown: doc.markdown(),
            });
        }
    }
    let instruction = file.instruction_at(offset)?;
    // ONBUILD's trigger is an instruction of its own.
    let instruction = match instruction.onbuild_trigger() {
        Some(trigger) if trigger.node().start_byte() <= offset => trigger,
        _ => instruction,
    };
    if let Some(keyword) = instruction.keyword()
        && contains(&keyword.byte_range(), offset)
    {
        let doc = docs::instruction(instruction.kind())?;
        return Some(Description {
            range: keyword.byte_range(),
            markdown: doc.markdown(),
        });
    }
    for flag in instruction.flags() {
        let Some(name) = flag.name_node() else {
            continue;
        };
        // `--name` including its dashes.
        let range = flag.node.start_byte()..name.end_byte();
        if contains(&range, offset) {
            let doc = docs::flag(instruction.kind(), flag.name())?;
            return Some(Description {
                range,
                markdown: doc.markdown(),
            });
        }
        if flag.name() == "from"
            && let Some(value) = flag.value_node()
            && contains(&value.byte_range(), offset)
        {
            return stage(model, &flag.value().unwrap_or_default(), value.byte_range());
        }
    }
    if instruction.kind() == InstructionKind::From {
        if let Some(info) = model
            .stages
            .iter()
            .find(|s| contains(&s.image_range, offset))
            && let Some(found) = stage_named_before(model, &info.image, info.index)
        {
            return stage(model, &found, info.image_range.clone());
        }
        if let Some(info) = model
            .stages
            .iter()
            .find(|s| s.name_range.as_ref().is_some_and(|r| contains(r, offset)))
        {
            let range = info.name_range.clone().unwrap_or(0..0);
            let users = model
                .stages
                .iter()
                .filter(|s| {
                    s.copies_from.contains(&info.index)
                        || matches!(s.base, super::model::Base::Stage(i) if i == info.index)
                })
                .count();
            return Some(Description {
                range,
                markdown: format!(
                    "Stage {} `{}`\n\n```dockerfile\nFROM {}\n```\n\nUsed by {users} later stage{}.",
                    info.index,
                    info.name.as_deref().unwrap_or(""),
                    info.image,
                    if users == 1 { "" } else { "s" }
                ),
            });
        }
    }
    variable(
        file,
        model,
        context,
        offset,
        instruction.node().byte_range(),
    )
}

fn stage_named_before(model: &FileModel, name: &str, before: usize) -> Option<String> {
    model.stage_named(name, before).map(|_| name.to_owned())
}

fn stage(model: &FileModel, name: &str, range: Range<usize>) -> Option<Description> {
    let info = match name.parse::<usize>() {
        Ok(index) => model.stages.get(index)?,
        Err(_) => model.stage_named(name, model.stages.len())?,
    };
    let label = info.name.clone().unwrap_or_else(|| info.index.to_string());
    Some(Description {
        range,
        markdown: format!(
            "Stage {} `{label}`\n\n```dockerfile\nFROM {}{}\n```",
            info.index,
            info.image,
            info.name
                .as_ref()
                .map(|n| format!(" AS {n}"))
                .unwrap_or_default()
        ),
    })
}

/// A `$NAME` or `${NAME}` under the cursor, or the name in an ARG/ENV declaration.
fn variable(
    file: &Dockerfile<'_>,
    model: &FileModel,
    context: &Context,
    offset: usize,
    instruction: Range<usize>,
) -> Option<Description> {
    let src = file.src();
    let text = src.get(instruction.clone())?;
    let local = offset.checked_sub(instruction.start)?;
    // The identifier around the cursor.
    let is_name = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let start = text
        .get(..local)?
        .rfind(|c: char| !is_name(c))
        .map_or(0, |i| i + 1);
    let end = text
        .get(local..)?
        .find(|c: char| !is_name(c))
        .map_or(text.len(), |i| local + i);
    let name = text
        .get(start..end)
        .filter(|n| !n.is_empty() && !n.starts_with(|c: char| c.is_ascii_digit()))?;
    let before = text.get(..start)?;
    let is_reference = before.ends_with('$') || before.ends_with("${");
    let range = instruction.start + start..instruction.start + end;
    // A declaration is described with what it declares: the state after its instruction.
    let visible = if is_reference {
        scope::visible_at(file, model, context, offset)
    } else {
        scope::visible_at(file, model, context, instruction.end + 1)
    };
    let found = visible.iter().find(|v| v.name == name);
    let is_declaration = found.is_some_and(|v| v.declared.as_ref() == Some(&range));
    if !is_reference && !is_declaration {
        return None;
    }
    let markdown = match found {
        Some(v) => {
            let kind = match (v.kind, v.global) {
                (VarKind::Env, _) => "ENV",
                (VarKind::Arg, true) => "global ARG",
                (VarKind::Arg, false) => "ARG",
            };
            let where_from = match &v.declared {
                Some(declared) => {
                    let line = src
                        .get(..declared.start)
                        .map_or(0, |s| s.matches('\n').count())
                        + 1;
                    format!("declared on line {line}")
                }
                None => "inherited from the base stage".to_owned(),
            };
            match &v.value {
                Some(value) => {
                    let expanded = expand::expand(value, file.escape(), &|n: &str| {
                        visible
                            .iter()
                            .find(|o| o.name == n)
                            .and_then(|o| o.value.clone())
                    });
                    format!(
                        "`{name}` ({kind}, {where_from})\n\n```\n{}\n```",
                        expanded.value
                    )
                }
                None => format!(
                    "`{name}` ({kind}, {where_from}): no value here; set it with `--build-arg {name}=...`"
                ),
            }
        }
        None => match docs::predefined_arg(name) {
            Some(meaning) => format!(
                "`{name}` (predefined ARG): {meaning}. Declare `ARG {name}` in the stage to use it."
            ),
            None => format!("`{name}` is not defined here: it expands to an empty string"),
        },
    };
    Some(Description { range, markdown })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::{self, FileKind};

    fn hover(text: &str) -> Option<String> {
        let offset = text.find('|').expect("a cursor");
        let text = text.replacen('|', "", 1);
        let tree = syntax::parse(FileKind::Dockerfile, &text, None).expect("parse");
        let file = Dockerfile::new(&tree, &text);
        let model = FileModel::new(&file);
        describe(&file, &model, &Context::default(), offset).map(|d| d.markdown)
    }

    #[test]
    fn keywords_flags_and_directives() {
        assert!(
            hover("FROM alpine\nWO|RKDIR /app\n").is_some_and(|h| h.contains("WORKDIR <path>"))
        );
        assert!(
            hover("FROM alpine\nRUN --mo|unt=type=cache,target=/x ls\n")
                .is_some_and(|h| h.contains("--mount=type="))
        );
        assert!(
            hover("# sy|ntax=docker/dockerfile:1\nFROM alpine\n")
                .is_some_and(|h| h.contains("frontend"))
        );
        assert!(
            hover("FROM alpine\nONBUILD CO|PY . /app\n")
                .is_some_and(|h| h.starts_with("```dockerfile\nCOPY"))
        );
    }

    #[test]
    fn variables_show_their_value_in_effect() {
        let text = "ARG BASE=/opt\nFROM alpine\nARG BASE\nENV APP=${BASE}/app\nENV BIN=${APP}/bin\nRUN ls ${BI|N}\n";
        insta::assert_snapshot!(hover(text).unwrap_or_default(), @r"
        `BIN` (ENV, declared on line 5)

        ```
        /opt/app/bin
        ```
        ");
        let text = "FROM alpine\nENV APP_HOME=/srv\nENV AP|P_HOME=/app\n";
        assert!(
            hover(text).is_some_and(|h| h.contains("/app") && h.contains("line 3")),
            "a declaration shows what it declares"
        );
        let text = "FROM alpine\nARG VERSION\nRUN echo $VER|SION\n";
        insta::assert_snapshot!(hover(text).unwrap_or_default(), @"`VERSION` (ARG, declared on line 2): no value here; set it with `--build-arg VERSION=...`");
        let text = "FROM alpine\nRUN echo $BUILD|VARIANT\n";
        assert!(
            hover(text).is_some_and(|h| h.contains("predefined ARG")),
            "BUILDVARIANT is BuildKit's own"
        );
        assert_eq!(hover("FROM alpine\nRUN echo hel|lo\n"), None);
    }

    #[test]
    fn stage_names_show_the_stage() {
        let text = "FROM golang:1.22 AS build\nFROM alpine\nCOPY --from=bu|ild /out /out\n";
        insta::assert_snapshot!(hover(text).unwrap_or_default(), @r"
        Stage 0 `build`

        ```dockerfile
        FROM golang:1.22 AS build
        ```
        ");
        let text = "FROM golang:1.22 AS build\nFROM bui|ld\n";
        assert!(hover(text).is_some_and(|h| h.starts_with("Stage 0 `build`")));
        let text = "FROM golang:1.22 AS bu|ild\nFROM build\n";
        assert!(hover(text).is_some_and(|h| h.ends_with("Used by 1 later stage.")));
    }
}
