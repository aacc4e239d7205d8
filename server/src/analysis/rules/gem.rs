//! RubyGems in RUN commands: version pins.

use super::package_args::{OptionSyntax, has_option, is_dynamic, mentions, subcommand};
use super::{Alias, Check, Findings, Rule};
use crate::analysis::shell;
use crate::syntax::{Instruction, Severity};

pub static GEM_PACKAGE_UNPINNED: Rule = Rule {
    id: "gem-package-unpinned",
    summary: "Gems in `gem install` should have pinned versions",
    severity: Severity::Warning,
    aliases: &[Alias::Hadolint("DL3028")],
    explanation: "`gem install rails` installs the newest release on the day of the build: two \
builds of the same Dockerfile can get different code, and a new major release can break the image \
without any change to the Dockerfile. Name the version: `gem install rails:7.1.3` (several gems each \
with their own) or `gem install rails -v 7.1.3` (one gem). Local `.gem` files and variables are not \
reported.",
    bad: "FROM ruby:3.3-slim\nRUN gem install bundler\n",
    good: "FROM ruby:3.3-slim\nRUN gem install bundler:2.5.9\n",
    tags: &[],
    fixable: false,
    enabled_by_default: true,
    check: Check::Instruction(check),
};

/// Options of `gem install` that take the next word as their value.
const GEM_OPTIONS: OptionSyntax = OptionSyntax {
    takes_value: &[
        "-v",
        "--version",
        "-i",
        "--install-dir",
        "-n",
        "--bindir",
        "-s",
        "--source",
        "-P",
        "--trust-policy",
        "--platform",
        "-g",
        "--file",
        "--build-root",
        "--without",
        "--target-rbconfig",
        "--config-file",
    ],
    bundles: true,
};

fn check(instruction: &Instruction<'_>, findings: &mut Findings) {
    if !mentions(instruction, "gem") {
        return;
    }
    let found = shell::run_commands(instruction);
    for command in found.commands.iter().filter(|c| c.basename() == "gem") {
        let Some((sub, gems)) = subcommand(&command.args, GEM_OPTIONS) else {
            continue;
        };
        // `-v` gives the version of the one gem named (gem refuses it with several).
        if !matches!(sub.text.as_str(), "install" | "i")
            || has_option(&command.args, &["-v", "--version"])
        {
            continue;
        }
        for gem in gems {
            let text = gem.text.as_str();
            let is_file = text.ends_with(".gem") || text.starts_with(['/', '.']);
            if text.contains(':') || is_file || is_dynamic(gem) || text.is_empty() {
                continue;
            }
            findings.report(
                gem.range.clone(),
                format!("pin the version of {text}: {text}:<version> or -v <version>"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{findings, flagged};

    #[test]
    fn each_unpinned_gem_is_reported_on_its_word() {
        let text = "FROM ruby\nRUN gem install --no-document \\\n    bundler:2.5.9 \\\n    rake\n";
        insta::assert_debug_snapshot!(findings("gem-package-unpinned", text), @r#"
        [
            (
                "4:5-4:9",
                "pin the version of rake: rake:<version> or -v <version>",
            ),
        ]
        "#);
    }

    #[test]
    fn the_short_subcommand_and_sudo_are_checked() {
        let text = "FROM ruby\nRUN sudo gem i rails -N\n";
        assert_eq!(flagged("gem-package-unpinned", text), ["rails"]);
    }

    #[test]
    fn versions_files_option_values_and_variables_need_no_pin() {
        let text = "FROM ruby\n\
                    RUN gem install bundler -v 2.5.9 && gem install rails --version=7.1.3\n\
                    RUN gem install rake:13.2.1 'nokogiri:~> 1.16'\n\
                    RUN gem install ./vendor/local.gem && gem install --source https://gems.example.com x:1\n\
                    RUN gem install -i /opt/gems -n /usr/local/bin rubocop:1.64.1\n\
                    RUN gem install $GEMS && gem update --system && gem list\n";
        assert!(flagged("gem-package-unpinned", text).is_empty());
    }
}
