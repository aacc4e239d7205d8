//! Typed views over the Dockerfile tree: instructions, flags, words, pairs, heredocs, stages.

use std::ops::Range;

use tree_sitter::{Node, Tree};

use super::heredoc::{HeredocSpec, parse_marker};
use super::logical::logical_text;

/// Node kind ids of the Dockerfile grammar, looked up once: `Node::kind` measures
/// and checks a C string on every call, which shows in per-keystroke walks.
struct KindIds {
    instructions: Vec<(u16, InstructionKind)>,
    instruction: u16,
    stage: u16,
    block: u16,
    directive: u16,
    from_field: u16,
    image_field: u16,
    name_field: u16,
    keyword_field: u16,
    instruction_field: u16,
    value_field: u16,
    key_field: u16,
    as_field: u16,
    body_field: u16,
    end_field: u16,
    flag: u16,
    shell_command: u16,
    json_array: u16,
    json_string: u16,
    word: u16,
    heredoc_marker: u16,
    heredoc: u16,
    pair: u16,
    keyword: u16,
    comment: u16,
    line_continuation: u16,
    equals: u16,
}

fn kind_ids() -> &'static KindIds {
    static IDS: std::sync::OnceLock<KindIds> = std::sync::OnceLock::new();
    IDS.get_or_init(|| {
        let language = super::tree::language(super::FileKind::Dockerfile);
        let id = |name: &str| language.id_for_node_kind(name, true);
        let mut instructions: Vec<(u16, InstructionKind)> = InstructionKind::ALL_KNOWN
            .iter()
            .chain([InstructionKind::Unknown].iter())
            .map(|&kind| (id(kind.node_kind()), kind))
            .collect();
        instructions.sort_unstable_by_key(|&(id, _)| id);
        KindIds {
            instructions,
            instruction: id("instruction"),
            stage: id("stage"),
            block: id("block"),
            directive: id("parser_directive"),
            from_field: language.field_id_for_name("from").map_or(0, u16::from),
            image_field: language.field_id_for_name("image").map_or(0, u16::from),
            name_field: language.field_id_for_name("name").map_or(0, u16::from),
            keyword_field: language.field_id_for_name("keyword").map_or(0, u16::from),
            instruction_field: language
                .field_id_for_name("instruction")
                .map_or(0, u16::from),
            value_field: language.field_id_for_name("value").map_or(0, u16::from),
            key_field: language.field_id_for_name("key").map_or(0, u16::from),
            as_field: language.field_id_for_name("as").map_or(0, u16::from),
            body_field: language.field_id_for_name("body").map_or(0, u16::from),
            end_field: language.field_id_for_name("end").map_or(0, u16::from),
            flag: id("flag"),
            shell_command: id("shell_command"),
            json_array: id("json_array"),
            json_string: id("json_string"),
            word: id("word"),
            heredoc_marker: id("heredoc_marker"),
            heredoc: id("heredoc"),
            pair: id("pair"),
            keyword: id("keyword"),
            comment: id("comment"),
            line_continuation: id("line_continuation"),
            equals: language.id_for_node_kind("=", false),
        }
    })
}

/// The instruction a node stands for, by its kind id.
fn instruction_kind(node: Node<'_>) -> Option<InstructionKind> {
    let ids = kind_ids();
    let id = node.kind_id();
    ids.instructions
        .binary_search_by_key(&id, |&(i, _)| i)
        .ok()
        .map(|i| ids.instructions[i].1)
}

/// Whether a node is a `stage`.
pub fn is_stage(node: Node<'_>) -> bool {
    node.kind_id() == kind_ids().stage
}

/// Whether a node is a `block` (a run of lines inside a stage).
pub fn is_block(node: Node<'_>) -> bool {
    node.kind_id() == kind_ids().block
}

