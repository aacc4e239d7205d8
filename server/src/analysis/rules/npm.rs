//! npm and yarn in RUN commands: version pins and the yarn cache.

use super::package_args::{
    OptionSyntax, command_through, has_option, is_dynamic, mentions, operands, option_value,
    subcommand,
};
use super::package_cache::{cache_targets, covered, shipped_runs};
use super::{Alias, Check, Findings, Rule};
use crate::analysis::model::StageModel;
use crate::analysis::shell::{self, Command, Word};
use crate::syntax::{Instruction, Severity};

pub static NPM_PACKAGE_UNPINNED: Rule = Rule {
    id: "npm-package-unpinned",
    summary: "Packages in `npm install` should have pinned versions",
    severity: Severity::Warning,
    aliases: &[Alias::Hadolint("DL3016")],
    explanation: "`npm install -g typescript` installs the newest release on the day of the build: \
two builds of the same Dockerfile can get different code, and a new major release can break the \
image without any change to the Dockerfile. Name the version (`typescript@5.4.5`); `@latest` is not \
a version.\n\n\
`npm install` or `npm ci` without package names installs what `package.json` and the lock file say, \
which is fine. Local paths, tarballs, git URLs with a `#ref` and variables are not reported.",
    bad: "FROM node:20-alpine\nRUN npm install -g typescript\n",
    good: "FROM node:20-alpine\nRUN npm install -g typescript@5.4.5\n",
    tags: &[],
    fixable: false,
    enabled_by_default: true,
    check: Check::Instruction(check_pins),
};

pub static YARN_CACHE_NOT_CLEANED: Rule = Rule {
    id: "yarn-cache-not-cleaned",
    summary: "`yarn install` should be followed by `yarn cache clean` in the same RUN",
    severity: Severity::Info,
    aliases: &[Alias::Hadolint("DL3060")],
    explanation: "Yarn keeps a copy of every package it installs in its global cache \
(`/usr/local/share/.cache/yarn` for root): often hundreds of megabytes that stay in the layer next to \
`node_modules`, unless the same RUN ends with `yarn cache clean`.\n\n\
A BuildKit cache or tmpfs mount on the yarn cache keeps it out of the layer instead (and makes \
rebuilds faster). Only stages that end up in an image are checked: the last stage and the stages it is \
built `FROM`. A builder stage that is only copied from does not ship its cache.",
    bad: "FROM node:20-alpine\nCOPY package.json yarn.lock ./\nRUN yarn install --frozen-lockfile\n",
    good: "FROM node:20-alpine\nCOPY package.json yarn.lock ./\nRUN yarn install --frozen-lockfile && yarn cache clean\n",
    tags: &[],
    fixable: false,
    enabled_by_default: true,
    check: Check::Stage(check_yarn_cache),
};

/// Options of `npm install` that take the next word as their value.
pub(super) const NPM_OPTIONS: OptionSyntax = OptionSyntax {
    takes_value: &[
        "--registry",
        "--prefix",
        "-C",
        "--cache",
        "-w",
        "--workspace",
        "--tag",
        "--userconfig",
        "--globalconfig",
        "--loglevel",
        "--omit",
        "--include",
        "--install-strategy",
        "--before",
        "--location",
        "--scope",
        "--otp",
        "--script-shell",
    ],
    bundles: false,
};

/// `npm install` and its aliases.
pub(super) const NPM_INSTALL: &[&str] = &[
    "install", "i", "in", "ins", "inst", "insta", "instal", "isnt", "isnta", "isntal", "isntall",
    "add",
];

fn check_pins(instruction: &Instruction<'_>, findings: &mut Findings) {
    if !mentions(instruction, "npm") {
        return;
    }
    let found = shell::run_commands(instruction);
    for command in found.commands.iter().filter(|c| c.basename() == "npm") {
        let Some((sub, packages)) = subcommand(&command.args, NPM_OPTIONS) else {
            continue;
        };
        if !NPM_INSTALL.contains(&sub.text.as_str()) {
            continue;
        }
        for package in packages {
            if let Some(message) = unpinned(package) {
                findings.report(package.range.clone(), message);
            }
        }
    }
}

