//! A small synchronous LSP client that drives the real `dockerfile-lsp` process over stdio,
//! for the end-to-end tests and the latency benchmark.
//!
//! A reader thread splits the server's stdout into `Content-Length` frames and hands each
//! parsed message to the client through a channel; the client keeps the messages it was not
//! asked about yet in a queue, and every message ever received in a history. Every wait has a
//! timeout, and a watchdog kills a server that stops reading its input, so a broken server
//! fails the test instead of hanging it.
//!
//! `env!("CARGO_BIN_EXE_dockerfile-lsp")` only exists in the test or bench crate, so the
//! caller passes the executable in: `LspClient::spawn(env!("CARGO_BIN_EXE_dockerfile-lsp"), &["--stdio"])`.

use std::collections::VecDeque;
use std::ffi::OsStr;
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// How long any wait lasts before the test fails, unless a caller asks for another limit.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

pub const PUBLISH_DIAGNOSTICS: &str = "textDocument/publishDiagnostics";

/// How much of the server's stderr is kept for failure messages (the end of it).
const STDERR_KEPT: usize = 256 * 1024;

/// Set this environment variable to see the server's stderr live, as well as in failures.
const STDERR_ECHO_VAR: &str = "DOCKERFILE_LSP_TEST_STDERR";

/// A `file://` URI for a test document; the name decides how the server classifies it.
pub fn uri(name: &str) -> String {
    format!("file:///lsp-test/{name}")
}

// ---------------------------------------------------------------------------------------
// Positions
// ---------------------------------------------------------------------------------------

/// An LSP position encoding: what a `character` counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Encoding {
    Utf8,
    Utf16,
}

impl Encoding {
    /// The `PositionEncodingKind` string.
    pub fn name(self) -> &'static str {
        match self {
            Encoding::Utf8 => "utf-8",
            Encoding::Utf16 => "utf-16",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "utf-8" => Some(Encoding::Utf8),
            "utf-16" => Some(Encoding::Utf16),
            _ => None,
        }
    }

    /// How many units `ch` takes in this encoding.
    pub fn width(self, ch: char) -> u32 {
        let width = match self {
            Encoding::Utf8 => ch.len_utf8(),
            Encoding::Utf16 => ch.len_utf16(),
        };
        width as u32
    }
}

/// A zero-based line and character, as LSP sends them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Position {
    pub line: u32,
    pub character: u32,
}

impl Position {
    pub const fn new(line: u32, character: u32) -> Self {
        Position { line, character }
    }

    pub fn to_json(self) -> Value {
        json!({ "line": self.line, "character": self.character })
    }

    /// Reads `{"line": _, "character": _}`; panics on anything else.
    pub fn from_json(value: &Value) -> Self {
        let field = |name: &str| {
            value[name]
                .as_u64()
                .and_then(|n| u32::try_from(n).ok())
                .unwrap_or_else(|| panic!("not an LSP position: {value}"))
        };
        Position::new(field("line"), field("character"))
    }

    /// The position of byte `offset` of `text` (lines end at `\n`; a `\r` before it is
    /// part of its line). Panics if `offset` is not a char boundary.
    pub fn of_offset(text: &str, offset: usize, encoding: Encoding) -> Self {
        assert!(
            text.is_char_boundary(offset),
            "offset {offset} is not a char boundary of the text"
        );
        let before = &text[..offset];
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let line = before.matches('\n').count();
        let character = before[line_start..]
            .chars()
            .map(|c| encoding.width(c))
            .sum();
        Position::new(line as u32, character)
    }

    /// The byte offset of this position in `text`. Panics when the position is past the
    /// end of its line or of the text, or inside a character: a test builds exact ones.
    pub fn to_offset(self, text: &str, encoding: Encoding) -> usize {
        let mut line_start = 0;
        for _ in 0..self.line {
            let newline = text[line_start..]
                .find('\n')
                .unwrap_or_else(|| panic!("{self:?} is past the last line of the text"));
            line_start += newline + 1;
        }
        let line_end = text[line_start..]
            .find('\n')
            .map_or(text.len(), |i| line_start + i);
        let mut units = 0;
        for (i, ch) in text[line_start..line_end].char_indices() {
            if units == self.character {
                return line_start + i;
            }
            units += encoding.width(ch);
            assert!(
                units <= self.character,
                "{self:?} falls inside the character {ch:?}"
            );
        }
        assert_eq!(
            units, self.character,
            "{self:?} is past the end of its line"
        );
        line_end
    }

