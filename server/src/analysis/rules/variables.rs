//! Variables: used before they are defined, in stages and in FROM.

use std::ops::Range;

use tree_sitter::Node;

use super::{Alias, Check, FileView, Findings, Rule};
use crate::analysis::expand::{self, Modifier, VarRef};
use crate::analysis::model::{Base, PLATFORM_ARGS, StageModel, VarKind};
use crate::syntax::{self, Instruction, InstructionKind, Severity};

pub static UNDEFINED_VARIABLE: Rule = Rule {
    id: "undefined-variable",
    summary: "Variables should be defined before they are used",
    severity: Severity::Warning,
    aliases: &[Alias::BuildKit("UndefinedVar")],
    explanation: "BuildKit expands `$NAME` in COPY, ADD, ENV, LABEL, WORKDIR, USER, VOLUME, EXPOSE, \
STOPSIGNAL, ARG defaults and RUN mounts itself, and an undefined variable silently becomes an empty \
string: `COPY $SRC /app` copies the whole context, `WORKDIR /opt/$APP` lands in `/opt/`. A typo in a \
name (`$PAHT`) or a global ARG that the stage did not declare again are the usual causes.\n\n\
Base images define variables this check cannot see, so unless the stage builds on `scratch` only \
names close to a defined one (likely typos) and the platform ARGs (`TARGETARCH`...), which a stage \
must declare to see and no image sets, are reported. `${NAME:-default}` and `${NAME:+word}` are \
meant for unset variables and are never reported. Shell commands (RUN, CMD, ENTRYPOINT) are expanded \
by the shell, not here.",
    bad: "FROM alpine:3.20\nARG APP_VERSION=1.2.3\nCOPY app-$APP_VERSON.tar.gz /srv/\n",
    good: "FROM alpine:3.20\nARG APP_VERSION=1.2.3\nCOPY app-$APP_VERSION.tar.gz /srv/\n",
    tags: &[],
    fixable: false,
    enabled_by_default: true,
    check: Check::Stage(check_undefined),
};

pub static UNDEFINED_ARG_IN_FROM: Rule = Rule {
    id: "undefined-arg-in-from",
    summary: "FROM should only use ARGs declared before the first FROM",
    severity: Severity::Warning,
    aliases: &[Alias::BuildKit("UndefinedArgInFrom")],
    explanation: "FROM sees only the ARGs declared before the first FROM (and the predefined platform ARGs \
such as `TARGETPLATFORM`). Any other variable is empty, and `--build-arg` cannot set it: `FROM \
node:${NODE_VERSION}` becomes `FROM node:`, which fails, or a misspelt name silently falls back to its \
`:-` default.",
    bad: "ARG NODE_VERSION=20\nFROM node:${NODE_VERSOIN}-alpine\n",
    good: "ARG NODE_VERSION=20\nFROM node:${NODE_VERSION}-alpine\n",
    tags: &[],
    fixable: false,
    enabled_by_default: true,
    check: Check::Stage(check_undefined_in_from),
};

pub static INVALID_DEFAULT_ARG_IN_FROM: Rule = Rule {
    id: "invalid-default-arg-in-from",
    summary: "The defaults of global ARGs should make FROM a valid image name",
    severity: Severity::Warning,
    aliases: &[Alias::BuildKit("InvalidDefaultArgInFrom")],
    explanation: "When FROM is built from ARGs, a build without `--build-arg` uses their defaults. An ARG \
without a default is empty, so `FROM alpine:$TAG` becomes `FROM alpine:` and the build fails unless every \
caller passes the argument. Give the ARG a default that makes a valid image name.",
    bad: "ARG TAG\nFROM alpine:$TAG\n",
    good: "ARG TAG=3.20\nFROM alpine:$TAG\n",
    tags: &[],
    fixable: false,
    enabled_by_default: true,
    check: Check::File(check_invalid_default),
};

