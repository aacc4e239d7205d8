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
    let clean = runtime.block_on(serve(tokio::io::stdin(), tokio::io::stdout()));
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
    O: AsyncWrite + Unpin,
{
    transport::guarded(input, output, |input, output| async move {
        let shutdown = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&shutdown);
        let (service, socket) = LspService::new(move |client| Backend::new(client, flag));
        Server::new(input, output, socket).serve(service).await;
        shutdown.load(Ordering::SeqCst)
    })
    .await
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