    /// The position just after the last character of `text`.
    pub fn end_of(text: &str, encoding: Encoding) -> Self {
        Position::of_offset(text, text.len(), encoding)
    }
}

/// A start and end position.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Range {
    pub start: Position,
    pub end: Position,
}

impl Range {
    pub const fn new(start: Position, end: Position) -> Self {
        Range { start, end }
    }

    /// Characters `start..end` of one line.
    pub const fn on_line(line: u32, start: u32, end: u32) -> Self {
        Range::new(Position::new(line, start), Position::new(line, end))
    }

    /// The empty range at `position`: an insertion point.
    pub const fn at(position: Position) -> Self {
        Range::new(position, position)
    }

    /// The range covering bytes `offsets` of `text`.
    pub fn of_offsets(text: &str, offsets: std::ops::Range<usize>, encoding: Encoding) -> Self {
        Range::new(
            Position::of_offset(text, offsets.start, encoding),
            Position::of_offset(text, offsets.end, encoding),
        )
    }

    pub fn to_json(self) -> Value {
        json!({ "start": self.start.to_json(), "end": self.end.to_json() })
    }

    /// Reads `{"start": _, "end": _}`; panics on anything else.
    pub fn from_json(value: &Value) -> Self {
        Range::new(
            Position::from_json(&value["start"]),
            Position::from_json(&value["end"]),
        )
    }
}

/// Applies one `TextDocumentContentChangeEvent` to a local copy of a document, as the
/// server must: a range replaces that range, no range replaces everything.
pub fn apply_change(text: &mut String, range: Option<Range>, new_text: &str, encoding: Encoding) {
    match range {
        Some(range) => {
            let start = range.start.to_offset(text, encoding);
            let end = range.end.to_offset(text, encoding);
            text.replace_range(start..end, new_text);
        }
        None => new_text.clone_into(text),
    }
}

// ---------------------------------------------------------------------------------------
// Diagnostics
// ---------------------------------------------------------------------------------------

/// The rule id (`code`) of a diagnostic.
pub fn code(diagnostic: &Value) -> &str {
    diagnostic["code"]
        .as_str()
        .unwrap_or_else(|| panic!("a diagnostic without a string code: {diagnostic}"))
}

/// `(code, range)` of each diagnostic, the part most specifications compare.
pub fn codes_and_ranges(diagnostics: &[Value]) -> Vec<(String, Range)> {
    diagnostics
        .iter()
        .map(|d| (code(d).to_owned(), Range::from_json(&d["range"])))
        .collect()
}

/// The `version` of a publishDiagnostics notification's params, if it has one.
pub fn version_of(params: &Value) -> Option<i64> {
    params.get("version").and_then(Value::as_i64)
}

// ---------------------------------------------------------------------------------------
// Framing
// ---------------------------------------------------------------------------------------

/// One LSP frame: `Content-Length: N\r\n\r\n` and the N bytes of `body`.
pub fn frame(body: &[u8]) -> Vec<u8> {
    let mut bytes = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
    bytes.extend_from_slice(body);
    bytes
}

/// What the reader thread saw on the server's stdout.
#[derive(Debug)]
enum Incoming {
    /// A message, and when its last byte was read (before it was parsed).
    Message(Value, Instant),
    /// Output that breaks the protocol; the reader stops after a framing error.
    Invalid(String),
    /// The server closed its stdout.
    Closed,
}

