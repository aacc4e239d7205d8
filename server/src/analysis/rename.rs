//! Rename: what may be renamed at an offset, the new name checked, and the edits that rename every occurrence.

use std::ops::Range;

use super::model::{FileModel, PLATFORM_ARGS, PROXY_ARGS};
use super::navigation::{self, Occurrence, Symbol, SymbolKind};
use super::occurrences::{self, is_variable_name};
use crate::syntax::{self, Dockerfile, FileKind, InstructionKind};

/// Why a rename cannot be done, in words for the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal(pub String);

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

const WHAT_RENAMES: &str =
    "only stage names, ARG and ENV variables and heredoc delimiters can be renamed";

/// The name at `offset` that a rename would change: its bytes and its text.
pub fn prepare(
    file: &Dockerfile<'_>,
    model: &FileModel,
    offset: usize,
) -> Result<(Range<usize>, String), Refusal> {
    let symbol = renamable_symbol(file, model, offset)?;
    let text = file
        .src()
        .get(symbol.at.range.clone())
        .unwrap_or(&symbol.name)
        .to_owned();
    Ok((symbol.at.range, text))
}

/// The edits that rename the symbol at `offset` to `new_name` everywhere, in source
/// order; refused when the name is not valid for what it names, or when it would
/// make a name refer to something else (a stage of that name exists, a variable of
/// that name is in scope).
pub fn rename(
    file: &Dockerfile<'_>,
    model: &FileModel,
    offset: usize,
    new_name: &str,
) -> Result<Vec<(Range<usize>, String)>, Refusal> {
    let symbol = renamable_symbol(file, model, offset)?;
    check_name(&symbol, new_name)?;
    if symbol.kind == SymbolKind::Stage {
        let taken = model.stages.iter().find(|s| {
            s.name
                .as_deref()
                .is_some_and(|n| n.eq_ignore_ascii_case(new_name))
                && !symbol
                    .occurrences
                    .iter()
                    .any(|o| o.declaration && s.name_range.as_ref().is_some_and(|r| *r == o.range))
        });
        if let Some(stage) = taken {
            return Err(Refusal(format!(
                "a stage is already named `{}` (line {}): stage names must be unique",
                stage.name.as_deref().unwrap_or(new_name),
                line_of(file.src(), stage.image_range.start)
            )));
        }
    }
    let edits: Vec<(Range<usize>, String)> = symbol
        .occurrences
        .iter()
        .filter(|o| o.renamable)
        .map(|o| (o.range.clone(), new_name.to_owned()))
        .collect();
    keeps_meaning(file.src(), model, &symbol, &edits, new_name)?;
    Ok(edits)
}

/// The symbol at `offset`, if a rename can change it.
fn renamable_symbol(
    file: &Dockerfile<'_>,
    model: &FileModel,
    offset: usize,
) -> Result<Symbol, Refusal> {
    let Some(symbol) = navigation::symbol_at(file, model, offset) else {
        return Err(nothing_here(file, offset));
    };
    let name = &symbol.name;
    match symbol.kind {
        SymbolKind::Stage if !symbol.at.renamable => {
            let named = symbol.occurrences.iter().any(|o| o.declaration);
            return Err(Refusal(if named {
                format!(
                    "`{name}` names a stage by its index: rename the stage's name (after AS) instead"
                )
            } else {
                format!("`{name}` names a stage by its index, and that stage has no name to rename")
            }));
        }
        SymbolKind::Heredoc if symbol.occurrences.iter().any(|o| !o.renamable) => {
            return Err(Refusal(format!(
                "the delimiter `{name}` is written partly quoted: rename it by hand"
            )));
        }
        SymbolKind::Variable if is_predefined(name) => {
            return Err(Refusal(format!(
                "`{name}` is predefined by BuildKit: under another name it would lose its value"
            )));
        }
        SymbolKind::Variable if !symbol.occurrences.iter().any(|o| o.declaration) => {
            return Err(Refusal(format!(
                "`{name}` is not declared in this Dockerfile (it comes from the base image, or is not declared yet here): there is nothing to rename"
            )));
        }
        _ => {}
    }
    Ok(symbol)
}

