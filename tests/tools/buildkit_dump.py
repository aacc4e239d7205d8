#!/usr/bin/env python3
"""Dump Dockerfiles the way BuildKit's parser prints them, as the reference for our parser.

Usage: buildkit_dump.py FILE...

Prints ONE JSON object on stdout, keys sorted, mapping each path given to either
{"dump": TEXT}, where TEXT is exactly what BuildKit's `parser.Parse(f).AST.Dump() + "\\n"`
gives (the format of BuildKit's frontend/dockerfile/parser/testfiles/*/result), or
{"error": MESSAGE} when the file cannot be read or BuildKit rejects it.

The parsing is done by BuildKit's own Go parser through the `dockerfile` 3.4.0 Python
binding (BuildKit v0.12.5). The binding hands back each instruction's keyword, flags and
argument values but not the tree, so this script rebuilds `Node.Dump()` from them and
recovers the three things the binding drops by re-running BuildKit's small line parsers
(transcribed below) on the instruction's original text:
  * the key/value separator of ENV and LABEL ("" for `ENV k v`, "=" for `ENV k=v`),
  * the flags of the instruction nested in ONBUILD,
  * instructions nested in a nested ONBUILD (`ONBUILD ONBUILD RUN x`), re-parsed whole.
Known limit: the binding cuts strings at NUL, so a JSON "\\u0000" is lost.
"""

import json
import re
import sys
import unicodedata

import dockerfile

# Go's unicode.IsSpace: ASCII and Latin-1 spaces, then Unicode White_Space above Latin-1.
GO_SPACES = frozenset(
    "\t\n\v\f\r \x85\xa0"
    "\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000"
)
# BuildKit's reWhitespace, which splits the keyword from its arguments.
RE_WHITESPACE = re.compile(r"[\t\v\f\r ]+")
# BuildKit's reDirectives; Go's \s is [\t\n\f\r ], and Go's $ here is the end of the text.
RE_DIRECTIVE = re.compile(r"#[\t\n\f\r ]*([a-zA-Z][a-zA-Z0-9]*)[\t\n\f\r ]*=[\t\n\f\r ]*(.+?)[\t\n\f\r ]*\Z")
VALID_DIRECTIVES = ("escape", "syntax")
UTF8_BOM = b"\xef\xbb\xbf"


def go_trim_space(text):
    """Go's strings.TrimSpace."""
    start, end = 0, len(text)
    while start < end and text[start] in GO_SPACES:
        start += 1
    while end > start and text[end - 1] in GO_SPACES:
        end -= 1
    return text[start:end]


def go_is_print(ch):
    """Go's strconv.IsPrint: letters, marks, numbers, punctuation, symbols and ASCII space."""
    return ch == " " or unicodedata.category(ch)[0] in "LMNPS"


GO_ESCAPES = {"\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v"}


def go_quote(text):
    """Go's strconv.Quote (and so fmt's %q) for a valid UTF-8 string."""
    out = ['"']
    for ch in text:
        code = ord(ch)
        if ch in ('"', "\\"):
            out.append("\\" + ch)
        elif ch in GO_ESCAPES:
            out.append(GO_ESCAPES[ch])
        elif code < 0x80:
            out.append(ch if 0x20 <= code < 0x7F else "\\x%02x" % code)
        elif 0xD800 <= code <= 0xDFFF:
            # Not a Unicode scalar value: Go would hold it as bytes that are not UTF-8.
            out.append("".join("\\x%02x" % b for b in ch.encode("utf-8", "surrogatepass")))
        elif go_is_print(ch):
            out.append(ch)
        elif code < 0x10000:
            out.append("\\u%04x" % code)
        else:
            out.append("\\U%08x" % code)
    out.append('"')
    return "".join(out)


def escape_token(data):
    """The escape character the file's parser directives choose (BuildKit v0.12 rules)."""
    token = "\\"
    seen = set()
    for number, raw in enumerate(data.split(b"\n")):
        if number == 0 and raw.startswith(UTF8_BOM):
            raw = raw[len(UTF8_BOM):]
        line = raw.decode("utf-8", "surrogateescape").rstrip("\r\n")
        # Go's bytes.TrimLeftFunc(line, unicode.IsSpace).
        line = line[len(line) - len(line.lstrip("".join(GO_SPACES))):]
        match = RE_DIRECTIVE.match(line)
        if not match:
            break
        name = match.group(1).lower()
        if name not in VALID_DIRECTIVES or name in seen:
            # An unknown directive ends the directives; a repeated one fails the parse.
            break
        seen.add(name)
        if name == "escape":
            token = match.group(2)
    return token


def split_command(line):
    """BuildKit's splitCommand: (keyword, flags, arguments) of one logical line."""
    parts = RE_WHITESPACE.split(go_trim_space(line), maxsplit=1)
    if len(parts) < 2:
        return parts[0].lower(), [], ""
    rest, flags = extract_builder_flags(parts[1])
    return parts[0].lower(), flags, go_trim_space(rest)


LATIN1_SPACES = frozenset(b"\t\n\v\f\r \x85\xa0")


