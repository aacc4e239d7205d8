//! An open document: rope text, version, tree-sitter tree, and the analysis cached for it.

use std::sync::Arc;

use ropey::Rope;
use std::hash::{Hash, Hasher};

use rustc_hash::{FxHashMap, FxHasher};
use tree_sitter::{InputEdit, Node, Point, Tree};

use super::checked::{self, Checked, Found};
use super::diagnostic_json::DiagnosticJson;
use crate::analysis::model::{self, Base, FileModel, StageModel, StageSummary};
use crate::analysis::rules::{self, ContextUse, FileView, Finding, Keyword};
use crate::analysis::settings::Context;
use crate::analysis::suppress;
use crate::position::{LineCol, LineIndex, PositionEncoding, rope};
use crate::syntax::{self, Dockerfile, FileKind, Instruction, ParseError, node_text};

/// One content change of `textDocument/didChange`, positions already in our types.
#[derive(Debug, Clone)]
pub struct Change {
    /// `None` replaces the whole text.
    pub range: Option<(LineCol, LineCol)>,
    pub text: String,
}

#[derive(Debug)]
pub struct Document {
    pub kind: FileKind,
    pub version: i32,
    pub rope: Rope,
    /// The text as one string with where its lines start, updated edit by edit: for the
    /// syntax layer and for placing diagnostics (see [`Document::text`]).
    pub lines: LineIndex,
    pub tree: Tree,
    /// Settings and neighbouring files the rules see.
    pub context: Context,
    /// The findings last published for this text, with their fixes (for code actions).
    pub published: Checked,
    /// The JSON of the diagnostics last published.
    pub(crate) published_json: DiagnosticJson,
    /// The file model of the last check (`None` for ignore files): FROM lines and global ARGs.
    pub model: Option<Arc<FileModel>>,
    /// The images the stages build on, from the last check.
    pub base_images: Vec<String>,
    /// The edits since the last check.
    since_check: SinceCheck,
    /// What the last check computed, for the next.
    memo: Memo,
}

/// What a check keeps for the next one.
#[derive(Debug, Default)]
struct Memo {
    /// What was found in the stages, blocks and instructions of the text, relative to
    /// their start, by a hash of what decides it (see [`Checker::cached`]), with how
    /// many nodes of the text use each entry.
    cache: FxHashMap<u64, (Arc<Found>, u32)>,
    /// What the last walk over the top-level nodes gave.
    walked: Walked,
}

/// A node's bytes from the start of its line, kind and the hash of that text.
type TextHash = (std::ops::Range<usize>, u16, u64);

/// What a walk over the top-level nodes gave: kept, so that an edit inside one
/// stage's body walks that stage alone (walking hundreds of stages to find them
/// unchanged costs more than checking the one that changed).
#[derive(Debug, Default)]
struct Walked {
    /// Each checked top-level node's start and what it found, in order.
    nodes: Vec<(usize, Arc<Found>)>,
    /// For each of `nodes`: its text's bytes, kind and hash.
    texts: Vec<TextHash>,
    /// For each of `nodes`: the cache keys it and the nodes inside it used.
    keys: Vec<Box<[u64]>>,
    /// The keywords of the whole file.
    keywords: Vec<Keyword>,
    /// What the whole file takes from the build context.
    context_uses: Vec<ContextUse>,
    /// Where in `nodes` each stage is, and what it leaves to the stages built on it.
    stages: Vec<usize>,
    summaries: Vec<Option<Arc<StageSummary>>>,
    /// Some top-level node's text names an ignore comment's tool.
    mentions_pragma: bool,
    /// What every cache key depended on: escape character, context and file model.
    inputs: u64,
}

/// What changed since the last check: with a single edit, what the last check found
/// out of the edit's reach is known unchanged without reading it again, and walking
/// every FROM line or hashing every stage costs as much as the rest of a keystroke in
/// a file of many stages.
#[derive(Debug, Clone, PartialEq, Eq)]
enum SinceCheck {
    Nothing,
    One(OneEdit),
    /// Several edits, or the whole text replaced.
    More,
}

/// The instruction at `at` when it is one the file model does not read: not a FROM,
/// and without what [`model::may_change_model`] looks for.
fn unread_by_model<'t>(file: &Dockerfile<'t>, at: usize) -> Option<Instruction<'t>> {
    let instruction = file.instruction_at(at)?;
    let read = instruction.kind() == syntax::InstructionKind::From
        || model::may_change_model(node_text(instruction.node(), file.src()));
    (!read).then_some(instruction)
}

/// How many stages a file needs before its model is kept across an edit: with fewer,
/// building it again costs less than finding the edited instruction twice to show
/// that the model can be kept.
const KEEP_MODEL_FROM_STAGES: usize = 16;

/// One edit since the last check.
#[derive(Debug, Clone, PartialEq, Eq)]
struct OneEdit {
    /// The bytes replaced, in the text before the edit.
    start: usize,
    old_end: usize,
    /// Where the inserted text ends.
    new_end: usize,
    /// The instruction of a stage's body the edit fell in, when the file model does
    /// not read it (see [`model::may_change_model`]): its bytes before the edit, and kind.
    body: Option<(std::ops::Range<usize>, syntax::InstructionKind)>,
}

