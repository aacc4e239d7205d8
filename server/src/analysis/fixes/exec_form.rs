//! Shell-form commands in exec (JSON) form, when the shell adds nothing to them.

/// Shell keywords: a command that starts with one is shell code, not a program.
const KEYWORDS: &[&str] = &[
    "if", "then", "else", "elif", "fi", "for", "while", "until", "do", "done", "case", "esac",
    "function", "select", "time", "[[", "]]", "{", "}", "!",
];

/// Builtins with no program of the same name, or one that cannot do their job from
/// outside the shell (`cd` in a process of its own changes nothing).
const BUILTINS: &[&str] = &[
    ".", "source", "cd", "export", "unset", "set", "shift", "ulimit", "umask", "trap", "eval",
    "alias", "exit", "return", "read", "wait", "local", "declare", "typeset", "readonly",
    "command", "builtin", "hash", "type", "pushd", "popd",
];

/// The words of a shell command as `sh` splits them (quotes and backslashes removed),
/// with a leading `exec` dropped. `Err` names the first shell feature the command
/// relies on (`` `&&` ``, `` `$PORT` ``, a glob, a builtin): then the exec form would
/// not run the same thing.
pub fn plain_words(command: &str) -> Result<Vec<String>, String> {
    let mut words: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut in_word = false;
    let mut chars = command.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        match c {
            ' ' | '\t' | '\n' | '\r' => {
                if in_word {
                    words.push(std::mem::take(&mut current));
                    in_word = false;
                }
            }
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some((_, '\'')) => break,
                        Some((_, c)) => current.push(c),
                        None => return Err("an unterminated quote".to_owned()),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some((_, '"')) => break,
                        Some((at, '$')) => return Err(dollar(command, at)),
                        Some((_, '`')) => return Err("command substitution (`` ` ``)".to_owned()),
                        Some((_, '\\')) => match chars.peek().map(|(_, c)| *c) {
                            Some(next @ ('$' | '`' | '"' | '\\')) => {
                                current.push(next);
                                chars.next();
                            }
                            Some('\n') => {
                                chars.next();
                            }
                            _ => current.push('\\'),
                        },
                        Some((_, c)) => current.push(c),
                        None => return Err("an unterminated quote".to_owned()),
                    }
                }
            }
            '\\' => {
                in_word = true;
                match chars.next() {
                    Some((_, '\n')) => {}
                    Some((_, c)) => current.push(c),
                    None => return Err("a trailing `\\`".to_owned()),
                }
            }
            '$' => return Err(dollar(command, at)),
            '`' => return Err("command substitution (`` ` ``)".to_owned()),
            '&' | '|' => {
                let doubled = chars.peek().is_some_and(|(_, next)| *next == c);
                return Err(if doubled {
                    format!("`{c}{c}`")
                } else {
                    format!("`{c}`")
                });
            }
            ';' => return Err("`;`".to_owned()),
            '<' | '>' => return Err(format!("a redirection (`{c}`)")),
            '(' | ')' => return Err(format!("a subshell (`{c}`)")),
            '*' | '?' | '[' => return Err(format!("a glob (`{c}`)")),
            '{' | '}' => return Err(format!("braces (`{c}`)")),
            '~' if !in_word => return Err("`~`".to_owned()),
            '#' if !in_word => return Err("a comment (`#`)".to_owned()),
            c => {
                in_word = true;
                current.push(c);
            }
        }
    }
    if in_word {
        words.push(current);
    }
    if words.first().is_some_and(|w| w == "exec") {
        words.remove(0);
        if words.first().is_some_and(|w| w.starts_with('-')) {
            return Err("options of `exec`".to_owned());
        }
    }
    let Some(first) = words.first() else {
        return Err("no command".to_owned());
    };
    if is_assignment(first) {
        return Err(format!("a variable assignment (`{first}`)"));
    }
    if KEYWORDS.contains(&first.as_str()) {
        return Err(format!("the shell keyword `{first}`"));
    }
    if BUILTINS.contains(&first.as_str()) {
        return Err(format!("the shell builtin `{first}`"));
    }
    Ok(words)
}

/// `$NAME`, `${...}` or `$(` as written at `at`, named for a message.
fn dollar(command: &str, at: usize) -> String {
    let rest = command.get(at + 1..).unwrap_or("");
    if rest.starts_with('(') {
        return "command substitution (`$(`)".to_owned();
    }
    let end = if rest.starts_with('{') {
        rest.find('}').map_or(rest.len(), |i| i + 1)
    } else {
        rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .map_or(rest.len(), |i| i.max(1).min(rest.len()))
    };
    format!("`${}`", rest.get(..end).unwrap_or(""))
}

fn is_assignment(word: &str) -> bool {
    word.split_once('=').is_some_and(|(name, _)| {
        name.chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    })
}

/// The exec form of `words`: `["python", "app.py"]`, each string JSON-escaped.
pub fn json_array(words: &[String]) -> String {
    let quoted: Vec<String> = words
        .iter()
        .map(|w| serde_json::to_string(w).unwrap_or_else(|_| "\"\"".to_owned()))
        .collect();
    format!("[{}]", quoted.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exec(command: &str) -> Result<String, String> {
        plain_words(command).map(|w| json_array(&w))
    }

    #[test]
    fn words_are_split_and_unquoted_as_sh_does() {
        assert_eq!(
            exec("python app.py").as_deref(),
            Ok(r#"["python", "app.py"]"#)
        );
        assert_eq!(
            exec(r#"echo "a \"b\" \n" 'c  d\' e\ f"#).as_deref(),
            Ok(r#"["echo", "a \"b\" \\n", "c  d\\", "e f"]"#)
        );
        assert_eq!(exec("exec  node\tx  ").as_deref(), Ok(r#"["node", "x"]"#));
        assert_eq!(
            exec("run --opt=a=b ''").as_deref(),
            Ok(r#"["run", "--opt=a=b", ""]"#)
        );
        assert_eq!(
            exec("say ünï=1 a#b").as_deref(),
            Ok(r#"["say", "ünï=1", "a#b"]"#)
        );
    }

    #[test]
    fn shell_features_are_named() {
        for (command, feature) in [
            ("a && b", "`&&`"),
            ("a || b", "`||`"),
            ("a | b", "`|`"),
            ("a &", "`&`"),
            ("a; b", "`;`"),
            ("a > log", "a redirection (`>`)"),
            ("node $APP", "`$APP`"),
            ("node ${APP:-x}.js", "`${APP:-x}`"),
            ("node \"$1\"", "`$1`"),
            ("node $(cat f)", "command substitution (`$(`)"),
            ("node `cat f`", "command substitution (`` ` ``)"),
            ("ls *.js", "a glob (`*`)"),
            ("ls ~/x", "`~`"),
            ("(a)", "a subshell (`(`)"),
            ("a # note", "a comment (`#`)"),
            ("PORT=80 node x", "a variable assignment (`PORT=80`)"),
            ("cd /app", "the shell builtin `cd`"),
            ("if true", "the shell keyword `if`"),
            ("exec -a name x", "options of `exec`"),
            ("echo 'x", "an unterminated quote"),
            ("exec", "no command"),
        ] {
            assert_eq!(plain_words(command), Err(feature.to_owned()), "{command}");
        }
    }
}