/// Why nothing at `offset` can be renamed.
fn nothing_here(file: &Dockerfile<'_>, offset: usize) -> Refusal {
    let within = |range: Range<usize>| range.start <= offset && offset <= range.end;
    let text = |range: Range<usize>| file.src().get(range).unwrap_or("").to_owned();
    if let Some(instruction) = file.instruction_at(offset) {
        if let Some(keyword) = instruction.keyword().filter(|k| within(k.byte_range())) {
            return Refusal(format!(
                "`{}` is an instruction keyword: {WHAT_RENAMES}",
                text(keyword.byte_range())
            ));
        }
        if instruction.kind() == InstructionKind::From
            && let Some(image) = instruction.image().filter(|i| within(i.byte_range()))
        {
            return Refusal(format!(
                "`{}` is an image, not a stage of this file: {WHAT_RENAMES}",
                text(image.byte_range())
            ));
        }
        if let Some(site) = occurrences::stage_refs(&instruction)
            .into_iter()
            .find(|s| within(s.range.clone()))
        {
            return Refusal(format!(
                "`{}` is an image, not a stage of this file: {WHAT_RENAMES}",
                site.text
            ));
        }
    }
    Refusal(format!("nothing to rename here: {WHAT_RENAMES}"))
}

/// ARGs BuildKit gives a value without a declaration giving one.
fn is_predefined(name: &str) -> bool {
    PLATFORM_ARGS.contains(&name)
        || PROXY_ARGS.contains(&name)
        || name.starts_with("BUILDKIT_")
        || name == "SOURCE_DATE_EPOCH"
}

fn check_name(symbol: &Symbol, new_name: &str) -> Result<(), Refusal> {
    let mut chars = new_name.chars();
    let first = chars.next();
    let valid = match symbol.kind {
        // BuildKit's `^[a-z][a-z0-9-_\.]*$`, on the lowercased name.
        SymbolKind::Stage => {
            first.is_some_and(|c| c.is_ascii_alphabetic())
                && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
        }
        SymbolKind::Variable => is_variable_name(new_name),
        SymbolKind::Heredoc => {
            first.is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-'))
        }
    };
    if !valid {
        let rule = match symbol.kind {
            SymbolKind::Stage => {
                "a stage name starts with a letter and holds letters, digits, `_`, `.` and `-`"
            }
            SymbolKind::Variable => {
                "a variable name starts with a letter or `_` and holds letters, digits and `_`"
            }
            SymbolKind::Heredoc => {
                "a delimiter starts with a letter or `_` and holds letters, digits, `_` and `-`"
            }
        };
        return Err(Refusal(format!("`{new_name}` is not a valid name: {rule}")));
    }
    match symbol.kind {
        SymbolKind::Stage if new_name.eq_ignore_ascii_case("scratch") => Err(Refusal(
            "`scratch` is reserved for the empty image: a stage cannot be named so".to_owned(),
        )),
        SymbolKind::Variable if is_predefined(new_name) => Err(Refusal(format!(
            "`{new_name}` is predefined by BuildKit: a variable of that name would take its value"
        ))),
        _ => Ok(()),
    }
}