/// The nodes inside the root, a stage or a block, in order, stages and blocks flattened.
fn push_instruction_nodes<'t>(node: Node<'t>, out: &mut Vec<Node<'t>>) {
    let mut cursor = node.walk();
    for child in node.named_children(&mut cursor) {
        if is_block(child) || is_stage(child) {
            push_instruction_nodes(child, out);
        } else {
            out.push(child);
        }
    }
}

/// The text of a node (empty if the range is not in `src`).
pub fn node_text<'s>(node: Node<'_>, src: &'s str) -> &'s str {
    src.get(node.byte_range()).unwrap_or("")
}

/// A parsed Dockerfile: the tree with its source text.
#[derive(Debug, Clone, Copy)]
pub struct Dockerfile<'t> {
    root: Node<'t>,
    src: &'t str,
    escape: char,
}

impl<'t> Dockerfile<'t> {
    pub fn new(tree: &'t Tree, src: &'t str) -> Self {
        let root = tree.root_node();
        let escape = directives_of(root, src)
            .filter(|d| d.name().eq_ignore_ascii_case("escape"))
            .find_map(|d| match d.value() {
                "`" => Some('`'),
                "\\" => Some('\\'),
                _ => None,
            })
            .unwrap_or('\\');
        Dockerfile { root, src, escape }
    }

