//! The language server end to end: the real `dockerfile-lsp` binary driven over stdio by a
//! small LSP client, from `initialize` to `exit`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test stops loudly on a broken fixture

mod support;

use std::time::Duration;

use serde_json::{Value, json};
use support::lsp::{
    DEFAULT_TIMEOUT, Encoding, LspClient, PUBLISH_DIAGNOSTICS, Position, Range, apply_change, code,
    codes_and_ranges, syntax, uri, version_of,
};

const FLASK_API: &str = include_str!("../../examples/flask-api/Dockerfile");

fn server() -> LspClient {
    LspClient::spawn(env!("CARGO_BIN_EXE_dockerfile-lsp"), &["--stdio"])
}

/// A server initialized with the client offering `encodings`.
fn initialized(encodings: &[&str]) -> LspClient {
    let mut client = server();
    client.initialize(encodings);
    client
}

/// `(code, range)` pairs, written compactly in the specifications below.
fn expect(items: &[(&str, Range)]) -> Vec<(String, Range)> {
    items
        .iter()
        .map(|(code, range)| ((*code).to_owned(), *range))
        .collect()
}

fn line(line: u32, start: u32, end: u32) -> Range {
    Range::on_line(line, start, end)
}

fn pos(line: u32, character: u32) -> Position {
    Position::new(line, character)
}

// ---------------------------------------------------------------------------------------
// initialize
// ---------------------------------------------------------------------------------------

#[test]
fn initialize_announces_incremental_sync_and_the_server_name() {
    let mut client = server();
    let result = client.initialize(&["utf-16"]);

    let sync = &result["capabilities"]["textDocumentSync"];
    assert_eq!(sync["openClose"], json!(true), "{result}");
    assert_eq!(sync["change"], json!(2), "incremental sync: {result}");
    assert_eq!(sync["save"], json!({ "includeText": false }), "{result}");
    assert_eq!(result["serverInfo"]["name"], "dockerfile-lsp", "{result}");

    assert_eq!(client.shutdown_and_exit().code(), Some(0));
}

#[test]
fn utf8_positions_are_chosen_when_the_client_offers_them() {
    for offered in [&["utf-8", "utf-16"][..], &["utf-16", "utf-8"], &["utf-8"]] {
        let mut client = server();
        let result = client.initialize(offered);
        assert_eq!(
            result["capabilities"]["positionEncoding"], "utf-8",
            "offered {offered:?}: {result}"
        );
        assert_eq!(client.encoding(), Encoding::Utf8);
    }
}

#[test]
fn utf16_positions_are_chosen_when_the_client_does_not_offer_utf8() {
    for offered in [&["utf-16"][..], &["utf-32", "utf-16"], &[]] {
        let mut client = server();
        let result = client.initialize(offered);
        assert_eq!(
            result["capabilities"]["positionEncoding"], "utf-16",
            "offered {offered:?}: {result}"
        );
        assert_eq!(client.encoding(), Encoding::Utf16);
    }
}

// ---------------------------------------------------------------------------------------
// Diagnostics of opened documents
// ---------------------------------------------------------------------------------------

#[test]
fn a_realistic_dockerfile_opens_with_its_findings_for_its_version() {
    let mut client = initialized(&["utf-16"]);
    let doc = uri("flask-api/Dockerfile");
    client.open(&doc, "dockerfile", 1, FLASK_API);
    let found = codes_and_ranges(&client.wait_diagnostics(&doc, 1, DEFAULT_TIMEOUT));
    // No syntax error; each finding on the word or command it is about.
    let install = FLASK_API.lines().nth(3).unwrap();
    let at = install.find("apt-get install").unwrap() as u32;
    assert!(found.contains(&("apt-no-install-recommends".to_owned(), line(3, at, at + 15))));
    let curl = FLASK_API.lines().nth(7).unwrap();
    let at = curl.find("curl").unwrap() as u32;
    assert!(found.contains(&("apt-package-unpinned".to_owned(), line(7, at, at + 4))));
    let cmd = FLASK_API.lines().nth(19).unwrap();
    assert!(cmd.starts_with("CMD gunicorn"));
    assert!(found.contains(&(
        "json-args-recommended".to_owned(),
        line(19, 4, cmd.len() as u32)
    )));
    let mut codes: Vec<&str> = found.iter().map(|(c, _)| c.as_str()).collect();
    codes.dedup();
    assert_eq!(
        codes,
        [
            "missing-user",
            "prefer-slim-base",
            "apt-lists-not-removed",
            "apt-no-install-recommends",
            "build-tools-in-final-stage",
            "apt-package-unpinned",
            "copy-before-dependency-install",
            "pip-no-cache-dir",
            "json-args-recommended",
        ]
    );
}

