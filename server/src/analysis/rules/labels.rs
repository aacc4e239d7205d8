//! LABEL keys and the label schema (hadolint's `label-schema`): required labels and the
//! kind of value each must have.

use std::ops::Range;
use std::sync::Arc;

use super::{Alias, Check, Findings, Rule};
use crate::analysis::model::{Base, StageModel};
use crate::analysis::settings::{LabelType, Settings};
use crate::analysis::{expand, instruction_memo};
use crate::syntax::{Instruction, InstructionKind, Severity};

/// The explanation's note shared by the schema rules.
macro_rules! schema_note {
    () => {
        "\n\nIt runs only when a label schema is configured (hadolint's `label-schema`); the example \
assumes one that requires `org.opencontainers.image.title` (text), `.source` (url), `.created` \
(rfc3339), `.licenses` (spdx), `.revision` (hash), `.version` (semver) and `.authors` (email), \
with strict labels."
    };
}

pub static LABEL_KEY_INVALID: Rule = Rule {
    id: "label-key-invalid",
    summary: "Label keys should be lower-case reverse-DNS names outside Docker's namespaces",
    severity: Severity::Hint,
    aliases: &[Alias::Hadolint("DL3048")],
    explanation: "Docker's guidelines for label keys: lower-case letters, digits, `.` and `-`, starting \
with a letter and ending with a letter or digit, no `..` or `--`, and a reverse-DNS prefix you own. The \
`com.docker.`, `io.docker.` and `org.dockerproject.` namespaces are reserved for Docker's own use. Keys \
that follow the guidelines are read the same way by every tool that filters images by label.",
    bad: "FROM alpine:3.20\nLABEL com.docker.Version=1.0\n",
    good: "FROM alpine:3.20\nLABEL org.opencontainers.image.version=1.0\n",
    tags: &[],
    fixable: false,
    enabled_by_default: true,
    check: Check::Instruction(check_key),
};

pub static LABEL_MISSING: Rule = Rule {
    id: "label-missing",
    summary: "The image should carry every label of the label schema",
    severity: Severity::Info,
    aliases: &[Alias::Hadolint("DL3049")],
    explanation: concat!(
        "A label schema lists the labels every image must carry (version, source, licence...), which \
registries, scanners and deployment tools read. The labels of the image are those of its final stage, \
so that is the stage checked: intermediate stages are not shipped. When the final stage builds on an \
earlier stage its labels are not checked here, since they may come from that stage.",
        schema_note!()
    ),
    bad: "FROM alpine:3.20\nLABEL org.opencontainers.image.title=app\n",
    good: "FROM alpine:3.20\nLABEL org.opencontainers.image.title=app \\\n      org.opencontainers.image.source=https://github.com/acme/app \\\n      org.opencontainers.image.created=2024-05-01T10:00:00Z \\\n      org.opencontainers.image.licenses=MIT \\\n      org.opencontainers.image.revision=0123456789abcdef0123456789abcdef01234567 \\\n      org.opencontainers.image.version=1.4.2 \\\n      org.opencontainers.image.authors=dev@acme.example\n",
    tags: &[],
    fixable: false,
    enabled_by_default: true,
    check: Check::Stage(check_missing),
};

pub static LABEL_NOT_IN_SCHEMA: Rule = Rule {
    id: "label-not-in-schema",
    summary: "With strict labels, only the labels of the schema should be set",
    severity: Severity::Info,
    aliases: &[Alias::Hadolint("DL3050")],
    explanation: concat!(
        "With `strict-labels`, the label schema is the complete list of labels an image may carry: \
any other label is a typo of a schema label or metadata nobody agreed on.",
        schema_note!()
    ),
    bad: "FROM alpine:3.20\nLABEL org.opencontainers.image.titel=app\n",
    good: "FROM alpine:3.20\nLABEL org.opencontainers.image.title=app\n",
    tags: &[],
    fixable: false,
    enabled_by_default: true,
    check: Check::Instruction(check_not_in_schema),
};

pub static LABEL_EMPTY: Rule = Rule {
    id: "label-empty",
    summary: "Labels of the label schema should not be empty",
    severity: Severity::Warning,
    aliases: &[Alias::Hadolint("DL3051")],
    explanation: concat!(
        "An empty label satisfies a check that the label exists while carrying no information, \
usually because the build argument meant to fill it was not passed.",
        schema_note!()
    ),
    bad: "FROM alpine:3.20\nLABEL org.opencontainers.image.title=\"\"\n",
    good: "FROM alpine:3.20\nLABEL org.opencontainers.image.title=app\n",
    tags: &[],
    fixable: false,
    enabled_by_default: true,
    check: Check::Instruction(check_empty),
};

pub static LABEL_NOT_URL: Rule = Rule {
    id: "label-not-url",
    summary: "Labels the schema declares as URLs should hold absolute URLs",
    severity: Severity::Warning,
    aliases: &[Alias::Hadolint("DL3052")],
    explanation: concat!(
        "Tools follow URL labels (source repository, documentation): a value without a scheme or \
with spaces is a broken link.",
        schema_note!()
    ),
    bad: "FROM alpine:3.20\nLABEL org.opencontainers.image.source=github.com/acme/app\n",
    good: "FROM alpine:3.20\nLABEL org.opencontainers.image.source=https://github.com/acme/app\n",
    tags: &[],
    fixable: false,
    enabled_by_default: true,
    check: Check::Instruction(check_url),
};

