//! Definition, references and highlights: the stage, variable or heredoc delimiter at an offset and everywhere it occurs, scoped as BuildKit scopes them.

use std::ops::Range;

use super::model::{Base, FileModel, VarKind};
use super::occurrences::{self, HeredocSite, StageRefSite, VarRole, VarSite};
use crate::syntax::{Dockerfile, Instruction, InstructionKind};

/// What a name stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SymbolKind {
    Stage,
    Variable,
    Heredoc,
}

/// One place a symbol's name is written.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Occurrence {
    /// Bytes of the name.
    pub range: Range<usize>,
    /// Where the name is declared (`FROM ... AS name`, ARG, ENV, `<<EOF`); else a use.
    pub declaration: bool,
    /// Whether a rename rewrites it: `--from=0` names a stage by its index, and a
    /// partly quoted delimiter (`<<"E"OF`) is not one word to replace.
    pub renamable: bool,
}

/// The symbol at an offset with every place it occurs in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Symbol {
    pub kind: SymbolKind,
    /// The name as written at the offset.
    pub name: String,
    /// The occurrence at the offset.
    pub at: Occurrence,
    /// Every occurrence, in source order, the one at the offset included.
    pub occurrences: Vec<Occurrence>,
    /// Where what the offset names is defined: the declaration in effect there.
    pub definitions: Vec<Range<usize>>,
}

/// Where what is named at `offset` is defined. Only the stages the offset can see
/// are searched: the file is not walked for this.
pub fn definition(file: &Dockerfile<'_>, model: &FileModel, offset: usize) -> Vec<Range<usize>> {
    let index = Index::new(file, model);
    match index.target(offset) {
        Some(Target::Stage { index: stage, .. }) => index.stage_definition(stage),
        Some(Target::Heredoc { site, .. }) => vec![site.marker],
        Some(Target::Variable { site, scope }) => index.variable_definition(&site, scope),
        None => Vec::new(),
    }
}

/// The symbol at `offset` and all its occurrences; `None` when the offset is on no
/// stage name, variable or heredoc delimiter.
pub fn symbol_at(file: &Dockerfile<'_>, model: &FileModel, offset: usize) -> Option<Symbol> {
    let index = Index::new(file, model);
    let src = file.src();
    let symbol = match index.target(offset)? {
        Target::Stage { index: stage, at } => Symbol {
            kind: SymbolKind::Stage,
            name: src.get(at.range.clone()).unwrap_or("").to_owned(),
            occurrences: index.stage_occurrences(stage),
            definitions: index.stage_definition(stage),
            at,
        },
        Target::Heredoc { site, at_end } => {
            let marker = Occurrence {
                range: site.marker.clone(),
                declaration: true,
                renamable: site.marker_plain,
            };
            let mut occurrences = vec![marker.clone()];
            occurrences.extend(site.end.clone().map(|range| Occurrence {
                range,
                declaration: false,
                renamable: true,
            }));
            let at = match (at_end, occurrences.get(1)) {
                (true, Some(end)) => end.clone(),
                _ => marker,
            };
            Symbol {
                kind: SymbolKind::Heredoc,
                name: site.name,
                definitions: vec![site.marker],
                occurrences,
                at,
            }
        }
        Target::Variable { site, scope } => {
            let whole = 0..src.len();
            let variables = index.variables(site.name, std::slice::from_ref(&whole), Sites::All);
            Symbol {
                kind: SymbolKind::Variable,
                name: site.name.to_owned(),
                at: Occurrence {
                    range: site.range.clone(),
                    declaration: site.is_declaration(),
                    renamable: true,
                },
                occurrences: variables.occurrences(scope, &site),
                definitions: variables.definitions(scope, &site),
            }
        }
    };
    Some(symbol)
}

/// Where a variable is visible: the global scope (ARGs before the first FROM, and
/// FROM lines) or one stage's body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Scope {
    Global,
    Stage(usize),
}

/// What is at the offset.
#[derive(Debug)]
enum Target<'t> {
    Stage { index: usize, at: Occurrence },
    Variable { site: VarSite<'t>, scope: Scope },
    Heredoc { site: HeredocSite, at_end: bool },
}

