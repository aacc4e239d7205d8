//! A shell model of RUN (and shell-form CMD/ENTRYPOINT/HEALTHCHECK) commands, with exact source positions.

use std::cell::RefCell;
use std::hash::{Hash, Hasher};
use std::ops::Range;
use std::sync::Arc;

use tree_sitter::{Node, Parser, Tree};

use crate::analysis::instruction_memo;
use crate::syntax::{Heredoc, Instruction, InstructionKind};

/// How a command is joined to the one before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Separator {
    /// `&&`
    And,
    /// `||`
    Or,
    /// `;`
    Semicolon,
    /// `&` (the previous command runs in the background)
    Background,
    /// `|`
    Pipe,
    /// `|&`
    PipeStderr,
    /// A line break (only in heredoc scripts: a RUN line has none left).
    Newline,
}

impl Separator {
    /// The separator as written.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::And => "&&",
            Self::Or => "||",
            Self::Semicolon => ";",
            Self::Background => "&",
            Self::Pipe => "|",
            Self::PipeStderr => "|&",
            Self::Newline => "\n",
        }
    }
}

/// One shell word.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    /// Quotes and backslash escapes removed; the raw text when the word holds an
    /// expansion (`"$HOME/x"`, `$(id -u)`), since its value is unknown before run time.
    pub text: String,
    /// The word as the shell sees it (continuations already removed).
    pub raw: String,
    /// Bytes in the Dockerfile. Slices the source to exactly the word unless the
    /// word itself spans a continuation (then the range covers the continuation too).
    pub range: Range<usize>,
}

/// A simple command: a name and its arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    /// The command word with quotes removed (`apt-get`), after any `sudo`, `env`
    /// and `VAR=x` prefix.
    pub name: String,
    /// Bytes of the command word in the Dockerfile.
    pub name_range: Range<usize>,
    /// The arguments after the name, in order (redirections excluded).
    pub args: Vec<Word>,
    /// Bytes of the whole simple command, prefixes included.
    pub range: Range<usize>,
    /// The operator that joins this command to the previous one; `None` for the
    /// first command of a script or of a `then`/`do`/`else`/case body.
    pub separator_before: Option<Separator>,
    /// Part of a pipeline (every stage, the first one too): its exit status may be masked.
    pub in_pipeline: bool,
    /// Inside a subshell, a command or process substitution, a function, or an
    /// `if`/`while`/`until`/`for`/`case` (condition or body): it may not run, or
    /// not in the top-level shell.
    pub in_subshell_or_condition: bool,
    /// Skipped wrappers and their options, in order (`sudo`, `-u`, `root`, `env`, `-i`).
    pub wrappers: Vec<Word>,
    /// Skipped `VAR=x` assignments, leading or given to `env`/`sudo`.
    pub assignments: Vec<Word>,
}

impl Command {
    /// The name without its directory (`apt-get` for `/usr/bin/apt-get`).
    pub fn basename(&self) -> &str {
        basename(&self.name)
    }

    /// Whether any of `names` is given, before a `--` that ends the options.
    ///
    /// Names are written with their dashes. A one-letter short name also matches
    /// inside a bundle (`-y` in `-qy`); a long name also matches `--name=value`.
    /// Values attached to short options (`-ofoo`) are read as bundles too.
    pub fn has_flag(&self, names: &[&str]) -> bool {
        self.options()
            .any(|arg| names.iter().any(|name| flag_matches(&arg.text, name)))
    }

    /// The first positional argument (`install` in `apt-get -y install x`).
    pub fn subcommand(&self) -> Option<&Word> {
        self.positional().into_iter().next()
    }

    /// The arguments that are not options: those not starting with `-` (a lone
    /// `-` is positional), and all of them after `--`.
    ///
    /// Options that take a separate value (`-o Dpkg::Options::=x`, `-t stable`,
    /// `-r requirements.txt`) are not known here: their value counts as positional.
    pub fn positional(&self) -> Vec<&Word> {
        let mut out = Vec::new();
        let mut options_ended = false;
        for arg in &self.args {
            if options_ended {
                out.push(arg);
            } else if arg.text == "--" {
                options_ended = true;
            } else if !is_option(&arg.text) {
                out.push(arg);
            }
        }
        out
    }

    /// The option words, up to `--`.
    fn options(&self) -> impl Iterator<Item = &Word> {
        self.args
            .iter()
            .take_while(|arg| arg.text != "--")
            .filter(|arg| is_option(&arg.text))
    }
}

fn is_option(text: &str) -> bool {
    text.len() > 1 && text.starts_with('-')
}

fn flag_matches(arg: &str, name: &str) -> bool {
    let with_value = |arg: &str| arg.strip_prefix(name).is_some_and(|v| v.starts_with('='));
    if name.starts_with("--") {
        return arg == name || with_value(arg);
    }
    let mut letters = name.chars().skip(1);
    match (name.starts_with('-'), letters.next(), letters.next()) {
        (true, Some(letter), None) if !arg.starts_with("--") => arg
            .strip_prefix('-')
            .is_some_and(|bundle| bundle.contains(letter)),
        _ => arg == name || with_value(arg),
    }
}

