/*
 * External scanner for the Dockerfile grammar.
 *
 * BuildKit reads a Dockerfile as logical lines: the escape character (`\` or,
 * after `# escape=``, a backtick) followed by optional blanks at the end of a
 * line continues the instruction on the next line, and inside such an
 * instruction whole-line comments and blank lines are dropped. Heredoc bodies
 * follow the instruction's last line and end at a line equal to the delimiter.
 * None of that can be expressed with regular tokens, so this scanner lexes
 * every token whose extent depends on the escape character, on where a line
 * starts, or on what the rest of the logical line contains (exec form is
 * chosen only when the whole rest parses as a JSON array, as BuildKit does).
 */

#include "tree_sitter/alloc.h"
#include "tree_sitter/parser.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

enum TokenType {
  LINE_CONTINUATION,
  COMMENT,
  EMPTY_LINE,
  INSTRUCTION_END,
  HEREDOC_LINE_END,
  BLANK_LINE,
  DIRECTIVE_MARKER,
  JSON_MARKER,
  NOT_JSON,
  SHELL_FRAGMENT,
  HEREDOC_MARKER,
  HEREDOC_BODY,
  HEREDOC_END,
  UNQUOTED_TEXT,
  WORD_TEXT,
  STRING_CONTENT,
  SINGLE_QUOTED,
  CONCAT,
  FLAG_DASHES,
  FLAG_NAME,
  FLAG_VALUE,
  FLAG_EQ,
  KEY_EQ,
  KEY_BARE,
  AS_KEYWORD,
  EXPANSION_TEXT,
  QUOTED_EXPANSION_TEXT,
  END_OF_FLAGS,
  EXPANSION_OPERATOR,
  EXPANSION_CLOSE,
  KW_FROM,
  KW_RUN,
  KW_CMD,
  KW_LABEL,
  KW_MAINTAINER,
  KW_EXPOSE,
  KW_ENV,
  KW_ADD,
  KW_COPY,
  KW_ENTRYPOINT,
  KW_VOLUME,
  KW_USER,
  KW_WORKDIR,
  KW_ARG,
  KW_ONBUILD,
  KW_STOPSIGNAL,
  KW_HEALTHCHECK,
  KW_SHELL,
  KW_UNKNOWN,
  STAGE_END,
  CHUNK_END,
  ERROR_SENTINEL,
  GROUP_END,
};

static const char *const KEYWORD_NAMES[] = {
    "from",    "run",  "cmd",  "label", "maintainer", "expose",     "env",
    "add",     "copy", "entrypoint", "volume", "user", "workdir", "arg",
    "onbuild", "stopsignal", "healthcheck", "shell",
};
#define KEYWORD_COUNT (sizeof(KEYWORD_NAMES) / sizeof(KEYWORD_NAMES[0]))

/* Bounded so the state always fits tree-sitter's serialization buffer. */
#define MAX_HEREDOCS 8
#define MAX_DELIMITER 96

typedef struct {
  bool chomp;
  uint8_t length;
  char name[MAX_DELIMITER];
} Heredoc;

typedef struct {
  int32_t escape;
  /* The last token ended a line with a continuation (comment and blank lines
   * inside the instruction keep it set): a blank line is then skipped rather
   * than ending the instruction, as BuildKit does. */
  bool in_continuation;
  /* Inside a `# name=value` directive line: `#` and the value are not comments
   * or continuations there. */
  bool in_directive;
  /* The logical text before the next token ends in whitespace (word start). */
  bool prev_ws;
  /* The last heredoc of an instruction just ended: its line is complete. */
  bool after_heredoc;
  /* A continuation joined a word with the next line: the word goes on. */
  bool concat_next;
  /* A comment or blank line was seen: no parser directive can follow. */
  bool directives_done;
  /* What the next line starts, seen from the newline before it. */
  uint8_t boundary;
  /* Quote open in shell-form text, carried across continuations. */
  uint8_t quote;
  uint8_t heredoc_count;
  Heredoc heredocs[MAX_HEREDOCS];
} Scanner;