def extract_builder_flags(line):
    """BuildKit v0.12's extractBuilderFlags: (rest of line, ["--flag=value", ...]).

    Like Go it walks bytes, so a byte of a multi-byte character is taken as the Latin-1
    character of that value (BuildKit's flags show such mojibake, and so must we).
    """
    data = line.encode("utf-8", "surrogateescape")
    in_spaces, in_word, in_quote = 0, 1, 2
    words, word = [], []
    phase, quote, blank_ok = in_spaces, 0, False
    pos = 0
    while pos <= len(data):
        ch = data[pos] if pos < len(data) else None
        if phase == in_spaces:
            if ch is None:
                break
            if ch in LATIN1_SPACES:
                pos += 1
                continue
            if ch != ord("-") or pos + 1 == len(data) or data[pos + 1] != ord("-"):
                return data[pos:].decode("utf-8", "surrogateescape"), words
            phase = in_word
        text = "".join(word)
        if ch is None:
            if text != "--" and (blank_ok or text):
                words.append(text)
            break
        if phase == in_word:
            if ch in LATIN1_SPACES:
                phase = in_spaces
                if text == "--":
                    return data[pos:].decode("utf-8", "surrogateescape"), words
                if blank_ok or text:
                    words.append(text)
                word, blank_ok = [], False
                pos += 1
                continue
            if ch in (ord("'"), ord('"')):
                quote, blank_ok, phase = ch, True, in_quote
                pos += 1
                continue
            if ch == ord("\\"):
                if pos + 1 == len(data):
                    pos += 1
                    continue
                pos += 1
                ch = data[pos]
            word.append(chr(ch))
            pos += 1
            continue
        # in_quote
        if ch == quote:
            phase = in_word
            pos += 1
            continue
        if ch == ord("\\"):
            if pos + 1 == len(data):
                phase = in_word
                pos += 1
                continue
            pos += 1
            ch = data[pos]
        word.append(chr(ch))
        pos += 1
    return "", words


def first_word(rest, escape):
    """The first word BuildKit's parseWords finds in `rest`, quotes and escapes kept."""
    word = []
    started, quote, blank_ok = False, None, False
    i = 0
    while i < len(rest):
        ch = rest[i]
        if not started:
            if ch in GO_SPACES:
                i += 1
                continue
            started = True
        if quote is None:
            if ch in GO_SPACES:
                break
            if ch in ("'", '"'):
                quote, blank_ok = ch, True
            if ch == escape:
                if i + 1 == len(rest):
                    break
                word.append(ch)
                i += 1
                ch = rest[i]
            word.append(ch)
        else:
            if ch == quote:
                quote = None
            if ch == escape and quote != "'":
                if i + 1 == len(rest):
                    break
                word.append(ch)
                i += 1
                ch = rest[i]
            word.append(ch)
        i += 1
    if started and (blank_ok or word):
        return "".join(word)
    return None


def name_value_separator(arguments, escape):
    """"=" when ENV/LABEL uses the `k=v` form, "" for the old `k v` form (parseNameVal)."""
    word = first_word(arguments, escape)
    return "=" if word is not None and "=" in word else ""


def dump_instruction(keyword, flags, arguments, values, escape):
    """One instruction's `Node.Dump()`, from its keyword, flags and argument values."""
    text = keyword.lower()
    if flags:
        text += " [" + " ".join(go_quote(flag) for flag in flags) + "]"
    if keyword.lower() in ("env", "label"):
        separator = name_value_separator(arguments, escape)
        # The old form is exactly one pair; anything else means we misread the line.
        if len(values) % 2 or (separator == "" and len(values) not in (0, 2)):
            raise ValueError("cannot rebuild %s: %d values with separator %r" % (keyword, len(values), separator))
        for i in range(0, len(values), 2):
            text += " " + go_quote(values[i]) + " " + go_quote(values[i + 1]) + " " + go_quote(separator)
    else:
        for value in values:
            text += " " + go_quote(value)
    return go_trim_space(text)


def dump_command(command, escape):
    """`Node.Dump()` of one instruction the binding returned."""
    _, _, arguments = split_command(command.original)
    if command.sub_cmd is None:
        return dump_instruction(command.cmd, command.flags, arguments, command.value, escape)
    inner_keyword, inner_flags, inner_arguments = split_command(arguments)
    if inner_keyword == "onbuild":
        inner = dump_reparsed(arguments, escape)
    else:
        inner = dump_instruction(command.sub_cmd, inner_flags, inner_arguments, command.value, escape)
    outer = command.cmd.lower()
    if command.flags:
        outer += " [" + " ".join(go_quote(flag) for flag in command.flags) + "]"
    return outer + " (" + inner + ")"


def dump_reparsed(line, escape):
    """Dump of one logical line parsed on its own, for nesting the binding flattens."""
    prefix = "# escape=`\n" if escape == "`" else ""
    commands = dockerfile.parse_string(prefix + line)
    if len(commands) != 1:
        raise ValueError("nested ONBUILD line did not parse as one instruction: %r" % line)
    return dump_command(commands[0], escape)


def dump_file(path):
    """{"dump": ...} or {"error": ...} for one file."""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
        commands = dockerfile.parse_file(path)
        escape = escape_token(data)
        text = "".join("(" + dump_command(command, escape) + ")\n" for command in commands)
    except UnicodeDecodeError as error:
        return {"error": "not valid UTF-8: %s" % error}
    except (OSError, ValueError) as error:
        # GoIOError is an OSError and GoParseError a ValueError.
        return {"error": str(error)}
    return {"dump": text}


def main(paths):
    if not paths:
        sys.stderr.write("usage: buildkit_dump.py FILE...\n")
        return 2
    result = {path: dump_file(path) for path in paths}
    sys.stdout.write(json.dumps(result, sort_keys=True, ensure_ascii=True, indent=1))
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