/// Reads one frame's body into `body` (its memory kept from frame to frame: a fresh
/// buffer for each large publication would cost the client page faults that a
/// benchmark would time with the server); `Ok(false)` at a clean end of the stream.
fn read_frame(reader: &mut impl BufRead, body: &mut Vec<u8>) -> Result<bool, String> {
    let mut length = None;
    let mut line = Vec::new();
    let mut first = true;
    loop {
        line.clear();
        let n = reader
            .read_until(b'\n', &mut line)
            .map_err(|e| format!("reading stdout failed: {e}"))?;
        if n == 0 {
            return if first {
                Ok(false)
            } else {
                Err("stdout closed inside a frame header".to_owned())
            };
        }
        first = false;
        let Some(header) = line.strip_suffix(b"\r\n") else {
            return Err(format!(
                "a header line not ended by CRLF (is something printing to stdout?): {:?}",
                String::from_utf8_lossy(&line)
            ));
        };
        if header.is_empty() {
            break;
        }
        let header = String::from_utf8_lossy(header);
        let Some((name, value)) = header.split_once(':') else {
            return Err(format!("a header line without a colon: {header:?}"));
        };
        if name.eq_ignore_ascii_case("Content-Length") {
            let n = value
                .trim()
                .parse::<usize>()
                .map_err(|e| format!("a bad Content-Length {value:?}: {e}"))?;
            length = Some(n);
        } else if !name.eq_ignore_ascii_case("Content-Type") {
            return Err(format!("an unknown header: {header:?}"));
        }
    }
    let length = length.ok_or("a frame header without Content-Length")?;
    body.clear();
    body.resize(length, 0);
    reader
        .read_exact(body)
        .map_err(|e| format!("stdout ended inside a {length}-byte body: {e}"))?;
    Ok(true)
}

fn read_messages(stdout: ChildStdout, tx: &Sender<Incoming>) {
    let mut reader = BufReader::with_capacity(64 * 1024, stdout);
    let mut body = Vec::new();
    loop {
        let frame = read_frame(&mut reader, &mut body);
        let arrived = Instant::now();
        let incoming = match frame {
            Ok(true) => match serde_json::from_slice(&body) {
                Ok(message) => Incoming::Message(message, arrived),
                Err(e) => Incoming::Invalid(format!(
                    "a body that is not JSON ({e}): {:?}",
                    String::from_utf8_lossy(&body[..body.len().min(500)])
                )),
            },
            Ok(false) => {
                let _ = tx.send(Incoming::Closed);
                return;
            }
            Err(e) => {
                let _ = tx.send(Incoming::Invalid(e));
                return;
            }
        };
        if tx.send(incoming).is_err() {
            return;
        }
    }
}

