//! BuildKit's AST dump (`Node.Dump()`), rendered from our tree to check conformance.

use super::ast::{Dockerfile, Instruction, InstructionKind};

/// The dump of a whole file: one `(instruction ...)` line per instruction.
pub fn buildkit_dump(file: &Dockerfile<'_>) -> String {
    let mut out = String::new();
    for instruction in file.instructions() {
        out.push('(');
        out.push_str(&dump_instruction(&instruction));
        out.push_str(")\n");
    }
    out
}

fn dump_instruction(instruction: &Instruction<'_>) -> String {
    let mut out = instruction.keyword_text().to_lowercase();
    let flags: Vec<String> = instruction
        .flags()
        .iter()
        .map(|f| f.word())
        .filter(|w| w != "--")
        .collect();
    if !flags.is_empty() {
        let quoted: Vec<String> = flags.iter().map(|f| go_quote(f)).collect();
        out.push_str(&format!(" [{}]", quoted.join(" ")));
    }
    for argument in arguments(instruction) {
        out.push(' ');
        out.push_str(&argument);
    }
    out
}

/// Each argument node of the dump, already rendered.
fn arguments(instruction: &Instruction<'_>) -> Vec<String> {
    use InstructionKind as K;
    let quoted = |values: Vec<String>| values.iter().map(|v| go_quote(v)).collect::<Vec<_>>();
    if instruction.json_array().is_some() && instruction.kind() != K::Healthcheck {
        return quoted(instruction.json_strings());
    }
    let rest = instruction.rest();
    match instruction.kind() {
        K::Onbuild => match instruction.onbuild_trigger() {
            Some(trigger) => vec![format!("({})", dump_instruction(&trigger))],
            None => Vec::new(),
        },
        K::Run
        | K::Cmd
        | K::Entrypoint
        | K::Shell
        | K::Maintainer
        | K::User
        | K::Workdir
        | K::Stopsignal => {
            if rest.is_empty() {
                Vec::new()
            } else {
                quoted(vec![rest])
            }
        }
        K::Unknown => quoted(vec![String::new()]),
        K::From | K::Expose | K::Volume | K::Copy | K::Add => quoted(
            instruction
                .arguments_with_as()
                .iter()
                .flat_map(|n| {
                    let text = instruction.logical(n.byte_range());
                    text.split([' ', '\t', '\r', '\u{b}', '\u{c}'])
                        .filter(|w| !w.is_empty())
                        .map(str::to_owned)
                        .collect::<Vec<_>>()
                })
                .collect(),
        ),
        K::Arg => quoted(
            instruction
                .pairs()
                .iter()
                .map(|p| instruction.logical(p.node.byte_range()))
                .collect(),
        ),
        K::Env | K::Label => {
            let mut values = Vec::new();
            for pair in instruction.pairs() {
                if pair.has_equals() {
                    let word = instruction.logical(pair.node.byte_range());
                    let (key, value) = word.split_once('=').unwrap_or((&word, ""));
                    values.extend([key.to_owned(), value.to_owned(), "=".to_owned()]);
                } else {
                    let key = instruction.logical(
                        pair.key_node()
                            .map_or(pair.node.byte_range(), |k| k.byte_range()),
                    );
                    let value = match pair.value_node() {
                        Some(v) => instruction
                            .logical(v.start_byte()..instruction.line_end())
                            .trim()
                            .to_owned(),
                        None => String::new(),
                    };
                    values.extend([key, value, String::new()]);
                }
            }
            quoted(values)
        }
        K::Healthcheck => {
            let Some(kind) = instruction.node().child_by_field_name("type") else {
                return Vec::new();
            };
            let mut values = vec![go_quote(&instruction.logical(kind.byte_range()))];
            if instruction.json_array().is_some() {
                values.extend(quoted(instruction.json_strings()));
            } else if let Some(command) = instruction.shell_command() {
                let text = instruction.logical(command.start_byte()..instruction.line_end());
                values.push(go_quote(text.trim()));
            }
            values
        }
    }
}

/// Go's `strconv.Quote`.
pub fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c if c == ' ' || (c as u32) < 0x80 || is_go_printable(c) => out.push(c),
            c if (c as u32) < 0x10000 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push_str(&format!("\\U{:08x}", c as u32)),
        }
    }
    out.push('"');
    out
}

/// Go's `unicode.IsPrint` for non-ASCII: no controls, no spaces other than
/// U+0020, no format characters.
fn is_go_printable(c: char) -> bool {
    !(c.is_control()
        || c.is_whitespace()
        || matches!(c, '\u{ad}' | '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{2064}' | '\u{feff}' | '\u{fff9}'..='\u{fffb}'))
}
