//! The semantic model: stages and their bases, and the variables, user, workdir and shell in effect at each instruction.

use std::hash::{Hash, Hasher};
use std::ops::Range;
use std::sync::Arc;

use rustc_hash::FxHasher;

use super::expand::{self, Expansion};
use super::image_ref::{self, ImageRef};
use super::settings::Context;
use tree_sitter::Node;

use crate::syntax::{Dockerfile, Instruction, InstructionKind, Stage};

/// The ARGs BuildKit defines in the global scope (usable in FROM without declaring them).
pub const PLATFORM_ARGS: &[&str] = &[
    "TARGETPLATFORM",
    "TARGETOS",
    "TARGETARCH",
    "TARGETVARIANT",
    "BUILDPLATFORM",
    "BUILDOS",
    "BUILDARCH",
    "BUILDVARIANT",
];

/// The ARGs every build has without declaring them (proxy settings).
pub const PROXY_ARGS: &[&str] = &[
    "HTTP_PROXY",
    "http_proxy",
    "HTTPS_PROXY",
    "https_proxy",
    "FTP_PROXY",
    "ftp_proxy",
    "NO_PROXY",
    "no_proxy",
    "ALL_PROXY",
    "all_proxy",
];

/// A variable declared by ARG or ENV.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct VarDecl {
    pub name: String,
    /// The value after expansion; `None` for `ARG name` without a default, or when it
    /// could not be worked out.
    pub value: Option<String>,
    pub kind: VarKind,
    /// Index in the stage's instructions (`None`: inherited from the base stage, or global).
    pub at: Option<usize>,
    /// Bytes of the name where it is declared (empty when inherited).
    pub range: Range<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VarKind {
    Arg,
    Env,
}

/// What FROM builds on, after expanding global ARGs.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Base {
    Scratch,
    /// An earlier stage, by index.
    Stage(usize),
    /// A registry image (shared: the model is rebuilt on every keystroke).
    Image(Arc<ImageRef>),
    /// Could not be resolved: an ARG without a value, or a platform ARG.
    Unresolved,
    /// Resolves to a name that is not a valid reference.
    Invalid(String),
}

/// A stage as seen from the whole file: its FROM line only. What the line says is
/// read through [`FromLine`] (`stage.name`, `stage.image`...), shared with the model of
/// the previous keystroke when the line is unchanged.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct StageInfo {
    pub index: usize,
    pub name_range: Option<Range<usize>>,
    pub image_range: Range<usize>,
    /// The bytes of `--platform`'s value (of the whole flag when it has no value).
    pub platform_range: Option<Range<usize>>,
    pub base: Base,
    /// The earlier stages this stage's `COPY --from` names (by name or index), in order.
    pub copies_from: Vec<usize>,
    line: Arc<FromLine>,
}

impl std::ops::Deref for StageInfo {
    type Target = FromLine;

    fn deref(&self) -> &FromLine {
        &self.line
    }
}

impl StageInfo {
    /// `--platform`'s value as written, and its bytes (the whole flag when it has no value).
    pub fn platform_written(&self) -> Option<(&str, Range<usize>)> {
        Some((
            self.line.platform_text.as_deref()?,
            self.platform_range.clone()?,
        ))
    }
}

/// What the whole file declares outside stage bodies: global ARGs and every stage's
/// FROM line. Cheap to build on every change.
#[derive(Debug, Clone, PartialEq)]
pub struct FileModel {
    pub global_args: Vec<VarDecl>,
    pub stages: Vec<StageInfo>,
    pub escape: char,
    /// The file uses what only BuildKit builds (see [`uses_buildkit`]).
    pub buildkit: bool,
    fingerprint: u64,
}

impl FileModel {
    pub fn new(file: &Dockerfile<'_>) -> Self {
        Self::of_top_level(file, &file.top_level())
    }

