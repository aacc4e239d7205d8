//! Formatting a Dockerfile: keyword case, spacing, continuation indentation and blank lines, as minimal edits.
//!
//! What BuildKit reads never changes beyond blanks: keywords are upper-cased, blanks
//! between tokens become one space, continuation lines are indented, trailing blanks
//! and extra blank lines go. Heredoc bodies, JSON strings, quoted text and the lines of
//! a shell script are never reflowed; a continuation whose blanks are data (inside
//! quotes, inside a word, in a USER or WORKDIR value) keeps them as written.

mod instruction;
mod lines;
mod on_type;
mod shell_quotes;
mod structure;

use std::ops::Range;

use lines::Lines;

use crate::syntax::{self, Dockerfile, Edit, FileKind, is_blank_line, is_comment_line};

pub use on_type::on_type;

/// How to format, resolved from the settings and the editor's options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormatOptions {
    /// One level of continuation indentation (`"    "` or `"\t"`).
    pub indent: String,
    /// The columns of a tab, to compare indentation written with tabs and spaces.
    pub tab_width: usize,
    /// Multi-line instructions keep their lines and the spacing inside them: only
    /// their indentation (and keyword case) changes.
    pub keep_multiline: bool,
    /// The most blank lines kept in a row between instructions and comments.
    pub max_blank_lines: usize,
}

impl Default for FormatOptions {
    fn default() -> Self {
        FormatOptions {
            indent: "    ".to_owned(),
            tab_width: 4,
            keep_multiline: false,
            max_blank_lines: 1,
        }
    }
}

/// The `[format]` settings; an unset field leaves the editor's or the default choice.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FormatSettings {
    pub keep_multiline: Option<bool>,
    /// The continuation indentation, as written into the file (spaces or a tab).
    pub indent: Option<String>,
    pub max_blank_lines: Option<usize>,
}

impl FormatSettings {
    /// Applies `other` over these settings.
    pub fn merge(&mut self, other: &FormatSettings) {
        if other.keep_multiline.is_some() {
            self.keep_multiline = other.keep_multiline;
        }
        if other.indent.is_some() {
            self.indent.clone_from(&other.indent);
        }
        if other.max_blank_lines.is_some() {
            self.max_blank_lines = other.max_blank_lines;
        }
    }
}

impl FormatOptions {
    /// The options for a request: the settings first, then the editor's tab size and
    /// choice of spaces (`(tab_size, insert_spaces)`), then the defaults.
    pub fn resolve(settings: &FormatSettings, editor: Option<(u32, bool)>) -> Self {
        let defaults = FormatOptions::default();
        let tab_width = editor
            .map(|(size, _)| size as usize)
            .filter(|size| (1..=16).contains(size))
            .unwrap_or(defaults.tab_width);
        let indent = match (&settings.indent, editor) {
            (Some(indent), _) => indent.clone(),
            (None, Some((_, false))) => "\t".to_owned(),
            (None, Some(_)) => " ".repeat(tab_width),
            (None, None) => defaults.indent,
        };
        FormatOptions {
            indent,
            tab_width,
            keep_multiline: settings.keep_multiline.unwrap_or(defaults.keep_multiline),
            max_blank_lines: settings.max_blank_lines.unwrap_or(defaults.max_blank_lines),
        }
    }
}

/// The new text of a line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Plan {
    Keep,
    Set(String),
    Delete,
}

/// What a line belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// Outside instructions: a comment, a blank line, or text the parser did not take.
    Free,
    Directive,
    Instruction,
    /// A heredoc body or delimiter: never touched.
    Data,
}

