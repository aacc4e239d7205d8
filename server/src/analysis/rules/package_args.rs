//! Reading package-manager command lines: the subcommand and the operands, option values skipped.

use crate::analysis::shell::{Command, Word};
use crate::syntax::{Instruction, InstructionKind};

/// How a tool writes its options.
#[derive(Debug, Clone, Copy)]
pub(crate) struct OptionSyntax {
    /// Options whose value is the next word when not attached (`-t stable`,
    /// `--virtual .deps`). Written with their dashes.
    pub takes_value: &'static [&'static str],
    /// Short options bundle (`-qy`); false for Go's single-dash long names (`-tags`),
    /// which also accept two dashes (`--tags`).
    pub bundles: bool,
}

/// Whether a RUN (or its heredocs) mentions `needle` at all: a cheap test before
/// asking for the shell model.
pub(crate) fn mentions(instruction: &Instruction<'_>, needle: &str) -> bool {
    instruction.kind() == InstructionKind::Run
        && instruction
            .src()
            .get(instruction.node().byte_range())
            .is_some_and(|t| t.contains(needle))
}

/// The words of `args` that are not options nor option values, in order.
/// Everything after `--` is an operand.
pub(crate) fn operands(args: &[Word], syntax: OptionSyntax) -> Vec<&Word> {
    let mut out = Vec::new();
    let mut words = args.iter();
    let mut options_ended = false;
    while let Some(word) = words.next() {
        let text = word.text.as_str();
        if options_ended || !is_option(text) {
            out.push(word);
        } else if text == "--" {
            options_ended = true;
        } else if takes_separate_value(text, syntax) {
            words.next();
        }
    }
    out
}

/// The first operand (`install` in `apt-get -o X=1 install curl`) and the operands after it.
pub(crate) fn subcommand(args: &[Word], syntax: OptionSyntax) -> Option<(&Word, Vec<&Word>)> {
    let mut all = operands(args, syntax).into_iter();
    let first = all.next()?;
    Some((first, all.collect()))
}

/// The value of an option given as `--name value` or `--name=value` (the last one wins).
pub(crate) fn option_value<'w>(args: &'w [Word], names: &[&str]) -> Option<&'w str> {
    let mut found = None;
    let mut words = args.iter().take_while(|w| w.text != "--");
    while let Some(word) = words.next() {
        for name in names {
            if word.text == *name {
                found = words.next().map(|w| w.text.as_str());
                break;
            }
            if let Some(value) = word
                .text
                .strip_prefix(name)
                .and_then(|rest| rest.strip_prefix('='))
            {
                found = Some(value);
                break;
            }
        }
    }
    found
}

/// Whether any option word of `args` (before `--`) is one of `names`, `--name=value`
/// included; one-letter names also match inside bundles (`-y` in `-qy`).
pub(crate) fn has_option(args: &[Word], names: &[&str]) -> bool {
    args.iter()
        .take_while(|w| w.text != "--")
        .filter(|w| is_option(&w.text))
        .any(|w| names.iter().any(|name| option_matches(&w.text, name)))
}

/// Whether a word's value is only known at run time (`$PKG`, `$(cat list)`, `` `x` ``).
pub(crate) fn is_dynamic(word: &Word) -> bool {
    word.text.contains('$') || word.text.contains('`')
}

/// The source range from the command word to the end of `last` (`apt-get install`).
pub(crate) fn command_through(command: &Command, last: &Word) -> std::ops::Range<usize> {
    command.name_range.start..last.range.end.max(command.name_range.end)
}

fn is_option(text: &str) -> bool {
    text.len() > 1 && text.starts_with('-')
}

fn option_matches(arg: &str, name: &str) -> bool {
    let with_value = |arg: &str| arg.strip_prefix(name).is_some_and(|v| v.starts_with('='));
    if arg == name || with_value(arg) {
        return true;
    }
    let mut letters = name.chars().skip(1);
    match (name.starts_with('-'), letters.next(), letters.next()) {
        (true, Some(letter), None) if letter != '-' && !arg.starts_with("--") => arg
            .strip_prefix('-')
            .is_some_and(|bundle| !bundle.contains('=') && bundle.contains(letter)),
        _ => false,
    }
}

fn takes_separate_value(option: &str, syntax: OptionSyntax) -> bool {
    if option.contains('=') {
        return false;
    }
    if syntax.takes_value.contains(&option) {
        return true;
    }
    if !syntax.bundles {
        // Go reads `--tags` as `-tags`.
        return option
            .strip_prefix('-')
            .filter(|o| o.starts_with('-'))
            .is_some_and(|single| syntax.takes_value.contains(&single));
    }
    if option.starts_with("--") {
        return false;
    }
    // In `-yt stable` the last letter takes the next word; in `-tstable` the rest
    // of the bundle is the value.
    let letters = option.get(1..).unwrap_or("");
    for (i, letter) in letters.char_indices() {
        let takes = syntax.takes_value.iter().any(|v| {
            let mut chars = v.chars();
            chars.next() == Some('-') && chars.next() == Some(letter) && chars.next().is_none()
        });
        if takes {
            return i + letter.len_utf8() == letters.len();
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(line: &str) -> Vec<Word> {
        line.split_whitespace()
            .map(|w| Word {
                text: w.to_owned(),
                raw: w.to_owned(),
                range: 0..0,
            })
            .collect()
    }

    fn texts(found: Vec<&Word>) -> Vec<&str> {
        found.into_iter().map(|w| w.text.as_str()).collect()
    }

    const APT: OptionSyntax = OptionSyntax {
        takes_value: &["-o", "-t", "--target-release"],
        bundles: true,
    };

    #[test]
    fn option_values_are_not_operands() {
        let args = words("-o APT::Get::x=1 -t bookworm install -y --target-release=sid curl -- -z");
        assert_eq!(texts(operands(&args, APT)), ["install", "curl", "-z"]);
        let (sub, rest) = subcommand(&args, APT).unwrap();
        assert_eq!(sub.text, "install");
        assert_eq!(texts(rest), ["curl", "-z"]);
    }

    #[test]
    fn a_value_letter_ends_or_splits_a_bundle() {
        assert_eq!(
            texts(operands(&words("-yt stable install x"), APT)),
            ["install", "x"]
        );
        assert_eq!(
            texts(operands(&words("-tstable install x"), APT)),
            ["install", "x"]
        );
    }

    #[test]
    fn go_style_options_do_not_bundle() {
        let go = OptionSyntax {
            takes_value: &["-tags", "-ldflags"],
            bundles: false,
        };
        assert_eq!(
            texts(operands(&words("-v -tags netgo --ldflags -s x@v1"), go)),
            ["x@v1"]
        );
    }

    #[test]
    fn option_values_are_found_in_both_spellings() {
        assert_eq!(
            option_value(&words("install --cache-dir /c x"), &["--cache-dir"]),
            Some("/c")
        );
        assert_eq!(
            option_value(&words("install --cache-dir=/d x"), &["--cache-dir"]),
            Some("/d")
        );
        assert_eq!(option_value(&words("install x"), &["--cache-dir"]), None);
    }
}
