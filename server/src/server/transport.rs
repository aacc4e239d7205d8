//! A guard in front of the JSON-RPC transport: bad input never reaches the codec of
//! the LSP service, which would stop reading after it.
//!
//! tower-lsp-server decodes stdin with a framed reader that ends the stream on the
//! first message it cannot decode (a body that is not JSON, not UTF-8, or not a
//! JSON-RPC message), and it never answers requests named `$/...`. This module reads
//! the frames itself and passes well-formed messages on untouched; each bad one is
//! replaced by a request for [`REJECT_METHOD`], which the server answers with the
//! error the JSON-RPC and LSP specifications call for, so one bad message loses
//! nothing else and all output still comes from the server.

use serde_json::{Value, json};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, BufReader, ReadBuf};

/// The private method a rejected message becomes; its params are `{code, message}`.
pub(crate) const REJECT_METHOD: &str = "dockerfile-lsp/rejectMessage";

/// Messages larger than this are refused rather than buffered.
const MAX_MESSAGE_BYTES: usize = 512 * 1024 * 1024;

/// One framed message read from the client.
#[derive(Debug)]
enum Frame {
    Body(Vec<u8>),
    /// Headers that cannot be read: what is wrong with them.
    BadHeader(String),
}

/// Reads one `Content-Length` framed message; `None` at the end of the input.
async fn read_frame<R: AsyncRead + Unpin>(
    input: &mut BufReader<R>,
) -> std::io::Result<Option<Frame>> {
    let mut length: Option<usize> = None;
    let mut problem: Option<String> = None;
    let mut line = String::new();
    let mut saw_header = false;
    loop {
        line.clear();
        let read = input.read_line(&mut line).await?;
        if read == 0 {
            return Ok(
                saw_header.then(|| Frame::BadHeader("the input ended inside the headers".into()))
            );
        }
        let header = line.trim_end_matches(['\r', '\n']);
        if header.is_empty() {
            if !saw_header {
                continue; // a stray blank line between messages
            }
            break;
        }
        saw_header = true;
        match header.split_once(':') {
            Some((name, value)) if name.trim().eq_ignore_ascii_case("content-length") => {
                match value.trim().parse::<usize>() {
                    Ok(n) if n <= MAX_MESSAGE_BYTES => length = Some(n),
                    Ok(n) => {
                        problem = Some(format!(
                            "Content-Length {n} is larger than {MAX_MESSAGE_BYTES} bytes"
                        ))
                    }
                    Err(_) => {
                        problem = Some(format!(
                            "Content-Length is not a number: {:?}",
                            value.trim()
                        ))
                    }
                }
            }
            Some(_) => {} // Content-Type and unknown headers
            None => problem = Some(format!("not a header: {header:?}")),
        }
    }
    match (problem, length) {
        (Some(problem), _) => Ok(Some(Frame::BadHeader(problem))),
        (None, None) => Ok(Some(Frame::BadHeader(
            "the message has no Content-Length header".into(),
        ))),
        (None, Some(n)) => {
            let mut body = vec![0; n];
            input.read_exact(&mut body).await?;
            Ok(Some(Frame::Body(body)))
        }
    }
}

fn frame(body: &[u8]) -> Vec<u8> {
    let mut out = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
    out.extend_from_slice(body);
    out
}

/// The request that makes the server answer `id` with an error.
fn rejection(id: Value, code: i64, message: String) -> Vec<u8> {
    let body = json!({
        "jsonrpc": "2.0", "id": id, "method": REJECT_METHOD,
        "params": {"code": code, "message": message},
    });
    frame(body.to_string().as_bytes())
}

/// What the guard reads of a message: its id, its method and whether it has a result
/// or an error. The rest (the params: a whole document on open) is only checked to be
/// JSON, without building values the service decodes again.
#[derive(serde::Deserialize)]
struct Shape<'a> {
    /// Present even when `null`, which a request may not have as its id.
    #[serde(default, deserialize_with = "any_value")]
    id: Option<Value>,
    #[serde(default, borrow)]
    method: Option<std::borrow::Cow<'a, str>>,
    #[serde(default, deserialize_with = "present")]
    result: bool,
    #[serde(default, deserialize_with = "present")]
    error: bool,
}