/// Text of an instruction that BuildKit expands itself, as (start byte, raw text).
fn expanded_words<'t>(instruction: &Instruction<'t>) -> Vec<(usize, &'t str, Option<usize>)> {
    use InstructionKind as K;
    let mut words: Vec<(usize, &'t str, Option<usize>)> = Vec::new();
    // Most instructions refer to no variable: their text says so without a walk.
    let whole = instruction.text(instruction.node());
    if !whole.contains('$') {
        return words;
    }
    let mut push = |node: Node<'_>, pair: Option<usize>| {
        let text = instruction.text(node);
        if text.contains('$') {
            words.push((node.start_byte(), text, pair));
        }
    };
    match instruction.kind() {
        K::Env | K::Label => {
            for pair in instruction.pairs() {
                pair.key_node().into_iter().for_each(|n| push(n, None));
                pair.value_node().into_iter().for_each(|n| push(n, None));
            }
        }
        K::Arg => {
            for (i, pair) in instruction.pairs().iter().enumerate() {
                pair.value_node().into_iter().for_each(|n| push(n, Some(i)));
            }
        }
        K::Copy | K::Add => {
            for flag in instruction.flags() {
                flag.value_node().into_iter().for_each(|n| push(n, None));
            }
            push_arguments(instruction, &mut push);
        }
        K::Workdir | K::User | K::Volume | K::Stopsignal | K::Expose => {
            push_arguments(instruction, &mut push);
        }
        K::Run => {
            for flag in instruction.flags() {
                if flag.name() == "mount" {
                    flag.value_node().into_iter().for_each(|n| push(n, None));
                }
            }
        }
        _ => {}
    }
    words
}

/// Word arguments and JSON strings (heredoc contents are not expanded by BuildKit here).
fn push_arguments<'t>(
    instruction: &Instruction<'t>,
    push: &mut impl FnMut(Node<'t>, Option<usize>),
) {
    for argument in instruction.arguments() {
        if argument.kind() == "word" {
            push(argument, None);
        }
    }
    if let Some(array) = instruction.json_array() {
        let mut cursor = array.walk();
        for item in array.named_children(&mut cursor) {
            if item.kind() == "json_string" {
                push(item, None);
            }
        }
    }
}

/// References whose value matters when the variable is unset: not those with a
/// default or an alternative, nor those nested inside such a reference's word.
fn plain_references(text: &str, escape: char) -> Vec<VarRef> {
    let references = expand::references(text, escape);
    let guarded: Vec<Range<usize>> = references
        .iter()
        .filter(|r| matches!(r.modifier, Modifier::Default | Modifier::Alternative))
        .map(|r| r.range.clone())
        .collect();
    references
        .into_iter()
        .filter(|r| {
            !r.name.is_empty()
                && !matches!(r.modifier, Modifier::Default | Modifier::Alternative)
                && !guarded
                    .iter()
                    .any(|g| g.start <= r.range.start && r.range.end <= g.end)
        })
        .collect()
}

/// Whether `name` is so close to `defined` that it is most likely a typo of it (a
/// stricter bar than a suggestion: one edit, two for long names).
fn is_likely_typo(name: &str, defined: &str) -> bool {
    let limit = (name.chars().count() / 6).clamp(1, 2);
    syntax::edit_distance(&name.to_ascii_lowercase(), &defined.to_ascii_lowercase()) <= limit
}

