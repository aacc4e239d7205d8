//! The server's output: whole frames, from tower-lsp-server and serialised here, written by one task.
//!
//! tower-lsp-server turns every outgoing message into a `serde_json::Value` before
//! writing it. For a large notification (hundreds of diagnostics on every keystroke)
//! that tree of small allocations costs more than the analysis, so those messages are
//! serialised straight to bytes and queued here instead. The framework's own output
//! comes through [`FrameSplitter`], which cuts its byte stream into frames, so the
//! writer interleaves only whole messages.

use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use rustc_hash::FxHashSet;
use tokio::io::{AsyncWrite, AsyncWriteExt, BufWriter};
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};
use tokio::task::JoinHandle;
use tower_lsp_server::jsonrpc::Id;

/// One queued item for the writer.
#[derive(Debug)]
enum Outgoing {
    Frame(Frame),
    /// A `publishDiagnostics` frame: a later one for the same document, queued before
    /// this one is written, replaces it.
    Diagnostics {
        uri: String,
        frame: Frame,
    },
    /// Write what came before, then stop.
    End,
}

/// Queues messages for the output. Cheap to clone.
#[derive(Debug, Clone)]
pub(crate) struct Outbox {
    queue: UnboundedSender<Outgoing>,
    /// Buffers the writer is done with, for the next messages: a publication of a large
    /// document is hundreds of kilobytes, and fresh memory that size is slower to touch
    /// than writing the message.
    spare: Arc<Mutex<Vec<Vec<u8>>>>,
}

/// A framed message: its bytes start at `start` of `bytes`.
#[derive(Debug)]
struct Frame {
    bytes: Vec<u8>,
    start: usize,
}

impl Frame {
    fn whole(bytes: Vec<u8>) -> Frame {
        Frame { bytes, start: 0 }
    }

    fn as_bytes(&self) -> &[u8] {
        &self.bytes[self.start..]
    }
}

/// How many buffers are kept, and the largest kept.
const SPARE_BUFFERS: usize = 2;
const LARGEST_SPARE: usize = 4 << 20;

impl Outbox {
    /// Queues a `textDocument/publishDiagnostics` notification for `uri`, its `params`
    /// written as JSON by `params`.
    pub fn diagnostics(
        &self,
        uri: &str,
        params: impl FnOnce(&mut Vec<u8>) -> serde_json::Result<()>,
    ) {
        let framed = self.framed(|out| {
            out.extend_from_slice(
                br#"{"jsonrpc":"2.0","method":"textDocument/publishDiagnostics","params":"#,
            );
            params(out)?;
            out.push(b'}');
            Ok(())
        });
        if let Some(frame) = framed {
            self.send(Outgoing::Diagnostics {
                uri: uri.to_owned(),
                frame,
            });
        }
    }