    /// The model from the root's children ([`Dockerfile::top_level`]), for a caller
    /// that walks them too.
    pub fn of_top_level<'t>(file: &Dockerfile<'t>, top_level: &[Node<'t>]) -> Self {
        let escape = file.escape();
        let mut global_args: Vec<VarDecl> = Vec::new();
        for instruction in file.preamble_in(top_level) {
            if instruction.kind() == InstructionKind::Arg {
                let decls = declarations(&instruction, None, |name| {
                    global_args
                        .iter()
                        .rev()
                        .find(|d| d.name == name)
                        .and_then(|d| d.value.clone())
                });
                global_args.extend(decls);
            }
        }
        let mut args_hasher = FxHasher::default();
        (escape, &global_args).hash(&mut args_hasher);
        let args_key = args_hasher.finish();
        let mut stages: Vec<StageInfo> = Vec::new();
        for (index, from) in file.stage_froms_in(top_level).into_iter().enumerate() {
            let line = from_line(&from, args_key, &global_args);
            let at = from.node().start_byte();
            let moved = |r: &Range<usize>| r.start + at..r.end + at;
            let base = match &line.parsed {
                _ if !line.expanded_image.complete => Base::Unresolved,
                _ => match earlier_stage(&line.expanded_image.value, &stages) {
                    Some(stage) => Base::Stage(stage),
                    None => line.parsed.clone(),
                },
            };
            stages.push(StageInfo {
                index,
                name_range: line.name_range.as_ref().map(moved),
                image_range: moved(&line.image_range),
                platform_range: line.platform_range.as_ref().map(moved),
                base,
                copies_from: Vec::new(),
                line,
            });
        }
        let buildkit = uses_buildkit(file);
        for (index, sources) in copy_sources(file, &stages, &global_args)
            .into_iter()
            .enumerate()
        {
            if let Some(stage) = stages.get_mut(index) {
                stage.copies_from = sources;
            }
        }
        let mut hasher = FxHasher::default();
        escape.hash(&mut hasher);
        buildkit.hash(&mut hasher);
        global_args.hash(&mut hasher);
        for stage in &stages {
            // Positions change with every edit above a FROM; what stages see must not.
            (&stage.name, &stage.image, &stage.base, &stage.platform).hash(&mut hasher);
            stage.copies_from.hash(&mut hasher);
        }
        FileModel {
            global_args,
            stages,
            escape,
            buildkit,
            fingerprint: hasher.finish(),
        }
    }

    /// The model after an edit that changed none of what it reads, only moved what
    /// comes after `at` by `delta` bytes (see [`may_change_model`]).
    pub fn moved(&self, at: usize, delta: isize) -> FileModel {
        let shift = |r: &Range<usize>| {
            if r.start > at {
                r.start.saturating_add_signed(delta)..r.end.saturating_add_signed(delta)
            } else {
                r.clone()
            }
        };
        let mut moved = self.clone();
        for stage in &mut moved.stages {
            stage.name_range = stage.name_range.as_ref().map(shift);
            stage.image_range = shift(&stage.image_range);
            stage.platform_range = stage.platform_range.as_ref().map(shift);
        }
        moved
    }

    /// A hash of what stage checks can see of the file (no positions).
    pub fn fingerprint(&self) -> u64 {
        self.fingerprint
    }

    /// The registry images the stages build on, as written after expanding global ARGs,
    /// each once (names still holding a variable are left out: no registry has them).
    pub fn base_images(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for stage in &self.stages {
            let written = &stage.expanded_image.value;
            if matches!(stage.base, Base::Image(_))
                && !image_ref::has_unexpanded_variable(written)
                && !out.contains(written)
            {
                out.push(written.clone());
            }
        }
        out
    }

    /// The stage a name refers to among the stages before `before` (case-insensitive).
    pub fn stage_named(&self, name: &str, before: usize) -> Option<&StageInfo> {
        let earlier = &self.stages[..before.min(self.stages.len())];
        earlier_stage(name, earlier).and_then(|i| self.stages.get(i))
    }