/// What to say about an operand of `npm install` without a version; `None` if it has one
/// or needs none.
fn unpinned(word: &Word) -> Option<String> {
    let text = word.text.as_str();
    let local = text.starts_with(['.', '/', '~']) || text.starts_with("file:");
    let tarball = [".tgz", ".tar.gz", ".tar"]
        .iter()
        .any(|s| text.ends_with(s));
    let url = text.starts_with("http://") || text.starts_with("https://");
    if is_dynamic(word) || text.is_empty() || local || tarball || url {
        return None;
    }
    let hosted = ["git:", "git+", "github:", "gitlab:", "bitbucket:", "gist:"]
        .iter()
        .any(|p| text.starts_with(p));
    // `user/repo` is a GitHub repository; `@scope/name` a scoped package.
    let shorthand = !text.starts_with('@') && text.contains('/');
    if hosted || shorthand {
        return (!text.contains('#'))
            .then(|| format!("pin a commit or tag of {text}: {text}#<ref>"));
    }
    // `alias@npm:real@1.0` pins through its target.
    let spec = text.split_once("@npm:").map_or(text, |(_, target)| target);
    let (name, version) = match spec.strip_prefix('@') {
        Some(scoped) => {
            let (name, version) = scoped.split_once('@').unwrap_or((scoped, ""));
            (format!("@{name}"), version)
        }
        None => {
            let (name, version) = spec.split_once('@').unwrap_or((spec, ""));
            (name.to_owned(), version)
        }
    };
    matches!(version, "" | "latest" | "*" | "x")
        .then(|| format!("pin the version of {name}: {name}@<version>"))
}

/// Options of yarn (v1) that take the next word as their value.
pub(super) const YARN_OPTIONS: OptionSyntax = OptionSyntax {
    takes_value: &[
        "--cache-folder",
        "--modules-folder",
        "--global-folder",
        "--link-folder",
        "--network-timeout",
        "--network-concurrency",
        "--mutex",
        "--registry",
        "--cwd",
        "--use-yarnrc",
    ],
    bundles: false,
};

fn check_yarn_cache(model: &StageModel<'_, '_>, findings: &mut Findings) {
    for (at, run) in shipped_runs(model, |run| mentions(run, "yarn")) {
        let env_folder = model
            .lookup("YARN_CACHE_FOLDER", at)
            .and_then(|d| d.value.clone());
        cache_left(&run, env_folder.as_deref(), findings);
    }
}

/// Whether a yarn command fills the cache: `yarn`, `yarn install`, `yarn add`, `yarn global add`.
pub(super) fn fills_cache(command: &Command) -> Option<std::ops::Range<usize>> {
    let operands = operands(&command.args, YARN_OPTIONS);
    match operands.as_slice() {
        // `yarn --version` and `yarn --help` print and install nothing.
        [] if command.has_flag(&["--version", "-v", "--help", "-h"]) => None,
        [] => Some(command.name_range.clone()),
        [sub, ..] if matches!(sub.text.as_str(), "install" | "add") => {
            Some(command_through(command, sub))
        }
        [global, add, ..] if global.text == "global" && add.text == "add" => {
            Some(command_through(command, add))
        }
        _ => None,
    }
}

fn cache_left(run: &Instruction<'_>, env_folder: Option<&str>, findings: &mut Findings) {
    let found = shell::run_commands(run);
    // The cleanup may be in the part that did not parse.
    if !found.complete {
        return;
    }
    let targets = cache_targets(run);
    let mut pending = Vec::new();
    for command in &found.commands {
        if command.basename() != "yarn" {
            if cleans_by_hand(command) {
                pending.clear();
            }
            continue;
        }
        let args = operands(&command.args, YARN_OPTIONS);
        if args.len() >= 2 && args[0].text == "cache" && args[1].text == "clean" {
            pending.clear();
            continue;
        }
        let Some(range) = fills_cache(command) else {
            continue;
        };
        let folder = option_value(&command.args, &["--cache-folder"])
            .map(str::to_owned)
            .or_else(|| {
                command
                    .assignments
                    .iter()
                    .find_map(|a| a.text.strip_prefix("YARN_CACHE_FOLDER=").map(str::to_owned))
            })
            .or_else(|| env_folder.map(str::to_owned));
        let mounted = targets
            .iter()
            .any(|t| t.contains("yarn") || t.ends_with("/.cache"))
            || folder.is_some_and(|f| covered(&targets, &f));
        if !mounted {
            pending.push(range);
        }
    }
    for range in pending {
        findings.report(
            range,
            "yarn keeps a copy of every package in its cache, which stays in the layer: end this RUN with `yarn cache clean`, or mount a cache on the yarn cache folder",
        );
    }
}

/// `rm -r` of a yarn cache directory.
fn cleans_by_hand(command: &Command) -> bool {
    command.basename() == "rm"
        && has_option(&command.args, &["-r", "-R", "--recursive"])
        && command.args.iter().any(|a| {
            ["cache/yarn", ".yarn/cache", ".yarn/berry/cache"]
                .iter()
                .any(|dir| a.text.contains(dir))
        })
}

#[cfg(test)]
mod tests {
    use super::super::testing::{findings, flagged};

    // npm-package-unpinned