/// Checks the renamed file: the symbol under its new name must occur exactly where
/// the old one did. Anything else means the new name was already in use there (a
/// variable in scope, an image named like the stage, a body line equal to the new
/// delimiter) and the rename would change what the file means. After a stage
/// rename every stage must still build on and copy from the same stages: a stage
/// also named through a variable's value (`FROM base-${VARIANT}`) would lose them.
fn keeps_meaning(
    src: &str,
    model: &FileModel,
    symbol: &Symbol,
    edits: &[(Range<usize>, String)],
    new_name: &str,
) -> Result<(), Refusal> {
    let mut renamed = String::with_capacity(src.len() + edits.len() * new_name.len());
    let mut at = 0;
    for (range, text) in edits {
        renamed.push_str(src.get(at..range.start).unwrap_or(""));
        renamed.push_str(text);
        at = range.end;
    }
    renamed.push_str(src.get(at..).unwrap_or(""));
    let map = |offset: usize| -> usize {
        let mut moved = offset;
        for (range, text) in edits {
            if range.end <= offset && range.start < offset {
                moved = moved + text.len() - range.len();
            }
        }
        moved
    };
    let map_occurrence = |o: &Occurrence| -> (Range<usize>, bool) {
        let start = map(o.range.start);
        let end = if o.renamable {
            start + new_name.len()
        } else {
            map(o.range.end)
        };
        (start..end, o.declaration)
    };
    let expected: Vec<(Range<usize>, bool)> =
        symbol.occurrences.iter().map(map_occurrence).collect();
    let tree = syntax::parse(FileKind::Dockerfile, &renamed, None)
        .map_err(|e| Refusal(format!("the renamed file could not be parsed: {e}")))?;
    let file = Dockerfile::new(&tree, &renamed);
    let renamed_model = FileModel::new(&file);
    let found: Vec<(Range<usize>, bool)> =
        navigation::symbol_at(&file, &renamed_model, map_occurrence(&symbol.at).0.start)
            .map(|s| {
                s.occurrences
                    .iter()
                    .map(|o| (o.range.clone(), o.declaration))
                    .collect()
            })
            .unwrap_or_default();
    if found == expected {
        if symbol.kind == SymbolKind::Stage {
            let changed = model
                .stages
                .iter()
                .zip(&renamed_model.stages)
                .find(|(old, new)| old.base != new.base || old.copies_from != new.copies_from);
            if let Some((_, stage)) = changed {
                return Err(Refusal(format!(
                    "`{}` is also named through a variable's value (the stage at line {} builds on or copies from it): rename it by hand",
                    symbol.name,
                    line_of(&renamed, stage.image_range.start)
                )));
            }
        }
        return Ok(());
    }
    let odd = found
        .iter()
        .find(|o| !expected.contains(o))
        .or_else(|| expected.iter().find(|o| !found.contains(o)))
        .map_or(0, |(range, _)| range.start);
    let what = match symbol.kind {
        SymbolKind::Stage => "names something else",
        SymbolKind::Variable => "is already a variable where this one is used",
        SymbolKind::Heredoc => "ends the heredoc early or is in use",
    };
    Err(Refusal(format!(
        "`{new_name}` {what} (line {}): renaming would change what the file means",
        line_of(&renamed, odd)
    )))
}