    /// The global ARG with this name, if declared.
    pub fn global_arg(&self, name: &str) -> Option<&VarDecl> {
        self.global_args.iter().rev().find(|d| d.name == name)
    }

    /// Whether the chain of bases of a stage ends in `scratch` (so nothing is inherited
    /// from an image whose environment we do not know).
    pub fn rooted_in_scratch(&self, index: usize) -> bool {
        let mut index = index;
        for _ in 0..=self.stages.len() {
            match self.stages.get(index).map(|s| &s.base) {
                Some(Base::Scratch) => return true,
                Some(Base::Stage(parent)) if *parent < index => index = *parent,
                _ => return false,
            }
        }
        false
    }
}

/// Text without which no line uses what only BuildKit builds ([`uses_buildkit`]).
const BUILDKIT_MARKERS: [&[u8]; 9] = [
    b"--mount",
    b"--network",
    b"--security",
    b"--link",
    b"--parents",
    b"--exclude",
    b"--checksum",
    b"--keep-git-dir",
    b"<<",
];

/// Whether an instruction of a stage's body with this text can matter to the file
/// model: by naming a stage in `--from` ([`copy_sources`]) or by what marks a
/// BuildKit-only file. Any other instruction of a body can be edited without
/// rebuilding the model, as long as the edit leaves it one instruction of the same kind.
pub fn may_change_model(text: &str) -> bool {
    let text = text.as_bytes();
    std::iter::once(&b"--from"[..])
        .chain(BUILDKIT_MARKERS)
        .any(|marker| memchr::memmem::find(text, marker).is_some())
}

/// Whether a file uses what only BuildKit builds: a `syntax` directive, RUN's `--mount`,
/// `--network` or `--security`, COPY/ADD's `--link`, `--parents`, `--exclude` or
/// `--checksum`, or a heredoc. Found by reading the first line of each instruction as
/// text (cheap enough for every keystroke, where parsing every instruction is not);
/// flags are only looked for right after the keyword.
pub fn uses_buildkit(file: &Dockerfile<'_>) -> bool {
    if file
        .directives()
        .any(|d| d.name().eq_ignore_ascii_case("syntax"))
    {
        return true;
    }
    // Most files use none of it: a few substring searches say so without reading lines.
    let src = file.src().as_bytes();
    if !BUILDKIT_MARKERS
        .iter()
        .any(|c| memchr::memmem::find(src, c).is_some())
    {
        return false;
    }
    file.src().lines().any(|line| {
        let mut words = line.split_whitespace();
        let keyword = words.next().unwrap_or("");
        let flags: &[&str] = if keyword.eq_ignore_ascii_case("run") {
            &["mount", "network", "security"]
        } else if keyword.eq_ignore_ascii_case("copy") || keyword.eq_ignore_ascii_case("add") {
            &["link", "parents", "exclude", "checksum", "keep-git-dir"]
        } else {
            return false;
        };
        let mut words = words.peekable();
        while let Some(flag) = words.next_if(|w| w.starts_with("--")) {
            let name = flag[2..].split('=').next().unwrap_or("");
            if flags.contains(&name) {
                return true;
            }
        }
        words.any(|w| w.starts_with("<<") && !w.starts_with("<<<") && w.len() > 2)
    })
}