    pub fn root(&self) -> Node<'t> {
        self.root
    }

    pub fn src(&self) -> &'t str {
        self.src
    }

    /// The escape character selected by the `escape` directive.
    pub fn escape(&self) -> char {
        self.escape
    }

    pub fn directives(&self) -> impl Iterator<Item = Directive<'t>> + 't {
        directives_of(self.root, self.src)
    }

    /// Top-level instructions in source order (those of every stage included).
    pub fn instructions(&self) -> impl Iterator<Item = Instruction<'t>> + 't {
        let src = self.src;
        let escape = self.escape;
        let mut nodes = Vec::new();
        push_instruction_nodes(self.root, &mut nodes);
        nodes
            .into_iter()
            .filter_map(move |node| Instruction::from_node(node, src, escape))
    }

    /// The build stages: each FROM and the instructions up to the next FROM.
    pub fn stages(&self) -> Vec<Stage<'t>> {
        let mut cursor = self.root.walk();
        let stage_nodes: Vec<Node<'t>> = self
            .root
            .named_children(&mut cursor)
            .filter(|n| is_stage(*n))
            .collect();
        stage_nodes
            .into_iter()
            .enumerate()
            .filter_map(|(index, node)| self.stage(node, index))
            .collect()
    }

    /// The stage a `stage` node holds (its index given by the caller).
    pub fn stage(&self, node: Node<'t>, index: usize) -> Option<Stage<'t>> {
        let mut nodes = Vec::new();
        push_instruction_nodes(node, &mut nodes);
        let mut instructions = nodes
            .into_iter()
            .filter_map(|n| Instruction::from_node(n, self.src, self.escape));
        let from = instructions.next()?;
        Some(Stage {
            index,
            node,
            from,
            instructions: instructions.collect(),
        })
    }

    /// The last instruction of the file, found without walking the others.
    pub fn last_instruction(&self) -> Option<Instruction<'t>> {
        // The last child that is not an extra (comments and continuations can follow).
        let last_structural = |node: Node<'t>| {
            (0..node.child_count())
                .rev()
                .filter_map(|i| node.child(i))
                .find(|c| !c.is_extra() && c.is_named())
        };
        let mut last = last_structural(self.root)?;
        while is_stage(last) || is_block(last) {
            last = last_structural(last)?;
        }
        Instruction::from_node(last, self.src, self.escape)
    }

    /// Whether the file has any instruction.
    pub fn has_instructions(&self) -> bool {
        let mut cursor = self.root.walk();
        self.root.named_children(&mut cursor).any(|n| {
            is_stage(n) || instruction_kind(n).is_some() || n.kind_id() == kind_ids().instruction
        })
    }

    /// The root's named children: stages, and what comes before the first (global
    /// ARGs, comments). Walking them costs more than it seems (the root holds its
    /// children in a balanced tree of hidden nodes): a caller that needs them for
    /// several things gathers them once.
    pub fn top_level(&self) -> Vec<Node<'t>> {
        let mut cursor = self.root.walk();
        self.root.named_children(&mut cursor).collect()
    }

    /// The FROM instruction of each stage, without walking the stages' bodies.
    pub fn stage_froms(&self) -> Vec<Instruction<'t>> {
        self.stage_froms_in(&self.top_level())
    }

    /// [`Dockerfile::stage_froms`] among the root's children ([`Dockerfile::top_level`]).
    pub fn stage_froms_in(&self, top_level: &[Node<'t>]) -> Vec<Instruction<'t>> {
        top_level
            .iter()
            .filter(|n| is_stage(**n))
            .filter_map(|n| n.child_by_field_id(kind_ids().from_field))
            .filter_map(|n| Instruction::from_node(n, self.src, self.escape))
            .collect()
    }

    /// Instructions before the first FROM (global ARGs).
    pub fn preamble(&self) -> Vec<Instruction<'t>> {
        let mut cursor = self.root.walk();
        self.preamble_of(self.root.named_children(&mut cursor))
    }

    /// [`Dockerfile::preamble`] among the root's children ([`Dockerfile::top_level`]).
    pub fn preamble_in(&self, top_level: &[Node<'t>]) -> Vec<Instruction<'t>> {
        self.preamble_of(top_level.iter().copied())
    }

    /// The instructions among `top_level` before the first stage (which ends the walk).
    fn preamble_of(&self, top_level: impl Iterator<Item = Node<'t>>) -> Vec<Instruction<'t>> {
        top_level
            .take_while(|n| !is_stage(*n))
            .filter_map(|n| Instruction::from_node(n, self.src, self.escape))
            .collect()
    }

    /// The logical text of a range, as BuildKit joins lines.
    pub fn logical(&self, range: Range<usize>) -> String {
        logical_text(self.src, range, self.escape)
    }

    /// The outermost instruction whose text contains `offset` (ONBUILD, not its trigger).
    pub fn instruction_at(&self, offset: usize) -> Option<Instruction<'t>> {
        let node = self.outermost_at(offset, |n| instruction_kind(n).is_some())?;
        Instruction::from_node(node, self.src, self.escape)
    }

    /// The `stage` node whose text contains `offset`.
    pub fn stage_node_at(&self, offset: usize) -> Option<Node<'t>> {
        self.outermost_at(offset, is_stage)
    }

    /// The outermost node that is `wanted` among those holding the smallest node at
    /// `offset` (that node included).
    fn outermost_at(&self, offset: usize, wanted: impl Fn(Node<'t>) -> bool) -> Option<Node<'t>> {
        let target = self.root.descendant_for_byte_range(offset, offset)?;
        // Down from the root, not up from the target: tree-sitter finds a node's parent
        // by walking down from the root, so going up costs a walk per level.
        let mut node = self.root;
        while !wanted(node) {
            if node == target {
                return None;
            }
            node = node.child_with_descendant(target)?;
        }
        Some(node)
    }
}

fn directives_of<'t>(root: Node<'t>, src: &'t str) -> impl Iterator<Item = Directive<'t>> + 't {
    // Directives come first; comments may sit between them.
    let directive = kind_ids().directive;
    let mut cursor = root.walk();
    let nodes: Vec<Node<'t>> = root
        .named_children(&mut cursor)
        .take_while(|n| n.kind_id() == directive || n.is_extra())
        .filter(|n| n.kind_id() == directive)
        .collect();
    nodes.into_iter().map(move |node| Directive { node, src })
}

/// A `# name=value` parser directive.
#[derive(Debug, Clone, Copy)]
pub struct Directive<'t> {
    pub node: Node<'t>,
    src: &'t str,
}

impl<'t> Directive<'t> {
    pub fn name_node(&self) -> Option<Node<'t>> {
        self.node.child_by_field_id(kind_ids().name_field)
    }
    pub fn value_node(&self) -> Option<Node<'t>> {
        self.node.child_by_field_id(kind_ids().value_field)
    }
    pub fn name(&self) -> &'t str {
        self.name_node().map_or("", |n| node_text(n, self.src))
    }
    pub fn value(&self) -> &'t str {
        self.value_node()
            .map_or("", |n| node_text(n, self.src).trim_end())
    }
}

