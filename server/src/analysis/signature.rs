//! Signature help: the parameters of the instruction under the cursor, and which one is being written.

use super::docs;
use crate::syntax::{Dockerfile, InstructionKind};

/// An instruction's signature with its parameters, and the one at the cursor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    pub label: String,
    pub documentation: String,
    /// Each parameter's label (a substring of `label`) and what it is.
    pub parameters: Vec<(String, String)>,
    pub active: usize,
}

/// The signature of the instruction at `offset`, for the instructions with positional arguments.
pub fn signature_at(file: &Dockerfile<'_>, offset: usize) -> Option<Signature> {
    let src = file.src();
    let line_start = src
        .get(..offset)
        .and_then(|s| s.rfind('\n'))
        .map_or(0, |i| i + 1);
    let line_end = src
        .get(offset..)
        .and_then(|s| s.find('\n'))
        .map_or(src.len(), |i| offset + i);
    // An instruction without its arguments yet may not parse: its keyword says what it is.
    let (kind, start, end) = match file.instruction_at(offset.saturating_sub(1)) {
        Some(instruction) => (
            instruction.kind(),
            instruction.node().start_byte(),
            instruction.line_end(),
        ),
        None => {
            let keyword = src
                .get(line_start..offset)?
                .split_whitespace()
                .next()?
                .to_ascii_uppercase();
            let kind = InstructionKind::ALL_KNOWN
                .into_iter()
                .find(|k| k.name() == keyword)?;
            (kind, line_start, line_end)
        }
    };
    let (label, parameters): (&str, &[(&str, &str)]) = match kind {
        InstructionKind::Copy | InstructionKind::Add => (
            if kind == InstructionKind::Copy {
                "COPY [flags] <src>... <dest>"
            } else {
                "ADD [flags] <src>... <dest>"
            },
            &[
                (
                    "<src>...",
                    "files or directories of the build context (or of --from), globs allowed",
                ),
                (
                    "<dest>",
                    "the path in the image; ends with / for a directory",
                ),
            ],
        ),
        InstructionKind::Healthcheck => (
            "HEALTHCHECK [options] CMD <command> | NONE",
            &[
                (
                    "[options]",
                    "--interval, --timeout, --start-period, --start-interval, --retries",
                ),
                ("CMD <command>", "the check; exit status 0 means healthy"),
                ("NONE", "turns off the base image's check"),
            ],
        ),
        InstructionKind::Expose => (
            "EXPOSE <port>[/<protocol>]...",
            &[(
                "<port>[/<protocol>]...",
                "a port, with tcp (default) or udp",
            )],
        ),
        InstructionKind::User => (
            "USER <user>[:<group>]",
            &[
                ("<user>", "a name or UID"),
                ("[:<group>]", "a group name or GID"),
            ],
        ),
        InstructionKind::Workdir => (
            "WORKDIR <path>",
            &[("<path>", "an absolute path, created if missing")],
        ),
        InstructionKind::Stopsignal => (
            "STOPSIGNAL <signal>",
            &[("<signal>", "a name (SIGTERM) or a number")],
        ),
        InstructionKind::Onbuild => (
            "ONBUILD <instruction>",
            &[(
                "<instruction>",
                "any instruction but FROM, ONBUILD and MAINTAINER",
            )],
        ),
        _ => return None,
    };
    let before = src.get(start..offset)?;
    // Words typed before the cursor, the keyword and flags left out.
    let mut words: Vec<&str> = before
        .split_whitespace()
        .skip(1)
        .filter(|w| !w.starts_with("--"))
        .collect();
    let typing = !before.ends_with(char::is_whitespace);
    if typing {
        words.pop();
    }
    let active = match kind {
        InstructionKind::Copy | InstructionKind::Add => {
            // The last word is the destination once there is a source: the word at the
            // cursor is it when no word follows it.
            let rest = src.get(offset..end.max(offset)).unwrap_or("");
            let mut after = rest.split_whitespace();
            if !typing && !rest.starts_with(char::is_whitespace) {
                // The cursor is at the start of a word: that word is the one being written.
                after.next();
            }
            usize::from(!words.is_empty() && after.next().is_none())
        }
        InstructionKind::Healthcheck => {
            if words.iter().any(|w| w.eq_ignore_ascii_case("CMD")) {
                1
            } else if typing
                && before
                    .split_whitespace()
                    .last()
                    .is_some_and(|w| w.starts_with('-'))
            {
                0
            } else {
                1
            }
        }
        InstructionKind::User => usize::from(
            before
                .rsplit(char::is_whitespace)
                .next()
                .is_some_and(|w| w.contains(':')),
        ),
        _ => 0,
    };
    Some(Signature {
        label: label.to_owned(),
        documentation: docs::instruction(kind)
            .map(|d| d.summary.to_owned())
            .unwrap_or_default(),
        parameters: parameters
            .iter()
            .map(|(l, d)| ((*l).to_owned(), (*d).to_owned()))
            .collect(),
        active: active.min(parameters.len().saturating_sub(1)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::{self, FileKind};

    fn active(text: &str) -> Option<(String, usize)> {
        let offset = text.find('|').expect("a cursor");
        let text = text.replacen('|', "", 1);
        let tree = syntax::parse(FileKind::Dockerfile, &text, None).expect("parse");
        let file = Dockerfile::new(&tree, &text);
        signature_at(&file, offset).map(|s| (s.parameters[s.active].0.clone(), s.active))
    }

    #[test]
    fn the_parameter_being_written() {
        assert_eq!(
            active("FROM alpine\nCOPY |\n").map(|a| a.0),
            Some("<src>...".to_owned())
        );
        assert_eq!(
            active("FROM alpine\nCOPY --chown=app src/ |\n").map(|a| a.0),
            Some("<dest>".to_owned())
        );
        assert_eq!(
            active("FROM alpine\nCOPY a b |\n").map(|a| a.0),
            Some("<dest>".to_owned())
        );
        assert_eq!(
            active("FROM alpine\nUSER app:|\n").map(|a| a.0),
            Some("[:<group>]".to_owned())
        );
        assert_eq!(
            active("FROM alpine\nHEALTHCHECK --interval=5s |\n").map(|a| a.0),
            Some("CMD <command>".to_owned())
        );
        assert_eq!(active("FROM alpine\nEXPOSE 80 |\n").map(|a| a.1), Some(0));
        assert_eq!(active("FROM alpine\nRUN ls |\n"), None);
    }
}