#[test]
fn an_unknown_instruction_is_reported_with_its_rule_source_range_and_suggestion() {
    let mut client = initialized(&["utf-16"]);
    let doc = uri("Dockerfile");
    client.open(&doc, "dockerfile", 1, "FORM alpine\n");

    let diagnostics = client.wait_diagnostics(&doc, 1, DEFAULT_TIMEOUT);
    assert_eq!(
        codes_and_ranges(&diagnostics),
        expect(&[("syntax-unknown-instruction", line(0, 0, 4))])
    );
    let diagnostic = &diagnostics[0];
    assert_eq!(diagnostic["source"], "dockerfile-lsp");
    let message = diagnostic["message"].as_str().unwrap();
    assert!(message.contains("did you mean FROM"), "{message}");
}

#[test]
fn an_unknown_flag_is_reported_over_the_whole_flag_with_its_value() {
    let mut client = initialized(&["utf-16"]);
    let doc = uri("Dockerfile");
    client.open(&doc, "dockerfile", 1, "FROM alpine\nCOPY --form=x a b\n");

    let diagnostics = syntax(client.wait_diagnostics(&doc, 1, DEFAULT_TIMEOUT));
    assert_eq!(
        codes_and_ranges(&diagnostics),
        expect(&[("syntax-unknown-flag", line(1, 5, 13))])
    );
    assert_eq!(diagnostics[0]["source"], "dockerfile-lsp");
}

#[test]
fn files_named_like_dockerfiles_are_checked_whatever_their_language_id() {
    let mut client = initialized(&["utf-16"]);
    for name in [
        "Dockerfile",
        "Dockerfile.dev",
        "api.Dockerfile",
        "Containerfile",
        "Containerfile.prod",
    ] {
        let doc = uri(&format!("by-name/{name}"));
        client.open(&doc, "plaintext", 1, "FORM alpine\n");
        assert_eq!(
            codes_and_ranges(&syntax(client.wait_diagnostics(&doc, 1, DEFAULT_TIMEOUT))),
            expect(&[("syntax-unknown-instruction", line(0, 0, 4))]),
            "{name}"
        );
    }
}

#[test]
fn a_dockerignore_file_is_checked_as_an_ignore_file_not_as_a_dockerfile() {
    let mut client = initialized(&["utf-16"]);
    let text = "node_modules\n*.log\n!keep.log\n# build output\ndist/\n";
    for (name, language_id) in [
        (".dockerignore", "ignore"),
        ("app.dockerignore", "dockerignore"),
    ] {
        let doc = uri(&format!("ignore/{name}"));
        client.open(&doc, language_id, 1, text);
        assert_eq!(
            client.wait_diagnostics(&doc, 1, DEFAULT_TIMEOUT),
            Vec::<Value>::new(),
            "{name} as {language_id}: `node_modules` is a pattern, not an instruction"
        );
    }
}

// ---------------------------------------------------------------------------------------
// Incremental changes
// ---------------------------------------------------------------------------------------