    #[test]
    fn each_unpinned_package_is_reported_on_its_word() {
        let text = "FROM node\nRUN npm install -g \\\n    typescript@5.4.5 \\\n    @angular/cli \\\n    eslint@latest\n";
        let found = findings("npm-package-unpinned", text);
        let ranges: Vec<_> = found.iter().map(|(r, _)| r.as_str()).collect();
        assert_eq!(ranges, ["4:5-4:17", "5:5-5:18"]);
        insta::assert_debug_snapshot!(found.iter().map(|(_, m)| m).collect::<Vec<_>>(), @r#"
        [
            "pin the version of @angular/cli: @angular/cli@<version>",
            "pin the version of eslint: eslint@<version>",
        ]
        "#);
    }

    #[test]
    fn install_aliases_are_checked() {
        let text =
            "FROM node\nRUN npm i express && npm add lodash && npm --prefix /app install react\n";
        assert_eq!(
            flagged("npm-package-unpinned", text),
            ["express", "lodash", "react"]
        );
    }

    #[test]
    fn the_lock_file_paths_tarballs_and_variables_need_no_pin() {
        let text = "FROM node\n\
                    RUN npm install && npm ci && npm install --omit dev && npm i -g\n\
                    RUN npm install ./lib ../shared /opt/pkg ~/x file:vendor/y .\n\
                    RUN npm install pkg-1.0.0.tgz https://example.com/pkg.tar.gz\n\
                    RUN npm install @scope/pkg@^1.2.0 react@18 alias@npm:real@1.0.0\n\
                    RUN npm install git+https://github.com/a/b.git#v1.0 github:a/c#abc123 user/repo#main\n\
                    RUN npm install $PKG \"${TOOLS}\" && npm run build && npm uninstall x\n";
        assert!(flagged("npm-package-unpinned", text).is_empty());
    }

    #[test]
    fn a_git_url_without_a_ref_is_not_pinned() {
        let text = "FROM node\nRUN npm install git+ssh://git@github.com/a/b.git user/repo\n";
        insta::assert_debug_snapshot!(findings("npm-package-unpinned", text), @r#"
        [
            (
                "2:17-2:49",
                "pin a commit or tag of git+ssh://git@github.com/a/b.git: git+ssh://git@github.com/a/b.git#<ref>",
            ),
            (
                "2:50-2:59",
                "pin a commit or tag of user/repo: user/repo#<ref>",
            ),
        ]
        "#);
    }

    // yarn-cache-not-cleaned

    #[test]
    fn an_install_without_clean_is_reported_on_the_command() {
        let text = "FROM node\nRUN yarn install --frozen-lockfile \\\n && yarn build\n";
        let found = findings("yarn-cache-not-cleaned", text);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].0, "2:5-2:17");
        insta::assert_snapshot!(found[0].1, @"yarn keeps a copy of every package in its cache, which stays in the layer: end this RUN with `yarn cache clean`, or mount a cache on the yarn cache folder");
    }

    #[test]
    fn every_command_that_fills_the_cache() {
        let text = "FROM node\nRUN yarn && yarn add react && yarn global add serve && yarn --cwd web --frozen-lockfile\n";
        assert_eq!(
            flagged("yarn-cache-not-cleaned", text),
            ["yarn", "yarn add", "yarn global add", "yarn"]
        );
    }

    #[test]
    fn cleaning_after_or_a_cache_mount_is_enough() {
        let text = "FROM node\n\
                    RUN yarn install && yarn cache clean\n\
                    RUN yarn add x@1 && yarn cache clean --force\n\
                    RUN yarn install && rm -rf /usr/local/share/.cache/yarn\n\
                    RUN --mount=type=cache,target=/usr/local/share/.cache/yarn yarn install\n\
                    RUN --mount=type=cache,target=/root/.cache yarn install\n\
                    RUN --mount=type=cache,target=/ycache yarn install --cache-folder /ycache\n\
                    RUN yarn build && yarn test && yarn run lint\n";
        assert!(flagged("yarn-cache-not-cleaned", text).is_empty());
    }

    #[test]
    fn printing_the_version_or_the_help_installs_nothing() {
        let text = "FROM node\nRUN ln -s /opt/yarn/bin/yarn /usr/local/bin/yarn \\\n  && yarn --version \\\n  && rm -rf /tmp/*\n\
                    RUN yarn -v && yarn --help\n";
        assert!(flagged("yarn-cache-not-cleaned", text).is_empty());
        let text = "FROM node\nRUN yarn --frozen-lockfile\n";
        assert_eq!(flagged("yarn-cache-not-cleaned", text), ["yarn"]);
    }

    #[test]
    fn cleaning_before_the_install_does_not_count() {
        let text = "FROM node\nRUN yarn cache clean && yarn install\n";
        assert_eq!(flagged("yarn-cache-not-cleaned", text), ["yarn install"]);
    }

    #[test]
    fn only_stages_that_ship_are_checked() {
        let text = "FROM node AS deps\nRUN yarn install\n\
                    FROM node\nCOPY --from=deps /app/node_modules ./node_modules\nRUN yarn add serve\n";
        let found = findings("yarn-cache-not-cleaned", text);
        let ranges: Vec<_> = found.iter().map(|(r, _)| r.as_str()).collect();
        assert_eq!(ranges, ["5:5-5:13"]);
    }
}