pub static LABEL_NOT_TIMESTAMP: Rule = Rule {
    id: "label-not-timestamp",
    summary: "Labels the schema declares as dates should hold RFC 3339 timestamps",
    severity: Severity::Warning,
    aliases: &[Alias::Hadolint("DL3053")],
    explanation: concat!(
        "Dates in labels (`org.opencontainers.image.created`) are compared and sorted by tools, which \
expect RFC 3339: `2024-05-01T10:00:00Z`, with a time and a time zone.",
        schema_note!()
    ),
    bad: "FROM alpine:3.20\nLABEL org.opencontainers.image.created=\"May 1st, 2024\"\n",
    good: "FROM alpine:3.20\nLABEL org.opencontainers.image.created=2024-05-01T10:00:00Z\n",
    tags: &[],
    fixable: false,
    enabled_by_default: true,
    check: Check::Instruction(check_rfc3339),
};

pub static LABEL_NOT_SPDX: Rule = Rule {
    id: "label-not-spdx",
    summary: "Labels the schema declares as licences should hold SPDX license expressions",
    severity: Severity::Warning,
    aliases: &[Alias::Hadolint("DL3054")],
    explanation: concat!(
        "Licence scanners read `org.opencontainers.image.licenses` as an SPDX license expression: an \
id such as `Apache-2.0`, or ids joined with `AND`, `OR` and `WITH` (`GPL-2.0-only WITH \
Classpath-exception-2.0`). Free text such as `Apache License` is not understood. Ids are checked \
against a list of the commonly used ones; custom licences are written `LicenseRef-<name>`.",
        schema_note!()
    ),
    bad: "FROM alpine:3.20\nLABEL org.opencontainers.image.licenses=\"Apache License\"\n",
    good: "FROM alpine:3.20\nLABEL org.opencontainers.image.licenses=\"Apache-2.0 OR MIT\"\n",
    tags: &[],
    fixable: false,
    enabled_by_default: true,
    check: Check::Instruction(check_spdx),
};

pub static LABEL_NOT_GIT_HASH: Rule = Rule {
    id: "label-not-git-hash",
    summary: "Labels the schema declares as hashes should hold git commit hashes",
    severity: Severity::Warning,
    aliases: &[Alias::Hadolint("DL3055")],
    explanation: concat!(
        "A revision label lets anyone find the commit an image was built from: it must be a commit \
hash (7 to 40 lower-case hex digits, 64 for SHA-256 repositories), not a branch or tag name, which \
move.",
        schema_note!()
    ),
    bad: "FROM alpine:3.20\nLABEL org.opencontainers.image.revision=main\n",
    good: "FROM alpine:3.20\nLABEL org.opencontainers.image.revision=0123456789abcdef0123456789abcdef01234567\n",
    tags: &[],
    fixable: false,
    enabled_by_default: true,
    check: Check::Instruction(check_hash),
};

pub static LABEL_NOT_SEMVER: Rule = Rule {
    id: "label-not-semver",
    summary: "Labels the schema declares as versions should hold semantic versions",
    severity: Severity::Warning,
    aliases: &[Alias::Hadolint("DL3056")],
    explanation: concat!(
        "Version labels are compared by tools that expect semantic versioning: `MAJOR.MINOR.PATCH`, \
optionally `-prerelease` and `+build`, without a leading `v` or leading zeros.",
        schema_note!()
    ),
    bad: "FROM alpine:3.20\nLABEL org.opencontainers.image.version=v1.4\n",
    good: "FROM alpine:3.20\nLABEL org.opencontainers.image.version=1.4.0\n",
    tags: &[],
    fixable: false,
    enabled_by_default: true,
    check: Check::Instruction(check_semver),
};

pub static LABEL_NOT_EMAIL: Rule = Rule {
    id: "label-not-email",
    summary: "Labels the schema declares as e-mail addresses should hold e-mail addresses",
    severity: Severity::Warning,
    aliases: &[Alias::Hadolint("DL3058")],
    explanation: concat!(
        "Contact labels are used to reach the people responsible for an image: the value must be a \
bare address (`dev@acme.example`), not a name or a `Name <address>` pair.",
        schema_note!()
    ),
    bad: "FROM alpine:3.20\nLABEL org.opencontainers.image.authors=\"Acme dev team\"\n",
    good: "FROM alpine:3.20\nLABEL org.opencontainers.image.authors=dev@acme.example\n",
    tags: &[],
    fixable: false,
    enabled_by_default: true,
    check: Check::Instruction(check_email),
};

/// One `key=value` of a LABEL instruction as BuildKit reads it.
struct Label {
    /// The key with quotes removed; `None` when it is built from variables.
    key: Option<String>,
    key_range: Range<usize>,
    /// The value with quotes removed; `None` when it is built from variables.
    value: Option<String>,
    /// The value's bytes (the whole pair when the value is absent).
    value_range: Range<usize>,
}

