//! devDependencies installed by `npm ci`/`npm install` in the stage that becomes the image.

use super::npm::{NPM_INSTALL, NPM_OPTIONS};
use super::package_args::{command_through, has_option, mentions, subcommand};
use super::{Check, Findings, Rule};
use crate::analysis::fixes::run_chain::add_option;
use crate::analysis::model::{StageModel, VarDecl};
use crate::analysis::shell::{self, Command, Word};
use crate::syntax::{Applicability, Fix, InstructionKind, Severity};

pub static NPM_DEV_DEPENDENCIES_IN_FINAL_STAGE: Rule = Rule {
    id: "npm-dev-dependencies-in-final-stage",
    summary: "`npm ci`/`npm install` in the final stage should leave out devDependencies",
    severity: Severity::Warning,
    aliases: &[],
    explanation: "`npm ci` and `npm install` install `devDependencies` too: test runners, linters, \
bundlers, compilers and type definitions, often more than the app's own dependencies. In the final \
stage (the one `docker build` ships) they add size and a larger attack surface to an image that only \
runs the app. `npm ci --omit=dev` (npm 7+; `--production` before) leaves them out, as does \
`NODE_ENV=production` in the environment.\n\n\
When the stage also builds (`npm run build`, `npx tsc`), the build may need them: then the finding \
has no fix, and the way out is a builder stage that installs everything and builds, and a final \
stage that installs with `--omit=dev` and copies the build output. Builder stages, installs of named \
packages and global installs are not reported.",
    bad: "FROM node:20-alpine\nWORKDIR /app\nCOPY package.json package-lock.json ./\nRUN npm ci\nCOPY . .\nCMD [\"node\", \"server.js\"]\n",
    good: "FROM node:20-alpine\nWORKDIR /app\nCOPY package.json package-lock.json ./\nRUN npm ci --omit=dev\nCOPY . .\nCMD [\"node\", \"server.js\"]\n",
    tags: &[],
    fixable: true,
    enabled_by_default: true,
    check: Check::Stage(check),
};

/// `npm ci` and its aliases.
pub(super) const NPM_CI: &[&str] = &[
    "ci",
    "clean-install",
    "ic",
    "install-clean",
    "isntall-clean",
];

/// npm subcommands that run package scripts or binaries, which may need devDependencies.
const NPM_RUNS: &[&str] = &[
    "run",
    "run-script",
    "rum",
    "urn",
    "test",
    "tst",
    "t",
    "exec",
    "x",
];

fn check(model: &StageModel<'_, '_>, findings: &mut Findings) {
    // The final stage is what `docker build` builds without `--target`.
    if model.stage.index + 1 != model.file.stages.len() {
        return;
    }
    let instructions = &model.stage.instructions;
    for (at, run) in instructions.iter().enumerate() {
        if !mentions(run, "npm") || environment_omits_dev(model, at) {
            continue;
        }
        let found = shell::run_commands(run);
        let mut exported = false;
        for (index, command) in found.commands.iter().enumerate() {
            if matches!(command.basename(), "export" | "declare" | "typeset") {
                exported |= omits_dev_by_assignment(&command.args);
                continue;
            }
            let Some(sub) = dependency_install(command) else {
                continue;
            };
            if exported || omits_dev_by_assignment(&command.assignments) {
                continue;
            }
            let later = found.commands.get(index + 1..).unwrap_or(&[]);
            if later.iter().any(prunes_dev) {
                continue;
            }
            let range = command_through(command, sub);
            let name = format!("npm {}", sub.text);
            match uses_dev_later(later).or_else(|| later_runs_use_dev(model, at)) {
                Some(user) => findings.report(
                    range,
                    format!(
                        "`{name}` installs devDependencies into the final image, and `{user}` after it may need them: build in an earlier stage and install here with `--omit=dev`"
                    ),
                ),
                None => findings.report_fix(
                    range,
                    format!(
                        "`{name}` installs devDependencies (test tools, bundlers, type definitions) into the final image: add `--omit=dev`, or set NODE_ENV=production"
                    ),
                    Fix::new(
                        "Add `--omit=dev`",
                        Applicability::Safe,
                        vec![add_option(sub, "--omit=dev")],
                    ),
                ),
            }
        }
    }
}