/// The instruction a node stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InstructionKind {
    From,
    Run,
    Cmd,
    Label,
    Maintainer,
    Expose,
    Env,
    Add,
    Copy,
    Entrypoint,
    Volume,
    User,
    Workdir,
    Arg,
    Onbuild,
    Stopsignal,
    Healthcheck,
    Shell,
    Unknown,
}

impl InstructionKind {
    pub const ALL_KNOWN: [InstructionKind; 18] = [
        Self::From,
        Self::Run,
        Self::Cmd,
        Self::Label,
        Self::Maintainer,
        Self::Expose,
        Self::Env,
        Self::Add,
        Self::Copy,
        Self::Entrypoint,
        Self::Volume,
        Self::User,
        Self::Workdir,
        Self::Arg,
        Self::Onbuild,
        Self::Stopsignal,
        Self::Healthcheck,
        Self::Shell,
    ];

    /// The grammar's node kind for this instruction.
    pub fn node_kind(self) -> &'static str {
        match self {
            Self::From => "from_instruction",
            Self::Run => "run_instruction",
            Self::Cmd => "cmd_instruction",
            Self::Label => "label_instruction",
            Self::Maintainer => "maintainer_instruction",
            Self::Expose => "expose_instruction",
            Self::Env => "env_instruction",
            Self::Add => "add_instruction",
            Self::Copy => "copy_instruction",
            Self::Entrypoint => "entrypoint_instruction",
            Self::Volume => "volume_instruction",
            Self::User => "user_instruction",
            Self::Workdir => "workdir_instruction",
            Self::Arg => "arg_instruction",
            Self::Onbuild => "onbuild_instruction",
            Self::Stopsignal => "stopsignal_instruction",
            Self::Healthcheck => "healthcheck_instruction",
            Self::Shell => "shell_instruction",
            Self::Unknown => "unknown_instruction",
        }
    }

    pub fn from_node_kind(kind: &str) -> Option<Self> {
        Some(match kind {
            "from_instruction" => Self::From,
            "run_instruction" => Self::Run,
            "cmd_instruction" => Self::Cmd,
            "label_instruction" => Self::Label,
            "maintainer_instruction" => Self::Maintainer,
            "expose_instruction" => Self::Expose,
            "env_instruction" => Self::Env,
            "add_instruction" => Self::Add,
            "copy_instruction" => Self::Copy,
            "entrypoint_instruction" => Self::Entrypoint,
            "volume_instruction" => Self::Volume,
            "user_instruction" => Self::User,
            "workdir_instruction" => Self::Workdir,
            "arg_instruction" => Self::Arg,
            "onbuild_instruction" => Self::Onbuild,
            "stopsignal_instruction" => Self::Stopsignal,
            "healthcheck_instruction" => Self::Healthcheck,
            "shell_instruction" => Self::Shell,
            "unknown_instruction" => Self::Unknown,
            _ => return None,
        })
    }

    /// The keyword in upper case (`"UNKNOWN"` for unknown instructions).
    pub fn name(self) -> &'static str {
        match self {
            Self::From => "FROM",
            Self::Run => "RUN",
            Self::Cmd => "CMD",
            Self::Label => "LABEL",
            Self::Maintainer => "MAINTAINER",
            Self::Expose => "EXPOSE",
            Self::Env => "ENV",
            Self::Add => "ADD",
            Self::Copy => "COPY",
            Self::Entrypoint => "ENTRYPOINT",
            Self::Volume => "VOLUME",
            Self::User => "USER",
            Self::Workdir => "WORKDIR",
            Self::Arg => "ARG",
            Self::Onbuild => "ONBUILD",
            Self::Stopsignal => "STOPSIGNAL",
            Self::Healthcheck => "HEALTHCHECK",
            Self::Shell => "SHELL",
            Self::Unknown => "UNKNOWN",
        }
    }

    /// The flags BuildKit accepts on this instruction.
    pub fn known_flags(self) -> &'static [&'static str] {
        match self {
            Self::From => &["platform"],
            Self::Run => &["mount", "network", "security", "device"],
            Self::Copy => &["from", "chown", "chmod", "link", "parents", "exclude"],
            Self::Add => &[
                "chown",
                "chmod",
                "link",
                "keep-git-dir",
                "checksum",
                "parents",
                "exclude",
                "unpack",
            ],
            Self::Healthcheck => &[
                "interval",
                "timeout",
                "start-period",
                "start-interval",
                "retries",
            ],
            _ => &[],
        }
    }
}