/// The edits that format the file, or only the instructions (and free lines) that
/// overlap `range`. One edit per run of changed lines, trimmed to what changes. A file
/// with a syntax error is left as it is, as rustfmt and Prettier do: what the broken
/// text means, and so what the parser makes of the lines around it, depends on
/// whitespace the formatter would change (where the file ends, blank lines, indents).
pub fn format(
    file: &Dockerfile<'_>,
    options: &FormatOptions,
    range: Option<Range<usize>>,
) -> Vec<Edit> {
    let src = file.src();
    let lines = Lines::new(src);
    let count = lines.len();
    if count == 0 || file.root().has_error() {
        return Vec::new();
    }
    let selection = Selection::new(&lines, range);
    let mut plans = vec![Plan::Keep; count];
    let mut roles = vec![Role::Free; count];
    for directive in file.directives() {
        let node = directive.node;
        let first = lines.line_of(node.start_byte());
        let last = lines.line_of(node.end_byte().saturating_sub(1).max(node.start_byte()));
        for k in first..=last {
            roles[k] = Role::Directive;
            plans[k] = trimmed_end(lines.text(k));
        }
    }
    for instruction in file.instructions() {
        let node = instruction.node();
        let walk = instruction::walk(&lines, lines.line_of(node.start_byte()), file.escape());
        for &(k, _) in &walk.lines {
            roles[k] = Role::Instruction;
        }
        let mut heredocs = Vec::new();
        push_heredocs(node, &mut heredocs);
        for heredoc in &heredocs {
            let first = lines.line_of(heredoc.start);
            let last = lines.line_of(heredoc.end.saturating_sub(1).max(heredoc.start));
            for role in roles.iter_mut().take(last + 1).skip(first) {
                *role = Role::Data;
            }
        }
        let end_line = lines.line_of(
            instruction
                .line_end()
                .saturating_sub(1)
                .max(node.start_byte()),
        );
        let consistent = (walk.last_content..=walk.last()).contains(&end_line)
            && heredocs
                .iter()
                .all(|h| lines.line_of(h.start) > walk.last());
        if consistent && selection.overlaps(walk.first(), walk.last()) {
            for (k, plan) in
                instruction::plan(&instruction, &lines, &walk, options).unwrap_or_default()
            {
                plans[k] = plan;
            }
        } else if !consistent {
            // Left as written, with every line the parser gave it: a blank line inside
            // an unterminated quote is the instruction's text, not a free blank line.
            for role in roles.iter_mut().take(end_line + 1).skip(walk.first()) {
                if *role == Role::Free {
                    *role = Role::Instruction;
                }
            }
        }
    }
    for k in 0..count {
        if roles[k] == Role::Free && selection.contains(k) {
            let text = lines.text(k);
            if is_comment_line(text) {
                plans[k] = set_if_changed(text, text.trim_start().trim_end_matches([' ', '\t']));
            }
        }
    }
    plan_blank_lines(&lines, &roles, &selection, options, &mut plans);
    for (k, plan) in plans.iter_mut().enumerate() {
        if !selection.contains(k) && roles[k] != Role::Instruction {
            *plan = Plan::Keep;
        }
    }
    let last = count - 1;
    let needs_newline = lines.get(last).is_some_and(|line| line.end == line.next)
        && roles[last] != Role::Data
        && plans[last] != Plan::Delete
        && selection.contains(last);
    edits(src, &lines, &plans, needs_newline.then(|| lines.newline()))
}

/// Formats a whole text (for tests and the command line).
pub fn format_text(text: &str, options: &FormatOptions) -> String {
    match syntax::parse(FileKind::Dockerfile, text, None) {
        Ok(tree) => apply(text, &format(&Dockerfile::new(&tree, text), options, None)),
        Err(_) => text.to_owned(),
    }
}

/// Applies edits that do not overlap.
pub fn apply(text: &str, edits: &[Edit]) -> String {
    let mut sorted: Vec<&Edit> = edits.iter().collect();
    sorted.sort_by_key(|e| e.range.start);
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for edit in sorted {
        if edit.range.start < at {
            continue;
        }
        out.push_str(text.get(at..edit.range.start).unwrap_or(""));
        out.push_str(&edit.text);
        at = edit.range.end;
    }
    out.push_str(text.get(at..).unwrap_or(""));
    out
}

