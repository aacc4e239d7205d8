; Highlights for Dockerfiles.
;
; The patterns are written so that no two of them capture the same node:
; editors disagree on whether the first or the last matching pattern wins.

; Comments and parser directives
; ------------------------------

(comment) @comment

(parser_directive
  "#" @keyword.directive
  name: (directive_name) @property
  "=" @operator
  value: (directive_value) @string)

; Instruction keywords
; --------------------

[
  (from_instruction keyword: (keyword) @keyword)
  (run_instruction keyword: (keyword) @keyword)
  (cmd_instruction keyword: (keyword) @keyword)
  (label_instruction keyword: (keyword) @keyword)
  (maintainer_instruction keyword: (keyword) @keyword)
  (expose_instruction keyword: (keyword) @keyword)
  (env_instruction keyword: (keyword) @keyword)
  (add_instruction keyword: (keyword) @keyword)
  (copy_instruction keyword: (keyword) @keyword)
  (entrypoint_instruction keyword: (keyword) @keyword)
  (volume_instruction keyword: (keyword) @keyword)
  (user_instruction keyword: (keyword) @keyword)
  (workdir_instruction keyword: (keyword) @keyword)
  (arg_instruction keyword: (keyword) @keyword)
  (onbuild_instruction keyword: (keyword) @keyword)
  (stopsignal_instruction keyword: (keyword) @keyword)
  (healthcheck_instruction keyword: (keyword) @keyword)
  (shell_instruction keyword: (keyword) @keyword)
]

; `FROM image AS name`
(from_instruction as: (keyword) @keyword)

; `HEALTHCHECK CMD ...` / `HEALTHCHECK NONE`
(healthcheck_instruction type: (word) @keyword)

; Any other first word: not an instruction BuildKit knows.
(unknown_instruction keyword: (keyword) @function.call)

; FROM
; ----

(from_instruction image: (word) @string.special.url)

(from_instruction name: (word) @constant)

; Flags: `--name=value`
; ---------------------

(flag
  "--" @operator)

(flag
  "=" @operator)

(flag name: (flag_name) @attribute)

(flag value: (flag_value) @string)

; Key/value pairs (ENV, LABEL, ARG)
; ---------------------------------

(pair key: (key) @property)

(pair
  "=" @operator)

; Strings
; -------

(double_quoted_string) @string

(single_quoted_string) @string

; Variables: `$NAME`, `${NAME}`, `${NAME:-default}`
; -------------------------------------------------

(expansion
  [
    "$"
    "${"
    "}"
  ] @punctuation.special)

(variable_name) @variable

(expansion_operator) @operator

; Heredocs
; --------

(heredoc_marker) @string.special

(heredoc_body) @string

(heredoc_end) @label

; JSON (exec form)
; ----------------

(json_string) @string

(json_number) @number

(json_literal) @constant.builtin

(json_array
  [
    "["
    "]"
  ] @punctuation.bracket)

(json_object
  [
    "{"
    "}"
  ] @punctuation.bracket)

(json_array
  "," @punctuation.delimiter)

(json_object
  "," @punctuation.delimiter)

(json_member
  ":" @punctuation.delimiter)

; Line continuations
; ------------------

(line_continuation) @punctuation.special