/// For each stage, the earlier stages its `COPY --from` flags name (by name, or by
/// index), with global ARGs expanded; images and unresolved names are left out.
/// The only look into stage bodies here: later stages' copies tell a stage where
/// what it builds ends up.
fn copy_sources(
    file: &Dockerfile<'_>,
    stages: &[StageInfo],
    global_args: &[VarDecl],
) -> Vec<Vec<usize>> {
    let mut sources: Vec<Vec<usize>> = vec![Vec::new(); stages.len()];
    // Runs on every keystroke: only the few places that say `--from` are looked at,
    // not every instruction of the file.
    let mut seen = None;
    for at in memchr::memmem::find_iter(file.src().as_bytes(), b"--from") {
        let Some(instruction) = file.instruction_at(at) else {
            continue;
        };
        let start = instruction.node().start_byte();
        if instruction.kind() != InstructionKind::Copy || seen == Some(start) {
            continue;
        }
        seen = Some(start);
        let Some(value) = instruction.flag("from").and_then(|f| f.value()) else {
            continue;
        };
        // The stage whose FROM comes last before the instruction.
        let Some(index) = stages
            .partition_point(|s| s.image_range.start <= start)
            .checked_sub(1)
        else {
            continue;
        };
        let expanded = expand::expand(&value, file.escape(), &|name| {
            global_args
                .iter()
                .rev()
                .find(|d| d.name == name)
                .and_then(|d| d.value.clone())
        });
        if !expanded.complete {
            continue;
        }
        let earlier = stages.get(..index).unwrap_or(&[]);
        let source = match expanded.value.parse::<usize>() {
            Ok(i) if i < index => Some(i),
            Ok(_) => None,
            Err(_) => earlier_stage(&expanded.value, earlier),
        };
        if let (Some(source), Some(list)) = (source, sources.get_mut(index))
            && !list.contains(&source)
        {
            list.push(source);
        }
    }
    sources
}

/// The index of the latest earlier stage with this name (case-insensitive).
fn earlier_stage(name: &str, earlier: &[StageInfo]) -> Option<usize> {
    // Stage names are letters, digits, `-`, `_` and `.`: most image references
    // (`python:3.12`, `ghcr.io/x/y`) cannot name one, and every FROM asks.
    if name.contains([':', '/', '@']) {
        return None;
    }
    earlier
        .iter()
        .rev()
        .find(|s| {
            s.name
                .as_deref()
                .is_some_and(|n| n.eq_ignore_ascii_case(name))
        })
        .map(|s| s.index)
}

/// What a FROM line says on its own (ranges relative to its start), with its image
/// expanded by the global ARGs: the same for the same text and ARGs, so it is kept
/// from one keystroke to the next.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct FromLine {
    /// The name after AS, as written.
    pub name: Option<String>,
    /// The image word as written.
    pub image: String,
    /// The image word after expanding global ARGs.
    pub expanded_image: Expansion,
    /// `--platform`'s value, quotes removed.
    pub platform: Option<String>,
    /// `--platform`'s value as written (empty when the flag has none).
    pub platform_text: Option<String>,
    name_range: Option<Range<usize>>,
    image_range: Range<usize>,
    platform_range: Option<Range<usize>>,
    /// The base when the image is not an earlier stage.
    parsed: Base,
}

/// FROM lines remembered per thread before the cache starts over.
const FROM_CACHE_SIZE: usize = 4096;

thread_local! {
    static FROM_CACHE: std::cell::RefCell<rustc_hash::FxHashMap<u64, (String, Arc<FromLine>)>> =
        std::cell::RefCell::default();
}