fn set_if_changed(old: &str, new: &str) -> Plan {
    if old == new {
        Plan::Keep
    } else {
        Plan::Set(new.to_owned())
    }
}

fn trimmed_end(text: &str) -> Plan {
    set_if_changed(text, text.trim_end_matches([' ', '\t']))
}

/// The byte ranges of the heredoc nodes of an instruction (and of an ONBUILD trigger).
fn push_heredocs(node: tree_sitter::Node<'_>, out: &mut Vec<Range<usize>>) {
    let mut cursor = node.walk();
    for child in node.named_children(&mut cursor) {
        if child.kind() == "heredoc" {
            out.push(child.byte_range());
        } else if child.kind().ends_with("_instruction") {
            push_heredocs(child, out);
        }
    }
}

/// Runs of blank lines outside instructions: none at the start and end of the file, at
/// most `max_blank_lines` elsewhere.
fn plan_blank_lines(
    lines: &Lines<'_>,
    roles: &[Role],
    selection: &Selection,
    options: &FormatOptions,
    plans: &mut [Plan],
) {
    let count = lines.len();
    let blank = |k: usize| roles[k] == Role::Free && is_blank_line(lines.text(k));
    // The lines before this one all read like parser directives.
    let directives_end = (0..count)
        .find(|&k| !(roles[k] == Role::Directive || looks_like_directive(lines.text(k))))
        .unwrap_or(count);
    let mut k = 0;
    while k < count {
        if !blank(k) {
            k += 1;
            continue;
        }
        let start = k;
        while k < count && blank(k) {
            k += 1;
        }
        if !(start..k).any(|j| selection.contains(j)) {
            continue;
        }
        // A blank line ends the parser directives: removing the one before a comment
        // that reads like a directive would turn the comment into one.
        let guards_directives =
            k < count && looks_like_directive(lines.text(k)) && start <= directives_end;
        let keep = if k == count {
            0
        } else if start == 0 {
            // Without them, a byte order mark opening the next line would open the
            // file: BuildKit would drop it and maybe read a directive after it.
            usize::from(guards_directives || lines.text(k).starts_with('\u{feff}'))
        } else {
            options.max_blank_lines.max(usize::from(guards_directives))
        };
        for (j, plan) in plans.iter_mut().enumerate().take(k).skip(start) {
            *plan = if j - start < keep {
                set_if_changed(lines.text(j), "")
            } else {
                Plan::Delete
            };
        }
    }
}

/// `# name = value`, which BuildKit may read as a parser directive.
fn looks_like_directive(text: &str) -> bool {
    let Some(rest) = text.trim_start().strip_prefix('#') else {
        return false;
    };
    let rest = rest.trim_start();
    let name = rest
        .char_indices()
        .find(|&(i, c)| !(c.is_ascii_alphabetic() || (i > 0 && c.is_ascii_digit())))
        .map_or(rest.len(), |(i, _)| i);
    name > 0 && rest[name..].trim_start().starts_with('=')
}

/// The lines a range formatting request covers (all of them without a range).
#[derive(Debug)]
struct Selection(Option<(usize, usize)>);

impl Selection {
    fn new(lines: &Lines<'_>, range: Option<Range<usize>>) -> Self {
        Selection(range.map(|range| {
            let first = lines.line_of(range.start);
            let mut last = lines.line_of(range.end);
            // A selection of whole lines ends at the start of the next one.
            if range.end > range.start
                && last > first
                && lines.get(last).is_some_and(|line| line.start == range.end)
            {
                last -= 1;
            }
            (first, last)
        }))
    }

    fn contains(&self, k: usize) -> bool {
        self.overlaps(k, k)
    }

    fn overlaps(&self, first: usize, last: usize) -> bool {
        self.0.is_none_or(|(a, b)| first <= b && a <= last)
    }
}

