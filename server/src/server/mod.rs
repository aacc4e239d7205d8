//! The language server: LSP over stdio, on top of the syntax layer.

mod backend;
mod checked;
mod code_actions;
mod completion;
mod convert;
mod diagnostic_json;
pub mod document;
mod document_links;
mod folding;
mod formatting;
mod hover;
mod images;
mod inlay_hints;
mod navigation;
mod output;
mod progress;
mod publisher;
mod raw_responses;
mod rename;
mod selection;
mod semantic_tokens;
mod signature_help;
mod state;
mod symbols;
mod transport;
mod workspace;
mod workspace_symbols;

use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::io::{AsyncRead, AsyncWrite};
use tower_lsp_server::{LspService, Server};

use backend::Backend;

/// Serves LSP on stdin and stdout until `exit`: status 0 after a `shutdown`, else 1.
pub fn run_stdio() -> ExitCode {
    init_logging();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("dockerfile-lsp: cannot start the async runtime: {error}");
            return ExitCode::from(2);
        }
    };
    let clean = runtime.block_on(async {
        let (input, output) = stdio();
        serve(input, output).await
    });
    // Do not wait for the blocking stdin reader: the protocol is over.
    runtime.shutdown_background();
    if clean {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// How long the server waits, at the end, for the client to read its last messages.
const LAST_WRITES: std::time::Duration = std::time::Duration::from_secs(5);

/// Serves LSP on any byte streams (stdio, or in-process pipes in tests). Returns
/// whether the client asked for `shutdown` before the end.
pub async fn serve<I, O>(input: I, output: O) -> bool
where
    I: AsyncRead + Unpin + Send + 'static,
    O: AsyncWrite + Unpin + Send + 'static,
{
    let shutdown = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&shutdown);
    let (outbox, splitter, writer) = output::spawn(output);
    let backend_outbox = outbox.clone();
    let (service, socket) =
        LspService::build(move |client| Backend::new(client, flag, backend_outbox))
            .custom_method(transport::REJECT_METHOD, Backend::reject_message)
            .finish();
    Server::new(transport::GuardedInput::new(input), splitter, socket)
        .serve(raw_responses::RawResponses::new(service))
        .await;
    writer.finish(&outbox, LAST_WRITES).await;
    shutdown.load(Ordering::SeqCst)
}

type Input = Box<dyn AsyncRead + Unpin + Send>;
type Output = Box<dyn AsyncWrite + Unpin + Send>;

/// stdin and stdout for the protocol. When they are pipes (as editors start servers)
/// they are read and written through epoll; tokio's own stdin and stdout hand every
/// read and write to a blocking thread, which costs a thread wake-up per message.
fn stdio() -> (Input, Output) {
    #[cfg(unix)]
    {
        use std::os::fd::AsFd;
        use tokio::net::unix::pipe;
        let input = std::io::stdin()
            .as_fd()
            .try_clone_to_owned()
            .ok()
            .inspect(|fd| widen_pipe(fd.as_fd()))
            .and_then(|fd| pipe::Receiver::from_owned_fd(fd).ok());
        let output = std::io::stdout()
            .as_fd()
            .try_clone_to_owned()
            .ok()
            .inspect(|fd| widen_pipe(fd.as_fd()))
            .and_then(|fd| pipe::Sender::from_owned_fd(fd).ok());
        if let (Some(input), Some(output)) = (input, output) {
            return (Box::new(input), Box::new(output));
        }
    }
    (Box::new(tokio::io::stdin()), Box::new(tokio::io::stdout()))
}

/// The kernel's pipe buffer, when it can be set: a publication of diagnostics for a
/// large file (hundreds of kilobytes) then goes out in one write instead of several
/// 64 KiB rounds of waking the client to read and the server to write again.
#[cfg(unix)]
fn widen_pipe(fd: std::os::fd::BorrowedFd<'_>) {
    /// Linux's default limit for unprivileged processes (`/proc/sys/fs/pipe-max-size`).
    const PIPE_BYTES: usize = 1 << 20;
    #[cfg(any(target_os = "linux", target_os = "android"))]
    if let Err(e) = rustix::pipe::fcntl_setpipe_size(fd, PIPE_BYTES) {
        tracing::debug!("the pipe buffer stays as it is: {e}");
    }
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    let _ = (fd, PIPE_BYTES);
}

/// Logs go to stderr only: stdout carries the protocol. `DOCKERFILE_LSP_LOG` sets the
/// filter (for example `debug`); the default is `info`.
fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("DOCKERFILE_LSP_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .try_init();
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};
    use tokio::io::{AsyncReadExt, AsyncWriteExt, BufReader, DuplexStream};

    async fn send(to: &mut DuplexStream, message: Value) {
        let body = message.to_string();
        let frame = format!("Content-Length: {}\r\n\r\n{body}", body.len());
        to.write_all(frame.as_bytes()).await.unwrap();
    }

    /// Reads one framed message, with the framing a client sees.
    async fn receive(from: &mut BufReader<DuplexStream>) -> Value {
        use tokio::io::AsyncBufReadExt;
        let mut length = 0;
        loop {
            let mut line = String::new();
            from.read_line(&mut line).await.unwrap();
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some(n) = line.strip_prefix("Content-Length: ") {
                length = n.parse().unwrap();
            }
        }
        let mut body = vec![0; length];
        from.read_exact(&mut body).await.unwrap();
        serde_json::from_slice(&body).unwrap()
    }

    /// The server in this process, over in-memory pipes with the LSP framing.
    #[tokio::test(flavor = "current_thread")]
    async fn in_process_session_uses_the_same_framing() {
        let (mut client_out, server_in) = tokio::io::duplex(1 << 16);
        let (server_out, client_in) = tokio::io::duplex(1 << 16);
        let server = tokio::spawn(super::serve(server_in, server_out));
        let mut client_in = BufReader::new(client_in);

        send(&mut client_out, json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"capabilities": {}}})).await;
        let response = receive(&mut client_in).await;
        assert_eq!(
            response["result"]["capabilities"]["positionEncoding"],
            "utf-16"
        );

        send(
            &mut client_out,
            json!({"jsonrpc": "2.0", "method": "initialized", "params": {}}),
        )
        .await;
        send(&mut client_out, json!({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {
            "uri": "file:///w/Dockerfile", "languageId": "dockerfile", "version": 1, "text": "FORM a\n"}}})).await;
        let published = receive(&mut client_in).await;
        assert_eq!(published["method"], "textDocument/publishDiagnostics");
        assert_eq!(published["params"]["version"], 1);
        assert_eq!(
            published["params"]["diagnostics"][0]["code"],
            "syntax-unknown-instruction"
        );

        // Not JSON: answered, and the session goes on.
        client_out
            .write_all(b"Content-Length: 5\r\n\r\n{oops")
            .await
            .unwrap();
        let answer = receive(&mut client_in).await;
        assert_eq!(answer["error"]["code"], -32700);
        assert_eq!(answer["id"], Value::Null);

        send(
            &mut client_out,
            json!({"jsonrpc": "2.0", "id": 2, "method": "shutdown"}),
        )
        .await;
        assert_eq!(receive(&mut client_in).await["id"], 2);
        send(&mut client_out, json!({"jsonrpc": "2.0", "method": "exit"})).await;
        assert!(server.await.unwrap(), "exit after shutdown is a clean exit");
    }
}