fn check_undefined(model: &StageModel<'_, '_>, findings: &mut Findings) {
    let known = model.environment_is_known();
    let escape = model.file.escape;
    let end = model.stage.instructions.len();
    for (at, instruction) in model.stage.instructions.iter().enumerate() {
        let words = expanded_words(instruction);
        if words.is_empty() {
            continue;
        }
        // ARG sees the earlier pairs of its own instruction.
        let own_args: Vec<&str> = if instruction.kind() == InstructionKind::Arg {
            instruction.pairs().iter().map(|p| p.key()).collect()
        } else {
            Vec::new()
        };
        for (start, text, pair) in words {
            let earlier_args = own_args.get(..pair.unwrap_or(0)).unwrap_or(&[]);
            for reference in plain_references(text, escape) {
                let name = reference.name.as_str();
                if name == "PATH" || model.is_defined(name, at) || earlier_args.contains(&name) {
                    continue;
                }
                let candidates = model
                    .names_at(at)
                    .chain(earlier_args.iter().copied())
                    .chain(["PATH"]);
                let suggestion = syntax::closest(name, candidates).filter(|s| *s != name);
                // The base image may define it: only a near miss of a defined name
                // counts, or a platform ARG, which no image sets.
                let platform = PLATFORM_ARGS.contains(&name);
                if !known && !platform && !suggestion.is_some_and(|s| is_likely_typo(name, s)) {
                    continue;
                }
                let suggestion = suggestion.filter(|_| !platform);
                let mut message = format!("undefined variable `${name}`");
                if let Some(suggestion) = suggestion {
                    message.push_str(&format!(" (did you mean `${suggestion}`?)"));
                }
                let later = model
                    .lookup(name, end)
                    .and_then(|d| d.at.map(|i| (i, d.kind)));
                let hint = match later {
                    Some((i, VarKind::Env)) if i == at => {
                        ": the pairs of one ENV do not see each other, set it in an earlier ENV"
                            .to_owned()
                    }
                    Some((i, _)) if i >= at => {
                        ": it is declared later in this stage, declare it before this instruction"
                            .to_owned()
                    }
                    _ if platform => format!(
                        ": platform ARGs are predefined for FROM only, add `ARG {name}` to this stage"
                    ),
                    _ if model.file.global_arg(name).is_some() => format!(
                        ": a global ARG is not visible inside a stage until it is declared again, add `ARG {name}` to this stage"
                    ),
                    _ if suggestion.is_some() => String::new(),
                    _ => ": declare it with ARG or ENV before this instruction".to_owned(),
                };
                message.push_str(&hint);
                let range = start + reference.range.start..start + reference.range.end;
                findings.report(range, message);
            }
        }
    }
}

/// Checked per stage (its FROM line), so that an edit elsewhere reuses what was found.
fn check_undefined_in_from(stage_model: &StageModel<'_, '_>, findings: &mut Findings) {
    let file = stage_model.file;
    let escape = file.escape;
    let declared: Vec<&str> = file.global_args.iter().map(|d| d.name.as_str()).collect();
    if let Some(stage) = stage_model.info() {
        let mut words: Vec<(&str, usize)> = vec![(stage.image.as_str(), stage.image_range.start)];
        if let Some((text, range)) = stage.platform_written() {
            words.push((text, range.start));
        }
        for (text, start) in words {
            if !text.contains('$') {
                continue;
            }
            for reference in expand::references(text, escape) {
                let name = reference.name.as_str();
                if name.is_empty() || declared.contains(&name) || PLATFORM_ARGS.contains(&name) {
                    continue;
                }
                let candidates = declared.iter().chain(PLATFORM_ARGS).copied();
                let mut message =
                    format!("FROM uses `${name}`, which no ARG before the first FROM declares");
                match syntax::closest(name, candidates) {
                    Some(suggestion) => {
                        message.push_str(&format!(" (did you mean `${suggestion}`?)"));
                    }
                    None => message.push_str(&format!(
                        ": declare `ARG {name}=<default>` before the first FROM"
                    )),
                }
                findings.report(
                    start + reference.range.start..start + reference.range.end,
                    message,
                );
            }
        }
    }
}