impl OneEdit {
    fn delta(&self) -> isize {
        self.new_end as isize - self.old_end as isize
    }

    /// Where the text of `now` (bytes after the edit) was before it, when the edit
    /// left that text unchanged.
    fn before(&self, now: std::ops::Range<usize>) -> Option<std::ops::Range<usize>> {
        if now.end <= self.start {
            Some(now)
        } else if now.start >= self.new_end {
            let delta = self.delta();
            Some(now.start.checked_add_signed(-delta)?..now.end.checked_add_signed(-delta)?)
        } else {
            None
        }
    }
}

impl Document {
    pub fn open(kind: FileKind, version: i32, text: String) -> Result<Self, ParseError> {
        let tree = syntax::parse(kind, &text, None)?;
        Ok(Document {
            kind,
            version,
            rope: Rope::from_str(&text),
            lines: LineIndex::new(&text),
            tree,
            context: Context::default(),
            published: Checked::default(),
            published_json: DiagnosticJson::default(),
            model: None,
            base_images: Vec::new(),
            since_check: SinceCheck::More,
            memo: Memo::default(),
        })
    }

    /// The text as one string.
    pub fn text(&self) -> &str {
        self.lines.text()
    }

    /// Applies the changes in order, then reparses once, reusing the edited tree.
    pub fn apply_changes(
        &mut self,
        version: i32,
        changes: Vec<Change>,
        encoding: PositionEncoding,
    ) -> Result<(), ParseError> {
        let mut reuse = true;
        for change in changes {
            match change.range {
                Some((start, end)) => self.apply_edit(start, end, &change.text, encoding),
                None => {
                    self.rope = Rope::from_str(&change.text);
                    self.lines.rebuild(&change.text);
                    self.since_check = SinceCheck::More;
                    reuse = false;
                }
            }
        }
        self.version = version;
        let old = reuse.then_some(&self.tree);
        self.tree = syntax::parse(self.kind, self.lines.text(), old)?;
        Ok(())
    }

    fn apply_edit(&mut self, start: LineCol, end: LineCol, text: &str, encoding: PositionEncoding) {
        let start_byte = rope::offset(&self.rope, start, encoding);
        let end_byte = rope::offset(&self.rope, end, encoding).max(start_byte);
        self.since_check = match self.since_check {
            SinceCheck::Nothing => SinceCheck::One(OneEdit {
                start: start_byte,
                old_end: end_byte,
                new_end: start_byte + text.len(),
                body: self.in_body(start_byte..end_byte),
            }),
            _ => SinceCheck::More,
        };
        let start_position = point(&self.rope, start_byte);
        let old_end_position = point(&self.rope, end_byte);
        let start_char = self.rope.byte_to_char(start_byte);
        let end_char = self.rope.byte_to_char(end_byte);
        self.rope.remove(start_char..end_char);
        self.rope.insert(start_char, text);
        // Edited in the memory it holds: fresh memory for a large document costs more to
        // touch than moving the text after the edit.
        self.lines.edit(start_byte..end_byte, text);
        let new_end_byte = start_byte + text.len();
        self.tree.edit(&InputEdit {
            start_byte,
            old_end_byte: end_byte,
            new_end_byte,
            start_position,
            old_end_position,
            new_end_position: point(&self.rope, new_end_byte),
        });
    }

    /// The instruction of a stage's body an edit of `range` (before it is made) falls
    /// in, with its kind, when the file model does not read it.
    fn in_body(
        &self,
        range: std::ops::Range<usize>,
    ) -> Option<(std::ops::Range<usize>, syntax::InstructionKind)> {
        let model = self
            .model
            .as_ref()
            .filter(|m| m.stages.len() >= KEEP_MODEL_FROM_STAGES)?;
        let file = Dockerfile::new(&self.tree, self.lines.text());
        let instruction = unread_by_model(&file, range.start)?;
        let node = instruction.node();
        let body_starts = model.stages.first().map(|s| s.image_range.start);
        let inside = body_starts.is_some_and(|b| node.start_byte() > b)
            && node.start_byte() <= range.start
            && range.end <= node.end_byte();
        inside.then(|| (node.byte_range(), instruction.kind()))
    }

    /// The last check's file model when the edits since cannot have changed it (moved
    /// as they moved the text), else `None`.
    fn kept_model(
        &self,
        file: &Dockerfile<'_>,
        since_check: &SinceCheck,
    ) -> Option<Arc<FileModel>> {
        let model = self.model.as_ref()?;
        match since_check {
            SinceCheck::Nothing => Some(Arc::clone(model)),
            SinceCheck::One(edit) => {
                let (before, kind) = edit.body.clone()?;
                let delta = edit.delta();
                // The edit must leave one instruction of the same kind, spanning what it
                // did: otherwise the text around it may read differently now.
                let now = unread_by_model(file, edit.start)?;
                let node = now.node();
                let same = now.kind() == kind
                    && node.start_byte() == before.start
                    && Some(node.end_byte()) == before.end.checked_add_signed(delta);
                same.then(|| Arc::new(model.moved(edit.start, delta)))
            }
            SinceCheck::More => None,
        }
    }

