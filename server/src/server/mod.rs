//! The language server: LSP over stdio, on top of the syntax layer.

mod backend;
mod convert;
pub mod document;
mod publisher;
mod symbols;
mod transport;

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

/// Serves LSP on any byte streams (stdio, or in-process pipes in tests). Returns
/// whether the client asked for `shutdown` before the end.
pub async fn serve<I, O>(input: I, output: O) -> bool
where
    I: AsyncRead + Unpin + Send + 'static,
    O: AsyncWrite,
{
    let (to_server, server_input) = tokio::io::duplex(1 << 16);
    // Its own task: stdin may never close, and the server must not wait for it.
    tokio::spawn(transport::guard_input(input, to_server));
    let shutdown = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&shutdown);
    let (service, socket) = LspService::build(move |client| Backend::new(client, flag))
        .custom_method(transport::REJECT_METHOD, Backend::reject_message)
        .finish();
    Server::new(server_input, output, socket)
        .serve(service)
        .await;
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
            .and_then(|fd| pipe::Receiver::from_owned_fd(fd).ok());
        let output = std::io::stdout()
            .as_fd()
            .try_clone_to_owned()
            .ok()
            .and_then(|fd| pipe::Sender::from_owned_fd(fd).ok());
        if let (Some(input), Some(output)) = (input, output) {
            return (Box::new(input), Box::new(output));
        }
    }
    (Box::new(tokio::io::stdin()), Box::new(tokio::io::stdout()))
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
