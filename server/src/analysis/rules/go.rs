//! `go install` in RUN commands: version pins.

use super::package_args::{OptionSyntax, is_dynamic, mentions, subcommand};
use super::{Alias, Check, Findings, Rule};
use crate::analysis::shell;
use crate::syntax::{Instruction, Severity};

pub static GO_INSTALL_UNPINNED: Rule = Rule {
    id: "go-install-unpinned",
    summary: "`go install` of a remote package should name a version",
    severity: Severity::Warning,
    aliases: &[Alias::Hadolint("DL3062")],
    explanation: "`go install golang.org/x/tools/gopls@latest` builds whatever the module's newest \
release is on the day of the build, so two builds of the same Dockerfile can get different tools. \
Name the version: `@v0.16.1` (a tag) or a commit. Without any `@version`, `go install` of a remote \
package fails outside a module, or builds the version the current module requires.\n\n\
Not reported: local packages (`.`, `./cmd/...`), standard library commands and variables.",
    bad: "FROM golang:1.22\nRUN go install golang.org/x/tools/gopls@latest\n",
    good: "FROM golang:1.22\nRUN go install golang.org/x/tools/gopls@v0.16.1\n",
    tags: &[],
    fixable: false,
    enabled_by_default: true,
    check: Check::Instruction(check),
};

/// Build flags of the go command that take the next word as their value.
const GO_OPTIONS: OptionSyntax = OptionSyntax {
    takes_value: &[
        "-C",
        "-p",
        "-tags",
        "-ldflags",
        "-gcflags",
        "-asmflags",
        "-gccgoflags",
        "-mod",
        "-modfile",
        "-overlay",
        "-pkgdir",
        "-toolexec",
        "-compiler",
        "-installsuffix",
        "-pgo",
        "-buildmode",
        "-covermode",
        "-coverpkg",
        "-o",
    ],
    bundles: false,
};

fn check(instruction: &Instruction<'_>, findings: &mut Findings) {
    if !mentions(instruction, "go") {
        return;
    }
    let found = shell::run_commands(instruction);
    for command in found.commands.iter().filter(|c| c.basename() == "go") {
        let Some((sub, packages)) = subcommand(&command.args, GO_OPTIONS) else {
            continue;
        };
        if sub.text != "install" {
            continue;
        }
        for package in packages {
            let text = package.text.as_str();
            let (path, version) = text.rsplit_once('@').unwrap_or((text, ""));
            // Only a path whose first element has a dot is fetched (`fmt`, `cmd/go` are local).
            let first = path.split('/').next().unwrap_or("");
            let remote = first.contains('.') && !path.starts_with(['.', '/']);
            if !remote || is_dynamic(package) {
                continue;
            }
            let message = match version {
                "" => format!("pin the version of {path}: {path}@<version>"),
                "latest" | "upgrade" | "patch" => {
                    format!("`@{version}` is not a version: pin {path}@<version>")
                }
                _ => continue,
            };
            findings.report(package.range.clone(), message);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{findings, flagged};

    #[test]
    fn latest_and_missing_versions_are_reported_on_the_package() {
        let text = "FROM golang\nRUN go install -v \\\n    github.com/a/b/cmd/x@latest \\\n    golang.org/x/tools/gopls\n";
        insta::assert_debug_snapshot!(findings("go-install-unpinned", text), @r#"
        [
            (
                "3:5-3:32",
                "`@latest` is not a version: pin github.com/a/b/cmd/x@<version>",
            ),
            (
                "4:5-4:29",
                "pin the version of golang.org/x/tools/gopls: golang.org/x/tools/gopls@<version>",
            ),
        ]
        "#);
    }

    #[test]
    fn versions_local_and_standard_packages_need_no_pin() {
        let text = "FROM golang\n\
                    RUN go install golang.org/x/tools/gopls@v0.16.1 github.com/a/b@4f3c2a1\n\
                    RUN go install ./... && go install . && go install ./cmd/server && go install\n\
                    RUN go install cmd/vet std && go install -tags netgo -ldflags '-s -w' ./cmd/x\n\
                    RUN go install $TOOL@$VERSION && go get github.com/a/b && go build ./...\n";
        assert!(flagged("go-install-unpinned", text).is_empty());
    }

    #[test]
    fn build_flag_values_are_not_packages() {
        let text = "FROM golang\nRUN go install --tags=x -mod mod example.com/tool\n";
        assert_eq!(flagged("go-install-unpinned", text), ["example.com/tool"]);
    }
}