fn basename(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// Shell code parsed by tree-sitter-bash, with a map back to the Dockerfile.
///
/// The shell sees the logical line: continuations removed and the comment and
/// blank lines inside them dropped, as BuildKit joins them. Rules need positions
/// in the Dockerfile, so the text is assembled piece by piece and each piece
/// remembers where it came from: `curl` on the third physical line of a RUN is
/// reported there.
#[derive(Debug, Clone)]
pub struct ShellScript {
    text: String,
    /// `(offset in text, offset in the Dockerfile)` where each contiguous run of
    /// source bytes starts, sorted by both.
    segments: Vec<(usize, usize)>,
    tree: Tree,
}

/// The shell command of an instruction in shell form (RUN, CMD, ENTRYPOINT,
/// HEALTHCHECK CMD), parsed. `None` for the exec (JSON) form.
///
/// A heredoc marker is read as a plain `<` redirect of its delimiter (`<<EOF`
/// becomes `< EOF` in [`ShellScript::text`], same length): tree-sitter-bash cannot
/// parse a marker without a command before it or several markers on a line, and
/// the bodies are scripts or data of their own (see [`parse_heredoc_body`]).
///
/// The text is read as POSIX/bash code whatever the SHELL instruction says
/// (`cmd` or PowerShell on Windows images are not modelled).
pub fn parse_run(instruction: &Instruction<'_>) -> Option<ShellScript> {
    let command = instruction.shell_command()?;
    let mut text = MappedText::default();
    text.push_logical(
        instruction.src(),
        command.start_byte()..instruction.line_end(),
        instruction.escape(),
    );
    for heredoc in instruction.heredocs() {
        let marker = heredoc.marker.byte_range();
        let digits = instruction
            .text(heredoc.marker)
            .bytes()
            .take_while(u8::is_ascii_digit)
            .count();
        text.blank(marker.start + digits + 1);
    }
    text.parse()
}

/// The body of a RUN heredoc as a script, when the shell runs it: `RUN <<EOF`
/// (unless a `#!` line names another interpreter) or a shell reading it on its
/// standard input (`RUN bash <<EOF`, `RUN sudo sh -e <<EOF`). `None` for data
/// (`RUN python3 <<EOF`, `RUN cat <<EOF > file`) and for other instructions.
pub fn parse_heredoc_body(
    instruction: &Instruction<'_>,
    heredoc: &Heredoc<'_>,
) -> Option<ShellScript> {
    if instruction.kind() != InstructionKind::Run {
        return None;
    }
    let body = heredoc.body?;
    let src = instruction.src();
    let runs_as_shell = if is_whole_command(instruction, heredoc) {
        shebang_is_shell(src.get(body.byte_range())?)
    } else {
        fed_to_shell(&parse_run(instruction)?, heredoc)
    };
    if !runs_as_shell {
        return None;
    }
    let mut text = MappedText::default();
    text.push_without_cr(src, body.byte_range());
    text.parse()
}

/// The shell code of an instruction: its command line, then each heredoc body
/// the shell runs.
pub fn shell_scripts(instruction: &Instruction<'_>) -> Vec<ShellScript> {
    let heredocs = instruction.heredocs();
    parse_run(instruction)
        .into_iter()
        .chain(
            heredocs
                .iter()
                .filter_map(|h| parse_heredoc_body(instruction, h)),
        )
        .collect()
}

/// The commands of a RUN: its command line, then each heredoc body the shell runs,
/// with a flag for scripts tree-sitter-bash could not fully parse. Empty for other
/// instructions and for the exec form.
///
/// Many rules look at the same RUN, one after the other and again from stage checks,
/// and most RUNs are unchanged from one keystroke to the next. So results are kept per
/// thread by the instruction's text, positions relative to its start (a RUN moved by an
/// edit above it is not parsed again), and in the instruction memo with absolute
/// positions (the rules reading one RUN share one result).
pub fn run_commands(instruction: &Instruction<'_>) -> Arc<RunCommands> {
    if instruction.kind() != InstructionKind::Run {
        return Arc::default();
    }
    // Rules ask for the commands of a RUN one after another: looking for the shell
    // command only on the first ask.
    let found = instruction_memo::memo(instruction, |i| {
        RunMemo(match i.shell_command() {
            Some(_) => run_commands_by_text(i),
            None => Arc::default(),
        })
    });
    Arc::clone(&found.0)
}

/// [`run_commands`] as the instruction memo keeps it.
struct RunMemo(Arc<RunCommands>);

fn run_commands_by_text(instruction: &Instruction<'_>) -> Arc<RunCommands> {
    let src = instruction.src();
    let range = instruction.node().byte_range();
    let start = range.start;
    let text = src.get(range).unwrap_or("");
    let mut hasher = rustc_hash::FxHasher::default();
    (instruction.escape(), text).hash(&mut hasher);
    let hash = hasher.finish();
    RUN_CACHE.with(|cache| {
        let mut cache = cache.borrow_mut();
        match cache.get(&hash) {
            Some((t, relative)) if t == text => Arc::new(relative.shifted(start, true)),
            _ => {
                let mut commands = Vec::new();
                let mut complete = true;
                for script in shell_scripts(instruction) {
                    complete &= !script.has_errors();
                    commands.extend(script.commands());
                }
                let found = RunCommands { commands, complete };
                if cache.len() >= RUN_CACHE_SIZE {
                    cache.clear();
                }
                cache.insert(hash, (text.to_owned(), found.shifted(start, false)));
                Arc::new(found)
            }
        }
    })
}

/// What [`run_commands`] finds.
#[derive(Debug, Default, Clone)]
pub struct RunCommands {
    pub commands: Vec<Command>,
    /// Every script parsed without errors.
    pub complete: bool,
}

impl RunCommands {
    /// The same commands with every range moved by `by` bytes (forward or back).
    fn shifted(&self, by: usize, forward: bool) -> RunCommands {
        let shift = |r: &Range<usize>| {
            if forward {
                r.start + by..r.end + by
            } else {
                r.start.saturating_sub(by)..r.end.saturating_sub(by)
            }
        };
        let words = |words: &[Word]| -> Vec<Word> {
            words
                .iter()
                .map(|w| Word {
                    text: w.text.clone(),
                    raw: w.raw.clone(),
                    range: shift(&w.range),
                })
                .collect()
        };
        RunCommands {
            commands: self
                .commands
                .iter()
                .map(|c| Command {
                    name: c.name.clone(),
                    name_range: shift(&c.name_range),
                    args: words(&c.args),
                    range: shift(&c.range),
                    separator_before: c.separator_before,
                    in_pipeline: c.in_pipeline,
                    in_subshell_or_condition: c.in_subshell_or_condition,
                    wrappers: words(&c.wrappers),
                    assignments: words(&c.assignments),
                })
                .collect(),
            complete: self.complete,
        }
    }
}

/// RUNs remembered per thread before the cache starts over (a few thousand lines' worth).
const RUN_CACHE_SIZE: usize = 4096;

thread_local! {
    /// By a hash of escape character and text: the text and its commands, positions
    /// relative to the instruction.
    static RUN_CACHE: RefCell<rustc_hash::FxHashMap<u64, (String, RunCommands)>> =
        RefCell::default();
}

/// `RUN <<EOF`: the heredoc is the only thing on the line, so BuildKit runs its body.
fn is_whole_command(instruction: &Instruction<'_>, heredoc: &Heredoc<'_>) -> bool {
    let Some(command) = instruction.shell_command() else {
        return false;
    };
    let mut cursor = command.walk();
    let mut parts = command
        .named_children(&mut cursor)
        .filter(|n| !n.is_extra() && !matches!(n.kind(), "comment" | "line_continuation"));
    matches!((parts.next(), parts.next()), (Some(only), None) if only == heredoc.marker)
}

/// Whether a script's `#!` line, if any, names a shell.
fn shebang_is_shell(body: &str) -> bool {
    let Some(line) = body.lines().next().and_then(|l| l.strip_prefix("#!")) else {
        return true;
    };
    let mut words = line.split_whitespace();
    let interpreter = match words.next().map(basename) {
        Some("env") => words.find(|w| !w.starts_with('-') && !w.contains('=')),
        other => other,
    };
    interpreter.is_some_and(|i| is_shell(basename(i)))
}

/// Whether the command whose standard input is this heredoc is a shell reading
/// a script from it (no `-c`, no script file).
fn fed_to_shell(line: &ShellScript, heredoc: &Heredoc<'_>) -> bool {
    let marker = heredoc.marker.byte_range();
    let mut stack = vec![line.tree.root_node()];
    while let Some(node) = stack.pop() {
        // The marker was read as `< DELIMITER`.
        let is_marker = node.kind() == "file_redirect"
            && node
                .child_by_field_name("destination")
                .is_some_and(|d| marker.contains(&line.source_offset(d.start_byte())));
        if is_marker {
            let command = node.parent().and_then(|parent| match parent.kind() {
                "command" => Some(parent),
                "redirected_statement" => parent
                    .child_by_field_name("body")
                    .and_then(redirected_command),
                _ => None,
            });
            return command
                .and_then(|c| line.command(c, Context::default(), None))
                .is_some_and(|c| {
                    is_shell(c.basename()) && c.positional().is_empty() && !c.has_flag(&["-c"])
                });
        }
        let mut cursor = node.walk();
        stack.extend(node.named_children(&mut cursor));
    }
    false
}

/// The command a redirect after `body` applies to: the body itself, or the last
/// command of a list or pipeline (tree-sitter-bash hangs the `<<EOF` of
/// `a && bash <<EOF` on the whole list, where the shell gives it to `bash`).
fn redirected_command(body: Node<'_>) -> Option<Node<'_>> {
    let mut node = body;
    loop {
        match node.kind() {
            "command" => return Some(node),
            "list" | "pipeline" => {
                let last = node.named_child_count().checked_sub(1)?;
                node = node.named_child(u32::try_from(last).ok()?)?;
            }
            _ => return None,
        }
    }
}

fn is_shell(name: &str) -> bool {
    matches!(
        name,
        "sh" | "bash" | "dash" | "ash" | "zsh" | "ksh" | "mksh" | "yash" | "posh"
    )
}

/// Where a command sits, inherited from its ancestors.
#[derive(Debug, Clone, Copy, Default)]
struct Context {
    in_pipeline: bool,
    nested: bool,
    /// Inside a test or arithmetic expression: `||` there is not a command separator.
    in_expression: bool,
    /// A direct child of a pipeline: `|` between siblings is not a node.
    pipeline_stage: bool,
}

/// Statements: the nodes a separator or a line break stands before.
fn is_statement(kind: &str) -> bool {
    matches!(
        kind,
        "command"
            | "declaration_command"
            | "unset_command"
            | "list"
            | "pipeline"
            | "redirected_statement"
            | "subshell"
            | "compound_statement"
            | "if_statement"
            | "while_statement"
            | "for_statement"
            | "c_style_for_statement"
            | "case_statement"
            | "function_definition"
            | "negated_command"
            | "test_command"
            | "variable_assignment"
            | "variable_assignments"
    )
}

/// What joins the next command to the previous one, read in source order.
#[derive(Debug, Clone, Copy)]
struct Links {
    /// The last operator seen and not yet given to a command.
    pending: Option<Separator>,
    /// No statement yet in the script or in the body just opened: a line break
    /// here separates nothing.
    at_start: bool,
}

impl Default for Links {
    fn default() -> Self {
        Links {
            pending: None,
            at_start: true,
        }
    }
}

impl Links {
    /// An anonymous token: an operator sets the pending separator; a keyword that
    /// opens a body clears it (`rm` in `if x; then rm` follows no operator).
    fn token(&mut self, token: Node<'_>) {
        let separator = match token.kind() {
            "&&" => Separator::And,
            "||" => Separator::Or,
            ";" => Separator::Semicolon,
            "&" => Separator::Background,
            "|" => Separator::Pipe,
            "|&" => Separator::PipeStderr,
            "then" | "do" | "else" | "elif" | ";;" | ";&" | ";;&" => {
                self.pending = None;
                self.at_start = true;
                return;
            }
            ")" if token.parent().is_some_and(|p| p.kind() == "case_item") => {
                self.pending = None;
                self.at_start = true;
                return;
            }
            // Groups keep the operator before them (`a && (b; c)`: `b` runs after `a`).
            "(" | "{" | "$(" | "`" | "<(" | ">(" | "if" | "while" | "until" => {
                self.at_start = true;
                return;
            }
            _ => return,
        };
        self.pending = Some(separator);
    }

    /// A statement starts after `gap`: pipes between pipeline stages and line
    /// breaks are not nodes, so they are read from the text.
    fn statement(&mut self, gap: &str, pipeline_stage: bool) {
        if pipeline_stage && gap.contains('|') {
            self.pending = Some(if gap.contains("|&") {
                Separator::PipeStderr
            } else {
                Separator::Pipe
            });
        } else if self.pending.is_none() && !self.at_start && has_line_break(gap) {
            self.pending = Some(Separator::Newline);
        }
        self.at_start = false;
    }
}

impl ShellScript {
    /// The text tree-sitter-bash parsed.
    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn tree(&self) -> &Tree {
        &self.tree
    }

    /// Whether tree-sitter-bash found a syntax error (commands may then be partial).
    pub fn has_errors(&self) -> bool {
        self.tree.root_node().has_error()
    }

    /// The Dockerfile offset of a byte of [`Self::text`].
    pub fn source_offset(&self, offset: usize) -> usize {
        let i = self.segments.partition_point(|&(text, _)| text <= offset);
        match i.checked_sub(1).and_then(|i| self.segments.get(i)) {
            Some(&(text, source)) => source + (offset - text),
            None => offset,
        }
    }

    /// The Dockerfile bytes of a range of [`Self::text`]. The end is mapped from
    /// the last byte, so a word just before a removed continuation ends where it
    /// is written, not at the start of the next line.
    pub fn source_range(&self, range: Range<usize>) -> Range<usize> {
        let start = self.source_offset(range.start);
        if range.end <= range.start {
            return start..start;
        }
        start..self.source_offset(range.end - 1) + 1
    }

    /// The simple commands, in source order (a command before those in its
    /// substitutions). `[ ... ]`/`[[ ... ]]` tests and bare assignments are not
    /// commands; `export`/`declare`/`local`/`readonly`/`unset` are.
    pub fn commands(&self) -> Vec<Command> {
        let mut out = Vec::new();
        let mut links = Links::default();
        // Pre-order, with an explicit stack: `a && b && ...` nests a level per
        // operator, and a long RUN must not exhaust the thread's stack.
        let root = self.tree.root_node();
        let mut stack = vec![(root, root.start_byte(), Context::default())];
        while let Some((node, gap_start, ctx)) = stack.pop() {
            let kind = node.kind();
            if !node.is_named() {
                if !ctx.in_expression {
                    links.token(node);
                }
                continue;
            }
            if matches!(kind, "comment" | "heredoc_body") {
                continue;
            }
            if is_statement(kind) {
                let gap = self.text.get(gap_start..node.start_byte()).unwrap_or("");
                links.statement(gap, ctx.pipeline_stage);
            }
            match kind {
                "command" | "declaration_command" | "unset_command" => {
                    out.extend(self.command(node, ctx, links.pending.take()));
                }
                "test_command" | "variable_assignments" => links.pending = None,
                "variable_assignment"
                    if node
                        .parent()
                        .is_some_and(|p| is_statement_container(p.kind())) =>
                {
                    links.pending = None;
                }
                _ => {}
            }
            let inner = self.inner_context(node, ctx);
            let mut cursor = node.walk();
            let children: Vec<Node<'_>> = node.children(&mut cursor).collect();
            let mut previous_end = node.start_byte();
            let mut frames = Vec::with_capacity(children.len());
            for child in children {
                frames.push((child, previous_end, inner));
                previous_end = child.end_byte();
            }
            stack.extend(frames.into_iter().rev());
        }
        out
    }

    /// The context of a node's children.
    fn inner_context(&self, node: Node<'_>, ctx: Context) -> Context {
        let mut inner = Context {
            pipeline_stage: false,
            ..ctx
        };
        match node.kind() {
            "pipeline" => {
                inner.in_pipeline = true;
                inner.pipeline_stage = true;
            }
            "subshell"
            | "if_statement"
            | "while_statement"
            | "for_statement"
            | "c_style_for_statement"
            | "case_statement"
            | "function_definition" => {
                inner.nested = true;
            }
            "command_substitution" | "process_substitution" => {
                inner.nested = true;
                inner.in_pipeline = false;
                inner.in_expression = false;
            }
            "test_command"
            | "arithmetic_expansion"
            | "binary_expression"
            | "unary_expression"
            | "ternary_expression"
            | "parenthesized_expression"
            | "postfix_expression" => {
                inner.in_expression = true;
            }
            _ => {}
        }
        inner
    }

    fn command(
        &self,
        node: Node<'_>,
        ctx: Context,
        separator_before: Option<Separator>,
    ) -> Option<Command> {
        let mut assignments = Vec::new();
        let mut words = Vec::new();
        let mut cursor = node.walk();
        if node.kind() == "command" {
            for (i, child) in node.children(&mut cursor).enumerate() {
                let field = node.field_name_for_child(i as u32);
                match (field, child.kind()) {
                    (Some("name" | "argument"), _) => words.push(self.word(child)),
                    (None, "variable_assignment") => assignments.push(self.word(child)),
                    _ => {}
                }
            }
        } else {
            // `export A=b`: the keyword is a token, the rest are its arguments.
            let keyword = node.child(0)?;
            words.push(self.word(keyword));
            words.extend(
                node.named_children(&mut cursor)
                    .filter(|c| c.kind() != "comment")
                    .map(|c| self.word(c)),
            );
        }
        let mut wrappers = Vec::new();
        let first = skip_wrappers(&words, &mut wrappers, &mut assignments);
        let mut words = words.into_iter().skip(first);
        let name = words.next()?;
        Some(Command {
            name: name.text,
            name_range: name.range,
            args: words.collect(),
            range: self.source_range(node.byte_range()),
            separator_before,
            in_pipeline: ctx.in_pipeline,
            in_subshell_or_condition: ctx.nested,
            wrappers,
            assignments,
        })
    }

    fn word(&self, node: Node<'_>) -> Word {
        let raw = self.text.get(node.byte_range()).unwrap_or("").to_owned();
        Word {
            text: self.unquote(node).unwrap_or_else(|| raw.clone()),
            raw,
            range: self.source_range(node.byte_range()),
        }
    }

    /// The value of a word without quotes, or `None` if it holds an expansion.
    fn unquote(&self, node: Node<'_>) -> Option<String> {
        let raw = self.text.get(node.byte_range())?;
        match node.kind() {
            "word" | "number" => Some(unescape(raw)),
            "command_name" => self.unquote(node.named_child(0)?),
            "raw_string" => Some(raw.strip_prefix('\'')?.strip_suffix('\'')?.to_owned()),
            "string" => {
                let mut cursor = node.walk();
                if node
                    .named_children(&mut cursor)
                    .any(|c| c.kind() != "string_content")
                {
                    return None;
                }
                Some(unescape_double_quoted(
                    raw.strip_prefix('"')?.strip_suffix('"')?,
                ))
            }
            "concatenation" => {
                let mut out = String::new();
                let mut cursor = node.walk();
                for part in node.children(&mut cursor) {
                    if part.is_named() {
                        out.push_str(&self.unquote(part)?);
                    } else {
                        out.push_str(self.text.get(part.byte_range())?);
                    }
                }
                Some(out)
            }
            "variable_assignment" => {
                let name = node.child_by_field_name("name")?;
                let head = self.text.get(node.start_byte()..name.end_byte())?;
                let value = match node.child_by_field_name("value") {
                    Some(value) => self.unquote(value)?,
                    None => String::new(),
                };
                Some(format!("{head}={value}"))
            }
            _ if !node.is_named() => Some(raw.to_owned()),
            _ => None,
        }
    }
}

fn is_statement_container(kind: &str) -> bool {
    matches!(
        kind,
        "program"
            | "list"
            | "subshell"
            | "compound_statement"
            | "do_group"
            | "if_statement"
            | "elif_clause"
            | "else_clause"
            | "case_item"
            | "command_substitution"
    )
}

/// A line break not escaped by a backslash.
fn has_line_break(text: &str) -> bool {
    text.match_indices('\n')
        .any(|(i, _)| !text[..i].ends_with('\\'))
}

/// Backslash escapes of an unquoted word (`a\ b` is `a b`; `\` newline vanishes).
fn unescape(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
        } else if let Some(next) = chars.next().filter(|&n| n != '\n') {
            out.push(next);
        }
    }
    out
}