/// One instruction (possibly the trigger inside ONBUILD).
#[derive(Debug, Clone, Copy)]
pub struct Instruction<'t> {
    node: Node<'t>,
    kind: InstructionKind,
    src: &'t str,
    escape: char,
    /// Made by [`Instruction::onbuild_trigger`]: asking the tree for a node's parent
    /// costs a walk down from the root.
    trigger: bool,
}

impl<'t> Instruction<'t> {
    pub fn from_node(node: Node<'t>, src: &'t str, escape: char) -> Option<Self> {
        let node = if node.kind_id() == kind_ids().instruction {
            node.named_child(0)?
        } else {
            node
        };
        let kind = instruction_kind(node)?;
        Some(Instruction {
            node,
            kind,
            src,
            escape,
            trigger: false,
        })
    }

    pub fn node(&self) -> Node<'t> {
        self.node
    }

    pub fn kind(&self) -> InstructionKind {
        self.kind
    }

    pub fn src(&self) -> &'t str {
        self.src
    }

    pub fn escape(&self) -> char {
        self.escape
    }

    pub fn keyword(&self) -> Option<Node<'t>> {
        self.node.child_by_field_id(kind_ids().keyword_field)
    }

    /// FROM's image word.
    pub fn image(&self) -> Option<Node<'t>> {
        self.node.child_by_field_id(kind_ids().image_field)
    }

    /// FROM's `AS` keyword.
    pub fn as_keyword(&self) -> Option<Node<'t>> {
        self.node.child_by_field_id(kind_ids().as_field)
    }

    /// FROM's stage name (after `AS`).
    pub fn stage_name(&self) -> Option<Node<'t>> {
        self.node.child_by_field_id(kind_ids().name_field)
    }

    /// The keyword as written.
    pub fn keyword_text(&self) -> &'t str {
        self.keyword().map_or("", |n| node_text(n, self.src))
    }

    /// Visits the named children in order until `visit` breaks. Rules ask for an
    /// instruction's parts many times over, so this walks once with kind ids and
    /// collects nothing.
    fn each_named_child<T>(&self, visit: impl FnMut(Node<'t>) -> Option<T>) -> Option<T> {
        each_child(self.node, true, visit)
    }

    /// The named children that `keep` accepts.
    fn named_children_where(&self, keep: impl Fn(Node<'t>) -> bool) -> Vec<Node<'t>> {
        let mut out = Vec::new();
        self.each_named_child(|n| {
            if keep(n) {
                out.push(n);
            }
            None::<()>
        });
        out
    }

    fn flag_of(&self, node: Node<'t>) -> Flag<'t> {
        Flag {
            node,
            src: self.src,
            escape: self.escape,
        }
    }

    /// Visits the flags in order. Flags come right after the keyword (the grammar has
    /// them nowhere else), so the walk stops at the first argument instead of reading
    /// a long RUN or heredoc to its end.
    fn each_flag(&self, mut visit: impl FnMut(Flag<'t>)) {
        let flag = kind_ids().flag;
        self.each_named_child(|n| {
            if n.kind_id() == flag {
                visit(self.flag_of(n));
            } else if !is_before_arguments(n) {
                return Some(());
            }
            None
        });
    }

    pub fn flags(&self) -> Vec<Flag<'t>> {
        let mut flags = Vec::new();
        self.each_flag(|f| flags.push(f));
        flags
    }

    /// The last flag with this name (BuildKit lets a later flag win).
    pub fn flag(&self, name: &str) -> Option<Flag<'t>> {
        let mut last = None;
        self.each_flag(|f| {
            if f.name() == name {
                last = Some(f);
            }
        });
        last
    }

    /// The first named child after the keyword and flags (after HEALTHCHECK's type
    /// word), when it is of this kind: the shell command or the JSON array is there or
    /// nowhere, and heredoc bodies after it can be long.
    fn first_argument_of(&self, kind: u16) -> Option<Node<'t>> {
        if self.kind == InstructionKind::Healthcheck {
            return self.each_named_child(|n| (n.kind_id() == kind).then_some(n));
        }
        self.first_argument_child().filter(|n| n.kind_id() == kind)
    }

    /// The first named child that is not the keyword, a flag or an extra.
    fn first_argument_child(&self) -> Option<Node<'t>> {
        self.each_named_child(|n| (!is_before_arguments(n)).then_some(n))
    }

    pub fn shell_command(&self) -> Option<Node<'t>> {
        self.first_argument_of(kind_ids().shell_command)
    }

    pub fn json_array(&self) -> Option<Node<'t>> {
        self.first_argument_of(kind_ids().json_array)
    }

    /// The strings of the JSON (exec) form, decoded; empty in shell form.
    pub fn json_strings(&self) -> Vec<String> {
        let Some(array) = self.json_array() else {
            return Vec::new();
        };
        let id = kind_ids().json_string;
        let mut strings = Vec::new();
        each_child(array, true, |n| {
            if n.kind_id() == id {
                strings.push(serde_json::from_str::<String>(self.text(n)).unwrap_or_default());
            }
            None::<()>
        });
        strings
    }

    /// Word arguments and heredoc markers, in order (COPY, FROM, EXPOSE, ...).
    pub fn arguments(&self) -> Vec<Node<'t>> {
        self.named_children_where(Self::is_argument)
    }

    /// Whether a child is one of [`Self::arguments`].
    fn is_argument(node: Node<'_>) -> bool {
        let ids = kind_ids();
        node.kind_id() == ids.word || node.kind_id() == ids.heredoc_marker
    }

    /// The bytes of the first argument, or of the whole instruction when it has none:
    /// where a finding about the instruction's value goes.
    pub fn first_argument_range(&self) -> Range<usize> {
        self.each_named_child(|n| Self::is_argument(n).then_some(n))
            .map_or(self.node.byte_range(), |n| n.byte_range())
    }

    /// Like [`Self::arguments`], with FROM's `AS` keyword in its place.
    pub fn arguments_with_as(&self) -> Vec<Node<'t>> {
        let as_keyword = self.node.child_by_field_id(kind_ids().as_field);
        let mut out = Vec::new();
        self.each_named_child(|n| {
            if Self::is_argument(n) || Some(n) == as_keyword {
                out.push(n);
            }
            None::<()>
        });
        out
    }

    pub fn pairs(&self) -> Vec<Pair<'t>> {
        let id = kind_ids().pair;
        self.named_children_where(|n| n.kind_id() == id)
            .into_iter()
            .map(|node| Pair {
                node,
                src: self.src,
            })
            .collect()
    }

    /// Heredoc markers with their bodies, in order.
    pub fn heredocs(&self) -> Vec<Heredoc<'t>> {
        let ids = kind_ids();
        let mut markers = Vec::new();
        let mut blocks = Vec::new();
        self.each_named_child(|child| {
            let kind = child.kind_id();
            if kind == ids.heredoc_marker {
                markers.push(child);
            } else if kind == ids.shell_command {
                each_child(child, true, |n| {
                    if n.kind_id() == ids.heredoc_marker {
                        markers.push(n);
                    }
                    None::<()>
                });
            } else if kind == ids.heredoc {
                blocks.push(child);
            }
            None::<()>
        });
        markers
            .into_iter()
            .enumerate()
            .filter_map(|(i, marker)| {
                let spec = parse_marker(node_text(marker, self.src))?;
                let block = blocks.get(i).copied();
                Some(Heredoc {
                    marker,
                    body: block.and_then(|b| b.child_by_field_id(kind_ids().body_field)),
                    end: block.and_then(|b| b.child_by_field_id(kind_ids().end_field)),
                    spec,
                })
            })
            .collect()
    }

    /// The trigger instruction of an ONBUILD.
    pub fn onbuild_trigger(&self) -> Option<Instruction<'t>> {
        let node = self.node.child_by_field_id(kind_ids().instruction_field)?;
        let trigger = Instruction::from_node(node, self.src, self.escape)?;
        Some(Instruction {
            trigger: true,
            ..trigger
        })
    }

    /// Whether this is the trigger of an ONBUILD, as [`Self::onbuild_trigger`] gives it.
    pub fn is_onbuild_trigger(&self) -> bool {
        self.trigger
    }

    /// Where the instruction's logical line ends (before any heredoc body).
    pub fn line_end(&self) -> usize {
        line_end(self.node)
    }

    /// The bytes of the logical line (keyword to the end of its last line).
    pub fn line_range(&self) -> Range<usize> {
        self.node.start_byte()..self.line_end()
    }

    /// Where the arguments start: after the keyword and flags.
    pub fn arguments_start(&self) -> Option<usize> {
        self.first_argument_child().map(|n| n.start_byte())
    }

    /// The logical text of a range inside this instruction.
    pub fn logical(&self, range: Range<usize>) -> String {
        logical_text(self.src, range, self.escape)
    }

    /// The logical text of everything after the keyword and flags, trimmed.
    pub fn rest(&self) -> String {
        match self.arguments_start() {
            Some(start) => self.logical(start..self.line_end()).trim().to_owned(),
            None => String::new(),
        }
    }

    pub fn text(&self, node: Node<'_>) -> &'t str {
        node_text(node, self.src)
    }
}