/// The 1-based line of a byte offset.
fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()
        .get(..offset)
        .map_or(0, |b| memchr::memchr_iter(b'\n', b).count())
        + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The text renamed at the first `|`, or the refusal.
    fn renamed(text_with_cursor: &str, new_name: &str) -> String {
        let offset = text_with_cursor.find('|').unwrap();
        let text = text_with_cursor.replacen('|', "", 1);
        let tree = syntax::parse(FileKind::Dockerfile, &text, None).unwrap();
        let file = Dockerfile::new(&tree, &text);
        let model = FileModel::new(&file);
        let prepared = prepare(&file, &model, offset);
        match rename(&file, &model, offset, new_name) {
            Ok(edits) => {
                assert!(prepared.is_ok());
                let mut out = text.clone();
                for (range, new) in edits.iter().rev() {
                    out.replace_range(range.clone(), new);
                }
                out
            }
            Err(refusal) => format!("refused: {refusal}"),
        }
    }

    fn prepared(text_with_cursor: &str) -> String {
        let offset = text_with_cursor.find('|').unwrap();
        let text = text_with_cursor.replacen('|', "", 1);
        let tree = syntax::parse(FileKind::Dockerfile, &text, None).unwrap();
        let file = Dockerfile::new(&tree, &text);
        let model = FileModel::new(&file);
        match prepare(&file, &model, offset) {
            Ok((range, placeholder)) => format!("{range:?} {placeholder}"),
            Err(refusal) => format!("refused: {refusal}"),
        }
    }

    const MULTI: &str = "\
FROM golang:1.22 AS build
RUN go build -o /app
FROM build AS test
FROM alpine AS builder
COPY --from=build /app /app
COPY --from=0 /x /x
COPY --from=builder /y /y
RUN --mount=from=Build,target=/src make
";

    #[test]
    fn renaming_a_stage_changes_every_reference_and_nothing_else() {
        insta::assert_snapshot!(renamed(&MULTI.replacen("--from=build", "--from=bu|ild", 1), "compile"), @r"
        FROM golang:1.22 AS compile
        RUN go build -o /app
        FROM compile AS test
        FROM alpine AS builder
        COPY --from=compile /app /app
        COPY --from=0 /x /x
        COPY --from=builder /y /y
        RUN --mount=from=compile,target=/src make
        ");
    }

    #[test]
    fn stage_names_must_stay_unique_and_not_capture_images() {
        insta::assert_snapshot!(renamed(&MULTI.replacen("AS build", "AS |build", 1), "Builder"), @"refused: a stage is already named `builder` (line 4): stage names must be unique");
        insta::assert_snapshot!(renamed("FROM a AS |one\nFROM golang\nCOPY --from=one /a /b\n", "golang"), @"refused: `golang` names something else (line 2): renaming would change what the file means");
        insta::assert_snapshot!(renamed(&MULTI.replacen("AS build", "AS |build", 1), "2fast"), @"refused: `2fast` is not a valid name: a stage name starts with a letter and holds letters, digits, `_`, `.` and `-`");
        insta::assert_snapshot!(renamed(&MULTI.replacen("AS build", "AS |build", 1), "Scratch"), @"refused: `scratch` is reserved for the empty image: a stage cannot be named so");
    }

    #[test]
    fn a_stage_also_named_through_a_variable_is_left_alone() {
        let text = "ARG VARIANT=slim\nFROM debian AS base-|slim\nFROM base-${VARIANT}\n";
        insta::assert_snapshot!(renamed(text, "base-small"), @"refused: `base-slim` is also named through a variable's value (the stage at line 3 builds on or copies from it): rename it by hand");
        let text = "ARG SRC=build\nFROM debian AS bu|ild\nFROM scratch\nCOPY --from=$SRC /a /b\n";
        insta::assert_snapshot!(renamed(text, "compile"), @"refused: `build` is also named through a variable's value (the stage at line 3 builds on or copies from it): rename it by hand");
    }

    #[test]
    fn what_cannot_be_renamed_says_why() {
        insta::assert_snapshot!(prepared(&MULTI.replacen("from=0", "from=|0", 1)), @"refused: `0` names a stage by its index: rename the stage's name (after AS) instead");
        insta::assert_snapshot!(prepared(&MULTI.replacen("FROM alpine", "FROM alp|ine", 1)), @"refused: `alpine` is an image, not a stage of this file: only stage names, ARG and ENV variables and heredoc delimiters can be renamed");
        insta::assert_snapshot!(prepared(&MULTI.replacen("RUN go", "R|UN go", 1)), @"refused: `RUN` is an instruction keyword: only stage names, ARG and ENV variables and heredoc delimiters can be renamed");
        insta::assert_snapshot!(prepared("FROM --platform=$BUILD|PLATFORM a\nARG TARGETOS\nRUN echo $TARGETOS\n"), @"refused: `BUILDPLATFORM` is predefined by BuildKit: under another name it would lose its value");
        insta::assert_snapshot!(prepared("FROM a\nRUN echo $HO|ME\n"), @"refused: `HOME` is not declared in this Dockerfile (it comes from the base image, or is not declared yet here): there is nothing to rename");
        insta::assert_snapshot!(prepared("FROM a\nCOPY <<\"E\"'O|F' /f\nx\nEOF\n"), @"refused: the delimiter `EOF` is written partly quoted: rename it by hand");
        insta::assert_snapshot!(prepared(&MULTI.replacen("AS build", "AS bu|ild", 1)), @"20..25 build");
    }

    const ARGS: &str = "\
ARG VERSION=1.22
FROM golang:${VERSION} AS build
ARG VERSION
RUN echo $VERSION
FROM alpine
ARG VERSION=3.19
RUN echo ${VERSION}
";

    #[test]
    fn a_global_arg_and_a_stage_arg_of_the_same_name_rename_apart() {
        insta::assert_snapshot!(renamed(&ARGS.replacen("ARG VERSION=1", "ARG |VERSION=1", 1), "GO_VERSION"), @r"
        ARG GO_VERSION=1.22
        FROM golang:${GO_VERSION} AS build
        ARG GO_VERSION
        RUN echo $GO_VERSION
        FROM alpine
        ARG VERSION=3.19
        RUN echo ${VERSION}
        ");
        insta::assert_snapshot!(renamed(&ARGS.replacen("${VERSION}\n", "${VER|SION}\n", 1), "ALPINE"), @r"
        ARG VERSION=1.22
        FROM golang:${VERSION} AS build
        ARG VERSION
        RUN echo $VERSION
        FROM alpine
        ARG ALPINE=3.19
        RUN echo ${ALPINE}
        ");
    }

    #[test]
    fn a_variable_cannot_take_a_name_in_scope() {
        let text = "FROM a\nARG A=1\nENV B=2\nRUN echo $|A $B\n";
        insta::assert_snapshot!(renamed(text, "B"), @"refused: `B` is already a variable where this one is used (line 3): renaming would change what the file means");
        insta::assert_snapshot!(renamed(text, "C"), @r"
        FROM a
        ARG C=1
        ENV B=2
        RUN echo $C $B
        ");
        insta::assert_snapshot!(renamed(text, "1A"), @"refused: `1A` is not a valid name: a variable name starts with a letter or `_` and holds letters, digits and `_`");
        insta::assert_snapshot!(renamed(text, "TARGETARCH"), @"refused: `TARGETARCH` is predefined by BuildKit: a variable of that name would take its value");
        // The base image's variables: a use of the new name would be captured.
        insta::assert_snapshot!(renamed("FROM a\nARG |A=1\nRUN echo $A $HOME\n", "HOME"), @"refused: `HOME` is already a variable where this one is used (line 3): renaming would change what the file means");
    }

    #[test]
    fn an_env_renames_in_the_stages_built_on_it() {
        insta::assert_snapshot!(renamed("FROM a AS base\nENV |APP=/app\nFROM base\nWORKDIR $APP\nCMD $APP/run\nFROM a\nRUN echo $APP\n", "APP_DIR"), @r"
        FROM a AS base
        ENV APP_DIR=/app
        FROM base
        WORKDIR $APP_DIR
        CMD $APP_DIR/run
        FROM a
        RUN echo $APP
        ");
    }

    #[test]
    fn heredoc_delimiters_rename_in_pairs() {
        insta::assert_snapshot!(renamed("FROM a\nRUN <<|EOF\necho hi\nEOF\n", "SCRIPT"), @r"
        FROM a
        RUN <<SCRIPT
        echo hi
        SCRIPT
        ");
        insta::assert_snapshot!(renamed("FROM a\nCOPY <<-\"EOF\" /f\n\thi\n\tE|OF\n", "END"), @r#"
        FROM a
        COPY <<-"END" /f
        	hi
        	END
        "#);
        insta::assert_snapshot!(renamed("FROM a\nRUN <<|EOF\necho hi\nDONE\necho more\nEOF\n", "DONE"), @"refused: `DONE` ends the heredoc early or is in use (line 4): renaming would change what the file means");
    }
}
