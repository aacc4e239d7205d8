/**
 * @file Dockerfile grammar for dockerfile-lsp
 * @license MIT OR Apache-2.0
 *
 * The grammar follows BuildKit's parser (frontend/dockerfile/parser): a file is a
 * sequence of logical lines, each an instruction whose first word is the keyword.
 * Everything that depends on the escape character or on BuildKit's line rules
 * (continuations, comment lines inside an instruction, heredocs, JSON-or-shell,
 * words and their quoting) is lexed by the external scanner in src/scanner.c.
 */

/* eslint-disable arrow-parens, camelcase, new-cap */
/// <reference types="tree-sitter-cli/dsl" />
// @ts-check

const KEYWORDS = [
  'from', 'run', 'cmd', 'label', 'maintainer', 'expose', 'env', 'add', 'copy',
  'entrypoint', 'volume', 'user', 'workdir', 'arg', 'onbuild', 'stopsignal',
  'healthcheck', 'shell',
];

module.exports = grammar({
  name: 'dockerfile',

  externals: $ => [
    $.line_continuation,
    $.comment,
    $._empty_line,
    $._instruction_end,
    $._heredoc_line_end,
    $._blank_line,
    $._directive_marker,
    $._json_marker,
    $._not_json,
    $.shell_fragment,
    $.heredoc_marker,
    $.heredoc_body,
    $.heredoc_end,
    $.unquoted_text,
    $._word_text,
    $.string_content,
    $.single_quoted_string,
    $._concat,
    $._flag_dashes,
    $.flag_name,
    $.flag_value,
    $._flag_eq,
    $._key_eq,
    $._key_bare,
    $._as_keyword,
    $._expansion_text,
    $._quoted_expansion_text,
    $._end_of_flags,
    $.expansion_operator,
    $._expansion_close,
    ...KEYWORDS.map(k => $[`_kw_${k}`]),
    $._kw_unknown,
    $._stage_end,
    $._chunk_end,
    $._error_sentinel,
    $._group_end,
  ],

  extras: $ => [
    /[ \t\r\f\v\uFEFF]/,
    $.line_continuation,
    $.comment,
    $._empty_line,
  ],

  supertypes: $ => [$.instruction],

  rules: {
    source_file: $ => seq(
      repeat($.parser_directive),
      repeat($._line),
      repeat($._stage_group),
    ),

    // Runs of stages, ended where a hash of the next FROM line says so (about one
    // FROM in 8) and at the end of the file. tree-sitter reuses the children of a
    // repetition one at a time, so without groups an edit costs a step for every
    // stage in the file; with them, one for every group and one for every stage
    // of the edited group. Hidden, so the stages stay the root's children.
    _stage_group: $ => seq($.stage, repeat($.stage), $._group_end),

    // A FROM and the instructions up to the next FROM, in blocks: runs of lines
    // whose ends the scanner places by the text of the line that follows (about
    // one line in 64, and before every FROM), so that where a block ends never
    // depends on text far away. tree-sitter never reuses a node whose first or
    // last child is a repetition; the empty tokens that close stages and blocks
    // make both reusable, so an edit reparses one block, and the server checks
    // one block again.
    stage: $ => seq(
      field('from', $.from_instruction),
      $._instruction_end,
      repeat($.block),
      $._stage_end,
    ),
    block: $ => seq($._line, repeat($._line), $._chunk_end),
    _line: $ => choice(seq($._stage_instruction, $._instruction_end), $._blank_line),

    // `# name=value` lines at the very top; the scanner only starts one for a
    // known directive (syntax, escape, check) before any other line.
    parser_directive: $ => seq(
      $._directive_marker,
      '#',
      field('name', $.directive_name),
      '=',
      field('value', $.directive_value),
      $._instruction_end,
    ),
    directive_name: _ => /[a-zA-Z][a-zA-Z0-9]*/,
    directive_value: _ => /[^\s]([^\n]*[^\s])?/,

    instruction: $ => choice($.from_instruction, $._stage_instruction),

    _stage_instruction: $ => choice(
      $.run_instruction,
      $.cmd_instruction,
      $.label_instruction,
      $.maintainer_instruction,
      $.expose_instruction,
      $.env_instruction,
      $.add_instruction,
      $.copy_instruction,
      $.entrypoint_instruction,
      $.volume_instruction,
      $.user_instruction,
      $.workdir_instruction,
      $.arg_instruction,
      $.onbuild_instruction,
      $.stopsignal_instruction,
      $.healthcheck_instruction,
      $.shell_instruction,
      $.unknown_instruction,
    ),

    from_instruction: $ => seq(
      keyword($, 'from'),
      flags($),
      optional(seq(
        field('image', $.word),
        optional(choice(
          seq(
            field('as', alias($._as_keyword, $.keyword)),
            optional(seq(field('name', $.word), repeat(field('extra', $.word)))),
          ),
          repeat1(field('extra', $.word)),
        )),
      )),
    ),

    run_instruction: $ => seq(
      keyword($, 'run'),
      flags($),
      optional(choice(
        $._exec_form,
        seq(optional($._not_json), $.shell_command, optional($._heredocs)),
      )),
    ),

    cmd_instruction: $ => commandInstruction($, 'cmd'),
    entrypoint_instruction: $ => commandInstruction($, 'entrypoint'),
    shell_instruction: $ => commandInstruction($, 'shell'),

    copy_instruction: $ => fileInstruction($, 'copy'),
    add_instruction: $ => fileInstruction($, 'add'),

    volume_instruction: $ => seq(
      keyword($, 'volume'),
      flags($),
      optional(choice($._exec_form, seq(optional($._not_json), repeat1($.word)))),
    ),

    expose_instruction: $ => wordsInstruction($, 'expose', $.word),
    // BuildKit reads the rest of these lines as one string, so `${...}` may hold blanks.
    user_instruction: $ => wordsInstruction($, 'user', alias($._string_word, $.word)),
    workdir_instruction: $ => wordsInstruction($, 'workdir', alias($._string_word, $.word)),
    stopsignal_instruction: $ => wordsInstruction($, 'stopsignal', alias($._string_word, $.word)),
    maintainer_instruction: $ => wordsInstruction($, 'maintainer', alias($._string_word, $.word)),

    env_instruction: $ => pairsInstruction($, 'env'),
    label_instruction: $ => pairsInstruction($, 'label'),

    arg_instruction: $ => seq(
      keyword($, 'arg'),
      flags($),
      repeat(choice($.pair, alias($._bare_pair, $.pair))),
    ),

    onbuild_instruction: $ => seq(
      keyword($, 'onbuild'),
      flags($),
      optional(field('instruction', $.instruction)),
    ),

    healthcheck_instruction: $ => seq(
      keyword($, 'healthcheck'),
      flags($),
      optional(seq(
        field('type', $.word),
        optional(choice(
          $._exec_form,
          seq(optional($._not_json), alias($._plain_shell_command, $.shell_command)),
        )),
      )),
    ),

    // Any other first word: BuildKit's parser keeps the line and the builder
    // rejects it later, so we keep it too and report it from the syntax layer.
    unknown_instruction: $ => seq(
      field('keyword', alias($._kw_unknown, $.keyword)),
      flags($),
      optional(alias($._plain_shell_command, $.shell_command)),
    ),

    flag: $ => seq(
      alias($._flag_dashes, '--'),
      optional(field('name', $.flag_name)),
      optional(seq(alias($._flag_eq, '='), optional(field('value', $.flag_value)))),
    ),

    // Go's JSON decoder reads the first value: BuildKit ignores text after the array.
    _exec_form: $ => seq(
      $._json_marker,
      $.json_array,
      optional(alias($._plain_shell_command, $.ignored_text)),
    ),

    shell_command: $ => repeat1(choice($.shell_fragment, $.heredoc_marker)),
    _plain_shell_command: $ => repeat1($.shell_fragment),

    _heredocs: $ => seq($._heredoc_line_end, repeat1($.heredoc)),
    heredoc: $ => seq(optional(field('body', $.heredoc_body)), field('end', $.heredoc_end)),

    // Words split on whitespace, quotes kept as text (FROM, COPY, EXPOSE, ...).
    word: $ => seq($._word_part, repeat(seq($._concat, $._word_part))),
    _word_part: $ => choice($.unquoted_text, $.expansion),
    _string_word: $ => seq($._string_word_part, repeat(seq($._concat, $._string_word_part))),
    _string_word_part: $ => choice($.unquoted_text, alias($._quoted_expansion, $.expansion)),

    // Words where quotes group (ENV, LABEL and ARG values).
    _shell_word: $ => seq($._shell_word_part, repeat(seq($._concat, $._shell_word_part))),
    _shell_word_part: $ => choice(
      alias($._word_text, $.unquoted_text),
      $.double_quoted_string,
      $.single_quoted_string,
      $.expansion,
    ),

    double_quoted_string: $ => seq(
      '"',
      repeat(choice($.string_content, alias($._quoted_expansion, $.expansion))),
      // BuildKit's parser accepts an unterminated quote at the end of the line.
      optional(token.immediate('"')),
    ),

    pair: $ => seq(
      field('key', alias($._key_eq, $.key)),
      token.immediate('='),
      optional(seq($._concat, field('value', alias($._shell_word, $.word)))),
    ),
    _bare_pair: $ => field('key', alias($._key_bare, $.key)),
    // `ENV key value words`: the legacy form, one pair whose value is the rest.
    _legacy_pair: $ => seq(
      field('key', alias($._key_bare, $.key)),
      optional(field('value', $.legacy_value)),
    ),
    legacy_value: $ => repeat1($.word),

    // Outside quotes, whitespace ends a word even inside `${...}` (BuildKit splits
    // words first), so there the argument stops at blanks; `}` may be missing.
    expansion: $ => expansion($, $.expansion_argument),
    _quoted_expansion: $ => expansion($, alias($._quoted_expansion_argument, $.expansion_argument)),
    expansion_argument: $ => prec.right(repeat1(choice(alias($._expansion_text, $.string_content), $.expansion))),
    _quoted_expansion_argument: $ => prec.right(repeat1(choice(
      alias($._quoted_expansion_text, $.string_content),
      alias($._quoted_expansion, $.expansion),
    ))),

    json_array: $ => seq('[', commaSep($._json_value), ']'),
    json_object: $ => seq('{', commaSep($.json_member), '}'),
    json_member: $ => seq(field('key', $.json_string), ':', field('value', $._json_value)),
    _json_value: $ => choice(
      $.json_string,
      $.json_number,
      $.json_array,
      $.json_object,
      alias(choice('true', 'false', 'null'), $.json_literal),
    ),
    json_string: _ => token(seq(
      '"',
      repeat(choice(/[^"\\\x00-\x1f]+/, /\\(["\\/bfnrt]|u[0-9a-fA-F]{4})/)),
      '"',
    )),
    json_number: _ => /-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/,
  },
});

