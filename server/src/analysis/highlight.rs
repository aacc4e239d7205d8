//! Semantic highlighting: what each piece of a Dockerfile is, as byte ranges and our own token kinds.

use std::ops::Range;
use std::sync::OnceLock;

use tree_sitter::{Node, TreeCursor};

use super::model::{Base, FileModel, PLATFORM_ARGS, PROXY_ARGS};
use super::shell_highlight::{ShellLexer, body_runs_as_shell};
use crate::syntax::{Dockerfile, FileKind, InstructionKind, language};

/// What a token is. The order is the legend's: a kind's index is its LSP token type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum TokenKind {
    /// Instruction keywords, `AS`, `HEALTHCHECK CMD`/`NONE`, heredoc delimiters, shell keywords.
    Keyword,
    Comment,
    /// Parser directive names (`syntax`, `escape`, `check`).
    Directive,
    /// Instruction flags (`--mount`) and command options in shell code (`-y`).
    Flag,
    /// Build stage names, where declared and where named.
    Stage,
    /// Image references (`FROM python:3.12`, `COPY --from=nginx`).
    Image,
    /// ARG and ENV names and `$VAR` references.
    Variable,
    /// LABEL keys and the keys of `--mount` options.
    Property,
    String,
    Number,
    Operator,
    /// Command names in shell code.
    Command,
}

impl TokenKind {
    pub(crate) const ALL: [TokenKind; 12] = [
        TokenKind::Keyword,
        TokenKind::Comment,
        TokenKind::Directive,
        TokenKind::Flag,
        TokenKind::Stage,
        TokenKind::Image,
        TokenKind::Variable,
        TokenKind::Property,
        TokenKind::String,
        TokenKind::Number,
        TokenKind::Operator,
        TokenKind::Command,
    ];

    /// The index of the kind in [`Self::ALL`] (its LSP token type).
    pub(crate) fn index(self) -> u32 {
        self as u32
    }
}

/// Token modifiers, as bits; bit `i` is the legend's modifier `i`.
pub(crate) mod modifier {
    /// A stage name after `AS`, an ARG or ENV name where it is declared.
    pub(crate) const DECLARATION: u32 = 1;
    /// BuildKit's platform ARGs: set by the build, not by the user.
    pub(crate) const READONLY: u32 = 1 << 1;
    /// ARGs every build predefines and the `scratch` image.
    pub(crate) const DEFAULT_LIBRARY: u32 = 1 << 2;
    /// MAINTAINER.
    pub(crate) const DEPRECATED: u32 = 1 << 3;
    /// How many modifiers there are.
    pub(crate) const COUNT: usize = 4;
}

/// One highlighted piece of the text. A token may span lines (a heredoc body); the
/// server splits it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Highlight {
    pub range: Range<usize>,
    pub kind: TokenKind,
    pub modifiers: u32,
}

/// The tokens of a Dockerfile in source order, never overlapping. With `window`, only
/// those that touch it (the tree outside it is not walked). `model` says which names
/// are stages; without one, every FROM image is an image.
pub(crate) fn highlights(
    file: &Dockerfile<'_>,
    model: Option<&FileModel>,
    window: Option<Range<usize>>,
) -> Vec<Highlight> {
    let window_copy = window.clone();
    let mut walker = Walker {
        src: file.src(),
        escape: file.escape(),
        model,
        ids: Ids::get(),
        window,
        out: Vec::new(),
    };
    walker.container(&mut file.root().walk(), 0);
    let mut out = walker.out;
    if let Some(window) = &window_copy {
        out.retain(|h| h.range.end > window.start && h.range.start < window.end);
    }
    // The walk emits in order; this is a guarantee for odd trees (errors), not a fix-up.
    if !out.is_sorted_by_key(|h| h.range.start) {
        out.sort_by_key(|h| h.range.start);
    }
    let mut end = 0;
    out.retain(|h| {
        let keep = h.range.start >= end;
        if keep {
            end = h.range.end;
        }
        keep
    });
    out
}

/// Nesting deeper than this is not highlighted (`${a:-${b:-...}}` thousands deep
/// must not exhaust the stack).
const MAX_DEPTH: usize = 64;