    /// The file model of the text: the last check's (documents are checked on every
    /// change), or one built now before the first check.
    pub fn file_model(&self) -> Arc<FileModel> {
        match &self.model {
            Some(model) => Arc::clone(model),
            None => Arc::new(FileModel::new(&Dockerfile::new(
                &self.tree,
                self.lines.text(),
            ))),
        }
    }

    /// The syntax errors and rule findings of the current text, in source order, as
    /// the cache holds them: what unchanged stages found is shared, not copied (a large
    /// file has hundreds of findings and an edit changes a few).
    ///
    /// What is found in an instruction or a block depends only on its text, the escape
    /// character and the context; in a stage also on the file model (global ARGs and
    /// FROM lines) and its base stage (rules are scoped to make it so). So an edit
    /// re-checks just the block it falls in: the rest comes from the hash of its inputs.
    pub fn check(&mut self) -> Checked {
        if self.kind == FileKind::Dockerignore {
            let mut findings = syntax::errors(self.kind, &self.tree, self.lines.text());
            let file = syntax::Dockerignore::new(&self.tree, self.lines.text());
            findings.extend(rules::check_dockerignore(&rules::DockerignoreView {
                file: &file,
                context: &self.context,
            }));
            findings.sort_by_key(Finding::source_order);
            return Checked::from_findings(findings);
        }
        let file = Dockerfile::new(&self.tree, self.lines.text());
        let since_check = std::mem::replace(&mut self.since_check, SinceCheck::Nothing);
        let kept = self.kept_model(&file, &since_check);
        let mut base = FxHasher::default();
        file.escape().hash(&mut base);
        self.context.fingerprint().hash(&mut base);
        let rewalked = match (&kept, &since_check) {
            (Some(model), SinceCheck::One(edit)) => {
                self.memo.rewalk(&file, model, &self.context, &base, edit)
            }
            _ => false,
        };
        // The root's children, walked once for the model and the checker.
        let mut top_level = None;
        let model = match kept {
            Some(model) => model,
            None => {
                let nodes = top_level.insert(file.top_level());
                let model = Arc::new(FileModel::of_top_level(&file, nodes));
                self.base_images = model.base_images();
                model
            }
        };
        if !rewalked {
            let top_level = top_level.unwrap_or_else(|| file.top_level());
            self.memo.walk(
                &file,
                &top_level,
                &model,
                &self.context,
                &base,
                &since_check,
            );
        }
        let mut file_findings = syntax::file_errors(&file);
        let view = FileView {
            file: &file,
            model: &model,
            context: &self.context,
            context_uses: &self.memo.walked.context_uses,
        };
        file_findings.extend(rules::check_file(&view, &self.memo.walked.keywords));
        // Ignore comments and the check directive are read from the whole file; files
        // without them (most) keep what stages found as it is.
        let suppressing = self.memo.walked.mentions_pragma
            || syntax::check_directive(self.lines.text()).is_some();
        let nodes = &self.memo.walked.nodes;
        let merged = if suppressing {
            Err(file_findings)
        } else {
            Checked::merge(nodes, file_findings)
        };
        let checked = merged.unwrap_or_else(|mut file_findings| {
            let mut findings: Vec<Finding> = nodes
                .iter()
                .flat_map(|(at, found)| found.findings.iter().map(|f| checked::absolute(*at, f)))
                .collect();
            findings.append(&mut file_findings);
            suppress::apply(&file, &self.context.settings, &mut findings);
            findings.sort_by_key(Finding::source_order);
            Checked::from_findings(findings)
        });
        self.model = Some(model);
        checked
    }
}

impl Memo {
    /// Walks every top-level node, taking what it found from the cache when its text
    /// and the inputs are unchanged, and keeps the walk and the cache entries it used.
    fn walk<'t>(
        &mut self,
        file: &Dockerfile<'t>,
        top_level: &[Node<'t>],
        model: &FileModel,
        context: &Context,
        base: &FxHasher,
        since_check: &SinceCheck,
    ) {
        let mut checker = Checker::new(file, model, context, base, &self.cache);
        // As many entries as last time: growing it would rehash every entry.
        checker.next.reserve(self.cache.len());
        let hashes = TextHashes {
            previous: &self.walked.texts,
            since_check,
        };
        let mut walked = checker.walk(top_level, &hashes, self.cache.len());
        walked.inputs = inputs(base, model);
        self.cache = checker.next;
        self.walked = walked;
    }