/**
 * `$name` or `${name<operator><argument>}`.
 * @param {GrammarSymbols<string>} $
 * @param {RuleOrLiteral} argument
 */
function expansion($, argument) {
  const name = alias(token.immediate(/[A-Za-z_][A-Za-z0-9_]*|[0-9]+/), $.variable_name);
  return choice(
    seq('$', field('name', name)),
    // An unclosed `${` takes all it can before it ends.
    prec.right(seq(
      '${',
      field('name', name),
      optional(seq(
        field('operator', $.expansion_operator),
        optional(field('argument', argument)),
      )),
      optional(alias($._expansion_close, '}')),
    )),
  );
}

/**
 * Flags, then `--` alone, which ends them.
 * @param {GrammarSymbols<string>} $
 */
function flags($) {
  return seq(repeat($.flag), optional(alias($._end_of_flags, '--')));
}

/**
 * The keyword of an instruction, lexed by the scanner as the line's first word.
 * @param {GrammarSymbols<string>} $
 * @param {string} name
 */
function keyword($, name) {
  return field('keyword', alias($[`_kw_${name}`], $.keyword));
}

/**
 * CMD, ENTRYPOINT and SHELL: exec form (JSON array) or shell form.
 * @param {GrammarSymbols<string>} $
 * @param {string} name
 */