/// Whether a named child of an instruction is one of what precedes its arguments: the
/// keyword, a flag, or an extra (comment, line continuation) among them.
fn is_before_arguments(node: Node<'_>) -> bool {
    let ids = kind_ids();
    [ids.keyword, ids.flag, ids.comment, ids.line_continuation].contains(&node.kind_id())
}

fn line_end(node: Node<'_>) -> usize {
    let ids = kind_ids();
    let mut end = node.start_byte();
    let nested = each_child(node, false, |child| {
        if child.kind_id() == ids.heredoc {
            return Some(None);
        }
        if child.kind_id() == ids.instruction || instruction_kind(child).is_some() {
            return Some(Some(line_end(child).max(end)));
        }
        end = child.end_byte();
        None
    });
    nested.flatten().unwrap_or(end)
}

/// Visits the children of a node (the named ones only, or all) in order until `visit`
/// returns something. Compares kind ids: `Node::kind` measures a C string each time.
fn each_child<'t, T>(
    node: Node<'t>,
    named_only: bool,
    mut visit: impl FnMut(Node<'t>) -> Option<T>,
) -> Option<T> {
    let mut cursor = node.walk();
    if !cursor.goto_first_child() {
        return None;
    }
    loop {
        let child = cursor.node();
        if (!named_only || child.is_named())
            && let Some(found) = visit(child)
        {
            return Some(found);
        }
        if !cursor.goto_next_sibling() {
            return None;
        }
    }
}

