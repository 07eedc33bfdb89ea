//! A deadline for reading request bodies, so a client that drips its body cannot hold a
//! connection and its buffer indefinitely; the head is bounded by actix's own request timeout.

use std::cell::RefCell;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;

use actix_web::body::{BodySize, BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::middleware::Next;
use actix_web::web::Bytes;
use actix_web::HttpMessage;
use futures_util::Stream;
use tokio::time::Sleep;

/// How long a body may take to arrive, counted from the moment its request head was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BodyReadTimeout(pub Duration);

/// The cause inside the I/O error a late body ends with, so it is told apart from other I/O errors.
#[derive(Debug, thiserror::Error)]
#[error("the request body did not arrive within the deadline")]
struct BodyDeadlinePassed;

/// Whether a body failed because its deadline passed (the answer is then 408 `request_timeout`).
pub fn is_timeout(e: &PayloadError) -> bool {
    match e {
        PayloadError::Io(io) => io.get_ref().is_some_and(|inner| inner.is::<BodyDeadlinePassed>()),
        _ => false,
    }
}

/// The raw body of a request that was answered before its body was read in full. Actix drains
/// such a chunked body after the response, so a client dripping it would keep its connection;
/// while the body is still held when the response has been written, actix closes the
/// connection instead. The wrapper parks it here when dropped, and [`enforce`] hands it to the
/// response body, which actix drops only after that decision.
type Unread = Rc<RefCell<Option<Payload>>>;

/// A response body that holds the request's unread body until the response is written.
struct KeepingUnread {
    body: BoxBody,
    _unread: Option<Payload>,
}

impl MessageBody for KeepingUnread {
    type Error = <BoxBody as MessageBody>::Error;

    fn size(&self) -> BodySize {
        self.body.size()
    }

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Bytes, Self::Error>>> {
        Pin::new(&mut self.body).poll_next(cx)
    }
}

/// The request's body, ending with a timeout error once the deadline passes.
struct Deadlined {
    inner: Payload,
    deadline: Pin<Box<Sleep>>,
    /// Whether the wrapper stopped yielding: the body ended, or the deadline passed.
    done: bool,
    /// Whether the body arrived in full.
    complete: bool,
    unread: Unread,
}

impl Stream for Deadlined {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        if this.done {
            return Poll::Ready(None);
        }
        // The deadline is checked first, so a body arriving in a steady trickle is cut off too.
        if this.deadline.as_mut().poll(cx).is_ready() {
            this.done = true;
            let late = io::Error::new(io::ErrorKind::TimedOut, BodyDeadlinePassed);
            return Poll::Ready(Some(Err(PayloadError::Io(late))));
        }
        let next = Pin::new(&mut this.inner).poll_next(cx);
        if let Poll::Ready(None) = next {
            (this.done, this.complete) = (true, true);
        }
        next
    }
}

impl Drop for Deadlined {
    fn drop(&mut self) {
        if !self.complete {
            *self.unread.borrow_mut() = Some(std::mem::replace(&mut self.inner, Payload::None));
        }
    }
}

/// Middleware: wraps every request body in the deadline of the app's [`BodyReadTimeout`], and
/// closes the connection after answering a request whose body was not read in full.
///
/// # Errors
/// Whatever the wrapped service answers.
pub async fn enforce(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let unread = Unread::default();
    if let Some(BodyReadTimeout(limit)) = req.app_data::<BodyReadTimeout>().copied() {
        let inner = req.take_payload();
        if matches!(inner, Payload::None) {
            req.set_payload(inner);
        } else {
            let deadline = Box::pin(tokio::time::sleep(limit));
            let body = Deadlined { inner, deadline, done: false, complete: false, unread: unread.clone() };
            req.set_payload(Payload::Stream { payload: Box::pin(body) });
        }
    }
    let res = next.call(req).await?;
    let kept = unread.borrow_mut().take();
    Ok(res.map_body(|_, body| KeepingUnread { body: body.boxed(), _unread: kept }))
}

#[cfg(test)]
mod tests {
    use futures_util::StreamExt;

    use super::*;

    #[tokio::test]
    async fn a_body_that_stalls_ends_with_a_timeout_error_once_the_deadline_passes() {
        let stalled: Payload = Payload::Stream { payload: Box::pin(futures_util::stream::pending()) };
        let deadline = Box::pin(tokio::time::sleep(Duration::from_millis(50)));
        let unread = Unread::default();
        let mut body = Deadlined { inner: stalled, deadline, done: false, complete: false, unread: unread.clone() };
        let first = body.next().await;
        assert!(first.as_ref().is_some_and(|r| r.as_ref().is_err_and(is_timeout)), "{first:?}");
        assert!(body.next().await.is_none());
        drop(body);
        assert!(unread.borrow().is_some(), "the unread body is kept for the response");
    }

    #[tokio::test]
    async fn a_body_read_in_full_is_not_kept() {
        let whole: Payload = Payload::Stream { payload: Box::pin(futures_util::stream::iter([Ok(Bytes::from_static(b"{}"))])) };
        let deadline = Box::pin(tokio::time::sleep(Duration::from_secs(60)));
        let unread = Unread::default();
        let mut body = Deadlined { inner: whole, deadline, done: false, complete: false, unread: unread.clone() };
        assert!(body.next().await.is_some_and(|chunk| chunk.is_ok_and(|b| b == "{}")));
        assert!(body.next().await.is_none());
        drop(body);
        assert!(unread.borrow().is_none());
    }

    #[test]
    fn other_io_errors_are_not_timeouts() {
        assert!(!is_timeout(&PayloadError::Io(io::Error::new(io::ErrorKind::TimedOut, "elsewhere"))));
        assert!(!is_timeout(&PayloadError::Incomplete(None)));
    }
}