/// The grammar's node kinds we act on, by kind id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Other,
    Container,
    Directive,
    DirectiveName,
    DirectiveValue,
    Comment,
    Keyword,
    Flag,
    FlagName,
    FlagValue,
    Word,
    UnquotedText,
    Expansion,
    VariableName,
    ExpansionOperator,
    ExpansionArgument,
    StringContent,
    DoubleQuoted,
    SingleQuoted,
    Pair,
    Key,
    LegacyValue,
    ShellCommand,
    ShellFragment,
    HeredocMarker,
    Heredoc,
    HeredocBody,
    HeredocEnd,
    JsonContainer,
    JsonString,
    JsonNumber,
    JsonLiteral,
    Instruction(InstructionKind),
}

/// Kind ids and field ids, looked up once: every kind id with a name maps to its
/// kind, so aliases that share a name share a kind.
#[derive(Debug)]
struct Ids {
    kinds: Vec<Kind>,
    image_field: u16,
    name_field: u16,
    as_field: u16,
    type_field: u16,
    value_field: u16,
}

impl Ids {
    fn get() -> &'static Ids {
        static IDS: OnceLock<Ids> = OnceLock::new();
        IDS.get_or_init(|| {
            let language = language(FileKind::Dockerfile);
            let kinds = (0..language.node_kind_count())
                .map(|id| {
                    let id = u16::try_from(id).unwrap_or(u16::MAX);
                    if !language.node_kind_is_named(id) {
                        return Kind::Other;
                    }
                    language
                        .node_kind_for_id(id)
                        .map_or(Kind::Other, kind_named)
                })
                .collect();
            let field = |name: &str| language.field_id_for_name(name).map_or(0, u16::from);
            Ids {
                kinds,
                image_field: field("image"),
                name_field: field("name"),
                as_field: field("as"),
                type_field: field("type"),
                value_field: field("value"),
            }
        })
    }

    fn kind(&self, node: Node<'_>) -> Kind {
        self.kinds
            .get(usize::from(node.kind_id()))
            .copied()
            .unwrap_or(Kind::Other)
    }
}

fn kind_named(name: &str) -> Kind {
    if let Some(kind) = InstructionKind::from_node_kind(name) {
        return Kind::Instruction(kind);
    }
    match name {
        "source_file" | "stage" | "block" | "ERROR" => Kind::Container,
        "parser_directive" => Kind::Directive,
        "directive_name" => Kind::DirectiveName,
        "directive_value" => Kind::DirectiveValue,
        "comment" => Kind::Comment,
        "keyword" => Kind::Keyword,
        "flag" => Kind::Flag,
        "flag_name" => Kind::FlagName,
        "flag_value" => Kind::FlagValue,
        "word" => Kind::Word,
        "unquoted_text" => Kind::UnquotedText,
        "expansion" => Kind::Expansion,
        "variable_name" => Kind::VariableName,
        "expansion_operator" => Kind::ExpansionOperator,
        "expansion_argument" => Kind::ExpansionArgument,
        "string_content" => Kind::StringContent,
        "double_quoted_string" => Kind::DoubleQuoted,
        "single_quoted_string" => Kind::SingleQuoted,
        "pair" => Kind::Pair,
        "key" => Kind::Key,
        "legacy_value" => Kind::LegacyValue,
        "shell_command" => Kind::ShellCommand,
        "shell_fragment" => Kind::ShellFragment,
        "heredoc_marker" => Kind::HeredocMarker,
        "heredoc" => Kind::Heredoc,
        "heredoc_body" => Kind::HeredocBody,
        "heredoc_end" => Kind::HeredocEnd,
        "json_array" | "json_object" | "json_member" => Kind::JsonContainer,
        "json_string" => Kind::JsonString,
        "json_number" => Kind::JsonNumber,
        "json_literal" => Kind::JsonLiteral,
        _ => Kind::Other,
    }
}

/// What a word stands for, which decides the kind of its plain text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// Only the variables in it are highlighted (paths, users, ...).
    Plain,
    /// A FROM image: an image, or an earlier stage.
    FromImage,
    /// The name after AS.
    StageDeclaration,
    /// `HEALTHCHECK CMD` / `NONE`.
    Keyword,
    /// An EXPOSE port: the number is highlighted.
    Port,
    /// A value of ENV, LABEL or ARG.
    Value,
}

struct Walker<'a> {
    src: &'a str,
    escape: char,
    model: Option<&'a FileModel>,
    ids: &'static Ids,
    window: Option<Range<usize>>,
    out: Vec<Highlight>,
}