/// `--name=value`.
#[derive(Debug, Clone, Copy)]
pub struct Flag<'t> {
    pub node: Node<'t>,
    src: &'t str,
    escape: char,
}

impl<'t> Flag<'t> {
    pub fn name_node(&self) -> Option<Node<'t>> {
        self.node.child_by_field_id(kind_ids().name_field)
    }
    pub fn value_node(&self) -> Option<Node<'t>> {
        self.node.child_by_field_id(kind_ids().value_field)
    }
    /// The name as written (empty for a bare `--`).
    pub fn name(&self) -> &'t str {
        self.name_node().map_or("", |n| node_text(n, self.src))
    }
    /// Whether the flag has `=` (a value, possibly empty).
    pub fn has_value(&self) -> bool {
        has_equals_sign(self.node)
    }
    /// The value with quotes and escapes removed, as BuildKit reads it.
    pub fn value(&self) -> Option<String> {
        if !self.has_value() {
            return None;
        }
        Some(match self.value_node() {
            Some(v) => builder_flag_word(&logical_text(self.src, v.byte_range(), self.escape)),
            None => String::new(),
        })
    }
    /// The whole flag as BuildKit reports it: `--name=value`.
    pub fn word(&self) -> String {
        builder_flag_word(&logical_text(self.src, self.node.byte_range(), self.escape))
    }
}

