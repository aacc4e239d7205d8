//! Secrets in build arguments, environment variables and copied files.

use super::build_context::{excluded_by_flags, whole_context_sources};
use super::copy::{file_args, path_basename};
use super::{Alias, Check, Findings, Rule};
use crate::analysis::ignore_match::IgnoreMatcher;
use crate::syntax::{Fix, Instruction, InstructionKind, NewFile, Severity};

pub static SECRETS_IN_ARG_OR_ENV: Rule = Rule {
    id: "secrets-in-arg-or-env",
    summary: "ARG and ENV should not carry secrets",
    severity: Severity::Warning,
    aliases: &[
        Alias::Hadolint("DL3064"),
        Alias::BuildKit("SecretsUsedInArgOrEnv"),
        Alias::Trivy("DS-0031"),
    ],
    explanation: "ENV values are stored in the image configuration and build argument values in its \
history: anyone who can pull the image reads them with `docker inspect` or `docker history`, and they end \
up in build caches and logs. Pass secrets with `RUN --mount=type=secret,id=...` (or `--mount=type=ssh`), \
which exposes them to one RUN only. Names are split at `_` and a word such as `PASSWORD`, `PASSWD`, \
`PASS`, `SECRET`, `TOKEN`, `KEY`, `APIKEY`, `AUTH` or `CREDENTIALS` marks a secret, as in BuildKit's check; \
words such as `FILE`, `PATH`, `URL`, `VERSION`, `PUBLIC` or `GPG` say the value is something else \
(`PASSWORD_FILE`, `GPG_KEY` fingerprints).",
    bad: "FROM node:20-alpine\nARG NPM_TOKEN\nRUN echo \"//registry.npmjs.org/:_authToken=${NPM_TOKEN}\" > .npmrc && npm ci\n",
    good: "FROM node:20-alpine\nRUN --mount=type=secret,id=npmrc,target=/root/.npmrc npm ci\n",
    tags: &[],
    fixable: false,
    enabled_by_default: true,
    check: Check::Instruction(check_arg_env),
};

pub static SECRET_FILE_COPIED: Rule = Rule {
    id: "secret-file-copied",
    summary: "Do not COPY or ADD credential files into the image",
    severity: Severity::Warning,
    aliases: &[Alias::Trivy("DS-0031")],
    explanation: "Private keys (`id_rsa`, `*.key`), package registry tokens (`.npmrc`, `.pypirc`, \
`.netrc`), `.env` files and cloud credentials copied into an image stay in its layer even if a later \
`RUN rm` deletes them: anyone who can pull the image can extract them. Mount them for the one RUN that \
needs them (`RUN --mount=type=secret,id=npmrc,target=/root/.npmrc npm ci`) and keep them out of the build \
context with `.dockerignore`. Example files (`.env.example`) and public keys (`*.pub`, `*.crt`) are not \
reported.\n\n\
A whole-context copy (`COPY . .`) is reported for each credential file at the top of the build context \
that neither `.dockerignore` nor `--exclude` leaves out (when the directory is known); its fix adds \
the file to `.dockerignore` (creating it if needed). A COPY that names the file has no automatic \
fix: the build step that needs it should mount it instead.",
    bad: "FROM node:20-alpine\nWORKDIR /app\nCOPY . .\nRUN npm ci\n",
    good: "FROM node:20-alpine\nWORKDIR /app\nCOPY package.json package-lock.json ./\nRUN --mount=type=secret,id=npmrc,target=/root/.npmrc npm ci\nCOPY src/ ./src/\n",
    tags: &[],
    fixable: true,
    enabled_by_default: true,
    check: Check::Instruction(check_copied_files),
};

/// BuildKit's words that mark a secret, plus `pass`.
const SECRET_WORDS: &[&str] = &[
    "apikey",
    "auth",
    "credential",
    "credentials",
    "key",
    "password",
    "pword",
    "passwd",
    "pass",
    "secret",
    "token",
];

/// BuildKit's words that mark something else (`public`, `file`, `version`), plus ours.
const NOT_SECRET_WORDS: &[&str] = &[
    "public",
    "file",
    "version",
    "path",
    "dir",
    "url",
    "uri",
    "host",
    "gpg",
    "pgp",
    "fingerprint",
];

/// Whether a variable name looks like it holds a secret: one of its `_`-separated
/// words is a secret word and none says it is only a pointer or a public value.
fn is_secret_name(name: &str) -> bool {
    let words: Vec<String> = name.split('_').map(str::to_ascii_lowercase).collect();
    words.iter().any(|w| SECRET_WORDS.contains(&w.as_str()))
        && !words.iter().any(|w| NOT_SECRET_WORDS.contains(&w.as_str()))
}