function commandInstruction($, name) {
  return seq(
    keyword($, name),
    flags($),
    optional(choice(
      $._exec_form,
      seq(optional($._not_json), alias($._plain_shell_command, $.shell_command)),
    )),
  );
}

/**
 * COPY and ADD: JSON array, or words and heredocs.
 * @param {GrammarSymbols<string>} $
 * @param {string} name
 */
function fileInstruction($, name) {
  return seq(
    keyword($, name),
    flags($),
    optional(choice(
      $._exec_form,
      seq(optional($._not_json), repeat1(choice($.word, $.heredoc_marker)), optional($._heredocs)),
    )),
  );
}

/**
 * Instructions whose arguments are whitespace-separated words.
 * @param {GrammarSymbols<string>} $
 * @param {string} name
 * @param {RuleOrLiteral} word
 */
function wordsInstruction($, name, word) {
  return seq(keyword($, name), flags($), repeat(word));
}

/**
 * ENV and LABEL: `key=value ...`, or the legacy `key value`.
 * @param {GrammarSymbols<string>} $
 * @param {string} name
 */
function pairsInstruction($, name) {
  return seq(
    keyword($, name),
    flags($),
    optional(choice(
      seq($.pair, repeat(choice($.pair, alias($._bare_pair, $.pair)))),
      alias($._legacy_pair, $.pair),
    )),
  );
}

/**
 * @param {RuleOrLiteral} rule
 */
function commaSep(rule) {
  return optional(seq(rule, repeat(seq(',', rule))));
}