/// The subcommand word of an `npm ci`/`npm install` of the project's dependencies
/// (no package named, not global) that does not choose which to install.
fn dependency_install(command: &Command) -> Option<&Word> {
    if command.basename() != "npm" {
        return None;
    }
    let (sub, packages) = subcommand(&command.args, NPM_OPTIONS)?;
    let text = sub.text.as_str();
    if !(NPM_CI.contains(&text) || NPM_INSTALL.contains(&text)) || !packages.is_empty() {
        return None;
    }
    let global = has_option(&command.args, &["-g", "--global"]);
    (!global && !chooses_dependencies(&command.args)).then_some(sub)
}

/// Whether options say which dependency types to install: `--omit=dev`,
/// `--production`, `--only=prod`, or, on purpose, `--include=dev`.
fn chooses_dependencies(args: &[Word]) -> bool {
    let options: Vec<&str> = args
        .iter()
        .map(|w| w.text.as_str())
        .take_while(|w| *w != "--")
        .collect();
    options.iter().enumerate().any(|(i, word)| {
        let (name, value) = word.split_once('=').unwrap_or((word, ""));
        match name {
            "--omit" | "--include" if value.is_empty() => options.get(i + 1) == Some(&"dev"),
            "--omit" | "--include" => value == "dev",
            "--production" | "--dev" | "--only" | "--also" => true,
            _ => false,
        }
    })
}

/// Whether `NAME=value` words (a command's prefix, `export`'s operands) leave out
/// devDependencies.
fn omits_dev_by_assignment(words: &[Word]) -> bool {
    words.iter().any(|w| {
        w.text
            .split_once('=')
            .is_some_and(|(name, value)| omits_dev(name, value))
    })
}

/// Whether a variable with this value makes npm leave out devDependencies.
fn omits_dev(name: &str, value: &str) -> bool {
    match name.to_ascii_lowercase().as_str() {
        "node_env" => value == "production",
        "npm_config_production" => value == "true",
        "npm_config_omit" => value.split([' ', ',']).any(|v| v == "dev"),
        _ => false,
    }
}

/// Whether the stage's environment leaves out devDependencies for instruction `at`,
/// or may (a value only known at build time: `ARG NODE_ENV` without a default).
fn environment_omits_dev(model: &StageModel<'_, '_>, at: usize) -> bool {
    let decides = |decl: &VarDecl| match decl.value.as_deref() {
        None | Some("") => true,
        Some(value) => value.contains('$') || omits_dev(&decl.name, value),
    };
    [
        "NODE_ENV",
        "NPM_CONFIG_PRODUCTION",
        "npm_config_production",
        "NPM_CONFIG_OMIT",
        "npm_config_omit",
    ]
    .iter()
    .filter_map(|name| model.lookup(name, at))
    .any(decides)
}

/// `npm prune --omit=dev` (or `--production`): devDependencies removed in the same layer.
fn prunes_dev(command: &Command) -> bool {
    command.basename() == "npm"
        && subcommand(&command.args, NPM_OPTIONS).is_some_and(|(sub, _)| sub.text == "prune")
        && chooses_dependencies(&command.args)
}

/// The first command that runs package scripts or binaries (`npm run build`, `npx tsc`).
fn uses_dev_later(commands: &[Command]) -> Option<String> {
    commands.iter().find_map(|command| {
        let name = command.basename();
        // Shown as `npm run build`, `npx tsc`.
        let operands: Vec<&Word> = if name == "npm" {
            let (sub, rest) = subcommand(&command.args, NPM_OPTIONS)?;
            if !NPM_RUNS.contains(&sub.text.as_str()) {
                return None;
            }
            std::iter::once(sub)
                .chain(rest.into_iter().take(1))
                .collect()
        } else if name == "npx" {
            command.positional().into_iter().take(1).collect()
        } else if command.name.contains("node_modules/.bin/") {
            Vec::new()
        } else {
            return None;
        };
        let shown: Vec<&str> = std::iter::once(command.name.as_str())
            .chain(operands.iter().map(|w| w.text.as_str()))
            .collect();
        Some(shown.join(" "))
    })
}

/// What a later RUN of the stage runs that may need devDependencies.
fn later_runs_use_dev(model: &StageModel<'_, '_>, at: usize) -> Option<String> {
    model
        .stage
        .instructions
        .get(at + 1..)?
        .iter()
        .filter(|i| i.kind() == InstructionKind::Run)
        .filter(|i| {
            ["npm", "npx", "node_modules/.bin"]
                .iter()
                .any(|w| mentions(i, w))
        })
        .find_map(|run| uses_dev_later(&shell::run_commands(run).commands))
}

#[cfg(test)]
mod tests {
    use super::super::testing::{findings, fixed, fixes, flagged};
    use crate::syntax::Applicability;

    const ID: &str = "npm-dev-dependencies-in-final-stage";

