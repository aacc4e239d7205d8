//! The VS Code extension's settings (editors/vscode/package.json) against the server's own list of keys.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test stops loudly on a broken fixture

use std::collections::BTreeMap;

use dockerfile_lsp::analysis::config::{self, SETTING_KEYS};
use serde_json::{Map, Value, json};

/// Server keys that are not editor settings, and why.
const NOT_EDITOR_SETTINGS: &[(&str, &str)] = &[(
    "failure-threshold",
    "it decides only the exit status of `dockerfile-lsp check`",
)];

/// Settings of the extension itself, which the server never sees (as in src/settings.ts).
const EXTENSION_ONLY: &[&str] = &["server.path", "server.logLevel", "trace.server"];

/// `registry.cache-ttl-seconds` -> `registry.cacheTtlSeconds`, VS Code's spelling.
fn camel_case(key: &str) -> String {
    key.split('.')
        .map(|part| {
            let mut out = String::new();
            let mut upper = false;
            for c in part.chars() {
                if c == '-' {
                    upper = true;
                } else if upper {
                    out.push(c.to_ascii_uppercase());
                    upper = false;
                } else {
                    out.push(c);
                }
            }
            out
        })
        .collect::<Vec<_>>()
        .join(".")
}

/// `registry.cacheTtlSeconds` -> `registry.cache-ttl-seconds`, as the extension sends it.
fn kebab_case(key: &str) -> String {
    let mut out = String::new();
    for c in key.chars() {
        if c.is_ascii_uppercase() {
            out.push('-');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// The contributed properties, by key without `dockerfileLsp.`.
fn contributed() -> BTreeMap<String, Value> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../editors/vscode/package.json"
    );
    let manifest: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let categories = manifest["contributes"]["configuration"].as_array().unwrap();
    let mut properties = BTreeMap::new();
    for category in categories {
        for (key, property) in category["properties"].as_object().unwrap() {
            let key = key
                .strip_prefix("dockerfileLsp.")
                .unwrap_or_else(|| panic!("{key} is outside dockerfileLsp.*"));
            properties.insert(key.to_owned(), property.clone());
        }
    }
    properties
}

/// `value` under the dotted server `key`, in an object like the extension sends.
fn nested(key: &str, value: Value) -> Value {
    key.rsplit('.')
        .fold(value, |inner, part| json!({ part: inner }))
}

/// Merges `from` into `into`, section by section.
fn merge(into: &mut Map<String, Value>, from: Value) {
    let Value::Object(from) = from else {
        unreachable!("nested() builds objects")
    };
    for (key, value) in from {
        match (into.get_mut(&key), value) {
            (Some(Value::Object(existing)), Value::Object(inner)) => {
                merge(existing, Value::Object(inner));
            }
            (_, value) => {
                into.insert(key, value);
            }
        }
    }
}

#[test]
fn every_server_setting_is_a_described_vscode_setting() {
    let properties = contributed();
    for key in SETTING_KEYS {
        if NOT_EDITOR_SETTINGS.iter().any(|(k, _)| *k == *key) {
            continue;
        }
        let name = camel_case(key);
        let property = properties.get(&name).unwrap_or_else(|| {
            panic!("package.json lacks dockerfileLsp.{name} (server key {key})")
        });
        assert!(property.get("type").is_some(), "{name} has no type");
        assert!(property.get("default").is_some(), "{name} has no default");
        let description = property["markdownDescription"]
            .as_str()
            .or(property["description"].as_str())
            .unwrap_or("");
        assert!(description.len() > 20, "{name} is not described");
    }
}

#[test]
fn every_vscode_setting_but_the_extensions_own_is_a_server_key() {
    for name in contributed().keys() {
        if EXTENSION_ONLY.contains(&name.as_str()) {
            continue;
        }
        let key = kebab_case(name);
        assert!(
            SETTING_KEYS.contains(&key.as_str()),
            "dockerfileLsp.{name} is sent as {key}, which the server does not accept"
        );
        assert!(!NOT_EDITOR_SETTINGS.iter().any(|(k, _)| *k == key));
    }
}

#[test]
fn the_defaults_shown_in_vscode_are_settings_the_server_takes() {
    let mut all = Map::new();
    for (name, property) in contributed() {
        if EXTENSION_ONLY.contains(&name.as_str()) || property["default"].is_null() {
            continue;
        }
        let key = kebab_case(&name);
        let value = property["default"].clone();
        let alone = nested(&key, value.clone());
        config::from_json(&alone).unwrap_or_else(|e| panic!("{name} = {value}: {e}"));
        merge(&mut all, alone);
    }
    let layer = config::from_json(&Value::Object(all)).unwrap();
    assert!(layer.warnings.is_empty(), "{:?}", layer.warnings);
}

#[test]
fn the_offered_severities_and_label_types_are_the_ones_the_server_takes() {
    let properties = contributed();
    let offered = |name: &str| -> Vec<String> {
        properties[name]["additionalProperties"]["enum"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_owned())
            .collect()
    };
    let severities = offered("rules.severity");
    assert!(severities.contains(&"off".to_owned()), "{severities:?}");
    for severity in &severities {
        let value = json!({"rules": {"severity": {"workdir-relative": severity}}});
        assert!(config::from_json(&value).is_ok(), "severity {severity}");
    }
    let value = json!({"rules": {"severity": {"workdir-relative": "loud"}}});
    assert!(config::from_json(&value).is_err());
    let label_types = offered("labelSchema");
    assert_eq!(label_types.len(), 7, "{label_types:?}");
    for kind in &label_types {
        let value = json!({"label-schema": {"version": kind}});
        assert!(config::from_json(&value).is_ok(), "label type {kind}");
    }
}
