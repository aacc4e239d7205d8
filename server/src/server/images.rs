//! Base images of open documents: which references they name, and what the registry said of them for the rules.

use std::ops::Range;

use crate::analysis::expand;
use crate::analysis::image_ref;
use crate::analysis::model::{Base, FileModel};
use crate::syntax::{Dockerfile, InstructionKind};

/// The reference of the tag an image word names, a digest in it left out: what a
/// digest pin is compared with. `None` for a digest without a tag.
pub(crate) fn tag_reference(reference: &str) -> Option<String> {
    let image = image_ref::parse(reference).ok()?;
    match (&image.tag, &image.digest) {
        (_, None) => Some(reference.to_owned()),
        (Some(_), Some(_)) => Some(reference.split('@').next()?.to_owned()),
        (None, Some(_)) => None,
    }
}

/// An image named at a place in the text: the word, and the reference it stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ImageAt {
    pub range: Range<usize>,
    /// After expanding global ARGs.
    pub reference: String,
}

/// The image named at `offset`: a FROM's image, `COPY --from=<image>` or
/// `RUN --mount=...,from=<image>` (earlier stages are not images).
pub(crate) fn image_at(file: &Dockerfile<'_>, model: &FileModel, offset: usize) -> Option<ImageAt> {
    let instruction = file.instruction_at(offset)?;
    match instruction.kind() {
        InstructionKind::From => {
            let stage = model
                .stages
                .iter()
                .find(|s| s.image_range.start <= offset && offset <= s.image_range.end)?;
            let reference = stage.expanded_image.value.clone();
            (matches!(stage.base, Base::Image(_))
                && !image_ref::has_unexpanded_variable(&reference))
            .then(|| ImageAt {
                range: stage.image_range.clone(),
                reference,
            })
        }
        InstructionKind::Copy | InstructionKind::Add => {
            let flag = instruction.flag("from")?;
            let node = flag.value_node()?;
            let range = node.byte_range();
            if !(range.start <= offset && offset <= range.end) {
                return None;
            }
            let value = flag.value()?;
            named_image(model, &value, range, instruction.node().start_byte())
        }
        InstructionKind::Run => instruction.flags().into_iter().find_map(|flag| {
            if flag.name() != "mount" {
                return None;
            }
            let node = flag.value_node()?;
            let start = node.start_byte();
            let text = instruction.text(node);
            let mut at = start;
            for part in text.split(',') {
                let part_range = at..at + part.len();
                at += part.len() + 1;
                let Some(value) = part.strip_prefix("from=") else {
                    continue;
                };
                let value_range = part_range.start + "from=".len()..part_range.end;
                if value_range.start <= offset && offset <= value_range.end {
                    let value = value.trim_matches(|c| c == '"' || c == '\'');
                    return named_image(model, value, value_range, instruction.node().start_byte());
                }
            }
            None
        }),
        _ => None,
    }
}

/// A `--from` value that names an image rather than a stage.
fn named_image(model: &FileModel, value: &str, range: Range<usize>, at: usize) -> Option<ImageAt> {
    let before = model
        .stages
        .iter()
        .filter(|s| s.image_range.start < at)
        .count();
    if model.stage_named(value, before).is_some() || value.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let lookup = |name: &str| model.global_arg(name).and_then(|d| d.value.clone());
    let expanded = expand::expand(value, model.escape, &lookup);
    if !expanded.complete || image_ref::parse(&expanded.value).is_err() {
        return None;
    }
    Some(ImageAt {
        range,
        reference: expanded.value,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::{self, FileKind};

    fn at(text: &str, marker: &str) -> Option<String> {
        let tree = syntax::parse(FileKind::Dockerfile, text, None).expect("parse");
        let file = Dockerfile::new(&tree, text);
        let model = FileModel::new(&file);
        let offset = text.find(marker).expect("marker") + 1;
        image_at(&file, &model, offset).map(|i| i.reference)
    }

    #[test]
    fn images_named_in_from_copy_and_mounts() {
        let text = "ARG PY=3.12\nFROM python:${PY}-slim AS build\nFROM alpine:3.20\nCOPY --from=build /a /a\nCOPY --from=nginx:1.27 /etc/nginx /etc/nginx\nRUN --mount=type=bind,from=busybox:1.36,target=/bb ls /bb\n";
        assert_eq!(at(text, "python").as_deref(), Some("python:3.12-slim"));
        assert_eq!(at(text, "alpine").as_deref(), Some("alpine:3.20"));
        assert_eq!(at(text, "build /a"), None, "a stage is not an image");
        assert_eq!(at(text, "nginx:1.27").as_deref(), Some("nginx:1.27"));
        assert_eq!(at(text, "busybox").as_deref(), Some("busybox:1.36"));
        assert_eq!(at(text, "target=/bb"), None);
        assert_eq!(at(text, "ARG"), None);
    }

    #[test]
    fn base_images_are_expanded_and_listed_once() {
        let text = "ARG V=3.20\nFROM alpine:${V} AS a\nFROM alpine:3.20\nFROM a\nFROM scratch\nFROM ${MISSING}\n";
        let tree = syntax::parse(FileKind::Dockerfile, text, None).expect("parse");
        let file = Dockerfile::new(&tree, text);
        assert_eq!(FileModel::new(&file).base_images(), ["alpine:3.20"]);
    }
}
