//! FROM images named by a global ARG: where to edit the image when a FROM line is `FROM $BASE`.

use std::ops::Range;

use crate::analysis::expand::{self, Modifier};
use crate::syntax::{Dockerfile, InstructionKind};

/// The ARG when a whole image word is one plain reference to it (`$BASE`, `${BASE}`).
pub fn whole_image_arg(image: &str, escape: char) -> Option<String> {
    let refs = expand::references(image, escape);
    match refs.as_slice() {
        [only] if only.range == (0..image.len()) && only.modifier == Modifier::Plain => {
            Some(only.name.clone())
        }
        _ => None,
    }
}

/// The bytes and text of the default of the last global ARG `name`, inside its quotes;
/// `None` when it has none, or one that an edit would have to re-quote (escapes,
/// nested quotes, spaces).
pub fn default_value(file: &Dockerfile<'_>, name: &str) -> Option<(Range<usize>, String)> {
    let src = file.src();
    let pair = file
        .preamble()
        .into_iter()
        .filter(|i| i.kind() == InstructionKind::Arg)
        .flat_map(|i| i.pairs())
        .rfind(|p| p.key() == name)?;
    let range = pair.value_node()?.byte_range();
    let raw = src.get(range.clone())?;
    let quoted = raw.len() >= 2
        && (raw.starts_with('"') && raw.ends_with('"')
            || raw.starts_with('\'') && raw.ends_with('\''));
    let inner = if quoted {
        range.start + 1..range.end - 1
    } else {
        range
    };
    let text = src.get(inner.clone())?;
    if text.is_empty() || text.contains(['"', '\'', '\\', '`', ' ', '\t']) {
        return None;
    }
    Some((inner, text.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::{self, FileKind};

    fn default_of(text: &str, name: &str) -> Option<String> {
        let tree = syntax::parse(FileKind::Dockerfile, text, None).expect("parse");
        let file = Dockerfile::new(&tree, text);
        default_value(&file, name).map(|(range, value)| {
            assert_eq!(text[range].to_owned(), value);
            value
        })
    }

    #[test]
    fn the_last_global_default_inside_its_quotes() {
        let text = "ARG BASE=a:1\nARG BASE=\"b:2\" OTHER='c'\nFROM $BASE\nARG BASE=stage\n";
        assert_eq!(default_of(text, "BASE").as_deref(), Some("b:2"));
        assert_eq!(default_of(text, "OTHER").as_deref(), Some("c"));
        assert_eq!(default_of("ARG BASE\nFROM $BASE\n", "BASE"), None);
        assert_eq!(default_of("ARG B=\"a b\"\nFROM $B\n", "B"), None);
    }

    #[test]
    fn only_a_plain_reference_names_the_whole_image() {
        assert_eq!(whole_image_arg("$BASE", '\\').as_deref(), Some("BASE"));
        assert_eq!(whole_image_arg("${BASE}", '\\').as_deref(), Some("BASE"));
        assert_eq!(whole_image_arg("${BASE:-a}", '\\'), None);
        assert_eq!(whole_image_arg("$REG/app", '\\'), None);
        assert_eq!(whole_image_arg("app", '\\'), None);
    }
}