#[test]
fn incremental_edits_make_an_unknown_instruction_appear_move_and_disappear() {
    let mut client = initialized(&["utf-16"]);
    let doc = uri("flask-api/Dockerfile");
    client.open(&doc, "dockerfile", 1, FLASK_API);
    assert!(syntax(client.wait_diagnostics(&doc, 1, DEFAULT_TIMEOUT)).is_empty());
    assert!(FLASK_API.lines().nth(9).unwrap().starts_with("WORKDIR"));

    // v2: "WORKDIR /app" becomes "XWORKDIR /app".
    client.change(&doc, 2, &[(Range::at(pos(9, 0)), "X")]);
    assert_eq!(
        codes_and_ranges(&syntax(client.wait_diagnostics(&doc, 2, DEFAULT_TIMEOUT))),
        expect(&[("syntax-unknown-instruction", line(9, 0, 8))])
    );

    // v3: a comment inserted after the FROM line moves it one line down.
    client.change(&doc, 3, &[(Range::at(pos(1, 0)), "# a comment\n")]);
    assert_eq!(
        codes_and_ranges(&syntax(client.wait_diagnostics(&doc, 3, DEFAULT_TIMEOUT))),
        expect(&[("syntax-unknown-instruction", line(10, 0, 8))])
    );

    // v4: deleting the X fixes it.
    client.change(&doc, 4, &[(line(10, 0, 1), "")]);
    assert!(syntax(client.wait_diagnostics(&doc, 4, DEFAULT_TIMEOUT)).is_empty());

    // v5: two changes in one notification; the second applies to the result of the first.
    client.change(
        &doc,
        5,
        &[
            (Range::at(pos(1, 0)), "RUN true\n"),
            (line(1, 0, 3), "RUNN"),
        ],
    );
    assert_eq!(
        codes_and_ranges(&syntax(client.wait_diagnostics(&doc, 5, DEFAULT_TIMEOUT))),
        expect(&[("syntax-unknown-instruction", line(1, 0, 4))])
    );

    // v6: deleting line 1 again, as a range from the end of line 0 to the start of line 2.
    client.change(&doc, 6, &[(Range::new(pos(0, 16), pos(2, 0)), "\n")]);
    assert!(syntax(client.wait_diagnostics(&doc, 6, DEFAULT_TIMEOUT)).is_empty());
}

#[test]
fn text_inserted_at_the_end_of_a_line_and_at_the_end_of_the_file_is_checked() {
    let mut client = initialized(&["utf-16"]);
    let doc = uri("Dockerfile");
    client.open(&doc, "dockerfile", 1, "FROM alpine\nRUN echo hi\n");
    assert!(syntax(client.wait_diagnostics(&doc, 1, DEFAULT_TIMEOUT)).is_empty());

    // At the end of line 0 (before its line break).
    client.change(&doc, 2, &[(Range::at(pos(0, 11)), "\nFORM x")]);
    assert_eq!(
        codes_and_ranges(&syntax(client.wait_diagnostics(&doc, 2, DEFAULT_TIMEOUT))),
        expect(&[("syntax-unknown-instruction", line(1, 0, 4))])
    );

    // At the end of the file, after its final line break: line 3, character 0.
    client.change(&doc, 3, &[(Range::at(pos(3, 0)), "COPY --bad a b\n")]);
    assert_eq!(
        codes_and_ranges(&syntax(client.wait_diagnostics(&doc, 3, DEFAULT_TIMEOUT))),
        expect(&[
            ("syntax-unknown-instruction", line(1, 0, 4)),
            ("syntax-unknown-flag", line(3, 5, 10)),
        ])
    );

    // Deleting the whole of line 1.
    client.change(&doc, 4, &[(Range::new(pos(1, 0), pos(2, 0)), "")]);
    assert_eq!(
        codes_and_ranges(&syntax(client.wait_diagnostics(&doc, 4, DEFAULT_TIMEOUT))),
        expect(&[("syntax-unknown-flag", line(2, 5, 10))])
    );
}