    /// After a single edit inside one stage's body that left the file model as it was,
    /// checks that stage alone and moves the rest of the last walk by the edit. `false`
    /// (nothing changed) when the edit may reach further: then the whole file is walked.
    fn rewalk(
        &mut self,
        file: &Dockerfile<'_>,
        model: &FileModel,
        context: &Context,
        base: &FxHasher,
        edit: &OneEdit,
    ) -> bool {
        let walked = &self.walked;
        if walked.mentions_pragma || walked.inputs != inputs(base, model) {
            return false;
        }
        // The top-level node the edit fell in, as it was before the edit.
        let Some(k) = walked
            .texts
            .partition_point(|(range, _, _)| range.start <= edit.start)
            .checked_sub(1)
        else {
            return false;
        };
        let (Some((before, kind, _)), Some((at, _)), Ok(stage)) = (
            walked.texts.get(k),
            walked.nodes.get(k),
            walked.stages.binary_search(&k),
        ) else {
            return false;
        };
        let (at, before, kind) = (*at, before.clone(), *kind);
        let delta = edit.delta();
        let Some(node) = file.root().first_child_for_byte(at) else {
            return false;
        };
        let same_extent = at < edit.start
            && edit.old_end <= before.end
            && node.start_byte() == at
            && node.kind_id() == kind
            && Some(node.end_byte()) == before.end.checked_add_signed(delta);
        if !same_extent || !syntax::is_stage(node) {
            return false;
        }
        let Some(earlier) = walked.summaries.get(..stage) else {
            return false;
        };
        let range = extent(file, node);
        let text_hash = hash_text(file, range.clone());
        let mut checker = Checker::new(file, model, context, base, &self.cache);
        checker.summaries = earlier.to_vec();
        let Some(found) = checker.child(node, Some(text_hash)) else {
            return false;
        };
        let old = walked.summaries.get(stage).and_then(Option::as_ref);
        // Stages built on this one were checked with what it left them; a text naming
        // an ignore comment's tool may suppress findings anywhere.
        let reaches_further = found.mentions_pragma
            || model::summary_fingerprint(found.summary.as_ref())
                != model::summary_fingerprint(old);
        let Checker { next, used, .. } = checker;
        if reaches_further {
            // The walk of the whole file that follows finds this stage checked: it keeps
            // the entries it uses and counts them itself.
            for (key, (found, _)) in next {
                self.cache.entry(key).or_insert((found, 0));
            }
            return false;
        }

        let walked = &mut self.walked;
        for key in walked.keys.get(k).into_iter().flat_map(|keys| keys.iter()) {
            if let Some(entry) = self.cache.get_mut(key) {
                entry.1 -= 1;
                if entry.1 == 0 {
                    self.cache.remove(key);
                }
            }
        }
        for (key, (found, uses)) in next {
            self.cache.entry(key).or_insert((found, 0)).1 += uses;
        }
        splice_node_items(
            &mut walked.keywords,
            &walked.nodes,
            k,
            &found,
            |f| &f.keywords,
            |kw| moved(kw, at),
            |kw| kw.range = shift(&kw.range, delta),
        );
        splice_node_items(
            &mut walked.context_uses,
            &walked.nodes,
            k,
            &found,
            |f| &f.context_uses,
            |used| used.moved(at as isize),
            |used| used.shift(delta),
        );
        walked.summaries[stage] = found.summary.clone();
        walked.nodes[k] = (at, found);
        walked.texts[k] = (range, kind, text_hash);
        walked.keys[k] = used.into_boxed_slice();
        for (start, _) in &mut walked.nodes[k + 1..] {
            *start = start.wrapping_add_signed(delta);
        }
        for (range, _, _) in &mut walked.texts[k + 1..] {
            *range = shift(range, delta);
        }
        true
    }
}

/// What every cache key of a walk depends on besides the node's own text.
/// In a list gathered from every top-level node in order (keywords, uses of the build
/// context), puts what `found` has in place of node `k`'s items, made absolute with
/// `moved`, and moves the items of the nodes after it with `shift`.
fn splice_node_items<T>(
    all: &mut Vec<T>,
    nodes: &[(usize, Arc<Found>)],
    k: usize,
    found: &Found,
    items: impl Fn(&Found) -> &[T],
    moved: impl Fn(&T) -> T,
    shift: impl FnMut(&mut T),
) {
    let first: usize = nodes[..k].iter().map(|(_, f)| items(f).len()).sum();
    let old = items(&nodes[k].1).len();
    let after = first + items(found).len();
    all.splice(first..first + old, items(found).iter().map(moved));
    all[after..].iter_mut().for_each(shift);
}

fn inputs(base: &FxHasher, model: &FileModel) -> u64 {
    let mut hasher = base.clone();
    model.fingerprint().hash(&mut hasher);
    hasher.finish()
}

fn shift(range: &std::ops::Range<usize>, delta: isize) -> std::ops::Range<usize> {
    range.start.wrapping_add_signed(delta)..range.end.wrapping_add_signed(delta)
}

/// Walks stages, blocks and instructions, reusing what was found in unchanged text.
struct Checker<'a, 't> {
    file: &'a Dockerfile<'t>,
    model: &'a FileModel,
    context: &'a Context,
    /// The hash every key starts from: escape character and context.
    base: FxHasher,
    previous: &'a FxHashMap<u64, (Arc<Found>, u32)>,
    next: FxHashMap<u64, (Arc<Found>, u32)>,
    /// What each stage checked so far leaves to the stages built on it.
    summaries: Vec<Option<Arc<StageSummary>>>,
    /// The cache keys used, in order, as often as used.
    used: Vec<u64>,
}