fn check_arg_env(instruction: &Instruction<'_>, findings: &mut Findings) {
    let kind = instruction.kind();
    if !matches!(kind, InstructionKind::Arg | InstructionKind::Env) {
        return;
    }
    for pair in instruction.pairs() {
        let Some(key) = pair.key_node() else { continue };
        let name = instruction.text(key);
        if is_secret_name(name) {
            let stored = if kind == InstructionKind::Arg {
                "its value is kept in the image history"
            } else {
                "its value is stored in the image"
            };
            findings.report(
                key.byte_range(),
                format!(
                    "{} `{name}` looks like a secret and {stored}: use `RUN --mount=type=secret,id={}` instead",
                    kind.name(),
                    name.to_ascii_lowercase()
                ),
            );
        }
    }
}

/// Variables that name credential files (from Trivy's check).
const SECRET_FILE_VARIABLES: &[&str] = &[
    "AWS_CONFIG_FILE",
    "AWS_SHARED_CREDENTIALS_FILE",
    "GOOGLE_APPLICATION_CREDENTIALS",
    "HF_TOKEN_PATH",
    "KUBECONFIG",
];

/// Whether a file name is an environment file with real values (`.env`,
/// `.env.production`), not an example (`.env.example`).
pub(super) fn is_env_file(name: &str) -> bool {
    secret_file_kind(name) == Some(ENV_FILE)
}

const ENV_FILE: &str = "an environment file";

/// What the file is, when a path names a credential file or directory.
fn secret_file_kind(path: &str) -> Option<&'static str> {
    let name = path_basename(path);
    let lower = name.to_ascii_lowercase();
    let parent = path
        .trim_end_matches('/')
        .rsplit('/')
        .nth(1)
        .unwrap_or("")
        .to_ascii_lowercase();
    let kind = match lower.as_str() {
        "id_rsa" | "id_dsa" | "id_ecdsa" | "id_ed25519" | "id_ecdsa_sk" | "id_ed25519_sk" => {
            "an SSH private key"
        }
        ".ssh" => "an SSH directory",
        ".npmrc" | ".yarnrc.yml" | ".pypirc" | ".netrc" | "_netrc" | ".git-credentials"
        | ".dockercfg" => "a credentials file",
        ".aws" | ".docker" | ".kube" | ".gnupg" => "a credentials directory",
        ".htpasswd" => "a password file",
        ".env" => ENV_FILE,
        "credentials" if parent == ".aws" => "AWS credentials",
        "config.json" if parent == ".docker" => "Docker registry credentials",
        "config" if parent == ".kube" => "a Kubernetes config",
        _ => {
            if let Some(suffix) = lower.strip_prefix(".env.") {
                return (!matches!(
                    suffix,
                    "example" | "sample" | "template" | "dist" | "defaults" | "schema"
                ))
                .then_some(ENV_FILE);
            }
            let (stem, extension) = lower.rsplit_once('.')?;
            match extension {
                "key" => "a private key",
                "pem" if stem.contains("key") || stem.contains("priv") => "a private key",
                "p12" | "pfx" | "jks" | "keystore" => "a key store",
                _ => return None,
            }
        }
    };
    Some(kind)
}

fn check_copied_files(instruction: &Instruction<'_>, findings: &mut Findings) {
    let Some(args) = file_args(instruction) else {
        return;
    };
    for source in args.sources.iter().filter(|s| !s.heredoc) {
        let kind = if source.variable {
            let name = source
                .text
                .trim_start_matches('$')
                .trim_start_matches('{')
                .trim_end_matches('}');
            SECRET_FILE_VARIABLES
                .contains(&name)
                .then_some("a credentials file")
        } else {
            secret_file_kind(&source.text)
        };
        if let Some(kind) = kind {
            findings.report(
                source.range.clone(),
                format!(
                    "`{}` is {kind}: once copied it stays in the image layer; mount it for the RUN that needs it (`RUN --mount=type=secret,...`)",
                    source.text
                ),
            );
        }
    }
    check_whole_context(instruction, findings);
}