#[test]
fn text_appended_to_a_file_without_a_final_line_break_is_checked() {
    let mut client = initialized(&["utf-16"]);
    let doc = uri("Dockerfile");
    client.open(&doc, "dockerfile", 1, "FROM alpine");
    assert!(syntax(client.wait_diagnostics(&doc, 1, DEFAULT_TIMEOUT)).is_empty());

    client.change(&doc, 2, &[(Range::at(pos(0, 11)), "\nCOPY --bad a b")]);
    assert_eq!(
        codes_and_ranges(&syntax(client.wait_diagnostics(&doc, 2, DEFAULT_TIMEOUT))),
        expect(&[("syntax-unknown-flag", line(1, 5, 10))])
    );
}

#[test]
fn a_change_without_a_range_replaces_the_whole_text() {
    let mut client = initialized(&["utf-16"]);
    let doc = uri("Dockerfile");
    client.open(&doc, "dockerfile", 1, FLASK_API);
    assert!(syntax(client.wait_diagnostics(&doc, 1, DEFAULT_TIMEOUT)).is_empty());

    client.change_full(&doc, 2, "FORM alpine\n");
    assert_eq!(
        codes_and_ranges(&syntax(client.wait_diagnostics(&doc, 2, DEFAULT_TIMEOUT))),
        expect(&[("syntax-unknown-instruction", line(0, 0, 4))])
    );

    client.change_full(&doc, 3, "FROM alpine\n");
    assert!(syntax(client.wait_diagnostics(&doc, 3, DEFAULT_TIMEOUT)).is_empty());

    // Incremental changes then apply to the new text.
    client.change(&doc, 4, &[(line(0, 1, 2), "X")]);
    assert_eq!(
        codes_and_ranges(&syntax(client.wait_diagnostics(&doc, 4, DEFAULT_TIMEOUT))),
        expect(&[("syntax-unknown-instruction", line(0, 0, 4))])
    );
}

#[test]
fn saving_changes_nothing_and_closing_publishes_an_empty_unversioned_list() {
    let mut client = initialized(&["utf-16"]);
    let doc = uri("Dockerfile");
    client.open(&doc, "dockerfile", 1, "FORM alpine\n");
    assert_eq!(client.wait_diagnostics(&doc, 1, DEFAULT_TIMEOUT).len(), 1);

    client.save(&doc);
    client.close(&doc);
    let params = client.wait_notification(
        PUBLISH_DIAGNOSTICS,
        |p| p["uri"] == doc.as_str() && version_of(p).is_none(),
        DEFAULT_TIMEOUT,
    );
    assert_eq!(params["diagnostics"], json!([]), "{params}");
    assert!(params.get("version").is_none_or(Value::is_null), "{params}");
}

// ---------------------------------------------------------------------------------------
// Position encodings: multi-byte text before an error, in UTF-16 and in UTF-8 sessions
// ---------------------------------------------------------------------------------------