/// A word without quotes and escapes, or `None` when variables decide it.
fn literal(text: &str, escape: char) -> Option<String> {
    let expansion = expand::expand(text, escape, &|_| None);
    expansion.references.is_empty().then_some(expansion.value)
}

/// The labels of a LABEL instruction, derived once for the rules that read them.
fn labels(instruction: &Instruction<'_>) -> Arc<Vec<Label>> {
    if instruction.kind() != InstructionKind::Label {
        return Arc::default();
    }
    instruction_memo::memo(instruction, derive_labels)
}

fn derive_labels(instruction: &Instruction<'_>) -> Vec<Label> {
    let escape = instruction.escape();
    instruction
        .pairs()
        .into_iter()
        .filter_map(|pair| {
            let key = pair.key_node()?;
            let (value, value_range) = match pair.value_node() {
                Some(node) => {
                    let text = instruction.logical(node.byte_range());
                    (literal(text.trim(), escape), node.byte_range())
                }
                None => (Some(String::new()), pair.node.byte_range()),
            };
            Some(Label {
                key: literal(instruction.text(key), escape),
                key_range: key.byte_range(),
                value,
                value_range,
            })
        })
        .collect()
}

/// The settings, held apart from the findings they are reported to.
fn settings(findings: &Findings) -> Arc<Settings> {
    Arc::clone(&findings.context().settings)
}

/// Why a key breaks Docker's guidelines, if it does.
fn key_problem(key: &str) -> Option<String> {
    for namespace in ["com.docker.", "io.docker.", "org.dockerproject."] {
        if key.starts_with(namespace) {
            return Some(format!(
                "label `{key}` is in the `{namespace}` namespace, which Docker reserves: use a reverse-DNS prefix of your own"
            ));
        }
    }
    let invalid: Vec<char> = key
        .chars()
        .filter(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '-')))
        .fold(Vec::new(), |mut seen, c| {
            if !seen.contains(&c) {
                seen.push(c);
            }
            seen
        });
    if !invalid.is_empty() {
        let shown: Vec<String> = invalid.iter().map(|c| format!("`{c}`")).collect();
        return Some(format!(
            "label key `{key}` has {}: use lower-case letters, digits, `.` and `-`",
            shown.join(", ")
        ));
    }
    if !key.starts_with(|c: char| c.is_ascii_lowercase()) {
        return Some(format!(
            "label key `{key}` should start with a lower-case letter"
        ));
    }
    if !key.ends_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit()) {
        return Some(format!(
            "label key `{key}` should end with a letter or a digit"
        ));
    }
    if key.contains("..") || key.contains("--") {
        return Some(format!(
            "label key `{key}` repeats a separator (`..` or `--`)"
        ));
    }
    None
}

fn check_key(instruction: &Instruction<'_>, findings: &mut Findings) {
    for label in labels(instruction).iter() {
        if let Some(problem) = label.key.as_deref().and_then(key_problem) {
            findings.report(label.key_range.clone(), problem);
        }
    }
}

fn check_missing(model: &StageModel<'_, '_>, findings: &mut Findings) {
    let settings = settings(findings);
    if settings.label_schema.is_empty() || model.stage.index + 1 != model.file.stages.len() {
        return;
    }
    // The labels of an earlier stage are not visible from here.
    if matches!(model.info().map(|s| &s.base), Some(Base::Stage(_))) {
        return;
    }
    let mut set: Vec<String> = Vec::new();
    for instruction in &model.stage.instructions {
        set.extend(labels(instruction).iter().filter_map(|l| l.key.clone()));
    }
    let from = &model.stage.from;
    for (name, kind) in &settings.label_schema {
        if !set.contains(name) {
            findings.report(
                from.node().byte_range(),
                format!(
                    "the image has no label `{name}`, which the label schema requires: add `LABEL {name}=<{}>` to the final stage",
                    type_name(*kind)
                ),
            );
        }
    }
}

fn check_not_in_schema(instruction: &Instruction<'_>, findings: &mut Findings) {
    let settings = settings(findings);
    if settings.label_schema.is_empty() || !settings.strict_labels {
        return;
    }
    for label in labels(instruction).iter() {
        let Some(key) = &label.key else { continue };
        if !settings.label_schema.iter().any(|(name, _)| *name == *key) {
            let names = settings.label_schema.iter().map(|(name, _)| name.as_str());
            let hint = match crate::syntax::closest(key, names) {
                Some(close) => format!(" (did you mean `{close}`?)"),
                None => String::new(),
            };
            findings.report(
                label.key_range.clone(),
                format!("label `{key}` is not in the label schema{hint}: with strict labels only schema labels are allowed"),
            );
        }
    }
}

fn check_empty(instruction: &Instruction<'_>, findings: &mut Findings) {
    let settings = settings(findings);
    for label in labels(instruction).iter() {
        let (Some(key), Some(value)) = (&label.key, &label.value) else {
            continue;
        };
        if value.is_empty() && settings.label_schema.iter().any(|(name, _)| name == key) {
            findings.report(
                label.value_range.clone(),
                format!("label `{key}` is empty, but the label schema expects a value"),
            );
        }
    }
}