fn check_invalid_default(view: &FileView<'_, '_>, findings: &mut Findings) {
    let escape = view.model.escape;
    for stage in &view.model.stages {
        let Base::Invalid(expanded) = &stage.base else {
            continue;
        };
        let references = expand::references(&stage.image, escape);
        if references.is_empty() {
            continue; // a literal name: not a matter of ARG defaults
        }
        let mut without_default: Vec<&str> = Vec::new();
        for reference in &references {
            let empty = view
                .model
                .global_arg(&reference.name)
                .is_some_and(|d| d.value.as_deref().is_none_or(str::is_empty));
            if empty && !without_default.contains(&reference.name.as_str()) {
                without_default.push(&reference.name);
            }
        }
        let result = if expanded.is_empty() {
            "an empty image name".to_owned()
        } else {
            format!("`{expanded}`, which is not a valid image name")
        };
        let fix = match without_default.as_slice() {
            [] => "fix the defaults of the ARGs it uses".to_owned(),
            [name] => format!("give `{name}` a default (`ARG {name}=<value>`)"),
            names => format!(
                "give {} defaults",
                names
                    .iter()
                    .map(|n| format!("`{n}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        findings.report(
            stage.image_range.clone(),
            format!(
                "without --build-arg, `{}` becomes {result}: {fix}",
                stage.image
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{findings, flagged};

    const UNDEFINED: &str = "undefined-variable";
    const IN_FROM: &str = "undefined-arg-in-from";
    const DEFAULT: &str = "invalid-default-arg-in-from";

    #[test]
    fn on_scratch_every_undefined_variable_is_reported() {
        let text = "FROM scratch\nCOPY $SRC /app/\nWORKDIR ${DIR}\nLABEL v=\"$VERSION\"\n";
        assert_eq!(
            findings(UNDEFINED, text),
            [
                (
                    "2:6-2:10".to_owned(),
                    "undefined variable `$SRC`: declare it with ARG or ENV before this instruction"
                        .to_owned()
                ),
                (
                    "3:9-3:15".to_owned(),
                    "undefined variable `$DIR`: declare it with ARG or ENV before this instruction"
                        .to_owned()
                ),
                (
                    "4:10-4:18".to_owned(),
                    "undefined variable `$VERSION`: declare it with ARG or ENV before this instruction"
                        .to_owned()
                ),
            ]
        );
    }

    #[test]
    fn on_an_image_only_likely_typos_are_reported() {
        let text = "FROM alpine\nENV APP_HOME=/srv\nCOPY . $APP_HOEM/\nCOPY . $JAVA_HOME/\nENV PATH=$PAHT:/x\n";
        assert_eq!(
            findings(UNDEFINED, text),
            [
                (
                    "3:8-3:17".to_owned(),
                    "undefined variable `$APP_HOEM` (did you mean `$APP_HOME`?)".to_owned()
                ),
                (
                    "5:10-5:15".to_owned(),
                    "undefined variable `$PAHT` (did you mean `$PATH`?)".to_owned()
                ),
            ]
        );
    }

    #[test]
    fn hints_say_why_a_declared_name_is_not_visible() {
        let text = "ARG VERSION=1\nFROM scratch\nCOPY app-$VERSION /\nENV A=1 B=$A\nCOPY $LATE /\nARG LATE=x\n";
        let messages: Vec<String> = findings(UNDEFINED, text).into_iter().map(|f| f.1).collect();
        assert_eq!(
            messages,
            [
                "undefined variable `$VERSION`: a global ARG is not visible inside a stage until it is declared again, add `ARG VERSION` to this stage",
                "undefined variable `$A`: the pairs of one ENV do not see each other, set it in an earlier ENV",
                "undefined variable `$LATE`: it is declared later in this stage, declare it before this instruction",
            ]
        );
    }

    #[test]
    fn platform_args_must_be_declared_in_the_stage() {
        let text =
            "FROM alpine\nCOPY bin/$TARGETARCH/app /app\nARG TARGETOS\nCOPY bin/$TARGETOS /x\n";
        assert_eq!(
            findings(UNDEFINED, text),
            [(
                "2:10-2:21".to_owned(),
                "undefined variable `$TARGETARCH`: platform ARGs are predefined for FROM only, add `ARG TARGETARCH` to this stage".to_owned()
            )]
        );
    }

    #[test]
    fn defaults_alternatives_and_shell_commands_are_not_reported() {
        let text = "FROM scratch\nCOPY ${SRC:-.} ${DEST:+/x} ${X-$Y} /\nRUN echo $UNSET\nCMD echo $UNSET\nENTRYPOINT [\"$UNSET\"]\nHEALTHCHECK CMD echo $UNSET\nONBUILD COPY $UNSET /\n";
        assert!(flagged(UNDEFINED, text).is_empty());
    }

    #[test]
    fn declared_inherited_and_predefined_names_are_defined() {
        let text = "FROM scratch AS base\nENV HOME_DIR=/home\nFROM base\nARG A=1 B=$A\nENV C=$B\nCOPY $HOME_DIR/x $C/ ${http_proxy}\nWORKDIR $PATH\nUSER '$NOT_EXPANDED'\nVOLUME \\$ESCAPED\n";
        assert!(flagged(UNDEFINED, text).is_empty());
    }

    #[test]
    fn mounts_arg_defaults_json_and_flags_are_checked() {
        let text = "FROM scratch\nRUN --mount=type=cache,target=$CACHE echo\nARG V=$DEFAULT\nVOLUME [\"/data/$SUB\"]\nCOPY --chown=$OWNER a /\n";
        assert_eq!(
            flagged(UNDEFINED, text),
            ["$CACHE", "$DEFAULT", "$SUB", "$OWNER"]
        );
    }

    #[test]
    fn from_must_use_global_args() {
        let text = "ARG NODE_VERSION=20\nFROM node:${NODE_VERSOIN} AS a\nFROM --platform=$BUILDPLATFORM $IMAGE\nFROM $TARGETARCH/alpine\n";
        assert_eq!(
            findings(IN_FROM, text),
            [
                (
                    "2:11-2:26".to_owned(),
                    "FROM uses `$NODE_VERSOIN`, which no ARG before the first FROM declares (did you mean `$NODE_VERSION`?)".to_owned()
                ),
                (
                    "3:32-3:38".to_owned(),
                    "FROM uses `$IMAGE`, which no ARG before the first FROM declares: declare `ARG IMAGE=<default>` before the first FROM".to_owned()
                ),
            ]
        );
    }

    #[test]
    fn from_platform_is_checked_and_stage_args_do_not_count() {
        let text = "FROM alpine AS a\nARG P=linux/amd64\nFROM --platform=$P alpine\n";
        assert_eq!(flagged(IN_FROM, text), ["$P"]);
        assert!(
            flagged(
                IN_FROM,
                "ARG BASE=alpine\nFROM ${BASE:-debian}\nFROM scratch\n"
            )
            .is_empty()
        );
    }

    #[test]
    fn args_without_defaults_make_invalid_names() {
        let text = "ARG TAG\nARG IMAGE\nARG OK=alpine\nFROM alpine:$TAG\nFROM $IMAGE\nFROM $OK:${TAG:-3}\n";
        assert_eq!(
            findings(DEFAULT, text),
            [
                (
                    "4:6-4:17".to_owned(),
                    "without --build-arg, `alpine:$TAG` becomes `alpine:`, which is not a valid image name: give `TAG` a default (`ARG TAG=<value>`)".to_owned()
                ),
                (
                    "5:6-5:12".to_owned(),
                    "without --build-arg, `$IMAGE` becomes an empty image name: give `IMAGE` a default (`ARG IMAGE=<value>`)".to_owned()
                ),
            ]
        );
    }

    #[test]
    fn invalid_defaults_literal_names_and_unknown_args() {
        let text =
            "ARG IMG=Alpine:3\nFROM $IMG\nFROM Alpine\nFROM $UNDECLARED\nFROM $TARGETPLATFORM\n";
        assert_eq!(flagged(DEFAULT, text), ["$IMG"]);
    }
}