static inline void advance(TSLexer *lexer) { lexer->advance(lexer, false); }
static inline void skip(TSLexer *lexer) { lexer->advance(lexer, true); }
static inline bool at_eof(TSLexer *lexer) { return lexer->eof(lexer); }
static inline bool at_eol(TSLexer *lexer) {
  return lexer->eof(lexer) || lexer->lookahead == '\n';
}
static inline bool is_blank(int32_t c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v' || c == 0xFEFF;
}
static inline bool is_digit(int32_t c) { return c >= '0' && c <= '9'; }
static inline bool is_name_start(int32_t c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
static inline int32_t to_lower(int32_t c) {
  return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
}

/* What ends before the next line: nothing, a chunk, a chunk and a stage, a
 * chunk, a stage and a group of stages, or (once the stage has ended) the
 * group alone. */
enum { BOUNDARY_NONE, BOUNDARY_CHUNK, BOUNDARY_STAGE, BOUNDARY_GROUP, BOUNDARY_GROUP_ONLY };

/*
 * Called at the end of a token that ends a line: looks at the start of the
 * next line. A stage ends before a FROM or at the end of the file; a chunk of
 * lines ends there too, or where a hash of the line's first characters says
 * so (about one line in 64). A group of stages ends at the end of the file and
 * before a FROM whose whole line hashes so (about one in 8): the first
 * characters of FROM lines are often alike. Only the line itself decides, so
 * an edit moves no boundary elsewhere and everything around it can be reused.
 */
static void peek_boundary(Scanner *s, TSLexer *lexer) {
  s->boundary = BOUNDARY_NONE;
  while (!at_eof(lexer) && is_blank(lexer->lookahead)) advance(lexer);
  if (at_eof(lexer)) {
    s->boundary = BOUNDARY_GROUP;
    return;
  }
  if (lexer->lookahead == '\n' || lexer->lookahead == '#') return;
  uint32_t hash = 2166136261u;
  char word[4] = {0};
  unsigned length = 0;
  bool in_word = true;
  for (unsigned i = 0; i < 24 && !at_eol(lexer); i++) {
    int32_t c = lexer->lookahead;
    if (in_word && is_blank(c)) {
      in_word = false;
    } else if (in_word) {
      if (length < 4) word[length] = (char)to_lower(c);
      length++;
    }
    hash = (hash ^ (uint32_t)c) * 16777619u;
    advance(lexer);
  }
  if (length == 4 && memcmp(word, "from", 4) == 0) {
    for (unsigned i = 24; i < 256 && !at_eol(lexer); i++) {
      hash = (hash ^ (uint32_t)lexer->lookahead) * 16777619u;
      advance(lexer);
    }
    s->boundary = (hash >> 7) % 8 == 0 ? BOUNDARY_GROUP : BOUNDARY_STAGE;
  } else if ((hash >> 7) % 64 == 0) {
    s->boundary = BOUNDARY_CHUNK;
  }
}

static inline bool accept(Scanner *s, TSLexer *lexer, enum TokenType token) {
  lexer->result_symbol = token;
  switch (token) {
    case LINE_CONTINUATION:
      s->in_continuation = true;
      break;
    case COMMENT:
    case EMPTY_LINE:
      break;
    default:
      s->in_continuation = false;
      s->concat_next = false;
      break;
  }
  return true;
}

/* Consumes the rest of a continuation after its escape character and blanks:
 * the newline, if any. */
static bool finish_continuation(Scanner *s, TSLexer *lexer, bool blank_before,
                                bool word_may_continue) {
  if (!at_eof(lexer)) advance(lexer);
  lexer->mark_end(lexer);
  if (blank_before) s->prev_ws = true;
  accept(s, lexer, LINE_CONTINUATION);
  s->concat_next = word_may_continue && !at_eof(lexer) && !is_blank(lexer->lookahead) &&
                   lexer->lookahead != '\n' && lexer->lookahead != '#';
  /* A continuation can stand on a line of its own before a FROM. */
  peek_boundary(s, lexer);
  return true;
}

/*
 * After an escape that is not a continuation: consumes the escaped character.
 * An escape right after an escaped escape is no continuation either (BuildKit's
 * regex wants a character other than the escape before it), so a run of them is
 * consumed too. Returns the number of characters consumed.
 */
static unsigned consume_escaped(Scanner *s, TSLexer *lexer) {
  if (at_eol(lexer) || lexer->lookahead == '\r') return 0;
  bool escaped_escape = lexer->lookahead == s->escape;
  advance(lexer);
  unsigned n = 1;
  while (escaped_escape && !at_eol(lexer) && lexer->lookahead == s->escape) {
    advance(lexer);
    n++;
  }
  return n;
}

/* ---------------------------------------------------------------------------
 * Logical reader: the characters of the logical line as BuildKit joins it,
 * used for look-ahead only (JSON validation). Continuations, and the comment
 * and blank lines after them, are dropped; leading blanks of a continued line
 * are kept.
 * ------------------------------------------------------------------------- */

#define LR_END (-1)
#define LR_BUFFER 64

typedef struct {
  TSLexer *lexer;
  int32_t escape;
  int32_t buffer[LR_BUFFER];
  int head;
  int tail;
  bool crossed_continuation;
} LogicalReader;

static void lr_skip_ignored_lines(LogicalReader *r) {
  TSLexer *lexer = r->lexer;
  for (;;) {
    r->head = r->tail = 0;
    while (!at_eof(lexer) && is_blank(lexer->lookahead)) {
      if (r->tail < LR_BUFFER) r->buffer[r->tail++] = lexer->lookahead;
      advance(lexer);
    }
    if (at_eof(lexer)) return;
    if (lexer->lookahead == '\n') {
      advance(lexer);
      continue;
    }
    if (lexer->lookahead == '#') {
      while (!at_eol(lexer)) advance(lexer);
      if (!at_eof(lexer)) advance(lexer);
      continue;
    }
    return;
  }
}

static int32_t lr_next(LogicalReader *r) {
  if (r->head < r->tail) return r->buffer[r->head++];
  TSLexer *lexer = r->lexer;
  for (;;) {
    if (at_eol(lexer)) return LR_END;
    int32_t c = lexer->lookahead;
    advance(lexer);
    if (c != r->escape) return c;
    r->head = r->tail = 0;
    if (lexer->lookahead == r->escape && !at_eof(lexer)) {
      /* An escaped escape, and any escape after it: never a continuation. */
      while (lexer->lookahead == r->escape && !at_eof(lexer) && r->tail < LR_BUFFER) {
        r->buffer[r->tail++] = lexer->lookahead;
        advance(lexer);
      }
      return c;
    }
    while (!at_eof(lexer) && is_blank(lexer->lookahead)) {
      if (r->tail < LR_BUFFER) r->buffer[r->tail++] = lexer->lookahead;
      advance(lexer);
    }
    if (!at_eol(lexer)) return c;
    r->crossed_continuation = true;
    if (at_eof(lexer)) return LR_END;
    advance(lexer);
    lr_skip_ignored_lines(r);
    if (r->head < r->tail) return r->buffer[r->head++];
  }
}

/* ---------------------------------------------------------------------------
 * JSON validation, as Go's encoding/json accepts a `[...]` document.
 * ------------------------------------------------------------------------- */

typedef struct {
  LogicalReader *reader;
  int32_t c;
  int depth;
} JsonParser;

static inline void jp_next(JsonParser *p) { p->c = lr_next(p->reader); }
static inline void jp_skip_ws(JsonParser *p) {
  while (p->c == ' ' || p->c == '\t' || p->c == '\r') jp_next(p);
}
static inline bool is_hex(int32_t c) {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static bool jp_value(JsonParser *p);

static bool jp_string(JsonParser *p) {
  bool crossed_before = p->reader->crossed_continuation;
  jp_next(p);
  for (;;) {
    int32_t c = p->c;
    if (c == LR_END || (c >= 0 && c < 0x20)) return false;
    if (c == '"') break;
    if (c == '\\') {
      jp_next(p);
      switch (p->c) {
        case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
          break;
        case 'u':
          for (int i = 0; i < 4; i++) {
            jp_next(p);
            if (!is_hex(p->c)) return false;
          }
          break;
        default:
          return false;
      }
    }
    jp_next(p);
  }
  /* A continuation inside a string would split our string token. */
  if (p->reader->crossed_continuation != crossed_before) return false;
  jp_next(p);
  return true;
}

static bool jp_number(JsonParser *p) {
  if (p->c == '-') jp_next(p);
  if (p->c == '0') {
    jp_next(p);
  } else if (is_digit(p->c)) {
    while (is_digit(p->c)) jp_next(p);
  } else {
    return false;
  }
  if (p->c == '.') {
    jp_next(p);
    if (!is_digit(p->c)) return false;
    while (is_digit(p->c)) jp_next(p);
  }
  if (p->c == 'e' || p->c == 'E') {
    jp_next(p);
    if (p->c == '+' || p->c == '-') jp_next(p);
    if (!is_digit(p->c)) return false;
    while (is_digit(p->c)) jp_next(p);
  }
  return true;
}

static bool jp_literal(JsonParser *p, const char *word) {
  for (const char *w = word; *w; w++) {
    if (p->c != *w) return false;
    jp_next(p);
  }
  return true;
}

/* The members of an array or object after its opening bracket: `item`s separated
 * by commas, up to `close`. */
static bool jp_members(JsonParser *p, int32_t close, bool (*item)(JsonParser *)) {
  if (++p->depth > 64) return false;
  jp_next(p);
  jp_skip_ws(p);
  if (p->c == close) {
    jp_next(p);
    p->depth--;
    return true;
  }
  for (;;) {
    if (!item(p)) return false;
    jp_skip_ws(p);
    if (p->c == ',') {
      jp_next(p);
      jp_skip_ws(p);
      continue;
    }
    if (p->c == close) {
      jp_next(p);
      p->depth--;
      return true;
    }
    return false;
  }
}

static bool jp_member(JsonParser *p) {
  if (p->c != '"' || !jp_string(p)) return false;
  jp_skip_ws(p);
  if (p->c != ':') return false;
  jp_next(p);
  jp_skip_ws(p);
  return jp_value(p);
}

static bool jp_array(JsonParser *p) { return jp_members(p, ']', jp_value); }
static bool jp_object(JsonParser *p) { return jp_members(p, '}', jp_member); }

static bool jp_value(JsonParser *p) {
  switch (p->c) {
    case '"': return jp_string(p);
    case '[': return jp_array(p);
    case '{': return jp_object(p);
    case 't': return jp_literal(p, "true");
    case 'f': return jp_literal(p, "false");
    case 'n': return jp_literal(p, "null");
    default: return jp_number(p);
  }
}

/* Whether the rest of the logical line, starting at `[`, is a JSON array. */
static bool rest_is_json_array(Scanner *s, TSLexer *lexer) {
  LogicalReader reader = {.lexer = lexer, .escape = s->escape};
  JsonParser p = {.reader = &reader};
  jp_next(&p);
  /* Go's json.Decoder reads the first value; BuildKit ignores what follows. */
  return p.c == '[' && jp_array(&p);
}

/* ---------------------------------------------------------------------------
 * Heredocs
 * ------------------------------------------------------------------------- */

static void push_utf8(char *buffer, unsigned *length, unsigned capacity, int32_t c) {
  char bytes[4];
  unsigned n;
  if (c < 0x80) {
    bytes[0] = (char)c;
    n = 1;
  } else if (c < 0x800) {
    bytes[0] = (char)(0xC0 | (c >> 6));
    bytes[1] = (char)(0x80 | (c & 0x3F));
    n = 2;
  } else if (c < 0x10000) {
    bytes[0] = (char)(0xE0 | (c >> 12));
    bytes[1] = (char)(0x80 | ((c >> 6) & 0x3F));
    bytes[2] = (char)(0x80 | (c & 0x3F));
    n = 3;
  } else {
    bytes[0] = (char)(0xF0 | (c >> 18));
    bytes[1] = (char)(0x80 | ((c >> 12) & 0x3F));
    bytes[2] = (char)(0x80 | ((c >> 6) & 0x3F));
    bytes[3] = (char)(0x80 | (c & 0x3F));
    n = 4;
  }
  for (unsigned i = 0; i < n; i++) {
    if (*length < capacity) buffer[*length] = bytes[i];
    (*length)++;
  }
}

/*
 * Reads a heredoc delimiter word as BuildKit's shell lexer does (quotes
 * removed, backslash escapes applied, `$` kept) into `name`. Stops at unquoted
 * whitespace or the end of the line. Returns false when the word is empty or
 * unterminated.
 */
static bool read_delimiter(TSLexer *lexer, char *name, unsigned *length) {
  unsigned n = 0;
  bool any = false;
  int32_t quote = 0;
  while (!at_eol(lexer)) {
    int32_t c = lexer->lookahead;
    if (quote == 0) {
      if (is_blank(c)) break;
      if (c == '\'' || c == '"') {
        quote = c;
        any = true;
        advance(lexer);
        continue;
      }
      if (c == '\\') {
        advance(lexer);
        if (at_eol(lexer)) break;
        c = lexer->lookahead;
      }
    } else if (c == quote) {
      quote = 0;
      advance(lexer);
      continue;
    } else if (quote == '"' && c == '\\') {
      advance(lexer);
      if (at_eol(lexer)) return false;
      int32_t next = lexer->lookahead;
      if (next != '"' && next != '\\' && next != '$' && next != '`') {
        push_utf8(name, &n, MAX_DELIMITER, '\\');
      }
      c = next;
    }
    if (c == '<') return false;
    push_utf8(name, &n, MAX_DELIMITER, c);
    any = true;
    advance(lexer);
  }
  if (quote != 0 || !any) return false;
  *length = n;
  return true;
}

/*
 * At a word start: `[digits]<<[-][blanks]word` as BuildKit's heredoc regex
 * accepts it. Consumes what it reads. On success the delimiter is queued.
 */
static bool scan_heredoc_marker(Scanner *s, TSLexer *lexer, bool push) {
  while (is_digit(lexer->lookahead)) advance(lexer);
  if (lexer->lookahead != '<') return false;
  advance(lexer);
  if (lexer->lookahead != '<') return false;
  advance(lexer);
  bool chomp = false;
  if (lexer->lookahead == '-') {
    chomp = true;
    advance(lexer);
  }
  /* BuildKit's `^(\d*)<<(-?)\s*([^<]*)$`: no `<` after the marker (`<<<` is a
   * here-string). */
  if (lexer->lookahead == '<') return false;
  while (!at_eof(lexer) && (lexer->lookahead == ' ' || lexer->lookahead == '\t')) advance(lexer);
  char name[MAX_DELIMITER];
  unsigned length = 0;
  if (!read_delimiter(lexer, name, &length)) return false;
  if (push && s->heredoc_count < MAX_HEREDOCS && length <= MAX_DELIMITER) {
    Heredoc *h = &s->heredocs[s->heredoc_count++];
    h->chomp = chomp;
    h->length = (uint8_t)length;
    memcpy(h->name, name, length);
  }
  return true;
}

/* Whether the current line equals the delimiter of the first pending heredoc.
 * Consumes the line up to (not including) its newline. */
static bool line_is_delimiter(Heredoc *h, TSLexer *lexer) {
  if (h->chomp) {
    while (lexer->lookahead == '\t' && !at_eof(lexer)) advance(lexer);
  }
  unsigned matched = 0;
  bool ok = true;
  while (!at_eol(lexer) && lexer->lookahead != '\r') {
    char bytes[4];
    unsigned n = 0;
    push_utf8(bytes, &n, 4, lexer->lookahead);
    for (unsigned i = 0; i < n; i++) {
      if (matched >= h->length || h->name[matched] != bytes[i]) ok = false;
      matched++;
    }
    advance(lexer);
  }
  /* BuildKit trims trailing \r and \n only. */
  while (!at_eol(lexer)) {
    if (lexer->lookahead != '\r') ok = false;
    advance(lexer);
  }
  return ok && matched == h->length;
}

static void pop_heredoc(Scanner *s) {
  if (s->heredoc_count == 0) return;
  memmove(&s->heredocs[0], &s->heredocs[1], sizeof(Heredoc) * (s->heredoc_count - 1));
  s->heredoc_count--;
  if (s->heredoc_count == 0) s->after_heredoc = true;
}

static bool scan_heredoc(Scanner *s, TSLexer *lexer, const bool *valid) {
  Heredoc *h = &s->heredocs[0];
  bool has_body = false;
  for (;;) {
    lexer->mark_end(lexer);
    if (at_eof(lexer)) {
      if (has_body && valid[HEREDOC_BODY]) return accept(s, lexer, HEREDOC_BODY);
      /* Unterminated: an empty end token at the end of the file. */
      if (!valid[HEREDOC_END]) return false;
      pop_heredoc(s);
      s->boundary = BOUNDARY_GROUP;
      return accept(s, lexer, HEREDOC_END);
    }
    if (line_is_delimiter(h, lexer)) {
      if (has_body) return valid[HEREDOC_BODY] && accept(s, lexer, HEREDOC_BODY);
      if (!valid[HEREDOC_END]) return false;
      if (!at_eof(lexer)) advance(lexer);
      lexer->mark_end(lexer);
      pop_heredoc(s);
      s->prev_ws = true;
      peek_boundary(s, lexer);
      return accept(s, lexer, HEREDOC_END);
    }
    if (!at_eof(lexer)) advance(lexer);
    has_body = true;
  }
}

/* ---------------------------------------------------------------------------
 * Directives
 * ------------------------------------------------------------------------- */

/* At a `#` on one of the first lines: whether the line is a known parser
 * directive; records the escape character it selects. Zero-width. */
static bool scan_directive(Scanner *s, TSLexer *lexer) {
  lexer->mark_end(lexer);
  advance(lexer); /* # */
  while (is_blank(lexer->lookahead) && !at_eol(lexer)) advance(lexer);
  char name[16];
  unsigned n = 0;
  if (!is_name_start(lexer->lookahead) || lexer->lookahead == '_') return false;
  while (!at_eol(lexer) && ((lexer->lookahead >= 'a' && lexer->lookahead <= 'z') ||
                            (lexer->lookahead >= 'A' && lexer->lookahead <= 'Z') ||
                            is_digit(lexer->lookahead))) {
    if (n < sizeof(name) - 1) name[n] = (char)to_lower(lexer->lookahead);
    n++;
    advance(lexer);
  }
  if (n >= sizeof(name)) return false;
  name[n] = 0;
  if (strcmp(name, "syntax") != 0 && strcmp(name, "escape") != 0 && strcmp(name, "check") != 0) {
    return false;
  }
  while (is_blank(lexer->lookahead) && !at_eol(lexer)) advance(lexer);
  if (lexer->lookahead != '=') return false;
  advance(lexer);
  while (is_blank(lexer->lookahead) && !at_eol(lexer)) advance(lexer);
  if (at_eol(lexer)) return false;
  int32_t first = lexer->lookahead;
  unsigned value_length = 0;
  unsigned trailing = 0;
  while (!at_eol(lexer)) {
    if (is_blank(lexer->lookahead)) {
      trailing++;
    } else {
      value_length += trailing + 1;
      trailing = 0;
    }
    advance(lexer);
  }
  if (strcmp(name, "escape") == 0 && value_length == 1 && (first == '`' || first == '\\')) {
    s->escape = first;
  }
  s->in_directive = true;
  return accept(s, lexer, DIRECTIVE_MARKER);
}

/* ---------------------------------------------------------------------------
 * Words
 * ------------------------------------------------------------------------- */

typedef enum {
  MODE_PLAIN,     /* FROM, COPY, ...: split on whitespace, quotes are text */
  MODE_WORD,      /* ENV/LABEL/ARG values: quotes group */
  MODE_KEY,       /* ENV/LABEL/ARG keys: like MODE_WORD, also stop at '=' */
  MODE_STRING,    /* inside "...": stop at '"' */
  MODE_EXPANSION, /* inside ${name:-...} outside quotes: stop at '}' and blanks */
  MODE_QUOTED_EXPANSION, /* inside "${name:-...}": stop at '}' */
} TextMode;

/* `$name` or `${` starts an expansion; a lone `$` is text. Consumes the `$`. */
static bool dollar_starts_expansion(TSLexer *lexer) {
  advance(lexer);
  return lexer->lookahead == '{' || is_name_start(lexer->lookahead) || is_digit(lexer->lookahead);
}

/* The escape character mid-token, with the end marked before it: consumes it
 * and returns whether what follows is a continuation (the token should end
 * before the escape), leaving `*blanks` set when blanks followed it. */
static bool escape_is_continuation(TSLexer *lexer, unsigned *blanks) {
  advance(lexer);
  *blanks = 0;
  while (!at_eof(lexer) && is_blank(lexer->lookahead)) {
    (*blanks)++;
    advance(lexer);
  }
  return at_eol(lexer);
}

/* A quoted span from its opening quote: to the closing quote, the end of the
 * line or (when `stop_at_equals`) a `=`. Inside double quotes the escape
 * character escapes the next one. Returns the characters consumed. */
static unsigned consume_quoted(Scanner *s, TSLexer *lexer, int32_t quote, bool stop_at_equals) {
  unsigned length = 1;
  advance(lexer);
  while (!at_eol(lexer) && lexer->lookahead != quote && !(stop_at_equals && lexer->lookahead == '=')) {
    if (quote == '"' && lexer->lookahead == s->escape) {
      advance(lexer);
      length++;
      if (at_eol(lexer)) break;
    }
    advance(lexer);
    length++;
  }
  if (!at_eol(lexer) && lexer->lookahead == quote) {
    advance(lexer);
    length++;
  }
  return length;
}

/*
 * Scans text in one of the word modes. `length` is how many characters the
 * caller already consumed as part of this token. Returns the number of
 * characters in the token (0: nothing).
 */
static unsigned scan_text(Scanner *s, TSLexer *lexer, TextMode mode, unsigned length) {
  (void)s;
  for (;;) {
    lexer->mark_end(lexer);
    if (at_eol(lexer)) return length;
    int32_t c = lexer->lookahead;
    switch (mode) {
      case MODE_PLAIN:
        if (is_blank(c)) return length;
        break;
      case MODE_WORD:
        if (is_blank(c) || c == '"' || c == '\'') return length;
        break;
      case MODE_KEY:
        if (is_blank(c) || c == '=') return length;
        break;
      case MODE_STRING:
        if (c == '"') return length;
        break;
      case MODE_EXPANSION:
        if (c == '}' || is_blank(c)) return length;
        break;
      case MODE_QUOTED_EXPANSION:
        if (c == '}') return length;
        break;
    }
    if (c == '\r') {
      /* A CR before the newline is not text (an unterminated quote ends here). */
      advance(lexer);
      if (at_eol(lexer)) return length;
      length++;
      continue;
    }
    if (c == '$' && mode != MODE_KEY) {
      if (dollar_starts_expansion(lexer)) return length;
      length++;
      continue;
    }
    if (c == s->escape) {
      unsigned blanks;
      if (escape_is_continuation(lexer, &blanks)) return length;
      if (blanks > 0) {
        if (mode == MODE_STRING || mode == MODE_QUOTED_EXPANSION) {
          length += 1 + blanks;
          continue;
        }
        /* An escaped blank: the next token starts at the escape. */
        return length;
      }
      /* Escape pair: the escaped character is text. An escaped escape at
       * the end of a line is no continuation (BuildKit's regex wants a
       * character other than the escape before it). */
      length += 1 + consume_escaped(s, lexer);
      continue;
    }
    if ((mode == MODE_EXPANSION || mode == MODE_KEY) && (c == '"' || c == '\'')) {
      /* Quotes group blanks (and braces) inside `${name:+"a b"}` and keys
       * (`"a b"=c`); a key still ends at the first `=`, as BuildKit splits it. */
      length += consume_quoted(s, lexer, c, mode == MODE_KEY);
      continue;
    }
    advance(lexer);
    length++;
  }
}

/*
 * A `'...'` string (ENV/LABEL/ARG values): nothing is escaped inside, and it may
 * span continuations because BuildKit joins lines before splitting words.
 */
static bool scan_single_quoted(Scanner *s, TSLexer *lexer) {
  advance(lexer);
  for (;;) {
    lexer->mark_end(lexer);
    /* BuildKit's parser accepts an unterminated quote at the end of the line. */
    if (at_eol(lexer)) return accept(s, lexer, SINGLE_QUOTED);
    int32_t c = lexer->lookahead;
    if (c == '\r') {
      advance(lexer);
      if (at_eol(lexer)) return accept(s, lexer, SINGLE_QUOTED);
      continue;
    }
    if (c == '\'') {
      advance(lexer);
      lexer->mark_end(lexer);
      return accept(s, lexer, SINGLE_QUOTED);
    }
    if (c == s->escape) {
      unsigned blanks;
      if (escape_is_continuation(lexer, &blanks)) {
        if (at_eof(lexer)) return false;
        advance(lexer);
      }
      continue;
    }
    advance(lexer);
  }
}

/* A flag's name, right after `--`: up to `=` or whitespace. */
static bool scan_flag_name(Scanner *s, TSLexer *lexer) {
  unsigned length = 0;
  while (!at_eol(lexer) && !is_blank(lexer->lookahead) && lexer->lookahead != '=') {
    if (lexer->lookahead == s->escape) {
      lexer->mark_end(lexer);
      unsigned blanks;
      if (escape_is_continuation(lexer, &blanks) || blanks > 0) break;
      advance(lexer);
      length += 2;
      lexer->mark_end(lexer);
      continue;
    }
    advance(lexer);
    length++;
    lexer->mark_end(lexer);
  }
  return length > 0 && accept(s, lexer, FLAG_NAME);
}

/* A flag's value, right after `=`: BuildKit's extractBuilderFlags reads quotes
 * and backslash escapes up to unquoted whitespace. */
static bool scan_flag_value(Scanner *s, TSLexer *lexer) {
  unsigned length = 0;
  int32_t quote = 0;
  for (;;) {
    lexer->mark_end(lexer);
    if (at_eol(lexer)) break;
    int32_t c = lexer->lookahead;
    if (quote == 0 && is_blank(c)) break;
    if (c == s->escape) {
      unsigned blanks;
      if (escape_is_continuation(lexer, &blanks)) break;
      length += 1 + blanks;
      if (blanks == 0 && (s->escape == '\\' || lexer->lookahead == s->escape)) {
        length += consume_escaped(s, lexer);
      } else if (blanks > 0 && quote == 0) {
        lexer->mark_end(lexer);
        break;
      }
      continue;
    }
    if (quote == 0 && (c == '"' || c == '\'')) {
      quote = c;
    } else if (quote != 0 && c == quote) {
      quote = 0;
    } else if (c == '\\') {
      advance(lexer);
      length++;
      if (at_eol(lexer)) continue;
    }
    advance(lexer);
    length++;
  }
  return length > 0 && accept(s, lexer, FLAG_VALUE);
}

/*
 * Shell-form text (RUN, CMD, ...): up to the end of the line, a continuation,
 * or (where heredocs are allowed) a heredoc marker at a word start. Quotes are
 * tracked, as BuildKit's shell lexer finds heredoc words outside quotes only.
 * Trailing blanks are not part of the fragment.
 */
static bool scan_shell_fragment(Scanner *s, TSLexer *lexer, const bool *valid, bool word_start,
                                unsigned length) {
  bool heredocs = valid[HEREDOC_MARKER];
  bool last_blank = false;
  for (;;) {
    if (at_eol(lexer)) break;
    int32_t c = lexer->lookahead;
    if (c == s->escape) {
      if (length > 0 && !last_blank) lexer->mark_end(lexer);
      unsigned blanks;
      if (escape_is_continuation(lexer, &blanks)) break;
      length += 1 + blanks;
      if (blanks == 0) {
        if (s->escape == '\\' || lexer->lookahead == s->escape) {
          /* The shell lexer's escape pair, or an escaped escape. */
          length += consume_escaped(s, lexer);
        }
        lexer->mark_end(lexer);
        last_blank = false;
        word_start = false;
      } else {
        last_blank = true;
        word_start = s->quote == 0;
      }
      continue;
    }
    if (s->quote == 0 && word_start && heredocs && (c == '<' || is_digit(c))) {
      if (length > 0 && !last_blank) lexer->mark_end(lexer);
      if (length > 0) {
        /* End the fragment here if a marker follows. */
        if (scan_heredoc_marker(s, lexer, false)) {
          /* The marker is read again as its own token. */
          s->prev_ws = true;
          return accept(s, lexer, SHELL_FRAGMENT);
        }
      } else if (scan_heredoc_marker(s, lexer, true)) {
        lexer->mark_end(lexer);
        s->prev_ws = false;
        return accept(s, lexer, HEREDOC_MARKER);
      }
      /* Not a marker: what was read is text. */
      length++;
      lexer->mark_end(lexer);
      last_blank = false;
      word_start = false;
      continue;
    }
    advance(lexer);
    length++;
    if (s->quote != 0) {
      if (is_blank(c)) {
        last_blank = true;
        continue;
      }
      if (c == s->quote) s->quote = 0;
      else if (c == '\\' && s->quote == '"' && !at_eol(lexer) && lexer->lookahead != s->escape &&
               lexer->lookahead != '\r') {
        advance(lexer);
        length++;
      }
      lexer->mark_end(lexer);
      last_blank = false;
      word_start = false;
      continue;
    }
    if (is_blank(c)) {
      last_blank = true;
      word_start = true;
      continue;
    }
    if (c == '"' || c == '\'') s->quote = (uint8_t)c;
    if (c == '\\' && !at_eol(lexer) && lexer->lookahead != s->escape && lexer->lookahead != '\r') {
      advance(lexer);
      length++;
    }
    lexer->mark_end(lexer);
    last_blank = false;
    word_start = false;
  }
  if (length == 0) return false;
  s->prev_ws = last_blank;
  return accept(s, lexer, SHELL_FRAGMENT);
}

/* The first word of a line: an instruction keyword or an unknown one. */
static bool scan_keyword(Scanner *s, TSLexer *lexer, const bool *valid) {
  char word[16];
  unsigned n = 0;
  while (!at_eol(lexer) && !is_blank(lexer->lookahead)) {
    if (lexer->lookahead == s->escape) {
      lexer->mark_end(lexer);
      unsigned blanks;
      if (escape_is_continuation(lexer, &blanks) || blanks > 0) {
        if (n == 0) return false;
        goto done;
      }
      n += 2;
      advance(lexer);
      continue;
    }
    if (n < sizeof(word)) word[n] = (char)to_lower(lexer->lookahead);
    n++;
    advance(lexer);
  }
  lexer->mark_end(lexer);
done:
  if (n == 0) return false;
  if (n < sizeof(word)) {
    word[n] = 0;
    for (unsigned i = 0; i < KEYWORD_COUNT; i++) {
      if (strcmp(word, KEYWORD_NAMES[i]) == 0 && valid[KW_FROM + i]) {
        s->prev_ws = false;
        return accept(s, lexer, (enum TokenType)(KW_FROM + i));
      }
    }
  }
  if (!valid[KW_UNKNOWN]) return false;
  s->prev_ws = false;
  return accept(s, lexer, KW_UNKNOWN);
}

/* Text inside "..." or ${...}: blanks are content; a continuation is its own token. */
static bool scan_content(Scanner *s, TSLexer *lexer, TextMode mode, enum TokenType token) {
  unsigned length = 0;
  if (lexer->lookahead == s->escape) {
    lexer->mark_end(lexer);
    unsigned blanks;
    if (escape_is_continuation(lexer, &blanks)) return finish_continuation(s, lexer, false, false);
    length = 1 + blanks;
    if (blanks == 0) length += consume_escaped(s, lexer);
  }
  if (scan_text(s, lexer, mode, length) == 0) return false;
  return accept(s, lexer, token);
}

static bool any_text_valid(const bool *valid) {
  return valid[UNQUOTED_TEXT] || valid[WORD_TEXT] || valid[KEY_EQ] || valid[KEY_BARE] ||
         valid[SHELL_FRAGMENT] || valid[AS_KEYWORD] || valid[KW_UNKNOWN];
}

/* After a word-start check consumed `length` characters of text. */
static bool finish_text(Scanner *s, TSLexer *lexer, const bool *valid, unsigned length,
                        bool word_start) {
  if (valid[SHELL_FRAGMENT]) return scan_shell_fragment(s, lexer, valid, word_start, length);
  if (valid[KEY_EQ] || valid[KEY_BARE]) {
    if (scan_text(s, lexer, MODE_KEY, length) == 0) {
      /* `ENV =value`: an empty name, reported by the syntax layer. */
      if (lexer->lookahead != '=' || !valid[KEY_EQ]) return false;
      s->prev_ws = false;
      return accept(s, lexer, KEY_EQ);
    }
    bool eq = lexer->lookahead == '=';
    s->prev_ws = false;
    if (eq && valid[KEY_EQ]) return accept(s, lexer, KEY_EQ);
    if (!eq && valid[KEY_BARE]) return accept(s, lexer, KEY_BARE);
    return false;
  }
  if (valid[WORD_TEXT]) {
    if (scan_text(s, lexer, MODE_WORD, length) == 0) return false;
    s->prev_ws = false;
    return accept(s, lexer, WORD_TEXT);
  }
  if (valid[UNQUOTED_TEXT]) {
    if (scan_text(s, lexer, MODE_PLAIN, length) == 0) return false;
    s->prev_ws = false;
    return accept(s, lexer, UNQUOTED_TEXT);
  }
  return false;
}

/* ---------------------------------------------------------------------------
 * Entry point
 * ------------------------------------------------------------------------- */

static bool scan(Scanner *s, TSLexer *lexer, const bool *valid) {
  bool recovering = valid[ERROR_SENTINEL];

  if (!recovering && s->heredoc_count > 0 && (valid[HEREDOC_BODY] || valid[HEREDOC_END])) {
    return scan_heredoc(s, lexer, valid);
  }
  if (s->after_heredoc && valid[INSTRUCTION_END]) {
    s->after_heredoc = false;
    lexer->mark_end(lexer);
    s->quote = 0;
    return accept(s, lexer, INSTRUCTION_END);
  }

  if (!recovering && s->boundary != BOUNDARY_NONE &&
      (valid[CHUNK_END] || valid[STAGE_END] || valid[GROUP_END])) {
    lexer->mark_end(lexer);
    /* Inner ends first: the last chunk, then the stage, then the group. */
    if (valid[CHUNK_END] && s->boundary != BOUNDARY_GROUP_ONLY) {
      if (s->boundary == BOUNDARY_CHUNK) s->boundary = BOUNDARY_NONE;
      return accept(s, lexer, CHUNK_END);
    }
    if (valid[STAGE_END] && (s->boundary == BOUNDARY_STAGE || s->boundary == BOUNDARY_GROUP)) {
      s->boundary = s->boundary == BOUNDARY_GROUP ? BOUNDARY_GROUP_ONLY : BOUNDARY_NONE;
      return accept(s, lexer, STAGE_END);
    }
    if (valid[GROUP_END] && s->boundary == BOUNDARY_GROUP_ONLY) {
      s->boundary = BOUNDARY_NONE;
      return accept(s, lexer, GROUP_END);
    }
  }

  if (!recovering) {
    int32_t c = lexer->lookahead;
    /* Inside `${...}`: the operator and the closing brace come before any word. */
    if (valid[EXPANSION_CLOSE] && c == '}') {
      advance(lexer);
      lexer->mark_end(lexer);
      return accept(s, lexer, EXPANSION_CLOSE);
    }
    if (valid[EXPANSION_OPERATOR] && (c == ':' || c == '-' || c == '+' || c == '?' || c == '#' ||
                                      c == '%' || c == '/')) {
      advance(lexer);
      if (c == ':') {
        if (lexer->lookahead != '-' && lexer->lookahead != '+' && lexer->lookahead != '?') return false;
        advance(lexer);
      } else if ((c == '#' || c == '%' || c == '/') && lexer->lookahead == c) {
        advance(lexer);
      }
      lexer->mark_end(lexer);
      return accept(s, lexer, EXPANSION_OPERATOR);
    }
    if (valid[CONCAT] && s->concat_next) {
      lexer->mark_end(lexer);
      return accept(s, lexer, CONCAT);
    }
    if (valid[STRING_CONTENT] && !at_eol(lexer)) {
      return scan_content(s, lexer, MODE_STRING, STRING_CONTENT);
    }
    if (valid[QUOTED_EXPANSION_TEXT] && !at_eol(lexer) && c != '}') {
      return scan_content(s, lexer, MODE_QUOTED_EXPANSION, QUOTED_EXPANSION_TEXT);
    }
    if (valid[EXPANSION_TEXT] && !at_eol(lexer) && c != '}' && !is_blank(c)) {
      return scan_content(s, lexer, MODE_EXPANSION, EXPANSION_TEXT);
    }
    if (valid[FLAG_NAME] && !at_eol(lexer) && !is_blank(c) && c != '=') {
      return scan_flag_name(s, lexer);
    }
    if (valid[FLAG_EQ] && c == '=') {
      advance(lexer);
      lexer->mark_end(lexer);
      return accept(s, lexer, FLAG_EQ);
    }
    if (valid[FLAG_VALUE] && !at_eol(lexer) && !is_blank(c)) {
      return scan_flag_value(s, lexer);
    }
    if (valid[CONCAT] && !s->in_continuation && !at_eol(lexer) && !is_blank(c)) {
      lexer->mark_end(lexer);
      if (c == s->escape && !s->in_directive) {
        unsigned blanks;
        if (escape_is_continuation(lexer, &blanks)) {
          return finish_continuation(s, lexer, false, true);
        }
      }
      return accept(s, lexer, CONCAT);
    }
  }

  /* Blanks between tokens. */
  unsigned skipped = 0;
  while (!at_eof(lexer) && is_blank(lexer->lookahead)) {
    skip(lexer);
    skipped++;
  }
  bool had_blank = skipped > 0;
  int32_t c = lexer->lookahead;

  if (at_eol(lexer)) {
    bool line_start = !at_eof(lexer) && lexer->get_column(lexer) == skipped;
    if (at_eof(lexer)) {
      if (s->heredoc_count > 0 && valid[HEREDOC_LINE_END]) {
        s->in_directive = false;
        return accept(s, lexer, HEREDOC_LINE_END);
      }
      if (valid[INSTRUCTION_END]) {
        s->in_directive = false;
        s->quote = 0;
        s->boundary = BOUNDARY_GROUP;
        return accept(s, lexer, INSTRUCTION_END);
      }
      return false;
    }
    advance(lexer);
    lexer->mark_end(lexer);
    peek_boundary(s, lexer);
    if (line_start && s->in_continuation && valid[EMPTY_LINE]) return accept(s, lexer, EMPTY_LINE);
    if (line_start && valid[BLANK_LINE]) {
      s->prev_ws = true;
      s->directives_done = true;
      return accept(s, lexer, BLANK_LINE);
    }
    s->in_directive = false;
    s->quote = 0;
    s->prev_ws = true;
    if (s->heredoc_count > 0 && valid[HEREDOC_LINE_END]) return accept(s, lexer, HEREDOC_LINE_END);
    if (valid[INSTRUCTION_END]) return accept(s, lexer, INSTRUCTION_END);
    if (valid[BLANK_LINE]) return accept(s, lexer, BLANK_LINE);
    if (valid[EMPTY_LINE]) return accept(s, lexer, EMPTY_LINE);
    return false;
  }

  if (c == '#' && !s->in_directive) {
    bool line_start = lexer->get_column(lexer) == skipped;
    if (valid[DIRECTIVE_MARKER] && !s->directives_done && !recovering && line_start &&
        scan_directive(s, lexer)) {
      return true;
    }
    if (valid[COMMENT] && line_start) {
      while (!at_eol(lexer)) advance(lexer);
      if (!at_eof(lexer)) advance(lexer);
      lexer->mark_end(lexer);
      s->directives_done = true;
      peek_boundary(s, lexer);
      return accept(s, lexer, COMMENT);
    }
  }

  if (s->in_directive) return false;

  bool word_start = had_blank || s->prev_ws;

  if (c == s->escape) {
    advance(lexer);
    lexer->mark_end(lexer);
    if (!at_eof(lexer) && is_blank(lexer->lookahead) && (valid[WORD_TEXT] || valid[KEY_EQ] || valid[KEY_BARE])) {
      advance(lexer);
      lexer->mark_end(lexer);
    }
    unsigned blanks = 0;
    while (!at_eof(lexer) && is_blank(lexer->lookahead)) {
      advance(lexer);
      blanks++;
    }
    if (at_eol(lexer)) {
      bool continues = valid[CONCAT] && !had_blank;
      return finish_continuation(s, lexer, had_blank, continues);
    }
    if (recovering) return false;
    if (valid[SHELL_FRAGMENT]) {
      if (blanks == 0 && (s->escape == '\\' || lexer->lookahead == s->escape)) {
        consume_escaped(s, lexer);
      }
      lexer->mark_end(lexer);
      return scan_shell_fragment(s, lexer, valid, false, 1 + blanks);
    }
    if (blanks > 0) {
      /* A lone escape before whitespace: a one-character word part. */
      if (valid[UNQUOTED_TEXT]) return accept(s, lexer, UNQUOTED_TEXT);
      if (valid[WORD_TEXT]) return accept(s, lexer, WORD_TEXT);
      if (valid[KEY_EQ] || valid[KEY_BARE]) {
        if (lexer->lookahead == '=' && valid[KEY_EQ]) return accept(s, lexer, KEY_EQ);
        if (valid[KEY_BARE]) return accept(s, lexer, KEY_BARE);
      }
      return false;
    }
    consume_escaped(s, lexer);
    return finish_text(s, lexer, valid, 2, false);
  }

  if (recovering) return false;

  if (c == '-' && valid[FLAG_DASHES]) {
    advance(lexer);
    if (lexer->lookahead == '-') {
      advance(lexer);
      lexer->mark_end(lexer);
      s->prev_ws = false;
      /* `--` alone ends the flags: what follows is arguments, dashes or not. */
      if ((at_eol(lexer) || is_blank(lexer->lookahead)) && valid[END_OF_FLAGS]) {
        return accept(s, lexer, END_OF_FLAGS);
      }
      return accept(s, lexer, FLAG_DASHES);
    }
    if (valid[KW_FROM] || valid[KW_UNKNOWN]) return false;
    return finish_text(s, lexer, valid, 1, false);
  }

  if (valid[KW_FROM] || valid[KW_UNKNOWN]) {
    return scan_keyword(s, lexer, valid);
  }

  if (c == '[' && (valid[JSON_MARKER] || valid[NOT_JSON])) {
    lexer->mark_end(lexer);
    if (valid[JSON_MARKER] && rest_is_json_array(s, lexer)) return accept(s, lexer, JSON_MARKER);
    if (valid[NOT_JSON]) return accept(s, lexer, NOT_JSON);
    return false;
  }

  if (valid[HEREDOC_MARKER] && word_start && (c == '<' || is_digit(c))) {
    if (valid[SHELL_FRAGMENT]) return scan_shell_fragment(s, lexer, valid, true, 0);
    if (scan_heredoc_marker(s, lexer, true)) {
      lexer->mark_end(lexer);
      s->prev_ws = false;
      return accept(s, lexer, HEREDOC_MARKER);
    }
    /* Not a marker: the characters read are the start of a word. */
    return finish_text(s, lexer, valid, 1, false);
  }

  if (valid[AS_KEYWORD] && (c == 'a' || c == 'A')) {
    advance(lexer);
    if (lexer->lookahead == 's' || lexer->lookahead == 'S') {
      advance(lexer);
      lexer->mark_end(lexer);
      if (at_eol(lexer) || is_blank(lexer->lookahead) || lexer->lookahead == s->escape) {
        s->prev_ws = false;
        return accept(s, lexer, AS_KEYWORD);
      }
      return finish_text(s, lexer, valid, 2, false);
    }
    return finish_text(s, lexer, valid, 1, false);
  }

  if (c == '\'' && valid[SINGLE_QUOTED]) return scan_single_quoted(s, lexer);

  if (c == '$' && !valid[SHELL_FRAGMENT] && !valid[KEY_EQ] && !valid[KEY_BARE]) {
    if (dollar_starts_expansion(lexer)) return false;
    return finish_text(s, lexer, valid, 1, false);
  }

  if (any_text_valid(valid)) return finish_text(s, lexer, valid, 0, word_start);
  return false;
}

/* ---------------------------------------------------------------------------
 * Tree-sitter interface
 * ------------------------------------------------------------------------- */

void *tree_sitter_dockerfile_external_scanner_create(void) {
  Scanner *s = ts_calloc(1, sizeof(Scanner));
  s->escape = '\\';
  s->prev_ws = true;
  return s;
}

void tree_sitter_dockerfile_external_scanner_destroy(void *payload) { ts_free(payload); }

unsigned tree_sitter_dockerfile_external_scanner_serialize(void *payload, char *buffer) {
  Scanner *s = payload;
  unsigned n = 0;
  buffer[n++] = (char)((s->escape == '`' ? 1 : 0) | (s->boundary << 1));
  buffer[n++] = (char)((s->in_continuation ? 1 : 0) | (s->in_directive ? 2 : 0) |
                       (s->prev_ws ? 4 : 0) | (s->after_heredoc ? 8 : 0) |
                       (s->concat_next ? 16 : 0) | (s->directives_done ? 32 : 0));
  buffer[n++] = (char)s->quote;
  buffer[n++] = (char)s->heredoc_count;
  for (unsigned i = 0; i < s->heredoc_count; i++) {
    Heredoc *h = &s->heredocs[i];
    if (n + 2 + h->length > TREE_SITTER_SERIALIZATION_BUFFER_SIZE) {
      buffer[3] = (char)i;
      break;
    }
    buffer[n++] = (char)h->chomp;
    buffer[n++] = (char)h->length;
    memcpy(&buffer[n], h->name, h->length);
    n += h->length;
  }
  return n;
}

void tree_sitter_dockerfile_external_scanner_deserialize(void *payload, const char *buffer,
                                                        unsigned length) {
  Scanner *s = payload;
  /* Called before every scan: reset only what the buffer holds, not the
   * (large) heredoc table. */
  s->escape = '\\';
  s->in_continuation = s->in_directive = s->after_heredoc = false;
  s->concat_next = s->directives_done = false;
  s->prev_ws = true;
  s->boundary = BOUNDARY_NONE;
  s->quote = 0;
  s->heredoc_count = 0;
  if (length < 4) return;
  unsigned n = 0;
  s->escape = (buffer[n] & 1) ? '`' : '\\';
  s->boundary = (uint8_t)(((uint8_t)buffer[n++] >> 1) & 7);
  uint8_t flags = (uint8_t)buffer[n++];
  s->in_continuation = flags & 1;
  s->in_directive = (flags & 2) != 0;
  s->prev_ws = (flags & 4) != 0;
  s->after_heredoc = (flags & 8) != 0;
  s->concat_next = (flags & 16) != 0;
  s->directives_done = (flags & 32) != 0;
  s->quote = (uint8_t)buffer[n++];
  uint8_t count = (uint8_t)buffer[n++];
  for (unsigned i = 0; i < count && i < MAX_HEREDOCS && n + 2 <= length; i++) {
    Heredoc *h = &s->heredocs[i];
    h->chomp = buffer[n++] != 0;
    h->length = (uint8_t)buffer[n++];
    if (h->length > MAX_DELIMITER || n + h->length > length) break;
    memcpy(h->name, &buffer[n], h->length);
    n += h->length;
    s->heredoc_count = (uint8_t)(i + 1);
  }
}

bool tree_sitter_dockerfile_external_scanner_scan(void *payload, TSLexer *lexer,
                                                  const bool *valid_symbols) {
  return scan(payload, lexer, valid_symbols);
}