/// Credential files at the top of the build context that a whole-context copy takes.
fn check_whole_context(instruction: &Instruction<'_>, findings: &mut Findings) {
    // An ONBUILD trigger copies the context of a build we cannot see.
    if instruction.is_onbuild_trigger() {
        return;
    }
    let sources = whole_context_sources(instruction);
    if sources.is_empty() {
        return;
    }
    let context = findings.context();
    let Some(project) = context.project.clone() else {
        return;
    };
    let rules = context.dockerignore.clone().unwrap_or_default();
    let matcher = IgnoreMatcher::new(&rules);
    // Docker reads `<Dockerfile>.dockerignore` instead of `.dockerignore` when it exists.
    let ignore_file = match &project.dockerfile_name {
        Some(name) if project.has_own_dockerignore => format!("{name}.dockerignore"),
        _ => ".dockerignore".to_owned(),
    };
    for source in &sources {
        for entry in project.entries.iter() {
            let Some(kind) = secret_file_kind(&entry.name) else {
                continue;
            };
            if matcher.excluded_by(&entry.name).is_some()
                || excluded_by_flags(instruction, &entry.name)
            {
                continue;
            }
            let name = &entry.name;
            findings.report_fix(
                source.range.clone(),
                format!(
                    "`{}` copies `{name}` ({kind}) from the build context into the image layer, where it stays: leave it out with .dockerignore, and mount it for the RUN that needs it (`RUN --mount=type=secret,...`)",
                    source.text
                ),
                Fix::create_file(
                    format!("Add `{name}` to {ignore_file}"),
                    NewFile {
                        name: ignore_file.clone(),
                        contents: format!("{}\n", escape_pattern(name)),
                    },
                ),
            );
        }
    }
}