/// Whether a cursor at `offset` is on a name (its end included: the cursor is
/// usually just after the last character typed).
fn touches(range: &Range<usize>, offset: usize) -> bool {
    range.start <= offset && offset <= range.end
}

/// The file with its stage boundaries, for lookups at an offset.
struct Index<'a, 't> {
    file: &'a Dockerfile<'t>,
    model: &'a FileModel,
    /// Where each stage's FROM starts.
    starts: Vec<usize>,
}

impl<'a, 't> Index<'a, 't> {
    fn new(file: &'a Dockerfile<'t>, model: &'a FileModel) -> Self {
        let starts = file
            .stage_froms()
            .iter()
            .map(|from| from.node().start_byte())
            .collect();
        Index {
            file,
            model,
            starts,
        }
    }

    /// The stage whose text holds `offset`.
    fn stage_of(&self, offset: usize) -> Option<usize> {
        self.starts
            .partition_point(|&start| start <= offset)
            .checked_sub(1)
    }

    fn stage_range(&self, stage: usize) -> Range<usize> {
        let start = self.starts.get(stage).copied().unwrap_or(0);
        let end = self
            .starts
            .get(stage + 1)
            .copied()
            .unwrap_or(self.file.src().len());
        start..end
    }

    /// The bytes before the first FROM.
    fn preamble(&self) -> Range<usize> {
        0..self
            .starts
            .first()
            .copied()
            .unwrap_or(self.file.src().len())
    }

    /// FROM lines see global ARGs only; the rest of a stage sees its own variables.
    fn scope_of(&self, instruction: &Instruction<'_>) -> Scope {
        if instruction.kind() == InstructionKind::From {
            return Scope::Global;
        }
        match self.stage_of(instruction.node().start_byte()) {
            Some(stage) => Scope::Stage(stage),
            None => Scope::Global,
        }
    }

    /// The stage a stage is built on, when it is built on an earlier stage.
    fn parent(&self, stage: usize) -> Option<usize> {
        match self.model.stages.get(stage)?.base {
            Base::Stage(parent) if parent < stage => Some(parent),
            _ => None,
        }
    }

