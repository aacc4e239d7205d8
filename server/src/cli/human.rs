//! The report for people: one `path:line:col: severity[rule] message` line per finding.

use super::located::Located;
use crate::analysis::rules::severity_name;

/// The finding's line, with a 1-based line and a 1-based column counted in
/// Unicode characters, as compilers print them.
pub(super) fn line(located: &Located) -> String {
    format!(
        "{}:{}:{}: {}[{}] {}",
        located.path.display(),
        located.start.line,
        located.start.column,
        severity_name(located.finding.severity),
        located.finding.rule,
        located.finding.message
    )
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::analysis::rules::Finding;
    use crate::syntax::Severity;

    fn located(text: &str, range: std::ops::Range<usize>, severity: Severity) -> Located {
        let finding = Finding {
            rule: "syntax-test",
            message: "something is wrong".to_owned(),
            range,
            severity,
            fix: None,
        };
        Located::all(Path::new("app/Dockerfile"), text, vec![finding]).remove(0)
    }

    #[test]
    fn a_finding_prints_its_one_based_line_and_character_column() {
        let text = "FROM alpine\nRUN echo 🐳 && oops\n";
        let start = text.find("oops").expect("fixture has oops");
        // `oops` is the 15th character of line 2: the whale counts as one, not two or four.
        assert_eq!(
            line(&located(text, start..start + 4, Severity::Error)),
            "app/Dockerfile:2:15: error[syntax-test] something is wrong"
        );
    }

    #[test]
    fn every_severity_has_its_label() {
        let labels: Vec<String> = [
            Severity::Error,
            Severity::Warning,
            Severity::Info,
            Severity::Hint,
        ]
        .into_iter()
        .map(|severity| line(&located("x", 0..1, severity)))
        .collect();
        assert_eq!(
            labels,
            [
                "app/Dockerfile:1:1: error[syntax-test] something is wrong",
                "app/Dockerfile:1:1: warning[syntax-test] something is wrong",
                "app/Dockerfile:1:1: info[syntax-test] something is wrong",
                "app/Dockerfile:1:1: hint[syntax-test] something is wrong",
            ]
        );
    }
}