/// The walk shares one tree cursor: each step is given the cursor on its node and
/// leaves it there (a cursor per node would cost an allocation each).
impl Walker<'_> {
    fn push(&mut self, range: Range<usize>, kind: TokenKind, modifiers: u32) {
        if range.is_empty() {
            return;
        }
        self.out.push(Highlight {
            range,
            kind,
            modifiers,
        });
    }

    /// A node's range without the line break some tokens end with (comments, heredoc ends).
    fn without_line_break(&self, node: Node<'_>) -> Range<usize> {
        let range = node.byte_range();
        let text = self.src.get(range.clone()).unwrap_or("");
        let trimmed = text.trim_end_matches(['\n', '\r']);
        range.start..range.start + trimmed.len()
    }

    fn text(&self, range: Range<usize>) -> &str {
        self.src.get(range).unwrap_or("")
    }

    /// Runs `visit` on each child of the cursor's node, the cursor on the child, and
    /// puts the cursor back on the node.
    fn children<'t>(
        &mut self,
        cursor: &mut TreeCursor<'t>,
        mut visit: impl FnMut(&mut Self, &mut TreeCursor<'t>),
    ) {
        if !cursor.goto_first_child() {
            return;
        }
        loop {
            visit(self, cursor);
            if !cursor.goto_next_sibling() {
                break;
            }
        }
        cursor.goto_parent();
    }

    /// The file, a stage or a block: only the children that touch the window.
    fn container(&mut self, cursor: &mut TreeCursor<'_>, depth: usize) {
        if depth > MAX_DEPTH {
            return;
        }
        let found = match &self.window {
            Some(window) => cursor.goto_first_child_for_byte(window.start).is_some(),
            None => cursor.goto_first_child(),
        };
        if !found {
            return;
        }
        loop {
            let child = cursor.node();
            if self
                .window
                .as_ref()
                .is_some_and(|w| child.start_byte() >= w.end)
            {
                break;
            }
            match self.ids.kind(child) {
                Kind::Container => self.container(cursor, depth + 1),
                Kind::Directive => self.directive(cursor),
                Kind::Comment => {
                    self.push(self.without_line_break(child), TokenKind::Comment, 0);
                }
                Kind::Instruction(kind) => self.instruction(cursor, kind, depth + 1),
                _ => {}
            }
            if !cursor.goto_next_sibling() {
                break;
            }
        }
        cursor.goto_parent();
    }

    /// `# name=value`: `#` as a comment, the name as a directive, the value as a string.
    fn directive(&mut self, cursor: &mut TreeCursor<'_>) {
        self.children(cursor, |w, c| {
            let child = c.node();
            match w.ids.kind(child) {
                Kind::DirectiveName => w.push(child.byte_range(), TokenKind::Directive, 0),
                Kind::DirectiveValue => w.push(child.byte_range(), TokenKind::String, 0),
                Kind::Other if !child.is_named() => {
                    let kind = match w.text(child.byte_range()) {
                        "#" => TokenKind::Comment,
                        _ => TokenKind::Operator,
                    };
                    w.push(child.byte_range(), kind, 0);
                }
                _ => {}
            }
        });
    }

    fn instruction(&mut self, cursor: &mut TreeCursor<'_>, kind: InstructionKind, depth: usize) {
        if depth > MAX_DEPTH {
            return;
        }
        let start = cursor.node().start_byte();
        let shell_body = kind == InstructionKind::Run && self.heredoc_is_script(cursor);
        self.children(cursor, |w, c| {
            let child = c.node();
            let field = c.field_id().map_or(0, u16::from);
            match w.ids.kind(child) {
                Kind::Keyword if field == w.ids.as_field => {
                    w.push(child.byte_range(), TokenKind::Keyword, 0);
                }
                Kind::Keyword if kind != InstructionKind::Unknown => {
                    let modifiers = match kind {
                        InstructionKind::Maintainer => modifier::DEPRECATED,
                        _ => 0,
                    };
                    w.push(child.byte_range(), TokenKind::Keyword, modifiers);
                }
                Kind::Flag => w.flag(c, start),
                Kind::Word => {
                    let role = match kind {
                        InstructionKind::From if field == w.ids.image_field => Role::FromImage,
                        InstructionKind::From if field == w.ids.name_field => {
                            Role::StageDeclaration
                        }
                        InstructionKind::Healthcheck if field == w.ids.type_field => Role::Keyword,
                        InstructionKind::Expose => Role::Port,
                        _ => Role::Plain,
                    };
                    w.word(c, role, depth + 1);
                }
                Kind::Pair => w.pair(c, kind, depth + 1),
                Kind::ShellCommand if kind != InstructionKind::Unknown => w.shell_command(c),
                Kind::HeredocMarker => w.push(child.byte_range(), TokenKind::Keyword, 0),
                Kind::Heredoc => w.heredoc(c, shell_body),
                Kind::JsonContainer => w.json(c, depth + 1),
                Kind::Comment => w.push(w.without_line_break(child), TokenKind::Comment, 0),
                Kind::Instruction(trigger) => w.instruction(c, trigger, depth + 1),
                _ => {}
            }
        });
    }

    /// `--name=value`: the dashes and name as a flag, the value by what the flag takes.
    fn flag(&mut self, cursor: &mut TreeCursor<'_>, instruction_start: usize) {
        let node = cursor.node();
        let mut name = None;
        let mut value = None;
        self.children(cursor, |w, c| match w.ids.kind(c.node()) {
            Kind::FlagName => name = Some(c.node().byte_range()),
            Kind::FlagValue => value = Some(c.node().byte_range()),
            _ => {}
        });
        let flag_end = name.as_ref().map_or(node.start_byte() + 2, |n| n.end);
        self.push(
            node.start_byte()..flag_end.min(node.end_byte()),
            TokenKind::Flag,
            0,
        );
        let Some(range) = value else {
            return;
        };
        match name.map_or("", |n| self.text(n)) {
            "from" => self.source_name(range, instruction_start),
            "mount" => self.mount_options(range, instruction_start),
            "interval" | "timeout" | "start-period" | "start-interval" | "retries" | "chmod"
                if is_number_like(self.text(range.clone())) =>
            {
                self.push(range, TokenKind::Number, 0);
            }
            _ => self.text_with_variables(range, TokenKind::String),
        }
    }

    /// `--from=` and `from=` of a mount: an earlier stage or an image.
    fn source_name(&mut self, range: Range<usize>, at: usize) {
        let text = self.text(range.clone());
        if text.contains('$') {
            self.text_with_variables(range, TokenKind::Image);
            return;
        }
        let value = text.trim_matches(|c| c == '"' || c == '\'');
        let is_stage = value.bytes().all(|b| b.is_ascii_digit())
            || self.model.is_some_and(|model| {
                let before = model.stages.partition_point(|s| s.image_range.start < at);
                model.stage_named(value, before).is_some()
            });
        let kind = if is_stage {
            TokenKind::Stage
        } else {
            TokenKind::Image
        };
        self.push(range, kind, 0);
    }

    /// `type=cache,target=/root/.cache,from=build`: keys as properties, values as strings.
    fn mount_options(&mut self, range: Range<usize>, at: usize) {
        let mut start = range.start;
        while start <= range.end {
            let rest = self.text(start..range.end);
            let part_end = rest.find(',').map_or(range.end, |i| start + i);
            let part = self.text(start..part_end);
            match part.find('=') {
                Some(eq) => {
                    let key_end = start + eq;
                    let is_from = part[..eq].trim() == "from";
                    self.push(start..key_end, TokenKind::Property, 0);
                    if is_from {
                        self.source_name(key_end + 1..part_end, at);
                    } else {
                        self.text_with_variables(key_end + 1..part_end, TokenKind::String);
                    }
                }
                None => self.push(start..part_end, TokenKind::Property, 0),
            }
            start = part_end + 1;
        }
    }

    /// Text the grammar leaves whole (flag values): `$VAR` and `${VAR...}` as
    /// variables, the rest as `kind`.
    fn text_with_variables(&mut self, range: Range<usize>, kind: TokenKind) {
        let bytes = self.src.as_bytes();
        let mut run = range.start;
        let mut i = range.start;
        while i < range.end {
            let b = bytes.get(i).copied().unwrap_or(0);
            // Flag values are unquoted with backslash escapes, whatever the escape directive.
            if b == b'\\' {
                i += 2;
                continue;
            }
            if b != b'$' {
                i += 1;
                continue;
            }
            let end = variable_end(bytes, i, range.end);
            if end == i + 1 {
                i += 1;
                continue;
            }
            self.push(run..i, kind, 0);
            let name = variable_name(self.text(i..end));
            self.push(i..end, TokenKind::Variable, variable_modifiers(name));
            i = end;
            run = end;
        }
        self.push(run..range.end.max(run), kind, 0);
    }

    fn word(&mut self, cursor: &mut TreeCursor<'_>, role: Role, depth: usize) {
        if depth > MAX_DEPTH {
            return;
        }
        let node = cursor.node();
        let (plain, modifiers) = match role {
            Role::Keyword => {
                self.push(node.byte_range(), TokenKind::Keyword, 0);
                return;
            }
            Role::StageDeclaration => {
                self.push(node.byte_range(), TokenKind::Stage, modifier::DECLARATION);
                return;
            }
            Role::FromImage => self.image_kind(node),
            Role::Value => (Some(TokenKind::String), 0),
            Role::Plain | Role::Port => (None, 0),
        };
        self.children(cursor, |w, c| {
            let child = c.node();
            match w.ids.kind(child) {
                Kind::UnquotedText => match (role, plain) {
                    (Role::Port, _) => {
                        let text = w.text(child.byte_range());
                        let digits = text
                            .bytes()
                            .take_while(|b| b.is_ascii_digit() || *b == b'-')
                            .count();
                        let start = child.start_byte();
                        w.push(start..start + digits, TokenKind::Number, 0);
                    }
                    (_, Some(kind)) => w.push(child.byte_range(), kind, modifiers),
                    (_, None) => {}
                },
                Kind::Expansion => w.expansion(c, depth + 1),
                Kind::DoubleQuoted => w.double_quoted(c, depth + 1),
                Kind::SingleQuoted => w.push(child.byte_range(), TokenKind::String, 0),
                _ => {}
            }
        });
    }

    /// A FROM image: an earlier stage, `scratch`, or an image.
    fn image_kind(&self, node: Node<'_>) -> (Option<TokenKind>, u32) {
        let start = node.start_byte();
        let stage = self.model.and_then(|model| {
            let i = model
                .stages
                .binary_search_by_key(&start, |s| s.image_range.start)
                .ok()?;
            model.stages.get(i)
        });
        match stage.map(|s| &s.base) {
            Some(Base::Stage(_)) => (Some(TokenKind::Stage), 0),
            Some(Base::Scratch) => (Some(TokenKind::Image), modifier::DEFAULT_LIBRARY),
            _ => (Some(TokenKind::Image), 0),
        }
    }

    /// `$NAME`, `${NAME}`, `${NAME:-default}`: the name with its `$` as a variable, the
    /// operator as an operator, the default as a string.
    fn expansion(&mut self, cursor: &mut TreeCursor<'_>, depth: usize) {
        if depth > MAX_DEPTH {
            return;
        }
        let node = cursor.node();
        let mut modifiers = 0;
        // Where the part after the operator ends, once there is an operator.
        let mut after_operator: Option<usize> = None;
        self.children(cursor, |w, c| {
            let child = c.node();
            match w.ids.kind(child) {
                Kind::VariableName => modifiers = variable_modifiers(w.text(child.byte_range())),
                Kind::ExpansionOperator => {
                    w.push(
                        node.start_byte()..child.start_byte(),
                        TokenKind::Variable,
                        modifiers,
                    );
                    w.push(child.byte_range(), TokenKind::Operator, 0);
                    after_operator = Some(child.end_byte());
                }
                Kind::ExpansionArgument => {
                    w.children(c, |w, c| match w.ids.kind(c.node()) {
                        Kind::StringContent => {
                            w.push(c.node().byte_range(), TokenKind::String, 0);
                        }
                        Kind::Expansion => w.expansion(c, depth + 1),
                        _ => {}
                    });
                    after_operator = Some(child.end_byte());
                }
                _ => {}
            }
        });
        match after_operator {
            // The closing brace, when there is one.
            Some(end) => self.push(end..node.end_byte(), TokenKind::Variable, modifiers),
            None => self.push(node.byte_range(), TokenKind::Variable, modifiers),
        }
    }

    /// `"text $VAR text"`: string runs around the variables.
    fn double_quoted(&mut self, cursor: &mut TreeCursor<'_>, depth: usize) {
        let node = cursor.node();
        let mut run = node.start_byte();
        self.children(cursor, |w, c| {
            let child = c.node();
            if w.ids.kind(child) == Kind::Expansion {
                w.push(run..child.start_byte(), TokenKind::String, 0);
                w.expansion(c, depth + 1);
                run = child.end_byte();
            }
        });
        self.push(run..node.end_byte(), TokenKind::String, 0);
    }

    /// `key=value`: ARG and ENV names are declared variables, LABEL keys are properties.
    fn pair(&mut self, cursor: &mut TreeCursor<'_>, kind: InstructionKind, depth: usize) {
        self.children(cursor, |w, c| {
            let child = c.node();
            match w.ids.kind(child) {
                Kind::Key => {
                    let range = child.byte_range();
                    if kind == InstructionKind::Label {
                        w.push(range, TokenKind::Property, modifier::DECLARATION);
                    } else {
                        let modifiers =
                            modifier::DECLARATION | variable_modifiers(w.text(range.clone()));
                        w.push(range, TokenKind::Variable, modifiers);
                    }
                }
                Kind::Word if c.field_id().map_or(0, u16::from) == w.ids.value_field => {
                    w.word(c, Role::Value, depth + 1);
                }
                Kind::LegacyValue => w.children(c, |w, c| {
                    if w.ids.kind(c.node()) == Kind::Word {
                        w.word(c, Role::Value, depth + 1);
                    }
                }),
                _ => {}
            }
        });
    }

    /// Shell code on the instruction's lines: fragments lexed as one logical line,
    /// the comment lines BuildKit drops as comments.
    fn shell_command(&mut self, cursor: &mut TreeCursor<'_>) {
        let mut lexer = ShellLexer::new(self.escape == '`');
        let mut previous_end: Option<usize> = None;
        self.children(cursor, |w, c| {
            let child = c.node();
            match w.ids.kind(child) {
                Kind::ShellFragment => {
                    let range = child.byte_range();
                    if let Some(end) = previous_end
                        && !w.joins(end, range.start)
                    {
                        lexer.blank();
                    }
                    previous_end = Some(range.end);
                    lexer.lex(w.src, range, &mut w.out);
                }
                Kind::HeredocMarker => {
                    w.push(child.byte_range(), TokenKind::Keyword, 0);
                    lexer.heredoc_marker();
                    previous_end = None;
                }
                Kind::Comment => w.push(w.without_line_break(child), TokenKind::Comment, 0),
                _ => {}
            }
        });
    }

    /// Whether BuildKit's join of two fragments runs them into one word: no blank
    /// before the continuation and none at the start of the next line.
    fn joins(&self, previous_end: usize, start: usize) -> bool {
        let bytes = self.src.as_bytes();
        let blank = |b: Option<&u8>| matches!(b, Some(b' ' | b'\t'));
        !blank(bytes.get(previous_end)) && !blank(start.checked_sub(1).and_then(|i| bytes.get(i)))
    }

    fn heredoc(&mut self, cursor: &mut TreeCursor<'_>, shell_body: bool) {
        self.children(cursor, |w, c| {
            let child = c.node();
            match w.ids.kind(child) {
                Kind::HeredocBody if shell_body => {
                    ShellLexer::new(false).lex(w.src, child.byte_range(), &mut w.out);
                }
                Kind::HeredocBody => w.push(child.byte_range(), TokenKind::String, 0),
                Kind::HeredocEnd => {
                    w.push(w.without_line_break(child), TokenKind::Keyword, 0);
                }
                _ => {}
            }
        });
    }

    /// Whether a RUN's only heredoc is a script the shell runs (`RUN <<EOF`,
    /// `RUN bash <<EOF`), not data for another program (`RUN python3 <<EOF`).
    fn heredoc_is_script(&self, cursor: &mut TreeCursor<'_>) -> bool {
        let mut heredocs = Vec::new();
        let mut command = None;
        if cursor.goto_first_child() {
            loop {
                let child = cursor.node();
                match self.ids.kind(child) {
                    Kind::Heredoc => heredocs.push(child),
                    Kind::ShellCommand => command = Some(child),
                    _ => {}
                }
                if !cursor.goto_next_sibling() {
                    break;
                }
            }
            cursor.goto_parent();
        }
        let [heredoc] = heredocs.as_slice() else {
            return false;
        };
        let mut text = String::new();
        if let Some(command) = command {
            let mut fragments = command.walk();
            for fragment in command.named_children(&mut fragments) {
                if self.ids.kind(fragment) == Kind::ShellFragment {
                    text.push_str(self.text(fragment.byte_range()));
                    text.push(' ');
                }
            }
        }
        let body = heredoc
            .named_child(0)
            .filter(|b| self.ids.kind(*b) == Kind::HeredocBody)
            .map_or("", |b| self.text(b.byte_range()));
        body_runs_as_shell(&text, body)
    }

    /// Exec form: strings, numbers and literals.
    fn json(&mut self, cursor: &mut TreeCursor<'_>, depth: usize) {
        if depth > MAX_DEPTH {
            return;
        }
        self.children(cursor, |w, c| {
            let child = c.node();
            match w.ids.kind(child) {
                Kind::JsonContainer => w.json(c, depth + 1),
                Kind::JsonString => w.push(child.byte_range(), TokenKind::String, 0),
                Kind::JsonNumber => w.push(child.byte_range(), TokenKind::Number, 0),
                Kind::JsonLiteral => w.push(child.byte_range(), TokenKind::Keyword, 0),
                _ => {}
            }
        });
    }
}