/// `COPY --chown=😀 ` is 18 bytes of UTF-8 but 16 UTF-16 code units (😀 is 4 bytes, a
/// surrogate pair of 2 units); `日本語` is 9 bytes, 3 units.
fn multibyte_specification(offered: &[&str], encoding: Encoding) {
    let mut client = initialized(offered);
    assert_eq!(client.encoding(), encoding);
    let utf8 = encoding == Encoding::Utf8;

    // Multi-byte text on the lines before an error does not move it.
    let doc = uri("emoji/Dockerfile");
    client.open(&doc, "dockerfile", 1, "LABEL x=\"😀\"\nFORM a");
    assert_eq!(
        codes_and_ranges(&syntax(client.wait_diagnostics(&doc, 1, DEFAULT_TIMEOUT))),
        expect(&[("syntax-unknown-instruction", line(1, 0, 4))])
    );
    let doc = uri("cjk/Dockerfile");
    client.open(&doc, "dockerfile", 1, "# 日本語\nCOPY --bad a b");
    assert_eq!(
        codes_and_ranges(&syntax(client.wait_diagnostics(&doc, 1, DEFAULT_TIMEOUT))),
        expect(&[("syntax-unknown-flag", line(1, 5, 10))])
    );

    // Multi-byte text before an error on its own line shifts it by its width in the encoding.
    let doc = uri("same-line/Dockerfile");
    client.open(&doc, "dockerfile", 1, "FROM a\nCOPY --chown=😀 --bad a b\n");
    let flag = if utf8 {
        line(1, 18, 23)
    } else {
        line(1, 16, 21)
    };
    assert_eq!(
        codes_and_ranges(&syntax(client.wait_diagnostics(&doc, 1, DEFAULT_TIMEOUT))),
        expect(&[("syntax-unknown-flag", flag)])
    );
    // The ends of a CJK comment line, and an error after CJK text on its line.
    let doc = uri("cjk-same-line/Dockerfile");
    client.open(
        &doc,
        "dockerfile",
        1,
        "FROM a\n# 日本語\nLABEL 日本=語 x=1\n",
    );
    assert!(syntax(client.wait_diagnostics(&doc, 1, DEFAULT_TIMEOUT)).is_empty());
    let comment_end = if utf8 { 11 } else { 5 };
    client.change(&doc, 2, &[(Range::at(pos(1, comment_end)), "\nFORM b")]);
    assert_eq!(
        codes_and_ranges(&syntax(client.wait_diagnostics(&doc, 2, DEFAULT_TIMEOUT))),
        expect(&[("syntax-unknown-instruction", line(2, 0, 4))])
    );

    // Positions in the client's edits are in the encoding too: insert a flag after the
    // emoji, then delete it again.
    let doc = uri("edit-after-emoji/Dockerfile");
    client.open(&doc, "dockerfile", 1, "FROM a\nCOPY --chown=😀 a b\n");
    assert!(syntax(client.wait_diagnostics(&doc, 1, DEFAULT_TIMEOUT)).is_empty());
    let after_emoji = if utf8 { 18 } else { 16 };
    client.change(&doc, 2, &[(Range::at(pos(1, after_emoji)), "--bad ")]);
    let flag = line(1, after_emoji, after_emoji + 5);
    assert_eq!(
        codes_and_ranges(&syntax(client.wait_diagnostics(&doc, 2, DEFAULT_TIMEOUT))),
        expect(&[("syntax-unknown-flag", flag)])
    );
    client.change(&doc, 3, &[(line(1, after_emoji, after_emoji + 6), "")]);
    assert!(syntax(client.wait_diagnostics(&doc, 3, DEFAULT_TIMEOUT)).is_empty());

    // Replacing the emoji itself takes its whole width: 2 units or 4 bytes.
    let emoji = line(1, 13, if utf8 { 17 } else { 15 });
    client.change(&doc, 4, &[(emoji, "x --bad")]);
    assert_eq!(
        codes_and_ranges(&syntax(client.wait_diagnostics(&doc, 4, DEFAULT_TIMEOUT))),
        expect(&[("syntax-unknown-flag", line(1, 15, 20))])
    );

    assert_eq!(client.shutdown_and_exit().code(), Some(0));
}

#[test]
fn ranges_count_utf16_code_units_in_a_utf16_session() {
    multibyte_specification(&["utf-16"], Encoding::Utf16);
}

#[test]
fn ranges_count_bytes_in_a_utf8_session() {
    multibyte_specification(&["utf-8", "utf-16"], Encoding::Utf8);
}

// ---------------------------------------------------------------------------------------
// Shutdown
// ---------------------------------------------------------------------------------------

#[test]
fn shutdown_then_exit_ends_the_process_with_status_0() {
    let mut client = initialized(&["utf-16"]);
    let doc = uri("Dockerfile");
    client.open(&doc, "dockerfile", 1, FLASK_API);
    client.wait_diagnostics(&doc, 1, DEFAULT_TIMEOUT);
    assert_eq!(client.shutdown_and_exit().code(), Some(0));
}

#[test]
fn exit_without_shutdown_ends_the_process_with_status_1() {
    let mut client = initialized(&["utf-16"]);
    client.notify("exit", Value::Null);
    assert_eq!(client.wait_exit(DEFAULT_TIMEOUT).code(), Some(1));
}

#[test]
fn the_end_of_input_without_exit_ends_the_process_with_status_1() {
    let mut client = initialized(&["utf-16"]);
    client.close_stdin();
    assert_eq!(client.wait_exit(DEFAULT_TIMEOUT).code(), Some(1));
}