    #[test]
    fn an_install_in_the_final_stage_is_reported_on_the_command() {
        let text = "FROM node:20\nWORKDIR /app\nCOPY package*.json ./\nRUN npm ci \\\n && npm cache clean --force\nCMD [\"node\", \"index.js\"]\n";
        let found = findings(ID, text);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].0, "4:5-4:11");
        insta::assert_snapshot!(found[0].1, @"`npm ci` installs devDependencies (test tools, bundlers, type definitions) into the final image: add `--omit=dev`, or set NODE_ENV=production");
        assert_eq!(
            fixes(ID, text),
            [Some(("Add `--omit=dev`".to_owned(), Applicability::Safe))]
        );
    }

    #[test]
    fn the_fix_adds_omit_dev() {
        insta::assert_snapshot!(fixed(ID, "FROM node:20\nRUN npm install \\\n      --no-audit \\\n && npm --prefix /app i\n"), @r"
        FROM node:20
        RUN npm install --omit=dev \
              --no-audit \
         && npm --prefix /app i --omit=dev
        ");
        insta::assert_snapshot!(fixed(ID, "# escape=`\nFROM node:20\nRUN npm config set fund false && `\n    npm ci --loglevel warn\nRUN <<EOF\nnpm ci\nEOF\n"), @r"
        # escape=`
        FROM node:20
        RUN npm config set fund false && `
            npm ci --omit=dev --loglevel warn
        RUN <<EOF
        npm ci --omit=dev
        EOF
        ");
    }

    #[test]
    fn a_build_after_the_install_gets_no_fix() {
        let text = "FROM node:20\nRUN npm ci\nCOPY . .\nRUN npm run build\n";
        assert_eq!(fixes(ID, text), [None]);
        insta::assert_snapshot!(findings(ID, text)[0].1, @"`npm ci` installs devDependencies into the final image, and `npm run build` after it may need them: build in an earlier stage and install here with `--omit=dev`");
        let text = "FROM node:20\nRUN npm install && npx tsc -p .\n";
        assert_eq!(fixes(ID, text), [None]);
        assert!(findings(ID, text)[0].1.contains("`npx tsc` after it"));
        let text = "FROM node:20\nRUN npm ci && ./node_modules/.bin/webpack\n";
        assert!(
            findings(ID, text)[0]
                .1
                .contains("`./node_modules/.bin/webpack` after it")
        );
    }

    #[test]
    fn builder_stages_are_not_checked() {
        let text = "FROM node:20 AS build\nRUN npm ci && npm run build\n\
                    FROM node:20-slim\nCOPY --from=build /app/dist /app\nRUN npm ci --omit=dev\n";
        assert!(flagged(ID, text).is_empty());
        let text = "FROM node:20 AS build\nRUN npm ci\nFROM build AS test\nRUN npm test\nFROM node:20-slim\n";
        assert!(flagged(ID, text).is_empty());
    }

    #[test]
    fn options_that_choose_the_dependencies() {
        let text = "FROM node:20\n\
                    RUN npm ci --omit=dev && npm ci --omit dev && npm install --production\n\
                    RUN npm ci --only=production && npm ci --include=dev && npm i --omit=optional --omit=dev\n\
                    RUN npm install express@4 && npm install -g serve@14 && npm ci && npm prune --omit=dev\n";
        assert!(flagged(ID, text).is_empty());
        let text = "FROM node:20\nRUN npm ci --omit=optional\n";
        assert_eq!(flagged(ID, text), ["npm ci"]);
    }

    #[test]
    fn node_env_production_leaves_dev_dependencies_out() {
        let text = "FROM node:20 AS base\nENV NODE_ENV=production\n\
                    FROM base\nRUN npm ci\n\
                    RUN NODE_ENV=production npm install\n\
                    RUN export NODE_ENV=production && npm ci\n";
        assert!(flagged(ID, text).is_empty());
        let text = "FROM node:20\nARG NODE_ENV\nRUN npm ci\n";
        assert!(flagged(ID, text).is_empty());
        let text = "FROM node:20\nARG NODE_ENV=production\nRUN npm ci\n";
        assert!(flagged(ID, text).is_empty());
        let text = "FROM node:20\nENV NODE_ENV=development\nRUN npm ci\n";
        assert_eq!(flagged(ID, text), ["npm ci"]);
        // Set after the install: too late.
        let text = "FROM node:20\nRUN npm ci\nENV NODE_ENV=production\n";
        assert_eq!(flagged(ID, text), ["npm ci"]);
    }
}