/// Where a `$` reference starting at `i` ends (`i + 1` when it is a lone `$`).
pub(crate) fn variable_end(bytes: &[u8], i: usize, limit: usize) -> usize {
    let at = |j: usize| {
        if j < limit {
            bytes.get(j).copied()
        } else {
            None
        }
    };
    match at(i + 1) {
        Some(b'{') => {
            let mut depth = 0usize;
            let mut j = i + 1;
            while let Some(b) = at(j) {
                match b {
                    b'{' => depth += 1,
                    b'}' => {
                        depth -= 1;
                        if depth == 0 {
                            return j + 1;
                        }
                    }
                    _ => {}
                }
                j += 1;
            }
            limit.min(bytes.len())
        }
        Some(b) if b.is_ascii_alphabetic() || b == b'_' => {
            let mut j = i + 1;
            while at(j).is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_') {
                j += 1;
            }
            j
        }
        _ => i + 1,
    }
}

/// The name in `$NAME` or `${NAME...}`.
fn variable_name(reference: &str) -> &str {
    let rest = reference.trim_start_matches('$').trim_start_matches('{');
    let end = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(rest.len());
    &rest[..end]
}

/// Predefined ARGs are from the default library; the platform ones are set by the build.
fn variable_modifiers(name: &str) -> u32 {
    if PLATFORM_ARGS.contains(&name) {
        modifier::DEFAULT_LIBRARY | modifier::READONLY
    } else if PROXY_ARGS.contains(&name) {
        modifier::DEFAULT_LIBRARY
    } else {
        0
    }
}

