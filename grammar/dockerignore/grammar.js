/**
 * @file .dockerignore grammar for dockerfile-lsp
 * @license MIT OR Apache-2.0
 *
 * Follows BuildKit's reading of the file (moby/patternmatcher, ignorefile.ReadAll):
 * the file is split into lines at LF (a CR before it is dropped), a UTF-8 BOM
 * at the very start is ignored, a line whose FIRST byte is `#` is a comment,
 * any other line is trimmed of white space and, if anything is left, is a
 * pattern, an exception when it starts with `!`. So `  # x` is a pattern,
 * and `!` on its own is an (empty) exception.
 */

/// <reference types="tree-sitter-cli/dsl" />
// @ts-check

// The white space Go's strings.TrimSpace trims, less LF, as the inside of a
// character class (tree-sitter's `\s` is ASCII only).
const SPACE = String.raw`\t\v\f\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000`;

module.exports = grammar({
  name: 'dockerignore',

  // White space between the tokens of a line: what is leading or trailing
  // stays outside `pattern`, what is inside it stays inside `path`.
  extras: _ => [new RegExp(`[${SPACE}]`)],

  rules: {
    // No rule for a BOM: the tree-sitter runtime skips one at byte 0.
    source_file: $ => seq(
      repeat(seq(optional($._line), $._newline)),
      optional($._line),
    ),

    _line: $ => choice(
      $.comment,
      seq($._indent, optional($.pattern)),
      $.pattern,
    ),

    // Only at the start of a line: after `_indent`, `#` begins a path. A CR
    // is kept inside a comment but not at its end, before the LF.
    comment: _ => token(prec(1, /#([^\r\n]|\r+[^\r\n])*/)),

    pattern: $ => choice(
      seq($.negation, optional(field('path', $.path))),
      field('path', $.path),
    ),

    negation: _ => token(prec(1, '!')),

    path: $ => repeat1(choice(
      $._text,
      $.wildcard,
      $.character_class,
      $.escape_sequence,
    )),

    // Also a `[` that has no `]`, and a `\` before white space.
    _text: _ => token(choice(new RegExp(String.raw`[^\n${SPACE}*?\[\\]+`), '[', '\\')),

    wildcard: _ => token(choice('**', '*', '?')),

    character_class: _ => new RegExp(String.raw`\[(\\[^\n${SPACE}]|[^\\\]\r\n])*\]`),

    escape_sequence: _ => new RegExp(String.raw`\\[^\n${SPACE}]`),

    // Leading white space, taken as one token so that no comment or `!` can
    // begin after skipped white space.
    _indent: _ => token(prec(2, new RegExp(`[${SPACE}]+`))),

    _newline: _ => /\n/,
  },
});