/// Quote removal and backslash escapes of BuildKit's `extractBuilderFlags`.
pub fn builder_flag_word(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut quote = None;
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        match quote {
            None if c == '\'' || c == '"' => quote = Some(c),
            Some(q) if c == q => quote = None,
            _ if c == '\\' => {
                if let Some(next) = chars.next() {
                    out.push(next);
                }
            }
            _ => out.push(c),
        }
    }
    out
}

/// `key=value` in ENV, LABEL and ARG (value absent for `ARG name`).
#[derive(Debug, Clone, Copy)]
pub struct Pair<'t> {
    pub node: Node<'t>,
    src: &'t str,
}

impl<'t> Pair<'t> {
    pub fn key_node(&self) -> Option<Node<'t>> {
        self.node.child_by_field_id(kind_ids().key_field)
    }
    pub fn value_node(&self) -> Option<Node<'t>> {
        self.node.child_by_field_id(kind_ids().value_field)
    }
    pub fn key(&self) -> &'t str {
        self.key_node().map_or("", |n| node_text(n, self.src))
    }
    /// Whether the pair is written `key=value` (not `ENV key value` or `ARG key`).
    pub fn has_equals(&self) -> bool {
        has_equals_sign(self.node)
    }
}

/// Whether a flag or pair is written with `=`.
fn has_equals_sign(node: Node<'_>) -> bool {
    let equals = kind_ids().equals;
    each_child(node, false, |c| (c.kind_id() == equals).then_some(())).is_some()
}

/// A heredoc: its marker on the instruction line, its body and end line.
#[derive(Debug, Clone)]
pub struct Heredoc<'t> {
    pub marker: Node<'t>,
    pub body: Option<Node<'t>>,
    /// The delimiter line; empty at the end of the file when unterminated.
    pub end: Option<Node<'t>>,
    pub spec: HeredocSpec,
}

impl Heredoc<'_> {
    pub fn is_terminated(&self) -> bool {
        self.end.is_some_and(|e| !e.byte_range().is_empty())
    }
    /// The body as BuildKit stores it (un-chomped).
    pub fn content<'s>(&self, src: &'s str) -> &'s str {
        self.body.map_or("", |b| node_text(b, src))
    }
}

/// A build stage.
#[derive(Debug, Clone)]
pub struct Stage<'t> {
    pub index: usize,
    /// The `stage` node: the FROM line to the last line before the next FROM.
    pub node: Node<'t>,
    pub from: Instruction<'t>,
    pub instructions: Vec<Instruction<'t>>,
}

impl<'t> Stage<'t> {
    /// The name after `AS`, as written.
    pub fn name(&self) -> Option<&'t str> {
        self.from
            .node()
            .child_by_field_id(kind_ids().name_field)
            .map(|n| self.from.text(n))
    }
    pub fn image_node(&self) -> Option<Node<'t>> {
        self.from.node().child_by_field_id(kind_ids().image_field)
    }
}
