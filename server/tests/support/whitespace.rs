//! BuildKit dumps compared up to whitespace, as formatting may change it.

/// A dump with every run of whitespace (blanks, and the `\t`, `\n`, `\r`, `\v`, `\f`
/// escapes of Go's quoting) folded to one space; line breaks between instructions kept.
pub fn folded(dump: &str) -> String {
    let mut out = String::with_capacity(dump.len());
    let mut blank = false;
    let mut chars = dump.chars();
    while let Some(c) = chars.next() {
        let (is_blank, text) = match c {
            '\\' => match chars.next() {
                Some(e @ ('t' | 'n' | 'r' | 'v' | 'f')) => (true, format!("\\{e}")),
                Some(e) => (false, format!("\\{e}")),
                None => (false, "\\".to_owned()),
            },
            c if c.is_whitespace() && c != '\n' => (true, c.to_string()),
            c => (false, c.to_string()),
        };
        if is_blank {
            if !blank {
                out.push(' ');
            }
            blank = true;
        } else {
            out.push_str(&text);
            blank = false;
        }
    }
    out
}