fn from_line(from: &Instruction<'_>, args_key: u64, global_args: &[VarDecl]) -> Arc<FromLine> {
    let text = from.src().get(from.node().byte_range()).unwrap_or("");
    let mut hasher = FxHasher::default();
    (args_key, text).hash(&mut hasher);
    let key = hasher.finish();
    if let Some(line) = FROM_CACHE.with(|cache| {
        cache
            .borrow()
            .get(&key)
            .filter(|(t, _)| t == text)
            .map(|(_, line)| Arc::clone(line))
    }) {
        return line;
    }
    let at = from.node().start_byte();
    let relative = |r: Range<usize>| r.start - at..r.end - at;
    let (image, image_range) = match from.image() {
        Some(node) => (from.text(node).to_owned(), relative(node.byte_range())),
        None => (String::new(), text.len()..text.len()),
    };
    let expanded_image = expand::expand(&image, from.escape(), &|name| {
        global_args
            .iter()
            .rev()
            .find(|d| d.name == name)
            .map(|d| d.value.clone().unwrap_or_default())
    });
    let name_value = expanded_image.value.as_str();
    let parsed = if name_value.eq_ignore_ascii_case("scratch") {
        Base::Scratch
    } else {
        match image_ref::parse(name_value) {
            Ok(reference) => Base::Image(Arc::new(reference)),
            Err(_) => Base::Invalid(name_value.to_owned()),
        }
    };
    let name = from.stage_name();
    let platform_flag = from.flag("platform");
    let line = Arc::new(FromLine {
        name: name.map(|n| from.text(n).to_owned()),
        name_range: name.map(|n| relative(n.byte_range())),
        image,
        image_range,
        expanded_image,
        parsed,
        platform: platform_flag.and_then(|f| f.value()),
        platform_text: platform_flag
            .map(|f| f.value_node().map_or("", |v| from.text(v)).to_owned()),
        platform_range: platform_flag.map(|f| match f.value_node() {
            Some(v) => relative(v.byte_range()),
            None => relative(f.node.byte_range()),
        }),
    });
    FROM_CACHE.with(|cache| {
        let mut cache = cache.borrow_mut();
        if cache.len() >= FROM_CACHE_SIZE {
            cache.clear();
        }
        cache.insert(key, (text.to_owned(), Arc::clone(&line)));
    });
    line
}

/// The declarations of an ARG or ENV instruction, values expanded with `lookup` (and
/// with the earlier pairs of the same instruction for ARG, as BuildKit does).
fn declarations(
    instruction: &Instruction<'_>,
    at: Option<usize>,
    lookup: impl Fn(&str) -> Option<String>,
) -> Vec<VarDecl> {
    let kind = match instruction.kind() {
        InstructionKind::Arg => VarKind::Arg,
        InstructionKind::Env => VarKind::Env,
        _ => return Vec::new(),
    };
    let mut out: Vec<VarDecl> = Vec::new();
    for pair in instruction.pairs() {
        let Some(key) = pair.key_node() else { continue };
        let value = pair.value_node().map(|v| {
            let raw = instruction.text(v);
            let expansion = expand::expand(raw, instruction.escape(), &|name| {
                // ENV sees only what came before the instruction; ARG also its own earlier pairs.
                if kind == VarKind::Arg
                    && let Some(d) = out.iter().rev().find(|d| d.name == name)
                {
                    return d.value.clone();
                }
                lookup(name)
            });
            expansion.value
        });
        let value = match (kind, value) {
            (VarKind::Env, None) => Some(String::new()),
            (_, value) => value,
        };
        out.push(VarDecl {
            name: instruction.text(key).to_owned(),
            value,
            kind,
            at,
            range: key.byte_range(),
        });
    }
    out
}

/// A USER, WORKDIR or SHELL in effect.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Setting {
    /// The value after expansion (SHELL: the JSON strings joined by spaces).
    pub value: String,
    /// Index in the stage's instructions (`None`: inherited from the base stage).
    pub at: Option<usize>,
    /// SHELL's JSON strings (empty for USER and WORKDIR).
    pub argv: Vec<String>,
}

/// What a stage leaves to stages built on it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct StageSummary {
    pub env: Vec<(String, Option<String>)>,
    pub user: Option<String>,
    pub workdir: Option<String>,
    pub shell: Option<Vec<String>>,
}

/// The state before each instruction of a stage.
#[derive(Debug, Clone, Copy, Default)]
struct State {
    user: Option<usize>,
    workdir: Option<usize>,
    shell: Option<usize>,
    /// How many of `vars` are visible.
    vars: usize,
}

/// One stage with its semantics worked out: the input of stage-scoped rules.
#[derive(Debug)]
pub struct StageModel<'a, 't> {
    pub stage: &'a Stage<'t>,
    pub file: &'a FileModel,
    pub context: &'a Context,
    /// What the base stage left, when the stage builds on an earlier one.
    pub parent: Option<&'a StageSummary>,
    /// Every variable visible in the stage, in declaration order (inherited first).
    vars: Vec<VarDecl>,
    settings: Vec<Setting>,
    /// One per instruction: the state before it; one more at the end.
    states: Vec<State>,
}