impl<'a, 't> Checker<'a, 't> {
    fn new(
        file: &'a Dockerfile<'t>,
        model: &'a FileModel,
        context: &'a Context,
        base: &FxHasher,
        previous: &'a FxHashMap<u64, (Arc<Found>, u32)>,
    ) -> Self {
        Checker {
            file,
            model,
            context,
            base: base.clone(),
            previous,
            next: FxHashMap::default(),
            summaries: Vec::new(),
            used: Vec::new(),
        }
    }

    /// What was found inside a node, relative to its start: from the previous call
    /// when its text is unchanged.
    fn cached(
        &mut self,
        node: Node<'t>,
        inputs: u64,
        text_hash: Option<u64>,
        compute: impl FnOnce(&mut Self) -> Found,
    ) -> Arc<Found> {
        let mut hasher = self.base.clone();
        inputs.hash(&mut hasher);
        node.kind_id().hash(&mut hasher);
        text_hash
            .unwrap_or_else(|| hash_text(self.file, extent(self.file, node)))
            .hash(&mut hasher);
        let key = hasher.finish();
        let known = self.previous.get(&key).or_else(|| self.next.get(&key));
        let found = match known {
            Some((found, _)) => Arc::clone(found),
            None => {
                let mut found = compute(self);
                let start = node.start_byte();
                // A check that reports outside its node would be a bug; keep it in range.
                found.findings.retain(|f| f.range.start >= start);
                let end = node.end_byte();
                let text = self.file.src().get(start..end).unwrap_or("").as_bytes();
                found.mentions_pragma = suppress::mentions_pragma(text);
                found.reaches_out = found.findings.iter().any(|f| f.range.end > end);
                for f in &mut found.findings {
                    // The key covers this node's text alone: an edit outside it could
                    // be stale when the finding is reused.
                    if f.fix_span().is_some_and(|s| s.start < start || s.end > end) {
                        f.fix = None;
                    }
                    f.range = f.range.start - start..f.range.end - start;
                }
                for k in &mut found.keywords {
                    k.range = k.range.start - start..k.range.end - start;
                }
                for u in &mut found.context_uses {
                    u.shift(-(start as isize));
                }
                found.findings.sort_by_key(Finding::source_order);
                Arc::new(found)
            }
        };
        self.next
            .entry(key)
            .or_insert_with(|| (Arc::clone(&found), 0))
            .1 += 1;
        self.used.push(key);
        found
    }

    /// Walks the top-level nodes: what each found, with where it starts, and the
    /// keywords of the whole file.
    fn walk(&mut self, top_level: &[Node<'t>], hashes: &TextHashes<'_>, keys: usize) -> Walked {
        let mut walked = Walked {
            nodes: Vec::with_capacity(top_level.len()),
            texts: Vec::with_capacity(top_level.len()),
            keys: Vec::with_capacity(top_level.len()),
            keywords: Vec::with_capacity(keys),
            ..Walked::default()
        };
        self.used.reserve(keys);
        for &child in top_level {
            let at = child.start_byte();
            let range = extent(self.file, child);
            let kind = child.kind_id();
            let text_hash = hashes
                .known(range.clone(), kind)
                .unwrap_or_else(|| hash_text(self.file, range.clone()));
            let first_key = self.used.len();
            match self.child(child, Some(text_hash)) {
                Some(found) => {
                    if syntax::is_stage(child) {
                        walked.stages.push(walked.nodes.len());
                    }
                    walked.mentions_pragma |= found.mentions_pragma;
                    walked
                        .keywords
                        .extend(found.keywords.iter().map(|k| moved(k, at)));
                    walked
                        .context_uses
                        .extend(found.context_uses.iter().map(|u| u.moved(at as isize)));
                    walked.nodes.push((at, found));
                    walked.texts.push((range, kind, text_hash));
                    walked
                        .keys
                        .push(self.used.get(first_key..).unwrap_or_default().into());
                }
                None => {
                    let text = self.file.src().get(child.byte_range()).unwrap_or("");
                    walked.mentions_pragma |= suppress::mentions_pragma(text.as_bytes());
                }
            }
        }
        walked.summaries = std::mem::take(&mut self.summaries);
        walked
    }

    /// What is found in a stage or a block (absolute ranges).
    fn container(&mut self, node: Node<'t>) -> Found {
        let mut all = Found::default();
        let mut cursor = node.walk();
        for child in node.named_children(&mut cursor) {
            let Some(found) = self.child(child, None) else {
                continue;
            };
            let at = child.start_byte();
            all.findings
                .extend(found.findings.iter().map(|f| checked::absolute(at, f)));
            all.keywords
                .extend(found.keywords.iter().map(|k| moved(k, at)));
            all.context_uses
                .extend(found.context_uses.iter().map(|u| u.moved(at as isize)));
        }
        all
    }

    /// What a stage, a block or an instruction found (`None` for a node that is not
    /// checked, such as a comment).
    fn child(&mut self, child: Node<'t>, text_hash: Option<u64>) -> Option<Arc<Found>> {
        if syntax::is_stage(child) {
            let index = self.summaries.len();
            let parent = match self.model.stages.get(index).map(|s| &s.base) {
                Some(Base::Stage(p)) => self.summaries.get(*p).cloned().flatten(),
                _ => None,
            };
            let mut inputs = FxHasher::default();
            (index, self.model.fingerprint()).hash(&mut inputs);
            model::summary_fingerprint(parent.as_ref()).hash(&mut inputs);
            let found = self.cached(child, inputs.finish(), text_hash, |this| {
                let mut found = this.container(child);
                if let Some(stage) = this.file.stage(child, index) {
                    let stage_model =
                        StageModel::new(&stage, this.model, this.context, parent.as_deref());
                    found.findings.extend(rules::check_stage(&stage_model));
                    found.summary = Some(Arc::new(stage_model.summary()));
                }
                found
            });
            self.summaries.push(found.summary.clone());
            Some(found)
        } else if syntax::is_block(child) {
            Some(self.cached(child, 0, text_hash, |this| this.container(child)))
        } else {
            let instruction = Instruction::from_node(child, self.file.src(), self.file.escape())?;
            Some(self.cached(child, 0, text_hash, |this| {
                let mut findings = syntax::errors_of_instruction(&instruction);
                findings.extend(rules::check_instruction(&instruction, this.context));
                Found {
                    findings,
                    keywords: Keyword::of(&instruction),
                    context_uses: ContextUse::of(&instruction, this.context)
                        .into_iter()
                        .collect(),
                    ..Found::default()
                }
            }))
        }
    }
}

/// The hashes of the top-level nodes' texts at the last check, and the edits since.
struct TextHashes<'a> {
    previous: &'a [TextHash],
    since_check: &'a SinceCheck,
}