/// Inside double quotes a backslash only escapes `$`, `` ` ``, `"`, `\` and a newline.
fn unescape_double_quoted(inner: &str) -> String {
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, chars.peek()) {
            ('\\', Some('$' | '`' | '"' | '\\')) => {
                out.extend(chars.next());
            }
            ('\\', Some('\n')) => {
                chars.next();
            }
            _ => out.push(c),
        }
    }
    out
}

/// Options of the wrappers we look through that take a separate value.
fn wrapper_value_options(wrapper: &str) -> Option<&'static [&'static str]> {
    Some(match wrapper {
        "sudo" => &[
            "-u",
            "-g",
            "-U",
            "-C",
            "-D",
            "-h",
            "-p",
            "-R",
            "-r",
            "-T",
            "-t",
            "--user",
            "--group",
            "--other-user",
            "--close-from",
            "--chdir",
            "--host",
            "--prompt",
            "--chroot",
            "--role",
            "--type",
            "--command-timeout",
        ],
        "doas" => &["-u", "-C"],
        "env" => &["-u", "--unset", "-C", "--chdir", "-S", "--split-string"],
        "nohup" => &[],
        _ => return None,
    })
}

/// The index of the command word after `sudo`, `doas`, `env` and `nohup`
/// (with their options and `VAR=x` words); 0 when there is none.
fn skip_wrappers(words: &[Word], wrappers: &mut Vec<Word>, assignments: &mut Vec<Word>) -> usize {
    let mut first = 0;
    while let Some(value_options) = words
        .get(first)
        .and_then(|w| wrapper_value_options(basename(&w.text)))
    {
        let mut i = first + 1;
        while let Some(option) = words.get(i).filter(|w| is_option(&w.text)) {
            i += 1;
            if option.text == "--" {
                break;
            }
            if value_options.contains(&option.text.as_str()) {
                i += 1;
            }
        }
        let mut given = Vec::new();
        while let Some(assignment) = words.get(i).filter(|w| is_assignment(&w.text)) {
            given.push(assignment.clone());
            i += 1;
        }
        if i >= words.len() {
            // `sudo -v`, `env`: the wrapper is the command.
            break;
        }
        let options_end = i - given.len();
        wrappers.extend(
            words
                .get(first..options_end)
                .unwrap_or_default()
                .iter()
                .cloned(),
        );
        assignments.extend(given);
        first = i;
    }
    first
}