/// One edit per run of changed lines, trimmed to the bytes that change.
fn edits(src: &str, lines: &Lines<'_>, plans: &[Plan], final_newline: Option<&str>) -> Vec<Edit> {
    let changed = |k: usize| match &plans[k] {
        Plan::Keep => false,
        Plan::Set(text) => text != lines.text(k),
        Plan::Delete => true,
    };
    let count = lines.len();
    let mut out = Vec::new();
    let mut newline_done = false;
    let mut k = 0;
    while k < count {
        if !changed(k) {
            k += 1;
            continue;
        }
        let first = k;
        while k < count && changed(k) {
            k += 1;
        }
        let (Some(from), Some(to)) = (lines.get(first), lines.get(k - 1)) else {
            break;
        };
        let mut new = String::new();
        for (j, plan) in plans.iter().enumerate().take(k).skip(first) {
            let Some(line) = lines.get(j) else { continue };
            match plan {
                Plan::Keep => new.push_str(src.get(line.start..line.next).unwrap_or("")),
                Plan::Set(text) => {
                    new.push_str(text);
                    new.push_str(src.get(line.end..line.next).unwrap_or(""));
                }
                Plan::Delete => {}
            }
        }
        if k == count
            && let Some(newline) = final_newline
        {
            new.push_str(newline);
            newline_done = true;
        }
        out.extend(minimal(src, from.start..to.next, &new));
    }
    if let Some(newline) = final_newline
        && !newline_done
    {
        out.push(Edit::insert(src.len(), newline));
    }
    out
}

