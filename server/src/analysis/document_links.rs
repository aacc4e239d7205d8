//! What a Dockerfile links to: images, the `syntax` frontend, URLs ADD fetches and the files COPY and ADD send.

use std::ops::Range;

use super::expand;
use super::image_ref::{self, ImageRef};
use super::model::{Base, FileModel};
use crate::syntax::{Dockerfile, Instruction, InstructionKind};

/// Where a link goes, before the server makes it a URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum LinkTarget {
    /// A base image or a `--from` image, after expanding global ARGs.
    Image(ImageRef),
    /// The image of `# syntax=`.
    Frontend(ImageRef),
    /// An `http(s)` source of ADD.
    Url(String),
    /// A COPY or ADD source, relative to the build context (the Dockerfile's
    /// directory); only a link if the file is there.
    Path(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Link {
    pub range: Range<usize>,
    pub target: LinkTarget,
}

/// The links of a file, in source order.
pub(crate) fn links(file: &Dockerfile<'_>, model: &FileModel) -> Vec<Link> {
    let mut out = Vec::new();
    for directive in file.directives() {
        if !directive.name().eq_ignore_ascii_case("syntax") {
            continue;
        }
        if let (Some(node), Ok(image)) =
            (directive.value_node(), image_ref::parse(directive.value()))
        {
            let start = node.start_byte();
            out.push(Link {
                range: start..start + directive.value().len(),
                target: LinkTarget::Frontend(image),
            });
        }
    }
    for stage in &model.stages {
        if let Base::Image(image) = &stage.base
            && !image_ref::has_unexpanded_variable(&stage.expanded_image.value)
        {
            out.push(Link {
                range: stage.image_range.clone(),
                target: LinkTarget::Image((**image).clone()),
            });
        }
    }
    for instruction in file.instructions() {
        if matches!(
            instruction.kind(),
            InstructionKind::Copy | InstructionKind::Add
        ) {
            file_links(&instruction, model, &mut out);
        }
    }
    out.sort_by_key(|l| l.range.start);
    out
}

/// COPY/ADD: a `--from` image, or the sources (every argument but the destination).
fn file_links(instruction: &Instruction<'_>, model: &FileModel, out: &mut Vec<Link>) {
    if let Some(flag) = instruction.flag("from") {
        // The sources are in that stage or image, not in the workspace.
        if let (Some(node), Some(value)) = (flag.value_node(), flag.value())
            && let Some(image) = from_image(model, &value, instruction.node().start_byte())
        {
            out.push(Link {
                range: node.byte_range(),
                target: LinkTarget::Image(image),
            });
        }
        return;
    }
    let is_add = instruction.kind() == InstructionKind::Add;
    let mut sources: Vec<(Range<usize>, String)> = match instruction.json_array() {
        Some(array) => {
            let mut cursor = array.walk();
            array
                .named_children(&mut cursor)
                .filter(|n| n.kind() == "json_string")
                .map(|n| {
                    let value = serde_json::from_str::<String>(instruction.text(n)).ok();
                    // Inside the quotes.
                    let range = n.start_byte() + 1..n.end_byte().saturating_sub(1);
                    (range, value.unwrap_or_default())
                })
                .collect()
        }
        // Heredoc markers are sources too: they count for which word is the destination.
        None => instruction
            .arguments()
            .into_iter()
            .map(|n| {
                let text = match n.kind() {
                    "word" => instruction.text(n).to_owned(),
                    _ => String::new(),
                };
                (n.byte_range(), text)
            })
            .collect(),
    };
    // The last argument is the destination.
    if sources.pop().is_none() {
        return;
    }
    for (range, text) in sources {
        if let Some(target) = source_target(&text, is_add) {
            out.push(Link { range, target });
        }
    }
}

/// What a source names: a URL (ADD only), a file, or nothing we can link (globs,
/// variables, git and other remote sources, the whole context).
fn source_target(text: &str, is_add: bool) -> Option<LinkTarget> {
    if text.is_empty() || text.contains('$') {
        return None;
    }
    if text.starts_with("https://") || text.starts_with("http://") {
        return is_add.then(|| LinkTarget::Url(text.to_owned()));
    }
    if text.contains("://")
        || text.starts_with("git@")
        || text.contains(['*', '?', '[', '\\', '"', '\''])
    {
        return None;
    }
    // BuildKit reads a leading `/` as the root of the context.
    let path = text.trim_start_matches('/').trim_start_matches("./");
    if path.is_empty() || path == "." || path.split('/').any(|part| part == "..") {
        return None;
    }
    Some(LinkTarget::Path(path.to_owned()))
}

/// A `--from` value that names an image (not an earlier stage or a stage index).
fn from_image(model: &FileModel, value: &str, at: usize) -> Option<ImageRef> {
    if value.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let before = model.stages.partition_point(|s| s.image_range.start < at);
    if model.stage_named(value, before).is_some() {
        return None;
    }
    let lookup = |name: &str| model.global_arg(name).and_then(|d| d.value.clone());
    let expanded = expand::expand(value, model.escape, &lookup);
    if !expanded.complete || image_ref::has_unexpanded_variable(&expanded.value) {
        return None;
    }
    image_ref::parse(&expanded.value).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::{self, FileKind};

    fn links_of(text: &str) -> String {
        let tree = syntax::parse(FileKind::Dockerfile, text, None).expect("parse");
        let file = Dockerfile::new(&tree, text);
        let model = FileModel::new(&file);
        links(&file, &model)
            .into_iter()
            .map(|link| {
                let target = match link.target {
                    LinkTarget::Image(image) => format!("image {}", image.full()),
                    LinkTarget::Frontend(image) => format!("frontend {}", image.full()),
                    LinkTarget::Url(url) => format!("url {url}"),
                    LinkTarget::Path(path) => format!("path {path}"),
                };
                format!("{:?} -> {target}", &text[link.range])
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn images_frontends_urls_and_sources() {
        let text = r#"# syntax=docker/dockerfile:1.7
ARG GO=1.23
FROM golang:${GO} AS build
COPY go.mod go.sum ./
COPY ./cmd /src/cmd/
COPY *.go $SRC /src/
ADD https://example.com/tool.tar.gz /opt/
ADD ["conf/app.toml", "/etc/app.toml"]
FROM gcr.io/distroless/static
COPY --from=build /out/app /app
COPY --from=nginx:1.27 /etc/nginx /etc/nginx
COPY app.sh
"#;
        insta::assert_snapshot!(links_of(text), @r#"
        "docker/dockerfile:1.7" -> frontend docker.io/docker/dockerfile:1.7
        "golang:${GO}" -> image docker.io/library/golang:1.23
        "go.mod" -> path go.mod
        "go.sum" -> path go.sum
        "./cmd" -> path cmd
        "https://example.com/tool.tar.gz" -> url https://example.com/tool.tar.gz
        "conf/app.toml" -> path conf/app.toml
        "gcr.io/distroless/static" -> image gcr.io/distroless/static
        "nginx:1.27" -> image docker.io/library/nginx:1.27
        "#);
    }
}