fn is_assignment(text: &str) -> bool {
    let Some((name, _)) = text.split_once('=') else {
        return false;
    };
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Text assembled from pieces of the Dockerfile, remembering where each came from.
#[derive(Debug, Default)]
struct MappedText {
    text: String,
    segments: Vec<(usize, usize)>,
}

impl MappedText {
    fn push(&mut self, source_start: usize, piece: &str) {
        if piece.is_empty() {
            return;
        }
        let continues = self
            .segments
            .last()
            .is_some_and(|&(text, source)| source + (self.text.len() - text) == source_start);
        if !continues {
            self.segments.push((self.text.len(), source_start));
        }
        self.text.push_str(piece);
    }

    /// Replaces the byte that came from `source` (an ASCII `<`) with a blank.
    fn blank(&mut self, source: usize) {
        let i = self
            .segments
            .partition_point(|&(_, start)| start <= source)
            .checked_sub(1);
        let Some(&(text, start)) = i.and_then(|i| self.segments.get(i)) else {
            return;
        };
        let offset = text + (source - start);
        let segment_end = i
            .and_then(|i| self.segments.get(i + 1))
            .map_or(self.text.len(), |&(next, _)| next);
        if offset < segment_end && self.text.get(offset..offset + 1) == Some("<") {
            self.text.replace_range(offset..offset + 1, " ");
        }
    }

    /// `src[range]` as is, but for the `\r` of each `\r\n` (the shell would read
    /// it as part of a word, and a heredoc delimiter would not match).
    fn push_without_cr(&mut self, src: &str, range: Range<usize>) {
        let Some(slice) = src.get(range.clone()) else {
            return;
        };
        let mut start = 0;
        for (i, _) in slice.match_indices("\r\n") {
            self.push(range.start + start, &slice[start..i]);
            start = i + 1;
        }
        self.push(range.start + start, &slice[start..]);
    }

    /// The logical text of `src[range]`, piece by piece (see `syntax::logical_segments`).
    fn push_logical(&mut self, src: &str, range: Range<usize>, escape: char) {
        for (start, piece) in crate::syntax::logical_segments(src, range, escape) {
            self.push(start, piece);
        }
    }

    fn parse(self) -> Option<ShellScript> {
        let tree = parse_bash(&self.text)?;
        Some(ShellScript {
            text: self.text,
            segments: self.segments,
            tree,
        })
    }
}

thread_local! {
    static BASH: RefCell<Option<Parser>> = const { RefCell::new(None) };
}

fn parse_bash(text: &str) -> Option<Tree> {
    BASH.with(|cell| {
        let mut slot = cell.try_borrow_mut().ok()?;
        if slot.is_none() {
            let mut parser = Parser::new();
            parser
                .set_language(&tree_sitter_bash::LANGUAGE.into())
                .ok()?;
            *slot = Some(parser);
        }
        slot.as_mut()?.parse(text, None)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::{self, FileKind};

    /// The commands of the shell command line of the first instruction that has
    /// one, each word checked to slice the source to itself.
    fn run_commands(text: &str) -> Vec<Command> {
        checked(text, script(text).commands())
    }

    /// Every word on one physical line is found in the source exactly as the
    /// shell reads it.
    fn checked(text: &str, commands: Vec<Command>) -> Vec<Command> {
        for command in &commands {
            for word in command.args.iter().chain(&command.assignments) {
                let written = &text[word.range.clone()];
                if !written.contains('\n') {
                    assert_eq!(written, word.raw, "{command:?}");
                }
            }
        }
        commands
    }

    fn script(text: &str) -> ShellScript {
        let tree = syntax::parse(FileKind::Dockerfile, text, None).unwrap();
        let file = syntax::Dockerfile::new(&tree, text);
        let instruction = file
            .instructions()
            .find(|i| i.shell_command().is_some())
            .unwrap();
        parse_run(&instruction).unwrap()
    }

    /// The heredoc body scripts of every instruction (`None` where not shell).
    fn heredoc_scripts(text: &str) -> Vec<Option<ShellScript>> {
        let tree = syntax::parse(FileKind::Dockerfile, text, None).unwrap();
        let file = syntax::Dockerfile::new(&tree, text);
        file.instructions()
            .flat_map(|i| {
                i.heredocs()
                    .iter()
                    .map(|h| parse_heredoc_body(&i, h))
                    .collect::<Vec<_>>()
            })
            .collect()
    }

    fn names(commands: &[Command]) -> Vec<&str> {
        commands.iter().map(|c| c.name.as_str()).collect()
    }

    fn args(command: &Command) -> Vec<&str> {
        command.args.iter().map(|a| a.text.as_str()).collect()
    }

    #[test]
    fn an_apt_get_chain_over_a_continuation() {
        let text = "FROM debian\n\
                    RUN apt-get update && apt-get install -y --no-install-recommends curl \\\n    \
                    && rm -rf /var/lib/apt/lists/*\n";
        let commands = run_commands(text);
        assert_eq!(names(&commands), ["apt-get", "apt-get", "rm"]);
        let separators: Vec<_> = commands.iter().map(|c| c.separator_before).collect();
        assert_eq!(
            separators,
            [None, Some(Separator::And), Some(Separator::And)]
        );
        assert_eq!(args(&commands[0]), ["update"]);
        assert_eq!(
            args(&commands[1]),
            ["install", "-y", "--no-install-recommends", "curl"]
        );
        assert_eq!(args(&commands[2]), ["-rf", "/var/lib/apt/lists/*"]);
        assert_eq!(&text[commands[1].args[3].range.clone()], "curl");
        assert_eq!(&text[commands[2].name_range.clone()], "rm");
        assert_eq!(
            &text[commands[2].args[1].range.clone()],
            "/var/lib/apt/lists/*"
        );
        assert_eq!(
            &text[commands[1].range.clone()],
            "apt-get install -y --no-install-recommends curl"
        );
        assert!(
            commands
                .iter()
                .all(|c| !c.in_pipeline && !c.in_subshell_or_condition)
        );
    }

    #[test]
    fn a_command_after_a_comment_line_and_a_blank_line_inside_a_continuation() {
        let text = "FROM alpine\n\
                    RUN set -eux; \\\n  \
                    # fetch the tools\n\
                    \n  \
                    apk add --no-cache curl \\\n      git\n";
        let commands = run_commands(text);
        assert_eq!(names(&commands), ["set", "apk"]);
        let apk = &commands[1];
        assert_eq!(apk.separator_before, Some(Separator::Semicolon));
        assert_eq!(&text[apk.name_range.clone()], "apk");
        let git = &apk.args[3];
        assert_eq!(git.text, "git");
        assert_eq!(&text[git.range.clone()], "git");
        assert_eq!(&text[apk.args[2].range.clone()], "curl");
        assert_eq!(text[..apk.name_range.start].lines().count(), 5);
        // The command spans the continuation: its range covers it as written.
        assert_eq!(
            &text[apk.range.clone()],
            "apk add --no-cache curl \\\n      git"
        );
    }

    #[test]
    fn the_text_is_the_logical_line_of_the_syntax_layer() {
        for text in [
            "RUN a \\\n  # note\n\n  b\n",
            "RUN a \\\r\n  b\r\n",
            "RUN echo a\\\\\nRUN b\n",
            "RUN x \\",
            "RUN a \\ \t\n\\\nb",
        ] {
            let tree = syntax::parse(FileKind::Dockerfile, text, None).unwrap();
            let file = syntax::Dockerfile::new(&tree, text);
            let run = file.instructions().next().unwrap();
            let command = run.shell_command().unwrap();
            let range = command.start_byte()..run.line_end();
            assert_eq!(
                parse_run(&run).unwrap().text(),
                syntax::logical_text(text, range, '\\'),
                "{text:?}"
            );
        }
    }

    #[test]
    fn sudo_is_looked_through() {
        let commands = run_commands("FROM a\nRUN sudo apt-get install x\n");
        assert_eq!(names(&commands), ["apt-get"]);
        assert_eq!(commands[0].subcommand().unwrap().text, "install");
        let wrappers: Vec<_> = commands[0].wrappers.iter().map(|w| &w.text).collect();
        assert_eq!(wrappers, ["sudo"]);

        let commands = run_commands("FROM a\nRUN sudo -u app -E pip install x\n");
        assert_eq!(names(&commands), ["pip"]);
        let wrappers: Vec<_> = commands[0].wrappers.iter().map(|w| &w.text).collect();
        assert_eq!(wrappers, ["sudo", "-u", "app", "-E"]);
    }

    #[test]
    fn leading_assignments_and_env_are_looked_through() {
        let text = "FROM a\nRUN DEBIAN_FRONTEND=noninteractive apt-get install -qy x\n";
        let commands = run_commands(text);
        assert_eq!(names(&commands), ["apt-get"]);
        let apt = &commands[0];
        assert!(apt.has_flag(&["-y"]));
        assert!(apt.has_flag(&["--yes", "-y"]));
        assert!(!apt.has_flag(&["--no-install-recommends"]));
        assert_eq!(apt.assignments.len(), 1);
        assert_eq!(apt.assignments[0].text, "DEBIAN_FRONTEND=noninteractive");
        assert_eq!(&text[apt.range.clone()], &text[11..text.len() - 1]);

        let commands = run_commands("FROM a\nRUN env -i PATH=/bin A='b c' npm ci\n");
        assert_eq!(names(&commands), ["npm"]);
        let assignments: Vec<_> = commands[0].assignments.iter().map(|w| &w.text).collect();
        assert_eq!(assignments, ["PATH=/bin", "A=b c"]);
        let wrappers: Vec<_> = commands[0].wrappers.iter().map(|w| &w.text).collect();
        assert_eq!(wrappers, ["env", "-i"]);
    }

    #[test]
    fn a_wrapper_without_a_command_is_the_command() {
        let commands = run_commands("FROM a\nRUN sudo -v && env\n");
        assert_eq!(names(&commands), ["sudo", "env"]);
        assert_eq!(args(&commands[0]), ["-v"]);
        assert!(commands[0].wrappers.is_empty());
    }

    #[test]
    fn subcommand_flags_and_positional_arguments() {
        let commands =
            run_commands("FROM python\nRUN pip install --no-cache-dir -r requirements.txt\n");
        let pip = &commands[0];
        assert_eq!(pip.subcommand().unwrap().text, "install");
        assert!(pip.has_flag(&["--no-cache-dir"]));
        assert!(pip.has_flag(&["-r"]));
        assert!(!pip.has_flag(&["--no-deps"]));
        // `-r` takes a value, which this simple model counts as positional.
        let positional: Vec<_> = pip.positional().iter().map(|w| w.text.as_str()).collect();
        assert_eq!(positional, ["install", "requirements.txt"]);

        let commands =
            run_commands("FROM a\nRUN apt-get -y install --target-release=bookworm x -- -y\n");
        let apt = &commands[0];
        assert_eq!(apt.subcommand().unwrap().text, "install");
        assert!(apt.has_flag(&["--target-release"]));
        assert!(!apt.has_flag(&["--target"]));
        let positional: Vec<_> = apt.positional().iter().map(|w| w.text.as_str()).collect();
        assert_eq!(positional, ["install", "x", "-y"]);
    }

    #[test]
    fn long_names_do_not_match_inside_bundles() {
        let commands = run_commands("FROM a\nRUN rm -rf x && ls --all -- -l\n");
        assert!(commands[0].has_flag(&["-r"]) && commands[0].has_flag(&["-f"]));
        assert!(commands[0].has_flag(&["-rf"]));
        assert!(!commands[0].has_flag(&["-v"]));
        assert!(!commands[1].has_flag(&["-a"]));
        assert!(!commands[1].has_flag(&["-l"]));
    }

    #[test]
    fn quotes_are_removed_unless_the_word_holds_an_expansion() {
        let text = "FROM a\nRUN echo \"a b\" 'c d' e\\ f --x=\"y z\" \"$HOME/g\" $(id -u)\n";
        let commands = run_commands(text);
        let echo = &commands[0];
        assert_eq!(
            args(echo),
            ["a b", "c d", "e f", "--x=y z", "\"$HOME/g\"", "$(id -u)"]
        );
        assert_eq!(echo.args[0].raw, "\"a b\"");
        assert_eq!(&text[echo.args[0].range.clone()], "\"a b\"");
        assert_eq!(&text[echo.args[3].range.clone()], "--x=\"y z\"");
        assert_eq!(names(&commands), ["echo", "id"]);
        assert!(commands[1].in_subshell_or_condition);
    }

    #[test]
    fn a_pipeline() {
        let commands = run_commands("FROM a\nRUN curl -s x | sh\n");
        assert_eq!(names(&commands), ["curl", "sh"]);
        assert!(commands[0].in_pipeline && commands[1].in_pipeline);
        assert_eq!(commands[1].separator_before, Some(Separator::Pipe));

        let commands = run_commands("FROM a\nRUN a |& b || c; d & e\n");
        let separators: Vec<_> = commands.iter().map(|c| c.separator_before).collect();
        assert_eq!(
            separators,
            [
                None,
                Some(Separator::PipeStderr),
                Some(Separator::Or),
                Some(Separator::Semicolon),
                Some(Separator::Background),
            ]
        );
        assert!(!commands[2].in_pipeline);
    }

    #[test]
    fn commands_in_conditions_and_subshells() {
        let text = "FROM a\nRUN if [ -f x ]; then rm x; fi && (cd /y && make) && { ls; }\n";
        let commands = run_commands(text);
        assert_eq!(names(&commands), ["rm", "cd", "make", "ls"]);
        let rm = &commands[0];
        assert!(rm.in_subshell_or_condition);
        assert_eq!(rm.separator_before, None);
        assert_eq!(&text[rm.args[0].range.clone()], "x");
        assert!(commands[1].in_subshell_or_condition);
        assert_eq!(commands[1].separator_before, Some(Separator::And));
        assert_eq!(commands[2].separator_before, Some(Separator::And));
        assert!(!commands[3].in_subshell_or_condition);

        let commands = run_commands("FROM a\nRUN [[ -n x || -z y ]] && test -f z\n");
        assert_eq!(names(&commands), ["test"]);
        assert_eq!(commands[0].separator_before, Some(Separator::And));
    }

    #[test]
    fn builtins_that_declare_are_commands() {
        let commands = run_commands("FROM a\nRUN export A=\"b c\" && unset B\n");
        assert_eq!(names(&commands), ["export", "unset"]);
        assert_eq!(args(&commands[0]), ["A=b c"]);
        assert_eq!(args(&commands[1]), ["B"]);
    }

    #[test]
    fn a_heredoc_script() {
        let text = "FROM debian\nRUN <<EOF\napt-get update\napt-get install -y x\nEOF\n";
        let scripts = heredoc_scripts(text);
        let commands = checked(text, scripts[0].as_ref().unwrap().commands());
        assert_eq!(names(&commands), ["apt-get", "apt-get"]);
        assert_eq!(commands[1].separator_before, Some(Separator::Newline));
        assert!(commands[1].has_flag(&["-y"]));
        assert_eq!(&text[commands[0].range.clone()], "apt-get update");
        assert_eq!(&text[commands[1].args[2].range.clone()], "x");
        assert_eq!(
            commands[1].range.start,
            text.find("apt-get install").unwrap()
        );
        // The command line itself runs nothing else; its marker reads as a redirect.
        let line = script(text);
        assert_eq!(line.text(), "< EOF");
        assert!(!line.has_errors());
        assert!(line.commands().is_empty());
    }

    #[test]
    fn line_breaks_separate_commands_in_a_heredoc_script() {
        let text = "FROM a\nRUN <<EOF\n# install\nset -e\n\n\
                    if [ -n \"$X\" ]; then\n  rm -f x\nfi\n\
                    apt-get update &&\n  apt-get install -y x \\\n    y\n(cd /z)\nEOF\n";
        let scripts = heredoc_scripts(text);
        let commands = checked(text, scripts[0].as_ref().unwrap().commands());
        assert_eq!(names(&commands), ["set", "rm", "apt-get", "apt-get", "cd"]);
        let separators: Vec<_> = commands.iter().map(|c| c.separator_before).collect();
        assert_eq!(
            separators,
            [
                None,
                None,
                Some(Separator::Newline),
                Some(Separator::And),
                Some(Separator::Newline),
            ]
        );
        // A backslash-newline inside the script joins the line, as in any shell.
        assert_eq!(args(&commands[3]), ["install", "-y", "x", "y"]);
        assert_eq!(&text[commands[3].args[3].range.clone()], "y");
    }

    #[test]
    fn a_heredoc_for_another_interpreter_is_not_shell() {
        let text = "FROM python\nRUN python3 <<EOF\nimport os\nEOF\n\
                    RUN <<EOF\n#!/usr/bin/env python3\nprint(1)\nEOF\n\
                    RUN cat <<EOF > /etc/x && chmod 600 /etc/x\nrm -rf /\nEOF\n";
        assert!(heredoc_scripts(text).iter().all(Option::is_none));
    }

    #[test]
    fn a_heredoc_read_by_a_shell_is_a_script() {
        let text = "FROM a\nRUN sudo bash -ex <<-EOF && echo done\n\tcurl -s x | sh\n\tEOF\n\
                    RUN <<EOF\n#!/bin/sh\nls\nEOF\n\
                    RUN bash -c 'ls' <<EOF\nnot read\nEOF\n";
        let scripts = heredoc_scripts(text);
        let commands = checked(text, scripts[0].as_ref().unwrap().commands());
        assert_eq!(names(&commands), ["curl", "sh"]);
        assert_eq!(&text[commands[1].name_range.clone()], "sh");
        assert!(scripts[1].is_some());
        assert!(scripts[2].is_none());
    }

    #[test]
    fn a_heredoc_read_by_a_shell_after_an_operator_is_a_script() {
        let text = "FROM a\nRUN apt-get update && bash <<EOF\napt-get install -y x\nEOF\n\
                    RUN true && cat <<EOF > /x\nls\nEOF\n";
        let scripts = heredoc_scripts(text);
        let commands = checked(text, scripts[0].as_ref().unwrap().commands());
        assert_eq!(names(&commands), ["apt-get"]);
        assert!(scripts[1].is_none());
    }

    #[test]
    fn the_command_line_of_a_heredoc_parses_whole() {
        let text = "FROM a\nRUN cat <<EOF > /etc/x && chmod 600 /etc/x\nrm -rf /\nEOF\n";
        let commands = run_commands(text);
        assert_eq!(names(&commands), ["cat", "chmod"]);
        assert_eq!(commands[1].separator_before, Some(Separator::And));
        assert_eq!(&text[commands[1].args[1].range.clone()], "/etc/x");

        let tree = syntax::parse(FileKind::Dockerfile, text, None).unwrap();
        let file = syntax::Dockerfile::new(&tree, text);
        let run = file.instructions().nth(1).unwrap();
        assert_eq!(shell_scripts(&run).len(), 1);

        let text = "FROM a\nRUN 3<<A cat - <<-\"B\" | sh\na\nA\n\tb\n\tB\n";
        let line = script(text);
        assert_eq!(line.text(), "3< A cat - < -\"B\" | sh");
        assert!(!line.has_errors());
        let commands = line.commands();
        assert_eq!(names(&commands), ["cat", "sh"]);
        assert_eq!(args(&commands[0]), ["-"]);
        assert!(commands[0].in_pipeline);
        assert!(heredoc_scripts(text).iter().all(Option::is_none));
    }

    #[test]
    fn a_backtick_escape_file() {
        let text = "# escape=`\nFROM mcr.microsoft.com/windows\n\
                    RUN choco install -y git `\n    # and tools\n    && Remove-Item C:\\tmp\\x\n";
        let commands = run_commands(text);
        assert_eq!(names(&commands), ["choco", "Remove-Item"]);
        assert_eq!(&text[commands[1].name_range.clone()], "Remove-Item");
        assert_eq!(commands[1].separator_before, Some(Separator::And));
        assert_eq!(&text[commands[0].args[2].range.clone()], "git");
    }

    #[test]
    fn crlf_line_endings() {
        let text = "FROM a\r\nRUN apt-get update \\\r\n  && apt-get install -y curl\r\n\
                    RUN <<EOF\r\nls -l\r\nEOF\r\n";
        let commands = run_commands(text);
        assert_eq!(names(&commands), ["apt-get", "apt-get"]);
        let curl = &commands[1].args[2];
        assert_eq!(curl.text, "curl");
        assert_eq!(&text[curl.range.clone()], "curl");

        let scripts = heredoc_scripts(text);
        let commands = checked(text, scripts[0].as_ref().unwrap().commands());
        assert_eq!(names(&commands), ["ls"]);
        assert_eq!(&text[commands[0].args[0].range.clone()], "-l");
    }

    #[test]
    fn shell_form_cmd_and_healthcheck_but_not_exec_form() {
        let text = "FROM a\nCMD exec nginx -g 'daemon off;'\n";
        let commands = run_commands(text);
        assert_eq!(names(&commands), ["exec"]);
        assert_eq!(args(&commands[0]), ["nginx", "-g", "daemon off;"]);

        let text = "FROM a\nHEALTHCHECK --interval=5s CMD curl -f http://localhost/ || exit 1\n";
        let commands = run_commands(text);
        assert_eq!(names(&commands), ["curl", "exit"]);
        assert_eq!(
            &text[commands[0].args[1].range.clone()],
            "http://localhost/"
        );

        let text = "FROM a\nRUN [\"apt-get\", \"update\"]\n";
        let tree = syntax::parse(FileKind::Dockerfile, text, None).unwrap();
        let file = syntax::Dockerfile::new(&tree, text);
        let run = file.instructions().nth(1).unwrap();
        assert!(parse_run(&run).is_none());
    }

    #[test]
    fn a_word_split_by_a_continuation_covers_it() {
        let text = "FROM a\nRUN echo ab\\\ncd ef\n";
        let commands = run_commands(text);
        let word = &commands[0].args[0];
        assert_eq!(word.text, "abcd");
        assert_eq!(&text[word.range.clone()], "ab\\\ncd");
        assert_eq!(&text[commands[0].args[1].range.clone()], "ef");
    }

    #[test]
    fn a_long_chain_does_not_exhaust_the_stack() {
        let text = format!("FROM a\nRUN {}true\n", "true && ".repeat(5000));
        let commands = run_commands(&text);
        assert_eq!(commands.len(), 5001);
        assert_eq!(commands[5000].separator_before, Some(Separator::And));
    }

    #[test]
    fn a_comment_ends_the_command() {
        let commands = run_commands("FROM a\nRUN make # && make install\n");
        assert_eq!(names(&commands), ["make"]);
    }

    #[test]
    fn flags_before_the_command_and_on_onbuild() {
        let text = "FROM a\nONBUILD RUN --mount=type=cache,target=/root/.cache pip install x\n";
        let tree = syntax::parse(FileKind::Dockerfile, text, None).unwrap();
        let file = syntax::Dockerfile::new(&tree, text);
        let onbuild = file.instructions().nth(1).unwrap();
        let run = onbuild.onbuild_trigger().unwrap();
        let commands = parse_run(&run).unwrap().commands();
        assert_eq!(names(&commands), ["pip"]);
        assert_eq!(&text[commands[0].name_range.clone()], "pip");
    }
}