    fn target(&self, offset: usize) -> Option<Target<'t>> {
        let instruction = self.file.instruction_at(offset)?;
        for site in occurrences::heredocs(&instruction) {
            if touches(&site.marker, offset) {
                return Some(Target::Heredoc {
                    site,
                    at_end: false,
                });
            }
            if site.end.as_ref().is_some_and(|end| touches(end, offset)) {
                return Some(Target::Heredoc { site, at_end: true });
            }
        }
        let start = instruction.node().start_byte();
        let current = self.stage_of(start);
        if instruction.kind() == InstructionKind::From
            && let Some(stage) = current.and_then(|i| self.model.stages.get(i))
        {
            if let Some(range) = stage.name_range.as_ref().filter(|r| touches(r, offset)) {
                return Some(Target::Stage {
                    index: stage.index,
                    at: Occurrence {
                        range: range.clone(),
                        declaration: true,
                        renamable: true,
                    },
                });
            }
            if touches(&stage.image_range, offset)
                && let Some(parent) = self.stage_named_by_from(stage.index)
            {
                return Some(Target::Stage {
                    index: parent,
                    at: Occurrence {
                        range: stage.image_range.clone(),
                        declaration: false,
                        renamable: true,
                    },
                });
            }
        }
        for site in occurrences::stage_refs(&instruction) {
            if touches(&site.range, offset)
                && let Some(stage) = self.resolve_stage(&site, current)
            {
                return Some(Target::Stage {
                    index: stage,
                    at: Occurrence {
                        renamable: site.index.is_none(),
                        range: site.range,
                        declaration: false,
                    },
                });
            }
        }
        let mut sites = occurrences::variables(&instruction);
        // On a name, that name; else the innermost reference around the offset.
        let found = match sites.iter().position(|s| touches(&s.range, offset)) {
            Some(i) => Some(i),
            None => sites
                .iter()
                .enumerate()
                .filter(|(_, s)| touches(&s.whole, offset))
                .min_by_key(|(_, s)| s.whole.len())
                .map(|(i, _)| i),
        }?;
        Some(Target::Variable {
            site: sites.swap_remove(found),
            scope: self.scope_of(&instruction),
        })
    }

    /// The earlier stage a FROM names by its name, written as it (a variable that
    /// expands to a stage's name does not name it in the text).
    fn stage_named_by_from(&self, stage: usize) -> Option<usize> {
        let parent = self.parent(stage)?;
        let name = self.model.stages.get(parent)?.name.as_deref()?;
        let image = &self.model.stages.get(stage)?.image;
        image.eq_ignore_ascii_case(name).then_some(parent)
    }

    /// The stage a `--from` or mount `from=` names, by index or by name
    /// (case-insensitive, the latest earlier stage first); `None` for an image.
    fn resolve_stage(&self, site: &StageRefSite<'_>, current: Option<usize>) -> Option<usize> {
        let stages = &self.model.stages;
        if let Some(index) = site.index {
            return (index < stages.len()).then_some(index);
        }
        let before = current.unwrap_or(stages.len());
        match self.model.stage_named(site.text, before) {
            Some(stage) => Some(stage.index),
            None => stages
                .iter()
                .find(|s| {
                    s.name
                        .as_deref()
                        .is_some_and(|n| n.eq_ignore_ascii_case(site.text))
                })
                .map(|s| s.index),
        }
    }

    /// A stage's name, or its image word when it has none.
    fn stage_definition(&self, stage: usize) -> Vec<Range<usize>> {
        self.model
            .stages
            .get(stage)
            .map(|s| s.name_range.clone().unwrap_or(s.image_range.clone()))
            .into_iter()
            .collect()
    }

    fn stage_occurrences(&self, stage: usize) -> Vec<Occurrence> {
        let mut out = Vec::new();
        if let Some(range) = self
            .model
            .stages
            .get(stage)
            .and_then(|s| s.name_range.clone())
        {
            out.push(Occurrence {
                range,
                declaration: true,
                renamable: true,
            });
        }
        for later in &self.model.stages {
            if self.stage_named_by_from(later.index) == Some(stage) {
                out.push(Occurrence {
                    range: later.image_range.clone(),
                    declaration: false,
                    renamable: true,
                });
            }
        }
        // Only the few places that say `--from` or `--mount` are looked at.
        let src = self.file.src().as_bytes();
        let mut seen = Vec::new();
        for needle in [&b"--from"[..], b"--mount"] {
            for at in memchr::memmem::find_iter(src, needle) {
                let Some(instruction) = self.file.instruction_at(at) else {
                    continue;
                };
                let start = instruction.node().start_byte();
                if seen.contains(&start) {
                    continue;
                }
                seen.push(start);
                let current = self.stage_of(start);
                for site in occurrences::stage_refs(&instruction) {
                    if self.resolve_stage(&site, current) == Some(stage) {
                        out.push(Occurrence {
                            renamable: site.index.is_none(),
                            range: site.range,
                            declaration: false,
                        });
                    }
                }
            }
        }
        out.sort_by_key(|o| o.range.start);
        out.dedup();
        out
    }

    /// The declarations (and uses, for [`Sites::All`]) of `name` in the ranges, in
    /// order, with their scopes. The text is searched for the name: only the
    /// instructions that hold it are looked at.
    fn variables(&self, name: &'t str, ranges: &[Range<usize>], wanted: Sites) -> Variables<'t> {
        Variables::new(self, self.collect(name, ranges, wanted))
    }

    fn collect(
        &self,
        name: &'t str,
        ranges: &[Range<usize>],
        wanted: Sites,
    ) -> Vec<(Scope, VarSite<'t>)> {
        let src = self.file.src().as_bytes();
        let finder = memmem_finder(name);
        let identifier = |b: &u8| b.is_ascii_alphanumeric() || *b == b'_';
        let mut sites: Vec<(Scope, VarSite<'t>)> = Vec::new();
        let mut last = None;
        for range in ranges {
            let Some(haystack) = src.get(range.clone()) else {
                continue;
            };
            for at in finder.find_iter(haystack) {
                let at = range.start + at;
                // A name stands alone: `$NAME`, `${NAME`, or a key after a blank.
                let before = at.checked_sub(1).and_then(|i| src.get(i));
                if before.is_some_and(identifier)
                    || src.get(at + name.len()).is_some_and(identifier)
                {
                    continue;
                }
                if wanted == Sites::Declarations && !before.is_none_or(u8::is_ascii_whitespace) {
                    continue;
                }
                let Some(instruction) = self.file.instruction_at(at) else {
                    continue;
                };
                let start = instruction.node().start_byte();
                if last == Some(start) {
                    continue;
                }
                last = Some(start);
                let scope = self.scope_of(&instruction);
                let found = match wanted {
                    Sites::All => occurrences::variables(&instruction),
                    Sites::Declarations => occurrences::declarations(&instruction),
                };
                sites.extend(
                    found
                        .into_iter()
                        .filter(|s| s.name == name)
                        .map(|s| (scope, s)),
                );
            }
        }
        sites
    }

    /// The declarations of `name` in a range, in order.
    fn declared(&self, name: &'t str, range: Range<usize>) -> Vec<VarSite<'t>> {
        self.collect(name, &[range], Sites::Declarations)
            .into_iter()
            .map(|(_, site)| site)
            .collect()
    }

    /// What [`Variables::definitions`] finds, searching only as far as needed: the
    /// stage before the use, then its base stages nearest first, then the global ARGs.
    fn variable_definition(&self, site: &VarSite<'t>, scope: Scope) -> Vec<Range<usize>> {
        let name = site.name;
        let global = || {
            self.declared(name, self.preamble())
                .pop()
                .map(|g| vec![g.range])
        };
        let Scope::Stage(stage) = scope else {
            if site.is_declaration() {
                return vec![site.range.clone()];
            }
            // A FROM line sees the ARGs before the first FROM, never a stage's: not the
            // `ARG TARGETOS` of an earlier stage, nor its `ARG NAME` re-declaring a
            // global. BuildKit's predefined ARGs are declared nowhere in the file.
            let preamble = self.preamble();
            let mut before =
                self.declared(name, preamble.start..site.range.start.min(preamble.end));
            before.retain(|d| d.effect <= site.effect);
            return before.pop().map(|d| vec![d.range]).unwrap_or_default();
        };
        let arg = if site.is_declaration() {
            site.clone()
        } else {
            let start = self.stage_range(stage).start;
            let mut before = self.declared(name, start..site.range.start);
            before.retain(|d| d.effect <= site.effect);
            if let Some(env) = before.iter().rev().find(|d| is_env(d)) {
                return vec![env.range.clone()];
            }
            let mut next = self.parent(stage);
            while let Some(parent) = next {
                let set = self.declared(name, self.stage_range(parent));
                if let Some(env) = set.iter().rev().find(|d| is_env(d)) {
                    return vec![env.range.clone()];
                }
                next = self.parent(parent);
            }
            if matches!(site.role, VarRole::Use { env_only: true }) {
                return Vec::new();
            }
            match before.pop() {
                Some(arg) => arg,
                None => return Vec::new(),
            }
        };
        if redeclares_global(&arg)
            && let Some(global) = global()
        {
            return global;
        }
        vec![arg.range]
    }
}

/// What [`Index::variables`] collects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sites {
    All,
    Declarations,
}

fn memmem_finder(name: &str) -> memchr::memmem::Finder<'_> {
    memchr::memmem::Finder::new(name.as_bytes())
}