impl TextHashes<'_> {
    /// The hash of a node's text, when the last check had the same text there.
    fn known(&self, now: std::ops::Range<usize>, kind: u16) -> Option<u64> {
        let before = match self.since_check {
            SinceCheck::Nothing => now,
            SinceCheck::One(edit) => edit.before(now)?,
            SinceCheck::More => return None,
        };
        let i = self
            .previous
            .binary_search_by_key(&before.start, |(range, _, _)| range.start)
            .ok()?;
        let (range, was, hash) = self.previous.get(i)?;
        (*range == before && *was == kind).then_some(*hash)
    }
}

/// A node's bytes from the start of its line: what is found in a node may depend on
/// how its line is indented (a fix inserting a line indents it the same).
fn extent(file: &Dockerfile<'_>, node: Node<'_>) -> std::ops::Range<usize> {
    let start = node.start_byte();
    let line_start = file
        .src()
        .get(..start)
        .and_then(|before| memchr::memrchr(b'\n', before.as_bytes()))
        .map_or(0, |i| i + 1);
    line_start..node.end_byte()
}

/// The hash of the text of a node's [`extent`].
fn hash_text(file: &Dockerfile<'_>, extent: std::ops::Range<usize>) -> u64 {
    let mut hasher = FxHasher::default();
    file.src().get(extent).unwrap_or("").hash(&mut hasher);
    hasher.finish()
}

fn moved(keyword: &Keyword, at: usize) -> Keyword {
    Keyword {
        range: keyword.range.start + at..keyword.range.end + at,
        case: keyword.case,
    }
}

