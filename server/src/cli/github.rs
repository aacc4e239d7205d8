//! The report for GitHub Actions: one workflow command per finding, which the
//! runner turns into an annotation on the file.

use super::located::Located;
use crate::syntax::Severity;

/// `::error file=…,line=…,col=…,endLine=…,endColumn=…,title=rule::message`.
///
/// GitHub accepts columns only on a one-line annotation, so a finding that spans
/// lines gives its lines alone.
pub(super) fn line(located: &Located) -> String {
    let command = match located.finding.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info | Severity::Hint => "notice",
    };
    let (start, end) = (located.start, located.end);
    let mut properties = vec![
        ("file", located.slash_path()),
        ("line", start.line.to_string()),
    ];
    if start.line == end.line {
        properties.push(("col", start.column.to_string()));
        properties.push(("endLine", end.line.to_string()));
        properties.push(("endColumn", end.column.to_string()));
    } else {
        properties.push(("endLine", end.line.to_string()));
    }
    properties.push(("title", located.finding.rule.to_owned()));
    let properties: Vec<String> = properties
        .into_iter()
        .map(|(name, value)| format!("{name}={}", escape_property(&value)))
        .collect();
    format!(
        "::{command} {}::{}",
        properties.join(","),
        escape_data(&located.finding.message)
    )
}

/// A message as GitHub's toolkit escapes it, so that it stays on one line.
fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A property value as GitHub's toolkit escapes it: a message's escapes, plus
/// the `:` and `,` that end a value.
fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::analysis::rules::Finding;

    fn located(
        path: &str,
        text: &str,
        range: std::ops::Range<usize>,
        severity: Severity,
        message: &str,
    ) -> Located {
        let finding = Finding {
            rule: "syntax-test",
            message: message.into(),
            range,
            severity,
            fix: None,
        };
        Located::all(Path::new(path), text, vec![finding]).remove(0)
    }

    #[test]
    fn a_one_line_finding_gives_its_columns() {
        let text = "FROM alpine\nRUN  oops\n";
        assert_eq!(
            line(&located("Dockerfile", text, 17..21, Severity::Error, "bad")),
            "::error file=Dockerfile,line=2,col=6,endLine=2,endColumn=10,title=syntax-test::bad"
        );
    }

    #[test]
    fn a_finding_over_several_lines_gives_lines_only() {
        let text = "RUN a \\\n  b\n";
        assert_eq!(
            line(&located("Dockerfile", text, 4..11, Severity::Warning, "w")),
            "::warning file=Dockerfile,line=1,endLine=2,title=syntax-test::w"
        );
    }

    #[test]
    fn infos_and_hints_are_notices() {
        for severity in [Severity::Info, Severity::Hint] {
            assert!(line(&located("f", "x", 0..1, severity, "m")).starts_with("::notice "));
        }
    }

    #[test]
    fn the_message_and_properties_are_escaped_as_the_toolkit_does() {
        let got = line(&located(
            "a,b:c%/Dockerfile",
            "x",
            0..1,
            Severity::Error,
            "100% sure:\r\nsee, here",
        ));
        assert_eq!(
            got,
            "::error file=a%2Cb%3Ac%25/Dockerfile,line=1,col=1,endLine=1,endColumn=2,\
             title=syntax-test::100%25 sure:%0D%0Asee, here"
        );
    }
}