/// The edit replacing `range` of `src` with `new`, less what they share at both ends.
fn minimal(src: &str, range: Range<usize>, new: &str) -> Option<Edit> {
    let old = src.get(range.clone())?;
    if old == new {
        return None;
    }
    let mut prefix = old
        .char_indices()
        .zip(new.chars())
        .find(|((_, a), b)| a != b)
        .map_or(old.len().min(new.len()), |((i, _), _)| i);
    // Never split a `\r\n`: clients cannot address the position between them.
    while prefix > 0 && old.as_bytes()[prefix - 1] == b'\r' {
        prefix -= 1;
    }
    let mut suffix = old[prefix..]
        .chars()
        .rev()
        .zip(new[prefix..].chars().rev())
        .take_while(|(a, b)| a == b)
        .map(|(a, _)| a.len_utf8())
        .sum::<usize>();
    while suffix > 0
        && old.as_bytes()[old.len() - suffix] == b'\n'
        && old.len() - suffix > prefix
        && old.as_bytes()[old.len() - suffix - 1] == b'\r'
    {
        suffix -= 1;
    }
    Some(Edit::replace(
        range.start + prefix..range.end - suffix,
        new.get(prefix..new.len() - suffix).unwrap_or(""),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn formatted(text: &str) -> String {
        format_text(text, &FormatOptions::default())
    }

    fn with(text: &str, options: &FormatOptions) -> String {
        let once = format_text(text, options);
        assert_eq!(
            format_text(&once, options),
            once,
            "formatting twice changes more"
        );
        once
    }

    #[test]
    fn keywords_are_upper_cased() {
        insta::assert_snapshot!(formatted("from alpine as base\nrun echo hi\nonbuild copy . /app\nFrom base\n"), @r"
        FROM alpine as base
        RUN echo hi
        ONBUILD COPY . /app
        FROM base
        ");
    }

    #[test]
    fn blanks_between_keyword_flags_and_arguments_become_one_space() {
        insta::assert_snapshot!(formatted("  FROM   --platform=$BUILDPLATFORM\tgolang:1.22   AS   build\nCOPY  --from=build   --chmod=755  /out/app\t /usr/bin/ \nRUN   echo  'a   b'   &&  true\t\nENV  A=1   B=\"x  y\"\nENV legacy   value  with   blanks\nWORKDIR   /my  dir\nEXPOSE 80    443\nCMD    [\"a\",   \"b\"]\n"), @r#"
        FROM --platform=$BUILDPLATFORM golang:1.22 AS build
        COPY --from=build --chmod=755 /out/app /usr/bin/
        RUN echo  'a   b'   &&  true
        ENV A=1 B="x  y"
        ENV legacy value  with   blanks
        WORKDIR /my  dir
        EXPOSE 80 443
        CMD ["a",   "b"]
        "#);
    }

    #[test]
    fn continuation_lines_are_indented_keeping_their_nesting() {
        insta::assert_snapshot!(formatted("FROM alpine\nRUN set -eux;\\\n  if true; then \\\n      echo yes; \\\n  fi\nRUN apt-get update \\\n && apt-get install -y \\\n      curl   \\   \n && true\n"), @r"
        FROM alpine
        RUN set -eux; \
            if true; then \
                echo yes; \
            fi
        RUN apt-get update \
            && apt-get install -y \
                 curl \
            && true
        ");
    }

    #[test]
    fn blanks_that_are_data_at_a_continuation_stay() {
        // Inside quotes, inside a word, in a WORKDIR value, and where nothing separates.
        let text = "FROM alpine\nRUN echo \"a \\\nb\" 'c \\\n  d' && \\\n  ok\nCOPY a\\\nb c\nWORKDIR /a \\\n  b\nENV A=\"x \\\n  y\" \\\n  B=2\nRUN foo\\\nbar \\\n  baz\n";
        insta::assert_snapshot!(formatted(text), @r#"
        FROM alpine
        RUN echo "a \
        b" 'c \
          d' && \
            ok
        COPY a\
        b c
        WORKDIR /a \
          b
        ENV A="x \
          y" \
            B=2
        RUN foo\
        bar \
            baz
        "#);
    }

    #[test]
    fn heredoc_bodies_are_untouched() {
        let text = "from alpine\nrun  <<EOF   \n  set -e  \n\n\n\techo   hi\t\nEOF\ncopy  <<-\"CONF\"  /etc/app.conf\n\tkey = value   \n\tCONF\n\n\n\nrun true\n";
        insta::assert_snapshot!(formatted(text), @r#"
        FROM alpine
        RUN <<EOF
          set -e  


        	echo   hi	
        EOF
        COPY <<-"CONF" /etc/app.conf
        	key = value   
        	CONF

        RUN true
        "#);
    }

    #[test]
    fn json_arrays_are_untouched() {
        // Only the indentation of a continuation between two elements changes.
        let text = "FROM alpine\nCMD   [ \"a  b\" ,\\\n\"c\" ]   \nENTRYPOINT [\"x\",\\\n        \"y\"]\nSHELL [\"powershell\", \"-Command\"]  ignored   text\n";
        insta::assert_snapshot!(formatted(text), @r#"
        FROM alpine
        CMD [ "a  b" ,\
        "c" ]
        ENTRYPOINT ["x", \
            "y"]
        SHELL ["powershell", "-Command"]  ignored   text
        "#);
    }

    #[test]
    fn the_backtick_escape_continues_lines() {
        let text = "# escape=`\nfrom mcr.microsoft.com/windows/servercore\nrun Install-Thing -Path C:\\x\\ ; `   \n  Write-Host \"a `\n   b\" ; `\n  done\ncopy  publish\\ c:\\app\\\n";
        insta::assert_snapshot!(formatted(text), @r#"
        # escape=`
        FROM mcr.microsoft.com/windows/servercore
        RUN Install-Thing -Path C:\x\ ; `
            Write-Host "a `
           b" ; `
            done
        COPY publish\ c:\app\
        "#);
    }

    #[test]
    fn crlf_files_keep_crlf() {
        let text = "from alpine\r\nrun a \\\r\n  b  \r\n\r\n\r\n\r\ncmd x";
        assert_eq!(
            formatted(text),
            "FROM alpine\r\nRUN a \\\r\n    b\r\n\r\nCMD x\r\n"
        );
    }

    #[test]
    fn comments_inside_continuations_are_indented_with_the_lines() {
        let text = "FROM alpine\nRUN apt-get update && \\\n# the tools\n  apt-get install -y \\\n      # pinned   \n      curl \\\n\n  && true\n   # after  \nCMD x\n";
        insta::assert_snapshot!(formatted(text), @r"
        FROM alpine
        RUN apt-get update && \
            # the tools
            apt-get install -y \
                # pinned
                curl \
            && true
        # after
        CMD x
        ");
    }

    #[test]
    fn keep_multiline_changes_only_indentation() {
        let options = FormatOptions {
            keep_multiline: true,
            ..FormatOptions::default()
        };
        let text = "from alpine\nrun  apt-get install  -y \\\n        curl         \\\n\n        git\ncopy  a   b\n";
        insta::assert_snapshot!(with(text, &options), @r"
        FROM alpine
        RUN  apt-get install  -y \
            curl         \

            git
        COPY a b
        ");
    }

    #[test]
    fn indentation_follows_the_options() {
        let options = FormatOptions::resolve(&FormatSettings::default(), Some((2, false)));
        assert_eq!(options.indent, "\t");
        let text = "FROM a\nRUN a \\\n  b \\\n      c\n";
        assert_eq!(with(text, &options), "FROM a\nRUN a \\\n\tb \\\n\t\t\tc\n");
        let settings = FormatSettings {
            indent: Some("  ".to_owned()),
            ..FormatSettings::default()
        };
        let options = FormatOptions::resolve(&settings, Some((8, false)));
        assert_eq!(with(text, &options), "FROM a\nRUN a \\\n  b \\\n      c\n");
    }

    #[test]
    fn blank_lines_are_limited() {
        let text = "\n\nFROM a\n\n\n\nRUN b\n# note\n\n\nRUN c\n\n\n";
        assert_eq!(formatted(text), "FROM a\n\nRUN b\n# note\n\nRUN c\n");
        let none = FormatOptions {
            max_blank_lines: 0,
            ..FormatOptions::default()
        };
        assert_eq!(with(text, &none), "FROM a\nRUN b\n# note\nRUN c\n");
    }

    #[test]
    fn a_blank_line_that_ends_the_directives_stays() {
        // Without the blank line, `escape` would become a directive.
        let none = FormatOptions {
            max_blank_lines: 0,
            ..FormatOptions::default()
        };
        let text = "# syntax=docker/dockerfile:1\n\n# escape=`\nFROM a\n";
        assert_eq!(with(text, &none), text);
        assert_eq!(
            with("\n\n#escape=`\nFROM a\n", &none),
            "\n#escape=`\nFROM a\n"
        );
        assert_eq!(
            with("\n\n# just a note\nFROM a\n", &none),
            "# just a note\nFROM a\n"
        );
    }

    #[test]
    fn a_continuation_at_the_end_of_the_file_is_dropped() {
        assert_eq!(formatted("FROM a\nRUN b \\\n\n\n"), "FROM a\nRUN b\n");
        assert_eq!(formatted("FROM a\nRUN b \\"), "FROM a\nRUN b\n");
    }

    #[test]
    fn edits_cover_only_what_changes() {
        let text = "from a\nRUN x\nrun   y\n";
        let tree = syntax::parse(FileKind::Dockerfile, text, None).unwrap();
        let file = Dockerfile::new(&tree, text);
        let edits = format(&file, &FormatOptions::default(), None);
        assert_eq!(
            edits,
            [Edit::replace(0..4, "FROM"), Edit::replace(13..18, "RUN")]
        );
        // Range formatting: only the instructions the range touches.
        let edits = format(&file, &FormatOptions::default(), Some(14..15));
        assert_eq!(edits, [Edit::replace(13..18, "RUN")]);
    }

    #[test]
    fn text_the_parser_could_not_read_is_left_alone() {
        let text = "FROM a\nRUN [\"unterminated\nrun   ok\n";
        assert_eq!(formatted(text), "FROM a\nRUN [\"unterminated\nRUN ok\n");
    }

    #[test]
    fn a_dangling_continuation_stays_when_the_text_before_would_continue() {
        // `a\ ` then the escape: dropping it would leave `a\ `, a continuation itself.
        assert_eq!(formatted("FROM a\\  \\\n# c"), "FROM a\\  \\\n# c\n");
        // `\\\ `: the last blank is escaped, but BuildKit trims it at the end anyway.
        assert_eq!(formatted("FROM a\\\\\\  \\\n"), "FROM a\\\\\\\n");
    }

    #[test]
    fn a_byte_order_mark_in_the_middle_of_the_file_stays_there() {
        // BuildKit drops it only at the very start: the blank line before it stays.
        assert_eq!(formatted("\n\u{feff}FROM a"), "\n\u{feff}FROM a\n");
        assert_eq!(formatted("\n\n\u{feff}\n"), "\n\u{feff}\n");
    }

    #[test]
    fn a_file_with_a_syntax_error_is_left_as_it_is() {
        for text in [
            "FROM a[\"x\", \\\n  \"y\"] \\\nFROM a\n\\ FROM a",
            "FROM a\n  # c  \n\\  `\n ",
            "from  a\n\n\n\\ FROM a\nrun  echo\n",
        ] {
            let tree = syntax::parse(FileKind::Dockerfile, text, None).unwrap();
            assert!(tree.root_node().has_error(), "{text:?} parses");
            assert_eq!(with(text, &FormatOptions::default()), text);
        }
    }

    #[test]
    fn a_blank_line_inside_an_unterminated_quote_is_its_text() {
        assert_eq!(
            with("LABEL a=\"b c\"\"\\\n  ", &FormatOptions::default()),
            "LABEL a=\"b c\"\"\\\n  \n"
        );
    }

    fn typed(text: &str, at: &str) -> String {
        let offset = text.find(at).map_or(text.len(), |i| i + at.len());
        let tree = syntax::parse(FileKind::Dockerfile, text, None).unwrap();
        let file = Dockerfile::new(&tree, text);
        apply(text, &on_type(&file, &FormatOptions::default(), offset))
    }

    #[test]
    fn a_newline_after_a_continuation_is_indented() {
        // The first continuation line gets one level.
        assert_eq!(
            typed("FROM a\nRUN a \\\n", "\\\n"),
            "FROM a\nRUN a \\\n    "
        );
        assert_eq!(
            typed("FROM a\nRUN a \\\n\nCOPY b c\n", "\\\n"),
            "FROM a\nRUN a \\\n    \nCOPY b c\n"
        );
        // Later ones follow the line before.
        assert_eq!(
            typed("FROM a\nRUN a \\\n  b \\\n\tx\n", "b \\\n"),
            "FROM a\nRUN a \\\n  b \\\n  x\n"
        );
        // Or the line after, when the new line is the first.
        assert_eq!(
            typed("FROM a\nRUN a \\\n\n  b\n", "a \\\n"),
            "FROM a\nRUN a \\\n  \n  b\n"
        );
        // The backtick escape.
        assert_eq!(
            typed("# escape=`\nFROM a\nRUN a `\n", "a `\n"),
            "# escape=`\nFROM a\nRUN a `\n    "
        );
    }

    #[test]
    fn a_newline_after_the_end_of_a_multi_line_instruction_is_not_indented() {
        assert_eq!(
            typed("FROM a\nRUN a \\\n    b\n    \n", "b\n"),
            "FROM a\nRUN a \\\n    b\n\n"
        );
        // Not after a single line, not in a heredoc, not inside quotes.
        assert_eq!(typed("FROM a\n  \n", "a\n"), "FROM a\n  \n");
        assert_eq!(
            typed("FROM a\nRUN <<EOF \\\n  x\n  y\nEOF\n", "x\n"),
            "FROM a\nRUN <<EOF \\\n  x\n  y\nEOF\n"
        );
        assert_eq!(
            typed("FROM a\nRUN echo \"a \\\n\n", "a \\\n"),
            "FROM a\nRUN echo \"a \\\n\n"
        );
    }
}