fn type_name(kind: LabelType) -> &'static str {
    match kind {
        LabelType::Text => "text",
        LabelType::Url => "url",
        LabelType::Semver => "semver",
        LabelType::Hash => "git hash",
        LabelType::Rfc3339 => "rfc3339 time",
        LabelType::Spdx => "spdx expression",
        LabelType::Email => "email",
    }
}

/// The shared check of the typed schema rules: every non-empty literal value of a label
/// the schema gives type `kind` is validated by `problem`.
fn check_typed(
    instruction: &Instruction<'_>,
    findings: &mut Findings,
    kind: LabelType,
    what: &str,
    problem: fn(&str) -> Option<String>,
) {
    let settings = settings(findings);
    if !settings.label_schema.iter().any(|(_, k)| *k == kind) {
        return;
    }
    for label in labels(instruction).iter() {
        let (Some(key), Some(value)) = (&label.key, &label.value) else {
            continue;
        };
        let typed = settings
            .label_schema
            .iter()
            .any(|(name, k)| name == key && *k == kind);
        if !typed || value.is_empty() {
            continue;
        }
        if let Some(reason) = problem(value) {
            findings.report(
                label.value_range.clone(),
                format!("label `{key}` should be {what}: {reason}"),
            );
        }
    }
}

fn check_url(instruction: &Instruction<'_>, findings: &mut Findings) {
    check_typed(instruction, findings, LabelType::Url, "a URL", url_problem);
}

fn check_rfc3339(instruction: &Instruction<'_>, findings: &mut Findings) {
    check_typed(
        instruction,
        findings,
        LabelType::Rfc3339,
        "an RFC 3339 time",
        rfc3339_problem,
    );
}

fn check_spdx(instruction: &Instruction<'_>, findings: &mut Findings) {
    check_typed(
        instruction,
        findings,
        LabelType::Spdx,
        "an SPDX license expression",
        spdx_problem,
    );
}

fn check_hash(instruction: &Instruction<'_>, findings: &mut Findings) {
    check_typed(
        instruction,
        findings,
        LabelType::Hash,
        "a git commit hash",
        hash_problem,
    );
}

fn check_semver(instruction: &Instruction<'_>, findings: &mut Findings) {
    check_typed(
        instruction,
        findings,
        LabelType::Semver,
        "a semantic version",
        semver_problem,
    );
}

fn check_email(instruction: &Instruction<'_>, findings: &mut Findings) {
    check_typed(
        instruction,
        findings,
        LabelType::Email,
        "an e-mail address",
        email_problem,
    );
}

/// An absolute URI: a scheme, `:`, and no characters URIs cannot hold.
fn url_problem(value: &str) -> Option<String> {
    let Some((scheme, rest)) = value.split_once(':') else {
        return Some(format!("`{value}` has no scheme (`https://...`)"));
    };
    let scheme_ok = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    if !scheme_ok {
        return Some(format!("`{value}` has no scheme (`https://...`)"));
    }
    if rest.is_empty() {
        return Some(format!("`{value}` has nothing after its scheme"));
    }
    if let Some(bad) = value.chars().find(|c| {
        c.is_whitespace()
            || c.is_control()
            || matches!(c, '<' | '>' | '"' | '{' | '}' | '|' | '\\' | '^' | '`')
    }) {
        return Some(format!(
            "`{value}` contains {bad:?}, which a URL cannot hold unescaped"
        ));
    }
    None
}

/// `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`.
fn rfc3339_problem(value: &str) -> Option<String> {
    let fail = || Some(format!("`{value}` is not like `2024-05-01T10:00:00Z`"));
    let bytes = value.as_bytes();
    let number = |range: Range<usize>| -> Option<u32> {
        let digits = value.get(range)?;
        if digits.bytes().all(|b| b.is_ascii_digit()) {
            digits.parse().ok()
        } else {
            None
        }
    };
    if bytes.len() < 20 {
        return fail();
    }
    let separators = [(4, b'-'), (7, b'-'), (13, b':'), (16, b':')];
    if separators.iter().any(|&(i, c)| bytes[i] != c) || !matches!(bytes[10], b'T' | b't' | b' ') {
        return fail();
    }
    let (Some(year), Some(month), Some(day), Some(hour), Some(minute), Some(second)) = (
        number(0..4),
        number(5..7),
        number(8..10),
        number(11..13),
        number(14..16),
        number(17..19),
    ) else {
        return fail();
    };
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return fail(),
    };
    if day == 0 || day > days || hour > 23 || minute > 59 || second > 60 {
        return fail();
    }
    let mut rest = &value[19..];
    if let Some(fraction) = rest.strip_prefix('.') {
        let digits = fraction.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return fail();
        }
        rest = &fraction[digits..];
    }
    let zone_ok = match rest {
        "Z" | "z" => true,
        zone if zone.len() == 6 && zone.starts_with(['+', '-']) && zone.as_bytes()[3] == b':' => {
            let offset = |r: Range<usize>| {
                zone.get(r)
                    .filter(|d| d.bytes().all(|b| b.is_ascii_digit()))
                    .and_then(|d| d.parse::<u32>().ok())
            };
            matches!((offset(1..3), offset(4..6)), (Some(h), Some(m)) if h < 24 && m < 60)
        }
        _ => false,
    };
    if !zone_ok {
        return Some(format!("`{value}` has no time zone (`Z` or `+02:00`)"));
    }
    None
}

