; Syntax highlighting for .dockerignore files.

(comment) @comment

(negation) @operator

(path) @string.special.path

(wildcard) @character.special

(character_class) @punctuation.special

(escape_sequence) @string.escape
