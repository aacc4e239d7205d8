//! The service the framework serves: the backend's, with the requests it answers straight to the output taken out first.

use std::task::{Context, Poll};

use futures::FutureExt;
use futures::future::BoxFuture;
use tower_lsp_server::jsonrpc::{Request, Response};
use tower_lsp_server::{ExitedError, LspService};
use tower_service::Service;

use super::backend::Backend;

/// Wraps the backend's service. A request answered here gets no response from the
/// framework (the answer is already queued on the output), and runs as a handler
/// would: when the framework polls its future, in the order requests arrived.
pub(crate) struct RawResponses {
    inner: LspService<Backend>,
}

impl RawResponses {
    pub fn new(inner: LspService<Backend>) -> Self {
        RawResponses { inner }
    }
}

impl Service<Request> for RawResponses {
    type Response = Option<Response>;
    type Error = ExitedError;
    type Future = BoxFuture<'static, Result<Option<Response>, ExitedError>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), ExitedError>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        if request.method() == "textDocument/semanticTokens/full"
            && let Some(answer) = self.inner.inner().raw_semantic_tokens(&request)
        {
            return answer.map(|()| Ok(None)).boxed();
        }
        self.inner.call(request)
    }
}