impl<'a, 't> StageModel<'a, 't> {
    pub fn new(
        stage: &'a Stage<'t>,
        file: &'a FileModel,
        context: &'a Context,
        parent: Option<&'a StageSummary>,
    ) -> Self {
        let mut model = StageModel {
            stage,
            file,
            context,
            parent,
            vars: Vec::new(),
            settings: Vec::new(),
            states: Vec::with_capacity(stage.instructions.len() + 1),
        };
        let mut state = State::default();
        if let Some(parent) = parent {
            for (name, value) in &parent.env {
                model.vars.push(VarDecl {
                    name: name.clone(),
                    value: value.clone(),
                    kind: VarKind::Env,
                    at: None,
                    range: 0..0,
                });
            }
            let inherit = |value: &Option<String>, settings: &mut Vec<Setting>| {
                value.as_ref().map(|v| {
                    settings.push(Setting {
                        value: v.clone(),
                        at: None,
                        argv: Vec::new(),
                    });
                    settings.len() - 1
                })
            };
            state.user = inherit(&parent.user, &mut model.settings);
            state.workdir = inherit(&parent.workdir, &mut model.settings);
            if let Some(shell) = &parent.shell {
                model.settings.push(Setting {
                    value: shell.join(" "),
                    at: None,
                    argv: shell.clone(),
                });
                state.shell = Some(model.settings.len() - 1);
            }
        }
        state.vars = model.vars.len();
        for (i, instruction) in stage.instructions.iter().enumerate() {
            model.states.push(state);
            let lookup = |name: &str| model.value_in(&state, name);
            match instruction.kind() {
                InstructionKind::Arg => {
                    let decls = declarations(instruction, Some(i), |name| lookup(name));
                    // `ARG name` without a value takes the global default.
                    let decls: Vec<VarDecl> = decls
                        .into_iter()
                        .map(|mut d| {
                            if d.value.is_none() {
                                d.value = file.global_arg(&d.name).and_then(|g| g.value.clone());
                            }
                            d
                        })
                        .collect();
                    model.vars.extend(decls);
                }
                InstructionKind::Env => {
                    let decls = declarations(instruction, Some(i), |name| lookup(name));
                    model.vars.extend(decls);
                }
                InstructionKind::User | InstructionKind::Workdir => {
                    let raw = instruction.rest();
                    let expanded = expand::expand(&raw, instruction.escape(), &lookup).value;
                    let value = if instruction.kind() == InstructionKind::Workdir {
                        join_workdir(
                            model.setting(state.workdir).map(|s| s.value.as_str()),
                            &expanded,
                        )
                    } else {
                        expanded
                    };
                    model.settings.push(Setting {
                        value,
                        at: Some(i),
                        argv: Vec::new(),
                    });
                    let slot = Some(model.settings.len() - 1);
                    if instruction.kind() == InstructionKind::User {
                        state.user = slot;
                    } else {
                        state.workdir = slot;
                    }
                }
                InstructionKind::Shell => {
                    let shell = instruction.json_strings();
                    model.settings.push(Setting {
                        value: shell.join(" "),
                        at: Some(i),
                        argv: shell,
                    });
                    state.shell = Some(model.settings.len() - 1);
                }
                _ => {}
            }
            state.vars = model.vars.len();
        }
        model.states.push(state);
        model
    }

    fn setting(&self, slot: Option<usize>) -> Option<&Setting> {
        slot.and_then(|s| self.settings.get(s))
    }

    fn state(&self, at: usize) -> State {
        self.states
            .get(at)
            .or(self.states.last())
            .copied()
            .unwrap_or_default()
    }