fn any_value<'de, D: serde::Deserializer<'de>>(value: D) -> Result<Option<Value>, D::Error> {
    serde::Deserialize::deserialize(value).map(Some)
}

fn present<'de, D: serde::Deserializer<'de>>(value: D) -> Result<bool, D::Error> {
    <serde::de::IgnoredAny as serde::Deserialize>::deserialize(value).map(|_| true)
}

/// What to pass on for a message body: itself, or a rejection.
fn check(body: &[u8]) -> Result<(), Vec<u8>> {
    let parse_error = |error: &dyn std::fmt::Display| {
        tracing::warn!("a message that is not JSON: {error}");
        rejection(Value::Null, -32700, format!("Parse error: {error}"))
    };
    // Checked here: skipped strings are not checked for UTF-8 by the parser.
    let text = std::str::from_utf8(body).map_err(|e| parse_error(&e))?;
    if !text.trim_start().starts_with('{') {
        serde_json::from_str::<serde::de::IgnoredAny>(text).map_err(|e| parse_error(&e))?;
        tracing::warn!("a JSON value that is not a JSON-RPC message");
        return Err(rejection(
            Value::Null,
            -32600,
            "Invalid Request: not a JSON object".into(),
        ));
    }
    let shape: Shape<'_> = serde_json::from_str(text).map_err(|e| parse_error(&e))?;
    let id = shape.id;
    let method = shape.method.as_deref();
    let is_response = shape.result || shape.error;
    match (method, &id) {
        (Some(method), Some(id)) if method.starts_with("$/") || method == REJECT_METHOD => {
            // The LSP specification: a `$/` request nobody implements gets MethodNotFound.
            tracing::debug!("answering the unknown request {method}");
            Err(rejection(
                id.clone(),
                -32601,
                format!("Method not found: {method}"),
            ))
        }
        (Some(_), _) => Ok(()),
        (None, Some(_)) if is_response => Ok(()),
        (None, id) => {
            tracing::warn!("a JSON object that is not a JSON-RPC message");
            Err(rejection(
                id.clone().unwrap_or(Value::Null),
                -32600,
                "Invalid Request: no method".into(),
            ))
        }
    }
}

/// What the server should see for the next message: itself or a rejection, or
/// `None` at the end of the input.
async fn next_message<R: AsyncRead + Unpin>(input: &mut BufReader<R>) -> Option<Vec<u8>> {
    match read_frame(input).await {
        Ok(Some(Frame::Body(body))) => Some(match check(&body) {
            Ok(()) => frame(&body),
            Err(rejection) => rejection,
        }),
        Ok(Some(Frame::BadHeader(problem))) => {
            tracing::warn!("a message with bad headers: {problem}");
            Some(rejection(
                Value::Null,
                -32700,
                format!("Parse error: {problem}"),
            ))
        }
        Ok(None) => None,
        Err(error) => {
            tracing::warn!("cannot read the input: {error}");
            None
        }
    }
}

type Pending<R> = Pin<Box<dyn Future<Output = (BufReader<R>, Option<Vec<u8>>)> + Send>>;

/// The client's input as the server reads it: checked message by message, in the
/// server's own reads (no task or pipe in between, which would cost a wake-up per
/// message).
pub(crate) struct GuardedInput<R> {
    reader: Option<BufReader<R>>,
    reading: Option<Pending<R>>,
    ready: Vec<u8>,
    at: usize,
}

impl<R> std::fmt::Debug for GuardedInput<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GuardedInput")
            .field("buffered", &(self.ready.len() - self.at))
            .finish()
    }
}

impl<R: AsyncRead + Unpin + Send + 'static> GuardedInput<R> {
    pub(crate) fn new(input: R) -> Self {
        GuardedInput {
            reader: Some(BufReader::new(input)),
            reading: None,
            ready: Vec::new(),
            at: 0,
        }
    }
}