/// Commonly used SPDX license ids (compared without case, as SPDX allows).
const SPDX_LICENSES: &[&str] = &[
    "0BSD",
    "AAL",
    "AFL-1.1",
    "AFL-2.0",
    "AFL-2.1",
    "AFL-3.0",
    "AGPL-1.0-only",
    "AGPL-1.0-or-later",
    "AGPL-3.0",
    "AGPL-3.0-only",
    "AGPL-3.0-or-later",
    "Apache-1.0",
    "Apache-1.1",
    "Apache-2.0",
    "APSL-2.0",
    "Artistic-1.0",
    "Artistic-2.0",
    "Beerware",
    "blessing",
    "BlueOak-1.0.0",
    "BSD-1-Clause",
    "BSD-2-Clause",
    "BSD-2-Clause-Patent",
    "BSD-3-Clause",
    "BSD-3-Clause-Clear",
    "BSD-3-Clause-LBNL",
    "BSD-4-Clause",
    "BSL-1.0",
    "BUSL-1.1",
    "bzip2-1.0.6",
    "CAL-1.0",
    "CC-BY-3.0",
    "CC-BY-4.0",
    "CC-BY-NC-4.0",
    "CC-BY-NC-SA-4.0",
    "CC-BY-ND-4.0",
    "CC-BY-SA-3.0",
    "CC-BY-SA-4.0",
    "CC0-1.0",
    "CDDL-1.0",
    "CDDL-1.1",
    "CECILL-2.1",
    "CPL-1.0",
    "curl",
    "ECL-2.0",
    "EFL-2.0",
    "Elastic-2.0",
    "EPL-1.0",
    "EPL-2.0",
    "EUPL-1.1",
    "EUPL-1.2",
    "GFDL-1.2-only",
    "GFDL-1.2-or-later",
    "GFDL-1.3-only",
    "GFDL-1.3-or-later",
    "GPL-1.0-only",
    "GPL-1.0-or-later",
    "GPL-2.0",
    "GPL-2.0-only",
    "GPL-2.0-or-later",
    "GPL-3.0",
    "GPL-3.0-only",
    "GPL-3.0-or-later",
    "HPND",
    "ICU",
    "IJG",
    "ISC",
    "LGPL-2.0",
    "LGPL-2.0-only",
    "LGPL-2.0-or-later",
    "LGPL-2.1",
    "LGPL-2.1-only",
    "LGPL-2.1-or-later",
    "LGPL-3.0",
    "LGPL-3.0-only",
    "LGPL-3.0-or-later",
    "libpng-2.0",
    "LPPL-1.3c",
    "MIT",
    "MIT-0",
    "MIT-CMU",
    "MPL-1.0",
    "MPL-1.1",
    "MPL-2.0",
    "MPL-2.0-no-copyleft-exception",
    "MS-PL",
    "MS-RL",
    "MulanPSL-2.0",
    "NCSA",
    "NTP",
    "ODbL-1.0",
    "OFL-1.1",
    "OpenSSL",
    "OSL-3.0",
    "PHP-3.0",
    "PHP-3.01",
    "PostgreSQL",
    "PSF-2.0",
    "Python-2.0",
    "Ruby",
    "Sendmail",
    "SSPL-1.0",
    "TCL",
    "Unicode-3.0",
    "Unicode-DFS-2016",
    "Unlicense",
    "UPL-1.0",
    "Vim",
    "W3C",
    "WTFPL",
    "X11",
    "Xnet",
    "Zlib",
    "ZPL-2.0",
    "ZPL-2.1",
];

/// Commonly used SPDX exception ids (after `WITH`).
const SPDX_EXCEPTIONS: &[&str] = &[
    "Autoconf-exception-3.0",
    "Bison-exception-2.2",
    "Classpath-exception-2.0",
    "Font-exception-2.0",
    "GCC-exception-2.0",
    "GCC-exception-3.1",
    "LLVM-exception",
    "Linux-syscall-note",
    "OCaml-LGPL-linking-exception",
    "OpenJDK-assembly-exception-1.0",
    "Qt-GPL-exception-1.0",
    "Qt-LGPL-exception-1.1",
    "Swift-exception",
    "Universal-FOSS-exception-1.0",
    "WxWindows-exception-3.1",
];