fn point(text: &Rope, offset: usize) -> Point {
    let (row, column) = rope::point(text, offset);
    Point { row, column }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn at(line: u32, col: u32) -> LineCol {
        LineCol { line, col }
    }

    fn edit(doc: &mut Document, start: LineCol, end: LineCol, text: &str) {
        let version = doc.version + 1;
        doc.apply_changes(
            version,
            vec![Change {
                range: Some((start, end)),
                text: text.into(),
            }],
            PositionEncoding::Utf16,
        )
        .unwrap();
    }

    #[test]
    fn an_edit_changes_the_text_and_the_tree() {
        let mut doc = Document::open(
            FileKind::Dockerfile,
            1,
            "FROM alpine:3.20\nRUN ls\nUSER app\n".into(),
        )
        .unwrap();
        edit(&mut doc, at(1, 0), at(1, 3), "FORM");
        assert_eq!(doc.text(), "FROM alpine:3.20\nFORM ls\nUSER app\n");
        assert_eq!(doc.version, 2);
        let rules: Vec<_> = doc.check().to_vec().iter().map(|e| e.rule).collect();
        assert_eq!(rules, ["syntax-unknown-instruction"]);
        edit(&mut doc, at(1, 0), at(1, 4), "RUN");
        assert!(doc.check().to_vec().is_empty());
    }

    #[test]
    fn an_ignore_file_is_checked_by_the_rules_for_ignore_files() {
        let mut doc = Document::open(FileKind::Dockerignore, 1, "*.md\n".into()).unwrap();
        assert!(doc.check().to_vec().is_empty());
        doc.context = Context {
            project: Some(Arc::new(crate::analysis::settings::ProjectFiles::new([(
                ".git".to_owned(),
                true,
            )]))),
            ..Context::default()
        };
        let rules: Vec<_> = doc.check().to_vec().iter().map(|f| f.rule).collect();
        assert_eq!(rules, ["dockerignore-missing-entries"]);
        edit(&mut doc, at(1, 0), at(1, 0), ".git\n");
        assert!(doc.check().to_vec().is_empty());
    }

    #[test]
    fn utf16_columns_after_an_emoji() {
        let mut doc =
            Document::open(FileKind::Dockerfile, 1, "LABEL a=\"😀\" b=c\n".into()).unwrap();
        // The emoji is two UTF-16 code units: `b` is at column 13.
        edit(&mut doc, at(0, 13), at(0, 14), "x");
        assert_eq!(doc.text(), "LABEL a=\"😀\" x=c\n");
    }

    #[test]
    fn positions_past_the_end_are_clamped() {
        let mut doc = Document::open(FileKind::Dockerfile, 1, "FROM a\n".into()).unwrap();
        edit(&mut doc, at(7, 3), at(9, 9), "RUN x\n");
        assert_eq!(doc.text(), "FROM a\nRUN x\n");
        edit(&mut doc, at(0, 99), at(0, 120), " AS b");
        assert_eq!(doc.text(), "FROM a AS b\nRUN x\n");
    }

    #[test]
    fn a_full_change_replaces_the_text() {
        let mut doc = Document::open(FileKind::Dockerfile, 1, "FROM a\n".into()).unwrap();
        doc.apply_changes(
            5,
            vec![Change {
                range: None,
                text: "FORM b\n".into(),
            }],
            PositionEncoding::Utf8,
        )
        .unwrap();
        assert_eq!(doc.text(), "FORM b\n");
        assert_eq!(doc.check().to_vec().len(), 1);
    }

    const PIECES: &[&str] = &[
        "FROM a AS b\n",
        "FROM b\n",
        "COPY --from=b / /\n",
        "RUN --mount=type=cache,target=/c ls\n",
        "ARG V=a\n",
        "RUN echo \\\n",
        "  hi\n",
        "<<EOF\n",
        "EOF\n",
        "COPY <<X /d\n",
        "COPY . /app\n",
        "X\n",
        "# c\n",
        "\r\n",
        "ENV A=\"x y\"\n",
        "CMD [\"a\"]\n",
        "😀",
        "日本",
        "e\u{301}",
        "\t",
        "\r",
        "`",
        "$",
        "${A}",
        "=",
        " ",
    ];

    fn text() -> impl Strategy<Value = String> {
        prop::collection::vec(prop::sample::select(PIECES), 0..30).prop_map(|p| p.concat())
    }

    /// A finding without its fix, and the fix's title and edits where they apply now.
    type Resolved = (
        crate::syntax::Finding,
        Option<(String, Vec<crate::syntax::Edit>)>,
    );

    /// Findings with each fix's edits where they apply now: a cached finding keeps
    /// its fix as computed, positioned for where the finding was then.
    fn resolved(findings: Vec<crate::syntax::Finding>) -> Vec<Resolved> {
        findings
            .into_iter()
            .map(|f| {
                let fix = f.fix.as_ref().map(|x| (x.title.clone(), f.fix_edits()));
                (crate::syntax::Finding { fix: None, ..f }, fix)
            })
            .collect()
    }

    /// A file of several stages, with what the file model reads: global ARGs, FROM
    /// lines, `COPY --from`, BuildKit flags and heredocs.
    const STAGES: &str = "FROM alpine:3.20 AS base\nRUN apk add curl \\\n    git\nENV A=b\n\
        FROM base AS build\nWORKDIR /src/$A\nRUN go build ./...\nCOPY . /src\nRUN <<EOF\nls\nEOF\n\
        COPY go.mod ./\nRUN go test ./... && mkdocs build\n\
        FROM scratch\nCOPY --from=build /src /app\nRUN --mount=type=cache,target=/c true\nUSER app\n";

    /// A project with no `.dockerignore`, so that the file-wide check for one reads
    /// what every instruction takes from the build context.
    fn without_ignore_file() -> Context {
        let entries = [
            (".git", true),
            ("docs", true),
            ("test", true),
            ("go.mod", false),
        ];
        let project = crate::analysis::settings::ProjectFiles {
            dockerfile_name: Some("Dockerfile".to_owned()),
            ..crate::analysis::settings::ProjectFiles::new(
                entries.map(|(name, dir)| (name.to_owned(), dir)),
            )
        };
        Context {
            project: Some(Arc::new(project)),
            ..Context::default()
        }
    }

    /// Enough stages for the model to be kept across edits, after global ARGs.
    fn stages() -> String {
        let stages = STAGES.repeat(KEEP_MODEL_FROM_STAGES.div_ceil(3));
        format!("ARG V=1\n{stages}")
    }

    #[test]
    fn an_edit_changing_what_a_stage_leaves_rechecks_the_stages_built_on_it() {
        let mut doc = Document::open(FileKind::Dockerfile, 0, stages()).unwrap();
        assert!(doc.check().iter().all(|f| f.rule != "undefined-variable"));
        // `ENV A=b` becomes `ENV B=b` in the first stage: `build` reads `$A`.
        let at = stages().find("ENV A").unwrap() + 4;
        let position = LineIndex::new(&stages()).position(at, PositionEncoding::Utf8);
        let end = LineCol {
            line: position.line,
            col: position.col + 1,
        };
        let change = Change {
            range: Some((position, end)),
            text: "B".to_owned(),
        };
        doc.apply_changes(1, vec![change], PositionEncoding::Utf8)
            .unwrap();
        let mut expected = stages();
        expected.replace_range(at..at + 1, "B");
        let fresh = crate::analysis::check(FileKind::Dockerfile, &expected, &Context::default());
        assert_eq!(resolved(doc.check().to_vec()), resolved(fresh));
        assert_eq!(
            doc.check()
                .iter()
                .filter(|f| f.rule == "undefined-variable")
                .count(),
            1
        );
    }

    proptest! {
        // Each case checks a file of 18 stages afresh after every edit.
        #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

        /// Typing or deleting one character at a time anywhere in a file of stages:
        /// the file model kept (and moved) from the last check is the one built afresh,
        /// and so are the findings (a file-wide one included, made from what each
        /// instruction takes from the build context).
        #[test]
        fn the_kept_file_model_is_the_fresh_one(
            edits in prop::collection::vec((0usize..2_000, prop::sample::select(vec!["x", " ", "-", "\n", "\\", "<", "#", "F", "m", ""])), 1..30),
        ) {
            let context = without_ignore_file();
            let mut doc = Document::open(FileKind::Dockerfile, 0, stages()).unwrap();
            doc.context = context.clone();
            prop_assert!(doc.check().iter().any(|f| f.rule == "missing-dockerignore"));
            let mut expected = stages();
            for (at, insert) in edits {
                let start = at.min(expected.len());
                // Deleting when there is nothing to insert.
                let end = if insert.is_empty() { (start + 1).min(expected.len()) } else { start };
                let index = LineIndex::new(&expected);
                let (a, b) = (index.position(start, PositionEncoding::Utf8), index.position(end, PositionEncoding::Utf8));
                expected.replace_range(start..end, insert);
                let version = doc.version + 1;
                doc.apply_changes(version, vec![Change { range: Some((a, b)), text: insert.to_owned() }], PositionEncoding::Utf8).unwrap();
                let cached = resolved(doc.check().to_vec());
                let fresh = syntax::parse(FileKind::Dockerfile, &expected, None).unwrap();
                let model = FileModel::new(&Dockerfile::new(&fresh, &expected));
                prop_assert_eq!(doc.model.as_deref(), Some(&model));
                prop_assert_eq!(cached, resolved(crate::analysis::check(FileKind::Dockerfile, &expected, &context)));
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

        /// Random edit sequences in every encoding: the text is what plain string
        /// editing gives, and the incremental tree equals a fresh parse.
        #[test]
        fn incremental_edits_match_a_fresh_document(
            start in text(),
            edits in prop::collection::vec((0u32..12, 0u32..40, 0u32..12, 0u32..40, text()), 1..20),
            encoding in prop::sample::select(vec![PositionEncoding::Utf8, PositionEncoding::Utf16, PositionEncoding::Utf32]),
        ) {
            let context = without_ignore_file();
            let mut doc = Document::open(FileKind::Dockerfile, 0, start.clone()).unwrap();
            doc.context = context.clone();
            let mut expected = start;
            for (l1, c1, l2, c2, insert) in edits {
                let (a, b) = (at(l1, c1), at(l2, c2));
                let (a, b) = if (l1, c1) <= (l2, c2) { (a, b) } else { (b, a) };
                // What the edit means on a plain string, through the line index.
                let index = crate::position::LineIndex::new(&expected);
                let s = index.offset(a, encoding);
                let e = index.offset(b, encoding).max(s);
                expected.replace_range(s..e, &insert);
                let version = doc.version + 1;
                doc.apply_changes(version, vec![Change { range: Some((a, b)), text: insert }], encoding).unwrap();
                prop_assert_eq!(doc.text(), expected.as_str());
                prop_assert_eq!(&doc.lines, &LineIndex::new(&expected));
                let fresh = syntax::parse(FileKind::Dockerfile, &expected, None).unwrap();
                prop_assert_eq!(doc.tree.root_node().to_sexp(), fresh.root_node().to_sexp());
                let cached = resolved(doc.check().to_vec());
                // The model kept or moved from the last check is the one built afresh.
                let model = FileModel::new(&Dockerfile::new(&fresh, &expected));
                prop_assert_eq!(doc.model.as_deref(), Some(&model));
                prop_assert_eq!(cached, resolved(crate::analysis::check(FileKind::Dockerfile, &expected, &context)));
            }
        }
    }
}