/// `30s`, `1m30s`, `3`, `0755`: a number or a duration.
fn is_number_like(text: &str) -> bool {
    text.bytes().next().is_some_and(|b| b.is_ascii_digit())
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || b == b'.' || b.is_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax;

    /// Each token as `kind(modifiers):text`, one per line.
    fn tokens(text: &str) -> String {
        let tree = syntax::parse(FileKind::Dockerfile, text, None).expect("parse");
        let file = Dockerfile::new(&tree, text);
        let model = FileModel::new(&file);
        highlights(&file, Some(&model), None)
            .into_iter()
            .map(|h| {
                let mut kind = format!("{:?}", h.kind);
                for (bit, name) in [
                    (modifier::DECLARATION, "declaration"),
                    (modifier::READONLY, "readonly"),
                    (modifier::DEFAULT_LIBRARY, "defaultLibrary"),
                    (modifier::DEPRECATED, "deprecated"),
                ] {
                    if h.modifiers & bit != 0 {
                        kind.push('.');
                        kind.push_str(name);
                    }
                }
                format!("{kind} {:?}", &text[h.range])
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn directives_args_stages_and_images() {
        let text = "# syntax=docker/dockerfile:1\nARG BASE=alpine:3.20\nFROM --platform=$BUILDPLATFORM ${BASE} AS build\nFROM build\nFROM scratch\nCOPY --from=build --chmod=755 /out /out\n";
        insta::assert_snapshot!(tokens(text), @r##"
        Comment "#"
        Directive "syntax"
        Operator "="
        String "docker/dockerfile:1"
        Keyword "ARG"
        Variable.declaration "BASE"
        String "alpine:3.20"
        Keyword "FROM"
        Flag "--platform"
        Variable.readonly.defaultLibrary "$BUILDPLATFORM"
        Variable "${BASE}"
        Keyword "AS"
        Stage.declaration "build"
        Keyword "FROM"
        Stage "build"
        Keyword "FROM"
        Image.defaultLibrary "scratch"
        Keyword "COPY"
        Flag "--from"
        Stage "build"
        Flag "--chmod"
        Number "755"
        "##);
    }

    #[test]
    fn env_label_expansions_and_comments() {
        let text = "FROM alpine\n# set up\nENV A=1 B=\"x $A y\" \\\n    C=${A:-def}\nLABEL org.title='app'\nMAINTAINER me\nEXPOSE 80/tcp $PORT\n";
        insta::assert_snapshot!(tokens(text), @r##"
        Keyword "FROM"
        Image "alpine"
        Comment "# set up"
        Keyword "ENV"
        Variable.declaration "A"
        String "1"
        Variable.declaration "B"
        String "\"x "
        Variable "$A"
        String " y\""
        Variable.declaration "C"
        Variable "${A"
        Operator ":-"
        String "def"
        Variable "}"
        Keyword "LABEL"
        Property.declaration "org.title"
        String "'app'"
        Keyword.deprecated "MAINTAINER"
        Keyword "EXPOSE"
        Number "80"
        Variable "$PORT"
        "##);
    }

    #[test]
    fn shell_code_heredocs_and_exec_form() {
        let text = "FROM alpine\nRUN --mount=type=cache,target=/root/.cache apt-get update \\\n  # inner\n  && echo \"$HOME\" | grep -q x > /dev/null\nRUN <<EOF\nset -e\necho hi # done\nEOF\nCOPY <<EOF /etc/app.conf\nport = 80\nEOF\nCMD [\"a\", 1]\n";
        insta::assert_snapshot!(tokens(text), @r##"
        Keyword "FROM"
        Image "alpine"
        Keyword "RUN"
        Flag "--mount"
        Property "type"
        String "cache"
        Property "target"
        String "/root/.cache"
        Command "apt-get"
        Comment "# inner"
        Operator "&&"
        Command "echo"
        String "\""
        Variable "$HOME"
        String "\""
        Operator "|"
        Command "grep"
        Flag "-q"
        Operator ">"
        Keyword "RUN"
        Keyword "<<EOF"
        Command "set"
        Flag "-e"
        Command "echo"
        Comment "# done"
        Keyword "EOF"
        Keyword "COPY"
        Keyword "<<EOF"
        String "port = 80\n"
        Keyword "EOF"
        Keyword "CMD"
        String "\"a\""
        Number "1"
        "##);
    }

    #[test]
    fn a_window_keeps_only_the_tokens_that_touch_it() {
        let text = "FROM alpine\nRUN echo a\nRUN echo b\n";
        let tree = syntax::parse(FileKind::Dockerfile, text, None).expect("parse");
        let file = Dockerfile::new(&tree, text);
        let start = text.find("RUN echo a").expect("line");
        let found: Vec<&str> = highlights(&file, None, Some(start..start + 10))
            .into_iter()
            .map(|h| &text[h.range])
            .collect();
        assert_eq!(found, ["RUN", "echo"]);
    }

    #[test]
    fn odd_input_gives_ordered_tokens_without_overlap() {
        for text in [
            "FROM a\nRUN echo \"unterminated \\\n  more\n",
            "FROM a\nRUN echo $(( 1 + ${X:-${Y:-${Z}}} )) `date` 'a\nENV X=${",
            "\u{FEFF}FROM a AS\nCOPY --from= . .\nONBUILD RUN echo ${X:-é}\n",
            "FROM a\nRUN echo \\\u{e9}t\u{e9} \"\\\u{e9}\" $'x' $\n",
        ] {
            let tree = syntax::parse(FileKind::Dockerfile, text, None).expect("parse");
            let file = Dockerfile::new(&tree, text);
            let found = highlights(&file, None, None);
            let mut end = 0;
            for h in &found {
                assert!(
                    h.range.start >= end && h.range.start < h.range.end,
                    "{text:?}: {found:?}"
                );
                assert!(text.get(h.range.clone()).is_some(), "{text:?}: {h:?}");
                end = h.range.end;
            }
        }
    }
}