/// Splits an SPDX expression into ids, operators and parentheses.
fn spdx_tokens(value: &str) -> Vec<&str> {
    let mut tokens = Vec::new();
    for word in value.split_whitespace() {
        let mut rest = word;
        while !rest.is_empty() {
            if let Some(after) = rest.strip_prefix(['(', ')']) {
                tokens.push(&rest[..1]);
                rest = after;
                continue;
            }
            let end = rest.find(['(', ')']).unwrap_or(rest.len());
            tokens.push(&rest[..end]);
            rest = &rest[end..];
        }
    }
    tokens
}

/// An SPDX license expression parser over tokens; errors name what is wrong.
struct Spdx<'a> {
    tokens: Vec<&'a str>,
    at: usize,
}

impl<'a> Spdx<'a> {
    fn peek(&self) -> Option<&'a str> {
        self.tokens.get(self.at).copied()
    }

    fn next(&mut self) -> Option<&'a str> {
        let token = self.peek();
        self.at += 1;
        token
    }

    fn is_operator(token: &str, operator: &str) -> bool {
        token.eq_ignore_ascii_case(operator)
    }

    fn expression(&mut self) -> Result<(), String> {
        self.and()?;
        while self.peek().is_some_and(|t| Self::is_operator(t, "OR")) {
            self.next();
            self.and()?;
        }
        Ok(())
    }

    fn and(&mut self) -> Result<(), String> {
        self.with()?;
        while self.peek().is_some_and(|t| Self::is_operator(t, "AND")) {
            self.next();
            self.with()?;
        }
        Ok(())
    }

    fn with(&mut self) -> Result<(), String> {
        self.atom()?;
        if self.peek().is_some_and(|t| Self::is_operator(t, "WITH")) {
            self.next();
            match self.next() {
                Some(exception)
                    if SPDX_EXCEPTIONS
                        .iter()
                        .any(|e| e.eq_ignore_ascii_case(exception)) => {}
                Some(other) => return Err(format!("`{other}` is not a known SPDX exception id")),
                None => return Err("`WITH` needs an exception id".to_owned()),
            }
        }
        Ok(())
    }

    fn atom(&mut self) -> Result<(), String> {
        match self.next() {
            Some("(") => {
                self.expression()?;
                match self.next() {
                    Some(")") => Ok(()),
                    _ => Err("a `(` is not closed".to_owned()),
                }
            }
            Some(token)
                if ["AND", "OR", "WITH", ")"]
                    .iter()
                    .any(|o| Self::is_operator(token, o)) =>
            {
                Err(format!("`{token}` where a license id was expected"))
            }
            Some(token) => {
                let id = token.strip_suffix('+').unwrap_or(token);
                let custom = id.starts_with("LicenseRef-")
                    || (id.starts_with("DocumentRef-") && id.contains(":LicenseRef-"));
                if custom || SPDX_LICENSES.iter().any(|l| l.eq_ignore_ascii_case(id)) {
                    Ok(())
                } else {
                    Err(format!("`{token}` is not a known SPDX license id"))
                }
            }
            None => Err("a license id is missing".to_owned()),
        }
    }
}

fn spdx_problem(value: &str) -> Option<String> {
    let mut parser = Spdx {
        tokens: spdx_tokens(value),
        at: 0,
    };
    let result = parser.expression().and_then(|()| match parser.peek() {
        None => Ok(()),
        Some(extra) => Err(format!("`{extra}` cannot follow a complete expression")),
    });
    result.err()
}

/// 7 to 40 lower-case hex digits (abbreviated or full SHA-1), or 64 (SHA-256).
fn hash_problem(value: &str) -> Option<String> {
    let hex = value
        .bytes()
        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    let length_ok = (7..=40).contains(&value.len()) || value.len() == 64;
    (!hex || !length_ok).then(|| format!("`{value}` is not 7 to 40 (or 64) lower-case hex digits"))
}

/// SemVer 2.0.0.
fn semver_problem(value: &str) -> Option<String> {
    let fail = |why: &str| Some(format!("`{value}` {why}"));
    if let Some(rest) = value.strip_prefix(['v', 'V'])
        && semver_problem(rest).is_none()
    {
        return fail(&format!("has a leading `v`: write `{rest}`"));
    }
    let (version, build) = match value.split_once('+') {
        Some((version, build)) => (version, Some(build)),
        None => (value, None),
    };
    let (core, pre) = match version.split_once('-') {
        Some((core, pre)) => (core, Some(pre)),
        None => (version, None),
    };
    let numeric = |part: &str| {
        !part.is_empty()
            && part.bytes().all(|b| b.is_ascii_digit())
            && (part == "0" || !part.starts_with('0'))
    };
    let parts: Vec<&str> = core.split('.').collect();
    if parts.len() != 3 || !parts.iter().all(|p| numeric(p)) {
        return fail("is not MAJOR.MINOR.PATCH (`1.4.0`)");
    }
    let identifier =
        |id: &str| !id.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if let Some(pre) = pre
        && !pre
            .split('.')
            .all(|id| identifier(id) && (!id.bytes().all(|b| b.is_ascii_digit()) || numeric(id)))
    {
        return fail("has an invalid pre-release part");
    }
    if let Some(build) = build
        && !build.split('.').all(identifier)
    {
        return fail("has an invalid build part");
    }
    None
}