    fn value_in(&self, state: &State, name: &str) -> Option<String> {
        self.visible(state, name)
            .map(|d| d.value.clone().unwrap_or_default())
    }

    /// The declaration that decides a name: ENV wins over ARG whatever the order.
    fn visible(&self, state: &State, name: &str) -> Option<&VarDecl> {
        let vars = &self.vars[..state.vars.min(self.vars.len())];
        vars.iter()
            .rev()
            .find(|d| d.kind == VarKind::Env && d.name == name)
            .or_else(|| vars.iter().rev().find(|d| d.name == name))
    }

    /// The variable `name` as seen by instruction `at` (an index in the stage's instructions).
    pub fn lookup(&self, name: &str, at: usize) -> Option<&VarDecl> {
        self.visible(&self.state(at), name)
    }

    /// Whether `name` is defined for instruction `at`: declared in the stage, inherited,
    /// or one of the proxy ARGs every build has.
    pub fn is_defined(&self, name: &str, at: usize) -> bool {
        self.lookup(name, at).is_some() || PROXY_ARGS.contains(&name)
    }

    /// Every variable name visible at `at`.
    pub fn names_at(&self, at: usize) -> impl Iterator<Item = &str> {
        let state = self.state(at);
        self.vars[..state.vars.min(self.vars.len())]
            .iter()
            .map(|d| d.name.as_str())
    }

    /// Expands a word as instruction `at` would.
    pub fn expand(&self, text: &str, at: usize) -> Expansion {
        let state = self.state(at);
        expand::expand(text, self.file.escape, &|name| self.value_in(&state, name))
    }

    /// The USER in effect before instruction `at` (`stage.instructions.len()` for the end).
    pub fn user_at(&self, at: usize) -> Option<&Setting> {
        self.setting(self.state(at).user)
    }

    /// The WORKDIR in effect before instruction `at`, made absolute when possible.
    pub fn workdir_at(&self, at: usize) -> Option<&Setting> {
        self.setting(self.state(at).workdir)
    }

    /// The SHELL in effect before instruction `at` (`None`: the default `/bin/sh -c`);
    /// its strings are in `argv`.
    pub fn shell_at(&self, at: usize) -> Option<&Setting> {
        self.setting(self.state(at).shell)
    }

    /// The stage information of this stage.
    pub fn info(&self) -> Option<&StageInfo> {
        self.file.stages.get(self.stage.index)
    }

    /// Whether the base chain ends in `scratch`, so every variable is known.
    pub fn environment_is_known(&self) -> bool {
        self.file.rooted_in_scratch(self.stage.index)
    }

    /// What this stage leaves to stages built on it.
    pub fn summary(&self) -> StageSummary {
        let end = self.stage.instructions.len();
        let state = self.state(end);
        let mut env: Vec<(String, Option<String>)> = Vec::new();
        for d in &self.vars[..state.vars.min(self.vars.len())] {
            if d.kind == VarKind::Env {
                env.retain(|(n, _)| *n != d.name);
                env.push((d.name.clone(), d.value.clone()));
            }
        }
        StageSummary {
            env,
            user: self.user_at(end).map(|s| s.value.clone()),
            workdir: self.workdir_at(end).map(|s| s.value.clone()),
            shell: self.shell_at(end).map(|s| s.argv.clone()),
        }
    }
}

/// A hash of a summary, for cache keys of the stages that build on it.
pub fn summary_fingerprint(summary: Option<&Arc<StageSummary>>) -> u64 {
    let mut hasher = FxHasher::default();
    summary.map(|s| &**s).hash(&mut hasher);
    hasher.finish()
}