    /// Queues the successful response to request `id`, its `result` written as JSON
    /// by `result` (large results are written by hand, faster than serde can).
    pub fn respond(&self, id: &Id, result: impl FnOnce(&mut Vec<u8>) -> serde_json::Result<()>) {
        let framed = self.framed(|out| {
            out.extend_from_slice(br#"{"jsonrpc":"2.0","result":"#);
            result(out)?;
            out.extend_from_slice(br#","id":"#);
            serde_json::to_writer(&mut *out, id)?;
            out.push(b'}');
            Ok(())
        });
        if let Some(frame) = framed {
            self.send(Outgoing::Frame(frame));
        }
    }

    fn send(&self, item: Outgoing) {
        if self.queue.send(item).is_err() {
            tracing::debug!("a message dropped: the output is closed");
        }
    }

    /// The message `write` writes, framed, in a spare buffer when there is one.
    fn framed(&self, write: impl FnOnce(&mut Vec<u8>) -> serde_json::Result<()>) -> Option<Frame> {
        let mut bytes = lock(&self.spare).pop().unwrap_or_default();
        bytes.clear();
        frame(bytes, write)
    }
}

/// Keeps a buffer the writer is done with for the next message.
fn give_back(spare: &Mutex<Vec<Vec<u8>>>, mut bytes: Vec<u8>) {
    if bytes.capacity() > LARGEST_SPARE {
        return;
    }
    let mut spare = lock(spare);
    if spare.len() < SPARE_BUFFERS {
        bytes.clear();
        spare.push(bytes);
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

/// The message `write` writes into `bytes`, framed.
fn frame(
    mut bytes: Vec<u8>,
    write: impl FnOnce(&mut Vec<u8>) -> serde_json::Result<()>,
) -> Option<Frame> {
    // Room for the header, written once the length is known.
    bytes.extend_from_slice(HEADER_ROOM);
    if let Err(error) = write(&mut bytes) {
        tracing::error!("cannot serialise a message: {error}");
        return None;
    }
    let header = format!(
        "Content-Length: {}\r\n\r\n",
        bytes.len() - HEADER_ROOM.len()
    );
    let start = HEADER_ROOM.len() - header.len();
    bytes[start..HEADER_ROOM.len()].copy_from_slice(header.as_bytes());
    Some(Frame { bytes, start })
}

/// Enough for `Content-Length: <20 digits>\r\n\r\n`.
const HEADER_ROOM: &[u8] = &[b' '; 40];

/// Starts the writing task on the current tokio runtime: returns the queue, the
/// stream to give the framework, and the task.
pub(crate) fn spawn<O: AsyncWrite + Unpin + Send + 'static>(
    output: O,
) -> (Outbox, FrameSplitter, Writer) {
    let (queue, receiver) = unbounded_channel();
    let spare: Arc<Mutex<Vec<Vec<u8>>>> = Arc::default();
    let outbox = Outbox {
        queue,
        spare: Arc::clone(&spare),
    };
    let splitter = FrameSplitter {
        outbox: outbox.clone(),
        pending: Vec::new(),
    };
    (
        outbox,
        splitter,
        Writer(tokio::spawn(write_frames(output, receiver, spare))),
    )
}

/// The task that writes the queue.
#[derive(Debug)]
pub(crate) struct Writer(JoinHandle<()>);

impl Writer {
    /// Writes what was queued so far, then stops; waits for that up to `limit`.
    pub async fn finish(self, outbox: &Outbox, limit: std::time::Duration) {
        outbox.send(Outgoing::End);
        if tokio::time::timeout(limit, self.0).await.is_err() {
            tracing::warn!("the client did not read the last messages");
        }
    }
}

async fn write_frames<O: AsyncWrite + Unpin>(
    output: O,
    mut queue: UnboundedReceiver<Outgoing>,
    spare: Arc<Mutex<Vec<Vec<u8>>>>,
) {
    let mut output = BufWriter::with_capacity(64 * 1024, output);
    let mut batch = Vec::new();
    while queue.recv_many(&mut batch, 256).await > 0 {
        // Diagnostics a later publication for the same document replaces are not sent.
        let mut later = FxHashSet::default();
        let mut keep = vec![true; batch.len()];
        for (i, item) in batch.iter().enumerate().rev() {
            if let Outgoing::Diagnostics { uri, .. } = item {
                keep[i] = later.insert(uri.as_str());
            }
        }
        drop(later);
        let mut ended = false;
        for (item, keep) in batch.drain(..).zip(keep) {
            let frame = match item {
                Outgoing::End => {
                    ended = true;
                    break;
                }
                Outgoing::Frame(frame) | Outgoing::Diagnostics { frame, .. } => frame,
            };
            if keep && let Err(error) = output.write_all(frame.as_bytes()).await {
                tracing::warn!("cannot write to the client: {error}");
                return;
            }
            // A replaced publication's buffer serves the next one as well.
            give_back(&spare, frame.bytes);
        }
        if let Err(error) = output.flush().await {
            tracing::warn!("cannot write to the client: {error}");
            return;
        }
        if ended {
            return;
        }
    }
}

/// The framework's output stream, cut into frames and queued whole.
#[derive(Debug)]
pub(crate) struct FrameSplitter {
    outbox: Outbox,
    /// Bytes of a frame not yet complete.
    pending: Vec<u8>,
}

impl FrameSplitter {
    fn split(&mut self) {
        while let Some(length) = frame_length(&self.pending) {
            let rest = self.pending.split_off(length);
            let frame = std::mem::replace(&mut self.pending, rest);
            self.outbox.send(Outgoing::Frame(Frame::whole(frame)));
        }
    }
}

/// The length of the first frame in `bytes` (headers included) once all of it is there.
/// Headers without a readable `Content-Length` cannot come from the framework's codec;
/// they are passed on as they are rather than held back forever.
fn frame_length(bytes: &[u8]) -> Option<usize> {
    let end = memchr::memmem::find(bytes, b"\r\n\r\n")? + 4;
    let length = std::str::from_utf8(&bytes[..end]).ok().and_then(|headers| {
        headers.split("\r\n").find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.trim()
                .eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse::<usize>().ok())?
        })
    });
    match length {
        Some(length) => (bytes.len() >= end + length).then_some(end + length),
        None => Some(end),
    }
}