/// `local@domain`, as RFC 5322's dot-atom form (the form e-mail validators accept).
fn email_problem(value: &str) -> Option<String> {
    let fail = || {
        Some(format!(
            "`{value}` is not a bare address like `dev@example.com`"
        ))
    };
    let Some((local, domain)) = value.rsplit_once('@') else {
        return fail();
    };
    let atext = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~-".contains(c);
    let local_ok = !local.is_empty()
        && local
            .split('.')
            .all(|part| !part.is_empty() && part.chars().all(atext));
    let label_ok = |label: &str| {
        !label.is_empty()
            && label.len() <= 63
            && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            && !label.starts_with('-')
            && !label.ends_with('-')
    };
    let domain_ok = !domain.is_empty() && domain.split('.').all(label_ok);
    if !local_ok || !domain_ok {
        return fail();
    }
    None
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::super::testing::{findings, flagged, located, run_in};
    use super::*;
    use crate::analysis::settings::Context;

    fn schema(strict: bool) -> Context {
        let settings = Settings {
            label_schema: vec![
                ("title".to_owned(), LabelType::Text),
                ("source".to_owned(), LabelType::Url),
                ("created".to_owned(), LabelType::Rfc3339),
                ("license".to_owned(), LabelType::Spdx),
                ("revision".to_owned(), LabelType::Hash),
                ("version".to_owned(), LabelType::Semver),
                ("authors".to_owned(), LabelType::Email),
            ],
            strict_labels: strict,
            ..Settings::default()
        };
        Context {
            settings: Arc::new(settings),
            ..Context::default()
        }
    }

    fn with_schema(id: &str, text: &str) -> Vec<(String, String)> {
        located(text, run_in(id, text, &schema(false)))
    }

    fn flagged_with_schema(id: &str, text: &str) -> Vec<String> {
        run_in(id, text, &schema(true))
            .into_iter()
            .map(|f| text[f.range].to_owned())
            .collect()
    }

    #[test]
    fn invalid_keys_are_reported_on_the_key() {
        let text = "FROM a\nLABEL com.docker.x=1 Version=2 \"1abc\"=3 abc.=4 a..b=5 my_key=6\n";
        assert_eq!(
            findings("label-key-invalid", text),
            [
                ("2:7-2:19".to_owned(), "label `com.docker.x` is in the `com.docker.` namespace, which Docker reserves: use a reverse-DNS prefix of your own".to_owned()),
                ("2:22-2:29".to_owned(), "label key `Version` has `V`: use lower-case letters, digits, `.` and `-`".to_owned()),
                ("2:32-2:38".to_owned(), "label key `1abc` should start with a lower-case letter".to_owned()),
                ("2:41-2:45".to_owned(), "label key `abc.` should end with a letter or a digit".to_owned()),
                ("2:48-2:52".to_owned(), "label key `a..b` repeats a separator (`..` or `--`)".to_owned()),
                ("2:55-2:61".to_owned(), "label key `my_key` has `_`: use lower-case letters, digits, `.` and `-`".to_owned()),
            ]
        );
    }

    #[test]
    fn valid_and_variable_keys_pass_and_onbuild_is_checked() {
        let text = "FROM a\nLABEL org.opencontainers.image.version=1 maintainer=x a1=2 $KEY=3\nENV Upper=1\n";
        assert!(flagged("label-key-invalid", text).is_empty());
        assert_eq!(
            flagged("label-key-invalid", "FROM a\nONBUILD LABEL io.docker.x=1\n"),
            ["io.docker.x"]
        );
    }

    #[test]
    fn schema_rules_do_nothing_without_a_schema() {
        let text = "FROM a\nLABEL version=x source=y title=\"\" other=1\n";
        for id in [
            "label-missing",
            "label-not-in-schema",
            "label-empty",
            "label-not-url",
            "label-not-semver",
        ] {
            assert!(flagged(id, text).is_empty(), "{id}");
        }
    }

    #[test]
    fn the_final_stage_must_carry_the_schema_labels() {
        let text = "FROM a AS build\nFROM b\nLABEL title=app source=https://x.example version=1.0.0 \\\n  created=2024-01-01T00:00:00Z license=MIT revision=abcdef0\n";
        let found = with_schema("label-missing", text);
        assert_eq!(
            found,
            [(
                "2:1-2:7".to_owned(),
                "the image has no label `authors`, which the label schema requires: add `LABEL authors=<email>` to the final stage".to_owned()
            )]
        );
    }

    #[test]
    fn a_final_stage_built_on_another_stage_is_not_judged() {
        let text = "FROM a AS base\nLABEL title=x\nFROM base\n";
        assert!(with_schema("label-missing", text).is_empty());
    }

    #[test]
    fn strict_labels_reject_labels_outside_the_schema() {
        let text = "FROM a\nLABEL title=x titel=y other=z\n";
        let found = located(text, run_in("label-not-in-schema", text, &schema(true)));
        assert_eq!(
            found,
            [
                ("2:15-2:20".to_owned(), "label `titel` is not in the label schema (did you mean `title`?): with strict labels only schema labels are allowed".to_owned()),
                ("2:23-2:28".to_owned(), "label `other` is not in the label schema: with strict labels only schema labels are allowed".to_owned()),
            ]
        );
        assert!(with_schema("label-not-in-schema", text).is_empty());
    }

    #[test]
    fn empty_schema_labels() {
        let text = "FROM a\nLABEL title=\"\" version= other=\"\" source=$URL\n";
        assert_eq!(
            flagged_with_schema("label-empty", text),
            ["\"\"", "version="]
        );
    }

    #[test]
    fn typed_labels_report_the_value() {
        let text = "FROM a\nLABEL source=github.com/x created=\"May 1\" license=\"Apache License\" revision=main version=v1.2.3 authors=\"Dev <dev@x.io>\"\n";
        let found: Vec<(String, String)> = [
            "label-not-url",
            "label-not-timestamp",
            "label-not-spdx",
            "label-not-git-hash",
            "label-not-semver",
            "label-not-email",
        ]
        .iter()
        .flat_map(|id| with_schema(id, text))
        .collect();
        insta::assert_debug_snapshot!(found);
    }

    #[test]
    fn typed_rules_skip_variables_empty_values_and_other_labels() {
        let text = "FROM a\nLABEL source=$URL version=\"\" title=\"not a url\" other=v1\n";
        for id in ["label-not-url", "label-not-semver"] {
            assert!(with_schema(id, text).is_empty(), "{id}");
        }
    }

    #[test]
    fn urls() {
        assert_eq!(url_problem("https://github.com/acme/app"), None);
        assert_eq!(url_problem("mailto:dev@acme.example"), None);
        assert!(url_problem("github.com/acme").is_some());
        assert!(url_problem("https://exa mple.com").is_some());
        assert!(url_problem("1http://x").is_some());
        assert!(url_problem("https:").is_some());
    }

    #[test]
    fn rfc3339_times() {
        for ok in [
            "2024-05-01T10:00:00Z",
            "2024-02-29T23:59:60.123+02:00",
            "2024-05-01 10:00:00z",
        ] {
            assert_eq!(rfc3339_problem(ok), None, "{ok}");
        }
        for bad in [
            "2024-05-01",
            "2024-05-01T10:00:00",
            "2023-02-29T10:00:00Z",
            "2024-13-01T00:00:00Z",
            "2024-05-01T24:00:00Z",
            "2024-05-01T10:00:00+2:00",
            "2024-05-01T10:00:00.Z",
        ] {
            assert!(rfc3339_problem(bad).is_some(), "{bad}");
        }
    }

    #[test]
    fn spdx_expressions() {
        for ok in [
            "MIT",
            "apache-2.0",
            "Apache-2.0 OR MIT",
            "(MIT AND BSD-3-Clause) OR GPL-2.0+",
            "GPL-2.0-only WITH Classpath-exception-2.0",
            "LicenseRef-acme",
            "MIT or Apache-2.0",
        ] {
            assert_eq!(spdx_problem(ok), None, "{ok}");
        }
        assert_eq!(
            spdx_problem("Apache License").as_deref(),
            Some("`Apache` is not a known SPDX license id")
        );
        assert_eq!(
            spdx_problem("MIT OR").as_deref(),
            Some("a license id is missing")
        );
        assert_eq!(spdx_problem("(MIT").as_deref(), Some("a `(` is not closed"));
        assert_eq!(
            spdx_problem("MIT MIT").as_deref(),
            Some("`MIT` cannot follow a complete expression")
        );
        assert_eq!(
            spdx_problem("MIT WITH Foo").as_deref(),
            Some("`Foo` is not a known SPDX exception id")
        );
    }

    #[test]
    fn git_hashes() {
        assert_eq!(hash_problem("abcdef0"), None);
        assert_eq!(
            hash_problem("0123456789abcdef0123456789abcdef01234567"),
            None
        );
        assert!(hash_problem("abcdef").is_some());
        assert!(hash_problem("ABCDEF0").is_some());
        assert!(hash_problem("main").is_some());
    }

    #[test]
    fn semantic_versions() {
        for ok in [
            "1.0.0",
            "0.1.2-rc.1",
            "1.2.3-alpha.1+build.5",
            "10.20.30+sha.abc",
        ] {
            assert_eq!(semver_problem(ok), None, "{ok}");
        }
        assert_eq!(
            semver_problem("v1.2.3").as_deref(),
            Some("`v1.2.3` has a leading `v`: write `1.2.3`")
        );
        for bad in ["1.2", "01.2.3", "1.2.3-01", "1.2.3-", "1.2.3+", "latest"] {
            assert!(semver_problem(bad).is_some(), "{bad}");
        }
    }

    #[test]
    fn email_addresses() {
        assert_eq!(email_problem("dev@acme.example"), None);
        assert_eq!(email_problem("first.last+tag@sub.example.org"), None);
        for bad in [
            "Dev <dev@x.io>",
            "dev",
            "@x.io",
            "dev@",
            "dev@-x.io",
            "a..b@x.io",
        ] {
            assert!(email_problem(bad).is_some(), "{bad}");
        }
    }
}