/// A file name as a `.dockerignore` pattern that matches only it.
fn escape_pattern(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        if matches!(c, '*' | '?' | '[' | ']' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::super::testing::{findings, fixes, flagged, located, run_in};
    use super::{escape_pattern, is_secret_name};
    use crate::analysis::dockerignore_rules::ignore_rules;
    use crate::analysis::settings::{Context, ProjectFiles};
    use crate::syntax::Applicability;

    const ID: &str = "secret-file-copied";

    #[test]
    fn secret_words_follow_buildkit() {
        for name in [
            "GITHUB_TOKEN",
            "api_key",
            "DATABASE_PASSWORD",
            "secret_MESSAGE",
            "AUTH",
            "AWS_SECRET_ACCESS_KEY",
            "DB_PASS",
            "APIKEY",
        ] {
            assert!(is_secret_name(name), "{name}");
        }
        for name in [
            "PASSWORD_FILE",
            "PUBLIC_KEY",
            "GPG_KEY",
            "TOKENIZERS_PARALLELISM",
            "KEYBOARD",
            "NODE_VERSION",
            "OAUTH_CLIENT",
            "AUTH_URL",
            "MONKEY",
        ] {
            assert!(!is_secret_name(name), "{name}");
        }
    }

    #[test]
    fn arg_and_env_keys() {
        let text = "ARG GITHUB_TOKEN\nFROM a\nENV DB_PASSWORD=x APP=y\nARG version=1 API_KEY\nONBUILD ENV SECRET=z\n";
        let found = findings("secrets-in-arg-or-env", text);
        let ranges: Vec<&str> = found.iter().map(|f| f.0.as_str()).collect();
        assert_eq!(ranges, ["1:5-1:17", "3:5-3:16", "4:15-4:22", "5:13-5:19"]);
        insta::assert_snapshot!(found[0].1, @"ARG `GITHUB_TOKEN` looks like a secret and its value is kept in the image history: use `RUN --mount=type=secret,id=github_token` instead");
        insta::assert_snapshot!(found[1].1, @"ENV `DB_PASSWORD` looks like a secret and its value is stored in the image: use `RUN --mount=type=secret,id=db_password` instead");
    }

    #[test]
    fn legacy_env_form() {
        assert_eq!(
            flagged("secrets-in-arg-or-env", "FROM a\nENV API_TOKEN abc def\n"),
            ["API_TOKEN"]
        );
    }

    #[test]
    fn credential_files() {
        let text = "FROM a\nCOPY .npmrc id_rsa ./\nADD certs/server.key /etc/ssl/\nCOPY .env.production /app/\nCOPY $GOOGLE_APPLICATION_CREDENTIALS /k.json\nCOPY home/.aws/credentials /root/.aws/\n";
        let found = findings("secret-file-copied", text);
        let ranges: Vec<&str> = found.iter().map(|f| f.0.as_str()).collect();
        assert_eq!(
            ranges,
            [
                "2:6-2:12",
                "2:13-2:19",
                "3:5-3:21",
                "4:6-4:21",
                "5:6-5:37",
                "6:6-6:27"
            ]
        );
        insta::assert_snapshot!(found[0].1, @"`.npmrc` is a credentials file: once copied it stays in the image layer; mount it for the RUN that needs it (`RUN --mount=type=secret,...`)");
    }

    fn project(entries: &[&str], ignore: Option<&str>) -> Context {
        let mut project = ProjectFiles::new(entries.iter().map(|e| match e.strip_suffix('/') {
            Some(dir) => (dir.to_owned(), true),
            None => ((*e).to_owned(), false),
        }));
        project.dockerfile_name = Some("Dockerfile".to_owned());
        Context {
            project: Some(Arc::new(project)),
            dockerignore: ignore.map(|text| Arc::new(ignore_rules(text))),
            ..Context::default()
        }
    }

    #[test]
    fn credential_files_that_a_whole_context_copy_takes() {
        let context = project(
            &[
                ".env",
                ".env.example",
                ".aws/",
                "id_rsa",
                "id_rsa.pub",
                "src/",
                "server.key",
            ],
            Some("*.key\n"),
        );
        let text = "FROM a\nCOPY --chown=app . /app\n";
        let found = run_in(ID, text, &context);
        let fixes: Vec<(String, String, String)> = found
            .iter()
            .map(|f| {
                let fix = f.fix.as_ref().expect("a fix");
                assert_eq!(fix.applicability, Applicability::Unsafe);
                let file = fix.new_file.as_ref().expect("a new file");
                (fix.title.clone(), file.name.clone(), file.contents.clone())
            })
            .collect();
        insta::assert_debug_snapshot!(fixes, @r#"
            [
                (
                    "Add `.aws` to .dockerignore",
                    ".dockerignore",
                    ".aws\n",
                ),
                (
                    "Add `.env` to .dockerignore",
                    ".dockerignore",
                    ".env\n",
                ),
                (
                    "Add `id_rsa` to .dockerignore",
                    ".dockerignore",
                    "id_rsa\n",
                ),
            ]
            "#);
        let found = located(text, found);
        assert!(found.iter().all(|f| f.0 == "2:18-2:19"), "{found:?}");
        insta::assert_snapshot!(found[1].1, @"`.` copies `.env` (an environment file) from the build context into the image layer, where it stays: leave it out with .dockerignore, and mount it for the RUN that needs it (`RUN --mount=type=secret,...`)");
    }

    #[test]
    fn the_fix_goes_to_the_dockerfiles_own_ignore_file() {
        let mut context = project(&[".npmrc"], Some("*.md\n"));
        if let Some(p) = context.project.as_mut() {
            Arc::make_mut(p).has_own_dockerignore = true;
        }
        let found = run_in(ID, "FROM a\nADD . .\n", &context);
        let file = found[0]
            .fix
            .as_ref()
            .and_then(|f| f.new_file.clone())
            .expect("a file");
        assert_eq!(file.name, "Dockerfile.dockerignore");
        assert_eq!(escape_pattern("a[1]*.key"), "a\\[1\\]\\*.key");
    }

    #[test]
    fn ignored_excluded_or_unknown_files_are_fine() {
        let text = "FROM a\nCOPY . .\nCOPY --exclude=.env --exclude=keys/ ./ /app/\nCOPY --from=build . /x\n";
        let context = project(&[".env", "keys/", "src/"], Some(".env\n"));
        assert!(run_in(ID, text, &context).is_empty());
        assert!(run_in(ID, text, &Context::default()).is_empty());
        let context = project(&[".ssh/", "src/"], None);
        assert!(run_in(ID, "FROM a\nCOPY --exclude=.ssh . .\n", &context).is_empty());
    }

    #[test]
    fn an_onbuild_copy_takes_another_context() {
        let context = project(&[".env"], None);
        assert!(run_in(ID, "FROM a\nONBUILD COPY . /app\n", &context).is_empty());
        assert_eq!(
            run_in(ID, "FROM a\nONBUILD COPY .env /app/\n", &context).len(),
            1
        );
    }

    #[test]
    fn a_named_secret_has_no_fix() {
        assert_eq!(fixes(ID, "FROM a\nCOPY .env /app/\n"), [None]);
    }

    #[test]
    fn public_and_example_files_are_fine() {
        let text = "FROM a\nCOPY .env.example id_rsa.pub ca.pem server.crt /x/\nCOPY credentials.md keys/ /y/\nCOPY <<EOF /app/.env\nA=1\nEOF\nCOPY --from=build /out/app /app\n";
        assert!(flagged("secret-file-copied", text).is_empty());
    }
}