impl AsyncWrite for FrameSplitter {
    fn poll_write(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        if self.outbox.queue.is_closed() {
            return Poll::Ready(Err(io::ErrorKind::BrokenPipe.into()));
        }
        self.pending.extend_from_slice(buf);
        self.split();
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncReadExt;

    #[test]
    fn frames_are_found_whole() {
        assert_eq!(frame_length(b"Content-Length: 2\r\n\r\n{}"), Some(23));
        assert_eq!(frame_length(b"Content-Length: 2\r\n\r\n{"), None);
        assert_eq!(frame_length(b"Content-Len"), None);
        assert_eq!(
            frame_length(b"X: y\r\ncontent-length:1\r\n\r\n1rest"),
            Some(27)
        );
        // Not the framework's codec: passed on rather than held.
        assert_eq!(frame_length(b"Bad\r\n\r\nxyz"), Some(7));
    }

    #[test]
    fn messages_are_framed() {
        let message = serde_json::json!({"a": "é"});
        let frame = frame(Vec::new(), |out| serde_json::to_writer(out, &message)).expect("frame");
        let text = String::from_utf8(frame.as_bytes().to_vec()).expect("UTF-8");
        let body = r#"{"a":"é"}"#;
        assert_eq!(
            text,
            format!("Content-Length: {}\r\n\r\n{body}", body.len())
        );
    }

    /// The buffer of a written message holds the next one: a large publication on
    /// every keystroke does not ask the system for fresh memory each time.
    #[tokio::test(flavor = "current_thread")]
    async fn written_buffers_hold_the_next_messages() {
        let (_client, server) = tokio::io::duplex(1 << 20);
        let (outbox, _splitter, writer) = spawn(server);
        outbox.respond(&Id::Number(1), |out| {
            out.extend_from_slice(&[b'1'; 100_000]);
            Ok(())
        });
        for _ in 0..100 {
            if !lock(&outbox.spare).is_empty() {
                break;
            }
            tokio::task::yield_now().await;
        }
        let kept: Vec<usize> = lock(&outbox.spare).iter().map(Vec::capacity).collect();
        assert!(matches!(kept[..], [c] if c >= 100_000), "{kept:?}");
        outbox.respond(&Id::Number(2), |out| {
            out.push(b'2');
            Ok(())
        });
        assert!(lock(&outbox.spare).is_empty(), "the next message took it");
        writer
            .finish(&outbox, std::time::Duration::from_secs(5))
            .await;
    }

    /// The framework's bytes in odd pieces and our own frames come out whole and in
    /// order; a publication replaced by a later one for the same document, both queued
    /// before the writer ran, is not written.
    #[tokio::test(flavor = "current_thread")]
    async fn frames_are_written_whole_in_order() {
        let (client, server) = tokio::io::duplex(1 << 20);
        let (outbox, mut splitter, writer) = spawn(server);
        let framework = b"Content-Length: 7\r\n\r\n\"first\"Content-Length: 8\r\n\r\n\"second\"";
        splitter.write_all(&framework[..10]).await.expect("write");
        let params = |n: u8| move |out: &mut Vec<u8>| serde_json::to_writer(out, &n);
        outbox.diagnostics("file:///a", params(1));
        splitter.write_all(&framework[10..30]).await.expect("write");
        outbox.diagnostics("file:///b", params(2));
        outbox.diagnostics("file:///a", params(3));
        outbox.respond(&Id::Number(9), |out| serde_json::to_writer(out, &[1, 2]));
        splitter.write_all(&framework[30..]).await.expect("write");
        writer
            .finish(&outbox, std::time::Duration::from_secs(5))
            .await;
        drop(splitter);
        let mut written = String::new();
        let mut client = client;
        client.read_to_string(&mut written).await.expect("read");
        let bodies: Vec<&str> = written
            .split("Content-Length: ")
            .filter_map(|f| f.split_once("\r\n\r\n").map(|(_, body)| body))
            .collect();
        assert_eq!(
            bodies,
            [
                "\"first\"",
                r#"{"jsonrpc":"2.0","method":"textDocument/publishDiagnostics","params":2}"#,
                r#"{"jsonrpc":"2.0","method":"textDocument/publishDiagnostics","params":3}"#,
                r#"{"jsonrpc":"2.0","result":[1,2],"id":9}"#,
                "\"second\"",
            ]
        );
    }
}