// ---------------------------------------------------------------------------------------
// Ordering under a burst of edits
// ---------------------------------------------------------------------------------------

/// xorshift64: a fixed, dependency-free sequence of pseudo-random numbers.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// One edit of the burst: a range of the text before it and the text that replaces it.
fn random_edit(rng: &mut XorShift, text: &str, edit: usize) -> (std::ops::Range<usize>, String) {
    // Every 37th edit toggles `FROM` ⇄ `FXOM` on line 0: an error that comes and goes.
    if edit % 37 == 1 {
        let toggled = if text.starts_with("FROM") { "X" } else { "R" };
        return (1..2, toggled.to_owned());
    }
    // Other edits stay after line 0, so the toggle always finds it.
    let body = text.find('\n').expect("a line break after FROM") + 1;
    let boundaries: Vec<usize> = text[body..]
        .char_indices()
        .map(|(i, _)| body + i)
        .chain([text.len()])
        .collect();
    const INSERTS: [char; 14] = [
        'a', 'R', 'U', 'N', ' ', ' ', '\n', '\\', '"', '-', '$', 'é', '😀', '日',
    ];
    if rng.below(10) < 6 || boundaries.len() == 1 {
        let at = boundaries[rng.below(boundaries.len())];
        let ch = INSERTS[rng.below(INSERTS.len())];
        (at..at, ch.to_string())
    } else {
        let i = rng.below(boundaries.len() - 1);
        (boundaries[i]..boundaries[i + 1], String::new())
    }
}

#[test]
fn a_burst_of_1000_edits_publishes_versions_in_order_and_ends_like_a_fresh_open() {
    let mut client = initialized(&["utf-16"]);
    let encoding = client.encoding();
    let doc = uri("burst/Dockerfile");
    let mut text = FLASK_API.to_owned();
    client.open(&doc, "dockerfile", 1, &text);

    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
    for edit in 0..1000 {
        let (offsets, new_text) = random_edit(&mut rng, &text, edit);
        let range = Range::of_offsets(&text, offsets, encoding);
        client.change(&doc, edit as i64 + 2, &[(range, &new_text)]);
        apply_change(&mut text, Some(range), &new_text, encoding);
    }
    assert!(text.starts_with("FXOM"), "an odd number of toggles");

    let timeout = Duration::from_secs(60);
    let last = client.wait_diagnostics(&doc, 1001, timeout);

    let published = client.published_diagnostics(&doc);
    let versions: Vec<Option<i64>> = published.iter().map(version_of).collect();
    println!(
        "{} publications, {} with diagnostics",
        published.len(),
        published
            .iter()
            .filter(|p| p["diagnostics"] != json!([]))
            .count()
    );
    assert!(
        versions.iter().all(Option::is_some),
        "every publication of an open document has its version: {versions:?}"
    );
    assert!(
        versions.windows(2).all(|pair| pair[0] <= pair[1]),
        "publications must never go back to an older version: {versions:?}"
    );
    assert_eq!(versions.last(), Some(&Some(1001)));
    let late = client.try_wait_notification(
        PUBLISH_DIAGNOSTICS,
        |p| p["uri"] == doc.as_str() && version_of(p) != Some(1001),
        Duration::from_millis(300),
    );
    assert!(
        late.is_none(),
        "nothing but version 1001 may be published after version 1001: {late:?}"
    );

    let mut fresh = initialized(&["utf-16"]);
    fresh.open(&doc, "dockerfile", 1, &text);
    let expected = fresh.wait_diagnostics(&doc, 1, timeout);
    assert!(
        expected
            .iter()
            .any(|d| code(d) == "syntax-unknown-instruction"
                && d["range"] == line(0, 0, 4).to_json()),
        "the final text starts with FXOM: {expected:?}"
    );
    assert_eq!(
        last, expected,
        "after 1000 edits the diagnostics must be those of a fresh open of the final text:\n{text}"
    );
}