impl<R: AsyncRead + Unpin + Send + 'static> AsyncRead for GuardedInput<R> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let this = &mut *self;
        loop {
            if this.at < this.ready.len() {
                let n = buf.remaining().min(this.ready.len() - this.at);
                buf.put_slice(&this.ready[this.at..this.at + n]);
                this.at += n;
                return Poll::Ready(Ok(()));
            }
            if this.reading.is_none() {
                let Some(mut reader) = this.reader.take() else {
                    return Poll::Ready(Ok(())); // the input has ended
                };
                this.reading = Some(Box::pin(async move {
                    let message = next_message(&mut reader).await;
                    (reader, message)
                }));
            }
            let Some(reading) = this.reading.as_mut() else {
                return Poll::Ready(Ok(()));
            };
            let (reader, message) = std::task::ready!(reading.as_mut().poll(cx));
            this.reading = None;
            match message {
                Some(bytes) => {
                    this.reader = Some(reader);
                    this.ready = bytes;
                    this.at = 0;
                }
                None => return Poll::Ready(Ok(())), // end of input: a read of nothing
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(rejection: &[u8]) -> i64 {
        let text = String::from_utf8_lossy(rejection);
        let body = text.split("\r\n\r\n").nth(1).unwrap_or("");
        let value: Value = serde_json::from_str(body).unwrap_or(Value::Null);
        assert_eq!(value["method"], REJECT_METHOD);
        value["params"]["code"].as_i64().unwrap_or(0)
    }

    #[test]
    fn well_formed_messages_pass() {
        assert!(check(br#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}"#).is_ok());
        assert!(
            check(br#"{"jsonrpc":"2.0","method":"$/cancelRequest","params":{"id":1}}"#).is_ok()
        );
        assert!(check(br#"{"jsonrpc":"2.0","id":7,"result":null}"#).is_ok());
        assert!(check(br#"{"jsonrpc":"2.0","id":8,"error":{"code":1,"message":"m"}}"#).is_ok());
        assert!(check(br#"  {"method":"initialized","params":{"a":"\u00e9\n"}}"#).is_ok());
    }

    #[test]
    fn bad_messages_are_answered_here() {
        assert_eq!(check(b"{not json").map_err(|a| code(&a)), Err(-32700));
        assert_eq!(check(b"[1,2,3]").map_err(|a| code(&a)), Err(-32600));
        assert_eq!(
            check(br#"{"jsonrpc":"2.0","id":3}"#).map_err(|a| code(&a)),
            Err(-32600)
        );
        assert_eq!(
            check(br#"{"jsonrpc":"2.0","id":4,"method":"$/unknown"}"#).map_err(|a| code(&a)),
            Err(-32601)
        );
        assert_eq!(check(&[0xff, 0xfe]).map_err(|a| code(&a)), Err(-32700));
        // Inside params, which are only checked to be JSON.
        assert_eq!(
            check(b"{\"method\":\"x\",\"params\":{\"t\":\"\xff\"}}").map_err(|a| code(&a)),
            Err(-32700)
        );
        assert_eq!(
            check(br#"{"method":"x","params":{"t":[1,}}"#).map_err(|a| code(&a)),
            Err(-32700)
        );
        assert_eq!(
            check(br#"{"jsonrpc":"2.0","id":null,"method":"$/unknown"}"#).map_err(|a| code(&a)),
            Err(-32601)
        );
    }

    #[tokio::test(flavor = "current_thread")]
    async fn frames_are_read_whole_and_bad_headers_reported() {
        let input: &[u8] = b"Content-Length: 2\r\n\r\n{}Content-Type: x\r\nContent-Length: 1\r\n\r\n1X-Bad\r\n\r\n";
        let mut reader = BufReader::new(input);
        assert!(matches!(read_frame(&mut reader).await, Ok(Some(Frame::Body(b))) if b == b"{}"));
        assert!(matches!(read_frame(&mut reader).await, Ok(Some(Frame::Body(b))) if b == b"1"));
        assert!(matches!(
            read_frame(&mut reader).await,
            Ok(Some(Frame::BadHeader(_)))
        ));
        assert!(matches!(read_frame(&mut reader).await, Ok(None)));
    }
}