/// What a use of a variable refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Binding {
    /// The variable of a scope (see [`Variables::node`]).
    Var(usize),
    /// Nothing declared in the file: a variable of the base image, a predefined ARG,
    /// or an ARG not declared yet.
    Free(Scope),
}

/// The occurrences of one variable name, and which of them are the same variable:
/// within a scope every declaration of a name is one variable (assigned again); a
/// stage's variable is the global ARG's when the stage re-declares it without a
/// value, and its base stage's when that stage sets it with ENV.
#[derive(Debug)]
struct Variables<'t> {
    sites: Vec<(Scope, VarSite<'t>)>,
    /// Per scope (0 global, `i + 1` stage `i`): its declarations, as indices in
    /// `sites`, in source order (so by when they take effect).
    declarations: Vec<Vec<usize>>,
    /// Per scope: for each of its declarations, the last ENV among it and those before.
    last_env: Vec<Vec<Option<usize>>>,
    /// Per stage: the last ENV of the nearest base stage that sets the variable.
    inherited: Vec<Option<usize>>,
    /// The last global declaration.
    global: Option<usize>,
    /// Union-find over scopes.
    roots: Vec<usize>,
}

impl<'t> Variables<'t> {
    fn new(index: &Index<'_, 't>, sites: Vec<(Scope, VarSite<'t>)>) -> Self {
        let stages = index.starts.len();
        let mut declarations: Vec<Vec<usize>> = vec![Vec::new(); stages + 1];
        for (i, (scope, site)) in sites.iter().enumerate() {
            if site.is_declaration()
                && let Some(list) = declarations.get_mut(Self::node(*scope))
            {
                list.push(i);
            }
        }
        let last_env: Vec<Vec<Option<usize>>> = declarations
            .iter()
            .map(|list| {
                let mut last = None;
                list.iter()
                    .map(|&i| {
                        if is_env(&sites[i].1) {
                            last = Some(i);
                        }
                        last
                    })
                    .collect()
            })
            .collect();
        // Stages come after their bases: one pass settles what each inherits.
        let mut inherited: Vec<Option<usize>> = vec![None; stages];
        for stage in 0..stages {
            if let Some(parent) = index.parent(stage) {
                let own = last_env
                    .get(parent + 1)
                    .and_then(|l| l.last().copied().flatten());
                inherited[stage] = own.or(inherited.get(parent).copied().flatten());
            }
        }
        let global = declarations.first().and_then(|l| l.last().copied());
        let mut variables = Variables {
            roots: (0..=stages).collect(),
            declarations,
            last_env,
            inherited,
            global,
            sites: Vec::new(),
        };
        for stage in 0..stages {
            if let Some(parent) = index.parent(stage)
                && variables.inherited[stage].is_some()
            {
                variables.union(stage + 1, parent + 1);
            }
        }
        for (scope, site) in &sites {
            if let Scope::Stage(stage) = scope
                && global.is_some()
                && redeclares_global(site)
            {
                variables.union(stage + 1, 0);
            }
        }
        variables.sites = sites;
        variables
    }

    fn node(scope: Scope) -> usize {
        match scope {
            Scope::Global => 0,
            Scope::Stage(stage) => stage + 1,
        }
    }

    fn find(&self, mut node: usize) -> usize {
        while let Some(&up) = self.roots.get(node) {
            if up == node {
                break;
            }
            node = up;
        }
        node
    }

    fn union(&mut self, a: usize, b: usize) {
        let (a, b) = (self.find(a), self.find(b));
        if let Some(slot) = self.roots.get_mut(a.max(b)) {
            *slot = a.min(b);
        }
    }

    /// The declaration (an index in `sites`) that gives a use its value: in a stage,
    /// an ENV before it, else one inherited from the base stages, else an ARG before
    /// it (ENV wins over ARG); CMD and the like see ENV only.
    fn in_effect(&self, scope: Scope, site: &VarSite<'t>) -> Option<usize> {
        let node = Self::node(scope);
        let list = self.declarations.get(node)?;
        let visible = list.partition_point(|&i| self.sites[i].1.effect <= site.effect);
        let last = visible.checked_sub(1);
        match scope {
            Scope::Global => last.map(|k| list[k]),
            Scope::Stage(stage) => {
                let env_only = matches!(site.role, VarRole::Use { env_only: true });
                last.and_then(|k| self.last_env.get(node)?.get(k).copied().flatten())
                    .or_else(|| self.inherited.get(stage).copied().flatten())
                    .or_else(|| {
                        if env_only {
                            None
                        } else {
                            last.map(|k| list[k])
                        }
                    })
            }
        }
    }

    fn binding(&self, scope: Scope, site: &VarSite<'t>) -> Binding {
        if site.is_declaration() || self.in_effect(scope, site).is_some() {
            Binding::Var(self.find(Self::node(scope)))
        } else {
            Binding::Free(scope)
        }
    }

    fn definitions(&self, scope: Scope, site: &VarSite<'t>) -> Vec<Range<usize>> {
        let (declaration_scope, declaration) = if site.is_declaration() {
            (scope, site)
        } else {
            match self.in_effect(scope, site).and_then(|i| self.sites.get(i)) {
                Some((scope, declaration)) => (*scope, declaration),
                None => return Vec::new(),
            }
        };
        // `ARG NAME` in a stage takes the global ARG's value: that is where it is defined.
        if matches!(declaration_scope, Scope::Stage(_))
            && redeclares_global(declaration)
            && let Some((_, global)) = self.global.and_then(|i| self.sites.get(i))
        {
            return vec![global.range.clone()];
        }
        vec![declaration.range.clone()]
    }

    fn occurrences(&self, scope: Scope, site: &VarSite<'t>) -> Vec<Occurrence> {
        let wanted = self.binding(scope, site);
        let mut out: Vec<Occurrence> = self
            .sites
            .iter()
            .filter(|(s, other)| self.binding(*s, other) == wanted)
            .map(|(_, other)| Occurrence {
                range: other.range.clone(),
                declaration: other.is_declaration(),
                renamable: true,
            })
            .collect();
        out.sort_by_key(|o| o.range.start);
        out.dedup();
        out
    }
}

fn is_env(site: &VarSite<'_>) -> bool {
    matches!(
        site.role,
        VarRole::Declaration {
            kind: VarKind::Env,
            ..
        }
    )
}

/// `ARG NAME` without a value: in a stage, it brings the global ARG in.
fn redeclares_global(site: &VarSite<'_>) -> bool {
    matches!(
        site.role,
        VarRole::Declaration {
            kind: VarKind::Arg,
            has_value: false
        }
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::{self, FileKind};

    /// The text with the symbol at the first `|` marked: `<name>` where it is
    /// declared, `[name]` where it is used, `(name)` where a rename leaves it, and
    /// `^` before each definition.
    fn marked(text_with_cursor: &str) -> String {
        let offset = text_with_cursor.find('|').unwrap();
        let text = text_with_cursor.replacen('|', "", 1);
        let tree = syntax::parse(FileKind::Dockerfile, &text, None).unwrap();
        let file = Dockerfile::new(&tree, &text);
        let model = FileModel::new(&file);
        let Some(symbol) = symbol_at(&file, &model, offset) else {
            return "nothing".to_owned();
        };
        assert!(symbol.occurrences.contains(&symbol.at), "{symbol:?}");
        assert_eq!(
            definition(&file, &model, offset),
            symbol.definitions,
            "the quick definition agrees with the full one"
        );
        let mut out = String::new();
        let mut at = 0;
        for occurrence in &symbol.occurrences {
            let range = occurrence.range.clone();
            out.push_str(&text[at..range.start]);
            if symbol.definitions.iter().any(|d| d.start == range.start) {
                out.push('^');
            }
            let (open, close) = match (occurrence.declaration, occurrence.renamable) {
                (_, false) => ('(', ')'),
                (true, true) => ('<', '>'),
                (false, true) => ('[', ']'),
            };
            out.push(open);
            out.push_str(&text[range.clone()]);
            out.push(close);
            at = range.end;
        }
        out.push_str(&text[at..]);
        out
    }

    const STAGES: &str = "\
FROM golang:1.22 AS build
RUN go build -o /app
FROM build AS test
RUN go test
FROM alpine AS builder
COPY --from=build /app /app
COPY --from=0 /x /x
COPY --from=builder /y /y
RUN --mount=type=bind,from=BUILD,source=/src,target=/src make
FROM scratch
COPY --from=build-tools /t /t
";

    #[test]
    fn a_stage_is_named_by_from_copy_from_and_mount_from() {
        insta::assert_snapshot!(marked(&STAGES.replacen("AS build", "AS bu|ild", 1)), @r"
        FROM golang:1.22 AS ^<build>
        RUN go build -o /app
        FROM [build] AS test
        RUN go test
        FROM alpine AS builder
        COPY --from=[build] /app /app
        COPY --from=(0) /x /x
        COPY --from=builder /y /y
        RUN --mount=type=bind,from=[BUILD],source=/src,target=/src make
        FROM scratch
        COPY --from=build-tools /t /t
        ");
        // From a reference, and from an index.
        assert_eq!(
            marked(&STAGES.replacen("from=BUILD", "from=BU|ILD", 1)),
            marked(&STAGES.replacen("AS build", "AS |build", 1))
        );
        assert_eq!(
            marked(&STAGES.replacen("from=0", "from=|0", 1)),
            marked(&STAGES.replacen("AS build", "AS |build", 1))
        );
        insta::assert_snapshot!(marked(&STAGES.replacen("from=builder", "from=|builder", 1)), @r"
        FROM golang:1.22 AS build
        RUN go build -o /app
        FROM build AS test
        RUN go test
        FROM alpine AS ^<builder>
        COPY --from=build /app /app
        COPY --from=0 /x /x
        COPY --from=[builder] /y /y
        RUN --mount=type=bind,from=BUILD,source=/src,target=/src make
        FROM scratch
        COPY --from=build-tools /t /t
        ");
    }

    #[test]
    fn images_and_keywords_are_no_symbols() {
        assert_eq!(marked("FROM alp|ine AS a\n"), "nothing");
        assert_eq!(marked("FR|OM alpine AS a\n"), "nothing");
        assert_eq!(
            marked("FROM alpine AS a\nCOPY --from=ngi|nx /x /y\n"),
            "nothing"
        );
    }

    #[test]
    fn an_unnamed_stage_is_defined_by_its_from_line() {
        insta::assert_snapshot!(marked("FROM alpine\nFROM scratch\nCOPY --from=|0 /a /b\n"), @r"
        FROM alpine
        FROM scratch
        COPY --from=(0) /a /b
        ");
        let text = "FROM alpine\nFROM scratch\nCOPY --from=0 /a /b\n";
        let tree = syntax::parse(FileKind::Dockerfile, text, None).unwrap();
        let file = Dockerfile::new(&tree, text);
        let model = FileModel::new(&file);
        assert_eq!(definition(&file, &model, 37), vec![5..11]);
    }

    const ARGS: &str = "\
ARG VERSION=1.22
ARG BASE=golang:${VERSION}
FROM ${BASE} AS build
RUN echo $VERSION
ARG VERSION
RUN echo ${VERSION:-none} && go build
FROM alpine:${VERSION}
ARG VERSION=3.19
RUN echo $VERSION
";

    #[test]
    fn a_global_arg_reaches_from_lines_and_stages_that_redeclare_it() {
        insta::assert_snapshot!(marked(&ARGS.replacen("ARG VERSION=1", "ARG VER|SION=1", 1)), @r"
        ARG ^<VERSION>=1.22
        ARG BASE=golang:${[VERSION]}
        FROM ${BASE} AS build
        RUN echo $VERSION
        ARG <VERSION>
        RUN echo ${[VERSION]:-none} && go build
        FROM alpine:${[VERSION]}
        ARG VERSION=3.19
        RUN echo $VERSION
        ");
        // A use after the re-declaration is defined by the global ARG.
        assert_eq!(
            marked(&ARGS.replacen("${VERSION:-", "${VERS|ION:-", 1)),
            marked(&ARGS.replacen("ARG VERSION=1", "ARG |VERSION=1", 1)),
        );
    }

    #[test]
    fn a_stage_arg_with_a_value_is_another_variable() {
        insta::assert_snapshot!(marked(&ARGS.replacen("ARG VERSION=3", "ARG VERSION|=3", 1)), @r"
        ARG VERSION=1.22
        ARG BASE=golang:${VERSION}
        FROM ${BASE} AS build
        RUN echo $VERSION
        ARG VERSION
        RUN echo ${VERSION:-none} && go build
        FROM alpine:${VERSION}
        ARG ^<VERSION>=3.19
        RUN echo $[VERSION]
        ");
        // Before `ARG VERSION` the global ARG is not visible: nothing declares it there.
        insta::assert_snapshot!(marked(&ARGS.replacen("echo $VERSION", "echo $VER|SION", 1)), @r"
        ARG VERSION=1.22
        ARG BASE=golang:${VERSION}
        FROM ${BASE} AS build
        RUN echo $[VERSION]
        ARG VERSION
        RUN echo ${VERSION:-none} && go build
        FROM alpine:${VERSION}
        ARG VERSION=3.19
        RUN echo $VERSION
        ");
    }

    const ENVS: &str = "\
FROM debian AS base
ARG HOME_ARG=/srv
ENV APP_HOME=$HOME_ARG/app
ENV PATH=$APP_HOME/bin:$PATH
FROM base AS app
WORKDIR $APP_HOME
ENV APP_HOME=/opt/app
CMD exec $APP_HOME/run $HOME_ARG
FROM debian
RUN echo $APP_HOME
";

    #[test]
    fn env_is_inherited_by_stages_built_on_the_stage() {
        insta::assert_snapshot!(marked(&ENVS.replacen("WORKDIR $APP", "WORKDIR $AP|P", 1)), @r"
        FROM debian AS base
        ARG HOME_ARG=/srv
        ENV ^<APP_HOME>=$HOME_ARG/app
        ENV PATH=$[APP_HOME]/bin:$PATH
        FROM base AS app
        WORKDIR $[APP_HOME]
        ENV <APP_HOME>=/opt/app
        CMD exec $[APP_HOME]/run $HOME_ARG
        FROM debian
        RUN echo $APP_HOME
        ");
        // ARGs are not inherited, and CMD runs where no ARG is left.
        insta::assert_snapshot!(marked(&ENVS.replacen("ARG HOME_ARG", "ARG HOME_A|RG", 1)), @r"
        FROM debian AS base
        ARG ^<HOME_ARG>=/srv
        ENV APP_HOME=$[HOME_ARG]/app
        ENV PATH=$APP_HOME/bin:$PATH
        FROM base AS app
        WORKDIR $APP_HOME
        ENV APP_HOME=/opt/app
        CMD exec $APP_HOME/run $HOME_ARG
        FROM debian
        RUN echo $APP_HOME
        ");
        // `$PATH` in its own ENV line is the base image's.
        insta::assert_snapshot!(marked(&ENVS.replacen(":$PATH", ":$PA|TH", 1)), @r"
        FROM debian AS base
        ARG HOME_ARG=/srv
        ENV APP_HOME=$HOME_ARG/app
        ENV PATH=$APP_HOME/bin:$[PATH]
        FROM base AS app
        WORKDIR $APP_HOME
        ENV APP_HOME=/opt/app
        CMD exec $APP_HOME/run $HOME_ARG
        FROM debian
        RUN echo $APP_HOME
        ");
    }

    const FROM_LINES: &str = "\
ARG DEBUG
FROM alpine AS tools-linux
ARG TARGETOS
ARG DEBUG
RUN echo $TARGETOS $DEBUG
FROM tools-$TARGETOS${DEBUG:+-debug} AS tools
";

    #[test]
    fn a_from_line_sees_global_args_only() {
        // The stage's `ARG DEBUG` brings the global in; the FROM after it still reads
        // the global ARG itself.
        insta::assert_snapshot!(marked(&FROM_LINES.replacen("${DEBUG", "${DE|BUG", 1)), @r"
        ARG ^<DEBUG>
        FROM alpine AS tools-linux
        ARG TARGETOS
        ARG <DEBUG>
        RUN echo $TARGETOS $[DEBUG]
        FROM tools-$TARGETOS${[DEBUG]:+-debug} AS tools
        ");
        // TARGETOS is BuildKit's own in a FROM line, not the earlier stage's ARG.
        insta::assert_snapshot!(marked(&FROM_LINES.replacen("tools-$TARGETOS", "tools-$TARGET|OS", 1)), @r"
        ARG DEBUG
        FROM alpine AS tools-linux
        ARG TARGETOS
        ARG DEBUG
        RUN echo $TARGETOS $DEBUG
        FROM tools-$[TARGETOS]${DEBUG:+-debug} AS tools
        ");
        insta::assert_snapshot!(marked(&FROM_LINES.replacen("echo $TARGETOS", "echo $TARGET|OS", 1)), @r"
        ARG DEBUG
        FROM alpine AS tools-linux
        ARG ^<TARGETOS>
        ARG DEBUG
        RUN echo $[TARGETOS] $DEBUG
        FROM tools-$TARGETOS${DEBUG:+-debug} AS tools
        ");
    }

    #[test]
    fn env_wins_over_arg_whatever_the_order() {
        insta::assert_snapshot!(marked("FROM a\nENV V=env\nARG V=arg\nRUN echo $|V\n"), @r"
        FROM a
        ENV ^<V>=env
        ARG <V>=arg
        RUN echo $[V]
        ");
    }

    #[test]
    fn heredoc_delimiters_pair_up() {
        insta::assert_snapshot!(marked("FROM a\nRUN <<EOF cat <<-'END'\necho $HOME\nEOF\n\tEN|D\n"), @r"
        FROM a
        RUN <<EOF cat <<-'^<END>'
        echo $HOME
        EOF
        	[END]
        ");
    }
}