/// WORKDIR relative to the previous one, as BuildKit resolves it.
fn join_workdir(previous: Option<&str>, path: &str) -> String {
    if path.starts_with('/') || path.is_empty() {
        return path.to_owned();
    }
    let base = previous.unwrap_or("/");
    if base.ends_with('/') {
        format!("{base}{path}")
    } else {
        format!("{base}/{path}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::{self, FileKind};

    fn with_model(text: &str, check: impl FnOnce(&FileModel, &[Stage<'_>])) {
        let tree = syntax::parse(FileKind::Dockerfile, text, None).unwrap();
        let file = Dockerfile::new(&tree, text);
        let model = FileModel::new(&file);
        check(&model, &file.stages());
    }

    #[test]
    fn bases_are_normalised_and_resolved_through_global_args() {
        let text = "ARG BASE=python:3.12\nARG EMPTY\nFROM $BASE AS build\nFROM build\nFROM scratch\nFROM ${EMPTY}img\nFROM $TARGETPLATFORM\nFROM localhost:5000/x\n";
        with_model(text, |model, _| {
            let bases: Vec<String> = model
                .stages
                .iter()
                .map(|s| match &s.base {
                    Base::Image(r) => r.to_string(),
                    other => format!("{other:?}"),
                })
                .collect();
            assert_eq!(
                bases,
                [
                    "docker.io/library/python:3.12",
                    "Stage(0)",
                    "Scratch",
                    "docker.io/library/img",
                    "Unresolved",
                    "localhost:5000/x"
                ]
            );
        });
    }

    #[test]
    fn stages_know_which_earlier_stages_they_copy_from() {
        let text = "ARG B=build\nFROM a AS build\nFROM b AS tools\nCOPY --from=tools x y\nFROM scratch\nCOPY --from=$B /app /\nCOPY --from=1 /t /\nCOPY --from=build /x /\nCOPY --from=alpine:3 /y /\nCOPY --from=9 /z /\n";
        with_model(text, |model, _| {
            let copies: Vec<&[usize]> = model.stages.iter().map(|s| &s.copies_from[..]).collect();
            assert_eq!(copies, [&[][..], &[], &[0, 1]]);
        });
    }

    #[test]
    fn variables_follow_buildkit_scoping() {
        let text = "ARG V=1\nFROM alpine\nRUN a\nARG V\nENV E=$V-x\nARG E=arg\nRUN b\n";
        with_model(text, |model, stages| {
            let context = Context::default();
            let stage = StageModel::new(&stages[0], model, &context, None);
            // The global ARG is not visible until re-declared.
            assert!(stage.lookup("V", 0).is_none());
            assert_eq!(
                stage
                    .lookup("V", 2)
                    .and_then(|d| d.value.clone())
                    .as_deref(),
                Some("1")
            );
            // ENV wins over a later ARG of the same name.
            let e = stage.lookup("E", 4).unwrap();
            assert_eq!((e.kind, e.value.as_deref()), (VarKind::Env, Some("1-x")));
            assert!(stage.is_defined("http_proxy", 0));
            assert!(!stage.is_defined("NOPE", 4));
        });
    }

    #[test]
    fn user_workdir_and_shell_are_tracked_and_inherited() {
        let text = "FROM alpine AS a\nUSER app\nWORKDIR /srv\nWORKDIR web\nSHELL [\"/bin/bash\", \"-c\"]\nRUN x\nFROM a\nRUN y\n";
        with_model(text, |model, stages| {
            let context = Context::default();
            let first = StageModel::new(&stages[0], model, &context, None);
            assert!(first.user_at(0).is_none());
            assert_eq!(first.user_at(4).unwrap().value, "app");
            assert_eq!(first.workdir_at(4).unwrap().value, "/srv/web");
            let shell = first.shell_at(4).unwrap();
            assert_eq!(
                (shell.at, &shell.argv[..]),
                (Some(3), &["/bin/bash".to_owned(), "-c".to_owned()][..])
            );
            let summary = first.summary();
            let second = StageModel::new(&stages[1], model, &context, Some(&summary));
            assert_eq!(second.user_at(0).unwrap().value, "app");
            assert_eq!(second.user_at(0).unwrap().at, None);
            assert_eq!(second.shell_at(0).unwrap().argv[0], "/bin/bash");
        });
    }
}