fn collect_stderr(mut stderr: impl Read, buffer: &Mutex<Vec<u8>>) {
    let echo = std::env::var_os(STDERR_ECHO_VAR).is_some();
    let mut chunk = [0; 8192];
    loop {
        match stderr.read(&mut chunk) {
            Ok(0) | Err(_) => return,
            Ok(n) => {
                if echo {
                    let _ = std::io::stderr().write_all(&chunk[..n]);
                }
                let mut buffer = lock(buffer);
                buffer.extend_from_slice(&chunk[..n]);
                if buffer.len() > STDERR_KEPT {
                    let excess = buffer.len() - STDERR_KEPT;
                    buffer.drain(..excess);
                }
            }
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

// ---------------------------------------------------------------------------------------
// Watchdog: kills a server that does not read a write within the timeout.
// ---------------------------------------------------------------------------------------

#[derive(Debug, Default)]
struct WatchState {
    /// When the write in progress must have finished.
    deadline: Option<Instant>,
    /// The watchdog sleeps with no deadline and must be woken to see a new one.
    idle: bool,
    stop: bool,
    fired: bool,
}

#[derive(Debug, Default)]
struct Watchdog {
    state: Mutex<WatchState>,
    wake: Condvar,
}

impl Watchdog {
    fn run(&self, child: &Mutex<Child>) {
        let mut state = lock(&self.state);
        loop {
            if state.stop {
                return;
            }
            match state.deadline {
                None => {
                    state.idle = true;
                    state = self
                        .wake
                        .wait(state)
                        .unwrap_or_else(PoisonError::into_inner);
                    state.idle = false;
                }
                Some(deadline) => {
                    let now = Instant::now();
                    if now >= deadline {
                        state.deadline = None;
                        state.fired = true;
                        drop(state);
                        let _ = lock(child).kill();
                        state = lock(&self.state);
                    } else {
                        state = self
                            .wake
                            .wait_timeout(state, deadline - now)
                            .map_or_else(|e| e.into_inner().0, |(guard, _)| guard);
                    }
                }
            }
        }
    }

    /// Cheap when the watchdog already sleeps towards an earlier deadline: it only wakes
    /// when idle, and otherwise finds the later deadline when it wakes.
    fn arm(&self, timeout: Duration) {
        let mut state = lock(&self.state);
        state.deadline = Some(Instant::now() + timeout);
        if state.idle {
            self.wake.notify_one();
        }
    }

    fn disarm(&self) -> bool {
        let mut state = lock(&self.state);
        state.deadline = None;
        state.fired
    }

    fn stop(&self) {
        lock(&self.state).stop = true;
        self.wake.notify_one();
    }
}

// ---------------------------------------------------------------------------------------
// The client
// ---------------------------------------------------------------------------------------

/// A running `dockerfile-lsp` process and the client end of its stdio connection.
#[derive(Debug)]
pub struct LspClient {
    child: Arc<Mutex<Child>>,
    pid: u32,
    stdin: Option<ChildStdin>,
    incoming: Receiver<Incoming>,
    /// Messages received but not yet taken by a wait, in arrival order.
    queue: VecDeque<Value>,
    /// Every message received from the server, in arrival order.
    history: Vec<Value>,
    /// Why the server's stdout is no longer readable, once it is not.
    closed: Option<String>,
    stderr: Arc<Mutex<Vec<u8>>>,
    watchdog: Arc<Watchdog>,
    next_id: i64,
    encoding: Encoding,
    /// The limit of `request`, `call` and writes.
    pub timeout: Duration,
    /// Whether received messages are kept in the history (a benchmark turns it off: a
    /// copy of every large publication would be timed with the server).
    pub keep_history: bool,
    /// When the last byte of each response arrived, by request id: a benchmark's clock
    /// stops there, not after this client parsed the JSON.
    arrivals: std::collections::HashMap<i64, Instant>,
    /// When the last byte of each publication of diagnostics arrived, by URI and version.
    published_at: std::collections::HashMap<(String, i64), Instant>,
}

impl LspClient {
    /// Starts `exe args…` with piped stdio, with registry lookups off (tests never reach
    /// the network). Panics when it cannot be started.
    pub fn spawn(exe: impl AsRef<OsStr>, args: &[&str]) -> Self {
        Self::spawn_with_env(exe, args, &[("DOCKERFILE_LSP_OFFLINE", "1")])
    }

    /// Starts `exe args…` with piped stdio and these environment variables.
    pub fn spawn_with_env(exe: impl AsRef<OsStr>, args: &[&str], env: &[(&str, &str)]) -> Self {
        let exe = exe.as_ref();
        let mut child = Command::new(exe)
            .args(args)
            .envs(env.iter().copied())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", exe.to_string_lossy()));
        let pid = child.id();
        let stdin = child.stdin.take();
        let stdout = child
            .stdout
            .take()
            .unwrap_or_else(|| panic!("no stdout pipe"));
        let stderr_pipe = child
            .stderr
            .take()
            .unwrap_or_else(|| panic!("no stderr pipe"));

        let (tx, incoming) = mpsc::channel();
        thread::Builder::new()
            .name("lsp-client-reader".into())
            .spawn(move || read_messages(stdout, &tx))
            .unwrap_or_else(|e| panic!("cannot start the reader thread: {e}"));

        let stderr = Arc::new(Mutex::new(Vec::new()));
        let buffer = Arc::clone(&stderr);
        thread::Builder::new()
            .name("lsp-client-stderr".into())
            .spawn(move || collect_stderr(stderr_pipe, &buffer))
            .unwrap_or_else(|e| panic!("cannot start the stderr thread: {e}"));

        let child = Arc::new(Mutex::new(child));
        let watchdog = Arc::new(Watchdog::default());
        let (dog, watched) = (Arc::clone(&watchdog), Arc::clone(&child));
        thread::Builder::new()
            .name("lsp-client-watchdog".into())
            .spawn(move || dog.run(&watched))
            .unwrap_or_else(|e| panic!("cannot start the watchdog thread: {e}"));

        LspClient {
            child,
            pid,
            stdin,
            incoming,
            queue: VecDeque::new(),
            history: Vec::new(),
            closed: None,
            stderr,
            watchdog,
            next_id: 1,
            encoding: Encoding::Utf16,
            timeout: DEFAULT_TIMEOUT,
            keep_history: true,
            arrivals: std::collections::HashMap::new(),
            published_at: std::collections::HashMap::new(),
        }
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// The position encoding the server chose in `initialize` (UTF-16 before that).
    pub fn encoding(&self) -> Encoding {
        self.encoding
    }

    /// What the server wrote to stderr so far (its last 256 KiB).
    pub fn stderr_text(&self) -> String {
        String::from_utf8_lossy(&lock(&self.stderr)).into_owned()
    }

    /// Every message received so far, in arrival order.
    pub fn history(&self) -> &[Value] {
        &self.history
    }

    /// The params of every publishDiagnostics received for `uri`, in arrival order,
    /// including those a wait already returned.
    pub fn published_diagnostics(&self, uri: &str) -> Vec<Value> {
        self.history
            .iter()
            .filter(|m| m["method"] == PUBLISH_DIAGNOSTICS && m["params"]["uri"] == uri)
            .map(|m| m["params"].clone())
            .collect()
    }

    /// Panics with `message`, the messages still queued and the end of the server's stderr.
    #[track_caller]
    fn fail(&self, message: &str) -> ! {
        let queued: Vec<String> = self
            .queue
            .iter()
            .take(20)
            .map(|m| {
                let mut text = m.to_string();
                if text.len() > 300 {
                    let mut cut = 300;
                    while !text.is_char_boundary(cut) {
                        cut -= 1;
                    }
                    text.truncate(cut);
                    text.push('…');
                }
                text
            })
            .collect();
        let stderr = self.stderr_text();
        let mut cut = stderr.len().saturating_sub(4000);
        while !stderr.is_char_boundary(cut) {
            cut += 1;
        }
        let stderr_tail = &stderr[cut..];
        panic!(
            "{message}\n--- {} queued message(s){}:\n{}\n--- server stderr (end):\n{stderr_tail}",
            self.queue.len(),
            if self.queue.len() > 20 {
                ", the first 20"
            } else {
                ""
            },
            queued.join("\n"),
        );
    }

    // -- writing --------------------------------------------------------------------

    /// Writes `bytes` to the server's stdin as they are, and flushes.
    #[track_caller]
    pub fn send_raw(&mut self, bytes: &[u8]) {
        let Some(stdin) = self.stdin.as_mut() else {
            self.fail("writing to the server after its stdin was closed");
        };
        self.watchdog.arm(self.timeout);
        let result = stdin.write_all(bytes).and_then(|()| stdin.flush());
        let fired = self.watchdog.disarm();
        if fired {
            self.fail(&format!(
                "the server did not read its input for {:?}; it was killed",
                self.timeout
            ));
        }
        if let Err(e) = result {
            self.fail(&format!("writing to the server failed: {e}"));
        }
    }

    /// Sends one message in a `Content-Length` frame.
    #[track_caller]
    pub fn send_message(&mut self, message: &Value) {
        let body = serde_json::to_vec(message).unwrap_or_else(|e| panic!("serialize: {e}"));
        self.send_raw(&frame(&body));
    }

    /// Sends a notification; a `Null` `params` is left out.
    #[track_caller]
    pub fn notify(&mut self, method: &str, params: Value) {
        let mut message = json!({ "jsonrpc": "2.0", "method": method });
        if !params.is_null() {
            message["params"] = params;
        }
        self.send_message(&message);
    }

    /// Sends a request without waiting for its response, and returns its id.
    #[track_caller]
    pub fn send_request(&mut self, method: &str, params: Value) -> i64 {
        let id = self.next_id;
        self.next_id += 1;
        let mut message = json!({ "jsonrpc": "2.0", "id": id, "method": method });
        if !params.is_null() {
            message["params"] = params;
        }
        self.send_message(&message);
        id
    }

    /// Sends a request and returns its whole response (`result` or `error`).
    #[track_caller]
    pub fn call(&mut self, method: &str, params: Value) -> Value {
        let id = self.send_request(method, params);
        let response = self.wait_response(&json!(id), self.timeout);
        self.arrivals.remove(&id);
        response
    }

    /// Sends a request and returns its whole response with the time from sending it to
    /// the arrival of the response's last byte (the client's own JSON parsing left out).
    #[track_caller]
    pub fn timed_call(&mut self, method: &str, params: Value) -> (Value, Duration) {
        let started = Instant::now();
        let id = self.send_request(method, params);
        let response = self.wait_response(&json!(id), self.timeout);
        let arrived = self.arrivals.remove(&id).unwrap_or_else(Instant::now);
        (response, arrived.saturating_duration_since(started))
    }

    /// Sends a request and returns its `result`; panics on an error response.
    #[track_caller]
    pub fn request(&mut self, method: &str, params: Value) -> Value {
        let response = self.call(method, params);
        match response.get("result") {
            Some(result) if response.get("error").is_none() => result.clone(),
            _ => self.fail(&format!("{method} failed: {response}")),
        }
    }

    // -- reading --------------------------------------------------------------------

    /// The next message from the server, or `None` at the deadline or when stdout closed.
    /// Requests from the server are answered here (with `null`, or one `null` per item of
    /// `workspace/configuration`), and also returned.
    #[track_caller]
    fn next_message(&mut self, deadline: Instant) -> Option<Value> {
        if self.closed.is_some() {
            return None;
        }
        let wait = deadline.saturating_duration_since(Instant::now());
        let incoming = match self.incoming.recv_timeout(wait) {
            Ok(incoming) => incoming,
            Err(RecvTimeoutError::Timeout) => return None,
            Err(RecvTimeoutError::Disconnected) => Incoming::Closed,
        };
        match incoming {
            Incoming::Message(message, arrived) => {
                if message.get("method").is_none()
                    && let Some(id) = message.get("id").and_then(Value::as_i64)
                {
                    self.arrivals.insert(id, arrived);
                }
                if message["method"] == PUBLISH_DIAGNOSTICS
                    && let (Some(uri), Some(version)) = (
                        message["params"]["uri"].as_str(),
                        version_of(&message["params"]),
                    )
                {
                    self.published_at.insert((uri.to_owned(), version), arrived);
                }
                if self.keep_history {
                    self.history.push(message.clone());
                }
                if message.get("method").is_some() && message.get("id").is_some() {
                    self.answer_server_request(&message);
                }
                Some(message)
            }
            Incoming::Invalid(problem) => {
                self.closed = Some(problem.clone());
                self.fail(&format!("the server broke the protocol: {problem}"));
            }
            Incoming::Closed => {
                self.closed = Some("the server closed its stdout".to_owned());
                None
            }
        }
    }

    fn answer_server_request(&mut self, request: &Value) {
        let result = if request["method"] == "workspace/configuration" {
            let items = request["params"]["items"].as_array().map_or(0, Vec::len);
            Value::Array(vec![Value::Null; items])
        } else {
            Value::Null
        };
        if self.stdin.is_some() {
            let response = json!({ "jsonrpc": "2.0", "id": request["id"], "result": result });
            self.send_message(&response);
        }
    }

    /// Takes the first message matching `matches`, from the queue or as it arrives (the
    /// others are queued), or `None` after `timeout` or once the server closed stdout.
    #[track_caller]
    pub fn try_wait_message(
        &mut self,
        timeout: Duration,
        mut matches: impl FnMut(&Value) -> bool,
    ) -> Option<Value> {
        if let Some(i) = self.queue.iter().position(&mut matches) {
            return self.queue.remove(i);
        }
        let deadline = Instant::now() + timeout;
        while let Some(message) = self.next_message(deadline) {
            if matches(&message) {
                return Some(message);
            }
            self.queue.push_back(message);
        }
        None
    }

    /// Like [`Self::try_wait_message`], but a timeout fails the test, naming `what`.
    #[track_caller]
    pub fn wait_message(
        &mut self,
        what: &str,
        timeout: Duration,
        matches: impl FnMut(&Value) -> bool,
    ) -> Value {
        match self.try_wait_message(timeout, matches) {
            Some(message) => message,
            None => {
                let why = self
                    .closed
                    .clone()
                    .unwrap_or_else(|| format!("nothing came within {timeout:?}"));
                self.fail(&format!("waiting for {what}: {why}"));
            }
        }
    }

    /// The response with this `id` (a number, a string or `null`).
    #[track_caller]
    pub fn wait_response(&mut self, id: &Value, timeout: Duration) -> Value {
        let what = format!("the response to request {id}");
        self.wait_message(&what, timeout, |m| {
            m.get("method").is_none() && m.get("id") == Some(id)
        })
    }

    /// The params of the first notification `method` whose params match `matches`.
    #[track_caller]
    pub fn wait_notification(
        &mut self,
        method: &str,
        mut matches: impl FnMut(&Value) -> bool,
        timeout: Duration,
    ) -> Value {
        let what = format!("a {method} notification");
        let message = self.wait_message(&what, timeout, |m| {
            m["method"] == method && m.get("id").is_none() && matches(&m["params"])
        });
        message["params"].clone()
    }

    /// Like [`Self::wait_notification`], `None` at the timeout: to check that something
    /// does NOT happen.
    #[track_caller]
    pub fn try_wait_notification(
        &mut self,
        method: &str,
        mut matches: impl FnMut(&Value) -> bool,
        timeout: Duration,
    ) -> Option<Value> {
        self.try_wait_message(timeout, |m| {
            m["method"] == method && m.get("id").is_none() && matches(&m["params"])
        })
        .map(|m| m["params"].clone())
    }

    /// Like [`Self::wait_diagnostics`], with the time from `sent` to the arrival of the
    /// publication's last byte (the client's own JSON parsing left out).
    #[track_caller]
    pub fn timed_wait_diagnostics(
        &mut self,
        uri: &str,
        version: i64,
        sent: Instant,
        timeout: Duration,
    ) -> (Vec<Value>, Duration) {
        let diagnostics = self.wait_diagnostics(uri, version, timeout);
        let arrived = self
            .published_at
            .remove(&(uri.to_owned(), version))
            .unwrap_or_else(Instant::now);
        self.published_at
            .retain(|(u, v), _| u != uri || *v > version);
        (diagnostics, arrived.saturating_duration_since(sent))
    }

    /// The diagnostics published for `uri` at `version`. Older publications for `uri` are
    /// dropped from the queue (they stay in the history); a newer version arriving first
    /// fails at once, since versions never go back.
    #[track_caller]
    pub fn wait_diagnostics(&mut self, uri: &str, version: i64, timeout: Duration) -> Vec<Value> {
        let mut newer = None;
        let found = self.try_wait_message(timeout, |m| {
            if m["method"] != PUBLISH_DIAGNOSTICS || m["params"]["uri"] != uri {
                return false;
            }
            let got = version_of(&m["params"]);
            if got.is_some_and(|v| v > version) && newer.is_none() {
                newer = Some(m["params"].clone());
            }
            got == Some(version) || newer.is_some()
        });
        let Some(message) = found else {
            let why = self
                .closed
                .clone()
                .unwrap_or_else(|| format!("nothing came within {timeout:?}"));
            self.fail(&format!(
                "waiting for the diagnostics of {uri} version {version}: {why}"
            ));
        };
        if let Some(newer) = newer {
            self.fail(&format!(
                "the diagnostics of {uri} version {version} never came; a newer version came \
                 first: {newer}"
            ));
        }
        self.queue.retain(|m| {
            !(m["method"] == PUBLISH_DIAGNOSTICS
                && m["params"]["uri"] == uri
                && version_of(&m["params"]).is_some_and(|v| v < version))
        });
        let mut message = message;
        match message["params"]["diagnostics"].take() {
            Value::Array(diagnostics) => diagnostics,
            _ => self.fail(&format!(
                "publishDiagnostics without a diagnostics array: {message}"
            )),
        }
    }

    /// Takes every message already received without waiting, oldest first.
    pub fn drain(&mut self) -> Vec<Value> {
        while let Some(message) = self.next_message(Instant::now()) {
            self.queue.push_back(message);
        }
        self.queue.drain(..).collect()
    }

    // -- LSP conveniences -----------------------------------------------------------

    /// `initialize` params offering `encodings` (no `general.positionEncodings` when empty).
    pub fn initialize_params(encodings: &[&str]) -> Value {
        let mut capabilities = json!({
            "textDocument": {
                "synchronization": { "dynamicRegistration": false, "didSave": true },
                "publishDiagnostics": { "versionSupport": true, "relatedInformation": true },
                "hover": { "contentFormat": ["markdown", "plaintext"] },
            },
        });
        if !encodings.is_empty() {
            capabilities["general"] = json!({ "positionEncodings": encodings });
        }
        json!({
            "processId": std::process::id(),
            "clientInfo": { "name": "dockerfile-lsp-tests" },
            "rootUri": null,
            "capabilities": capabilities,
        })
    }

    /// `initialize` offering `encodings`, then `initialized`; returns the initialize
    /// result and remembers the negotiated encoding.
    #[track_caller]
    pub fn initialize(&mut self, encodings: &[&str]) -> Value {
        let result = self.request("initialize", Self::initialize_params(encodings));
        let chosen = result["capabilities"]["positionEncoding"]
            .as_str()
            .unwrap_or("utf-16");
        self.encoding = Encoding::from_name(chosen)
            .unwrap_or_else(|| self.fail(&format!("an unexpected positionEncoding {chosen:?}")));
        self.notify("initialized", json!({}));
        result
    }

    #[track_caller]
    pub fn open(&mut self, uri: &str, language_id: &str, version: i64, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({
                "textDocument": {
                    "uri": uri, "languageId": language_id, "version": version, "text": text,
                },
            }),
        );
    }

    /// An incremental didChange: each `(range, text)` applies to the result of the previous.
    #[track_caller]
    pub fn change(&mut self, uri: &str, version: i64, changes: &[(Range, &str)]) {
        let changes: Vec<Value> = changes
            .iter()
            .map(|(range, text)| json!({ "range": range.to_json(), "text": text }))
            .collect();
        self.notify(
            "textDocument/didChange",
            json!({
                "textDocument": { "uri": uri, "version": version },
                "contentChanges": changes,
            }),
        );
    }

    /// A didChange that replaces the whole text (a change without a range).
    #[track_caller]
    pub fn change_full(&mut self, uri: &str, version: i64, text: &str) {
        self.notify(
            "textDocument/didChange",
            json!({
                "textDocument": { "uri": uri, "version": version },
                "contentChanges": [{ "text": text }],
            }),
        );
    }

    #[track_caller]
    pub fn save(&mut self, uri: &str) {
        self.notify(
            "textDocument/didSave",
            json!({ "textDocument": { "uri": uri } }),
        );
    }

    #[track_caller]
    pub fn close(&mut self, uri: &str) {
        self.notify(
            "textDocument/didClose",
            json!({ "textDocument": { "uri": uri } }),
        );
    }

    /// The result of `textDocument/hover`.
    #[track_caller]
    pub fn hover(&mut self, uri: &str, position: Position) -> Value {
        self.request(
            "textDocument/hover",
            json!({ "textDocument": { "uri": uri }, "position": position.to_json() }),
        )
    }

    // -- the process ----------------------------------------------------------------

    /// Closes the server's stdin: it sees the end of its input.
    pub fn close_stdin(&mut self) {
        self.stdin = None;
    }

    /// The exit status, if the server has exited.
    pub fn try_exit_status(&mut self) -> Option<ExitStatus> {
        lock(&self.child).try_wait().ok().flatten()
    }

    /// Waits for the server to exit; `None` (and the server still running) at the timeout.
    pub fn try_wait_exit(&mut self, timeout: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.try_exit_status() {
                return Some(status);
            }
            if Instant::now() >= deadline {
                return None;
            }
            thread::sleep(Duration::from_millis(5));
        }
    }

    /// Waits for the server to exit; a timeout kills it and fails the test.
    #[track_caller]
    pub fn wait_exit(&mut self, timeout: Duration) -> ExitStatus {
        match self.try_wait_exit(timeout) {
            Some(status) => status,
            None => {
                self.kill();
                self.fail(&format!("the server did not exit within {timeout:?}"));
            }
        }
    }

    /// `shutdown` (whose result must be `null`), `exit`, then the exit status.
    #[track_caller]
    pub fn shutdown_and_exit(&mut self) -> ExitStatus {
        let result = self.request("shutdown", Value::Null);
        if !result.is_null() {
            self.fail(&format!("shutdown returned {result}, not null"));
        }
        self.notify("exit", Value::Null);
        self.close_stdin();
        self.wait_exit(self.timeout)
    }

    /// Kills the server (if it still runs) and reaps it.
    pub fn kill(&mut self) {
        let mut child = lock(&self.child);
        let _ = child.kill();
        let _ = child.wait();
    }

    /// The server's peak resident set size (`VmHWM`) in KiB, read from `/proc`, while it runs.
    pub fn peak_rss_kib(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid)).ok()?;
        status
            .lines()
            .find_map(|line| line.strip_prefix("VmHWM:"))
            .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
    }
}

impl Drop for LspClient {
    fn drop(&mut self) {
        self.watchdog.stop();
        self.stdin = None;
        self.kill();
    }
}

/// The syntax diagnostics of a list: what the tests of document syncing follow
/// (the realistic files also get rule findings, checked on their own).
pub fn syntax(diagnostics: Vec<Value>) -> Vec<Value> {
    diagnostics
        .into_iter()
        .filter(|d| d["code"].as_str().is_some_and(|c| c.starts_with("syntax-")))
        .collect()
}
