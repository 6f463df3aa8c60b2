//! Bodies of outgoing requests and of their responses, and the audit
//! record of one exchange ([`Exchange`]).
//!
//! Request side: [`buffer`] reads a body the host must sign (bounded),
//! [`drain`] empties one the host refuses (so the guest sees the denial,
//! not a reset stream), [`Counted`] counts what a streamed body sends.
//!
//! Response side: [`Metered`] enforces the response size cap and the
//! between-bytes timeout, holds the concurrency permit, and writes the
//! request's one audit event when the body ends, fails or is dropped.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use http::{StatusCode, Uri};
use http_body::{Body, Frame, SizeHint};
use http_body_util::BodyExt;
use tokio::sync::OwnedSemaphorePermit;
use tokio::time::{Instant, Sleep};
use wasmtime_wasi_http::{Error, WasiBody};

use crate::audit::{Actor, Audit, Capability, Decision, Scope};

/// Longest destination kept in an audit event.
const MAX_DESTINATION: usize = 512;

/// One request's audit identity: who (snapshot at the start), where, when,
/// and the bytes its body sent.
pub(super) struct Exchange {
    audit: Audit,
    actor: Actor,
    destination: String,
    started: Instant,
    sent: Arc<AtomicU64>,
    /// Set by the request's final event (a `network` event or a denial):
    /// a request has exactly one. If none was recorded when the exchange
    /// is dropped (the guest or its store gave up on the request), the drop
    /// records it.
    closed: AtomicBool,
}

impl Exchange {
    pub(super) fn new(scope: &Scope, uri: &Uri) -> Exchange {
        Exchange {
            audit: scope.audit.clone(),
            actor: scope.actor(),
            destination: destination(uri),
            started: Instant::now(),
            sent: Arc::default(),
            closed: AtomicBool::new(false),
        }
    }

    #[cfg(test)]
    pub(super) fn for_test(audit: Audit, actor: Actor, destination: &str) -> Exchange {
        Exchange {
            audit,
            actor,
            destination: destination.into(),
            started: Instant::now(),
            sent: Arc::default(),
            closed: AtomicBool::new(false),
        }
    }

    /// Records an event with the bytes so far and the time since the start.
    /// Only the first final event (`network`, or any denial) is kept.
    pub(super) fn record(
        &self,
        capability: Capability,
        decision: Decision,
        reason: impl Into<String>,
        received: u64,
    ) {
        let last = capability == Capability::Network || decision == Decision::Denied;
        if last && self.closed.swap(true, Ordering::AcqRel) {
            return;
        }
        let mut event = (self.actor).event(capability, self.destination.clone(), decision, reason);
        event.bytes_sent = self.sent.load(Ordering::Relaxed);
        event.bytes_received = received;
        event.latency = Some(self.started.elapsed());
        self.audit.record(event);
    }

    /// A failure after the policy allowed the request: recorded as allowed,
    /// with what went wrong.
    pub(super) fn failed(&self, reason: impl Into<String>, error: Error) -> Error {
        self.record(Capability::Network, Decision::Allowed, reason, 0);
        error
    }
}

impl Drop for Exchange {
    fn drop(&mut self) {
        if !*self.closed.get_mut() {
            let reason = "abandoned before the response (the guest or its store went away)";
            self.record(Capability::Network, Decision::Allowed, reason, 0);
        }
    }
}

/// `scheme://authority/path` of `uri`, without the query (it may be long
/// and says nothing about where the request went), cut to a sane length.
fn destination(uri: &Uri) -> String {
    let mut text = format!(
        "{}://{}{}",
        uri.scheme_str().unwrap_or("?"),
        uri.authority().map_or("", |a| a.as_str()),
        uri.path()
    );
    if text.len() > MAX_DESTINATION {
        let mut cut = MAX_DESTINATION;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
        text.push('…');
    }
    text
}

/// Why [`buffer`] gave up.
#[derive(Debug)]
pub(super) enum BufferError {
    /// More than the limit arrived.
    TooLarge,
    /// The guest's body failed (for instance it was dropped unfinished).
    Failed(Error),
}

/// Reads `body` to its end into memory, refusing more than `limit` bytes.
/// Trailers are dropped: a signed request carries none.
pub(super) async fn buffer(body: &mut WasiBody, limit: usize) -> Result<Bytes, BufferError> {
    let mut data = BytesMut::new();
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(BufferError::Failed)?;
        if let Some(chunk) = frame.data_ref() {
            if data.len().saturating_add(chunk.len()) > limit {
                return Err(BufferError::TooLarge);
            }
            data.extend_from_slice(chunk);
        }
    }
    Ok(data.freeze())
}

/// Reads and discards `body` until it ends, fails, passes `max` bytes or
/// `window` elapses. A refused request's guest is usually still writing
/// its body; reading it lets the guest finish and then see the refusal.
pub(super) async fn drain(body: &mut WasiBody, max: u64, window: Duration) {
    let read = async {
        let mut seen = 0u64;
        while !body.is_end_stream() {
            match body.frame().await {
                Some(Ok(frame)) => {
                    let len = frame.data_ref().map_or(0, |d| d.len() as u64);
                    seen = seen.saturating_add(len);
                    if seen > max {
                        break;
                    }
                }
                Some(Err(_)) | None => break,
            }
        }
    };
    let _ = tokio::time::timeout(window, read).await;
}

/// A request body that counts what it yields into its [`Exchange`].
pub(super) struct Counted {
    inner: WasiBody,
    sent: Arc<AtomicU64>,
}

impl Counted {
    /// Counts `inner`'s data as sent by `exchange`.
    pub(super) fn new(inner: WasiBody, exchange: &Exchange) -> Counted {
        Counted {
            inner,
            sent: exchange.sent.clone(),
        }
    }
}

impl Body for Counted {
    type Data = Bytes;
    type Error = Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Error>>> {
        let polled = Pin::new(&mut self.inner).poll_frame(cx);
        if let Poll::Ready(Some(Ok(frame))) = &polled
            && let Some(data) = frame.data_ref()
        {
            self.sent.fetch_add(data.len() as u64, Ordering::Relaxed);
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// `now + d`, or far in the future if that overflows.
pub(super) fn after(d: Duration) -> Instant {
    let now = Instant::now();
    now.checked_add(d)
        .unwrap_or_else(|| now + Duration::from_secs(86_400 * 365))
}

/// A response body under the host's limits (see the module docs).
pub(super) struct Metered<B> {
    /// `None` once the body ended, failed or was cut off.
    inner: Option<B>,
    limit: u64,
    received: u64,
    between_bytes: Duration,
    idle: Pin<Box<Sleep>>,
    status: StatusCode,
    /// The audit record and the concurrency slot, until the end.
    open: Option<(Arc<Exchange>, OwnedSemaphorePermit)>,
}

impl<B> Metered<B>
where
    B: Body<Data = Bytes, Error = Error> + Unpin,
{
    /// Wraps `inner`, the body of a response with `status`. Must be called
    /// inside the tokio runtime (it arms a timer).
    pub(super) fn new(
        inner: B,
        status: StatusCode,
        limit: u64,
        between_bytes: Duration,
        exchange: Arc<Exchange>,
        permit: OwnedSemaphorePermit,
    ) -> Metered<B> {
        Metered {
            inner: Some(inner),
            limit,
            received: 0,
            between_bytes,
            idle: Box::pin(tokio::time::sleep_until(after(between_bytes))),
            status,
            open: Some((exchange, permit)),
        }
    }

    /// Records the audit event (once) and releases the permit.
    fn close(&mut self, decision: Decision, reason: String) {
        self.inner = None;
        if let Some((exchange, permit)) = self.open.take() {
            drop(permit);
            exchange.record(Capability::Network, decision, reason, self.received);
        }
    }

    fn status_text(&self) -> String {
        format!("status {}", self.status.as_u16())
    }
}

impl<B> Body for Metered<B>
where
    B: Body<Data = Bytes, Error = Error> + Unpin,
{
    type Data = Bytes;
    type Error = Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Error>>> {
        let this = self.get_mut();
        let Some(inner) = this.inner.as_mut() else {
            return Poll::Ready(None);
        };
        match Pin::new(inner).poll_frame(cx) {
            Poll::Ready(None) => {
                let reason = this.status_text();
                this.close(Decision::Allowed, reason);
                Poll::Ready(None)
            }
            Poll::Ready(Some(Err(e))) => {
                let reason = format!("{}; response body failed: {e}", this.status_text());
                this.close(Decision::Allowed, reason);
                Poll::Ready(Some(Err(e)))
            }
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(data) = frame.data_ref() {
                    this.received = this.received.saturating_add(data.len() as u64);
                    if this.received > this.limit {
                        let reason = format!("response larger than {} bytes", this.limit);
                        this.close(Decision::Denied, reason);
                        return Poll::Ready(Some(Err(Error::HttpResponseBodySize(Some(
                            this.limit,
                        )))));
                    }
                }
                let next = after(this.between_bytes);
                this.idle.as_mut().reset(next);
                Poll::Ready(Some(Ok(frame)))
            }
            Poll::Pending => {
                if this.idle.as_mut().poll(cx).is_ready() {
                    let reason = format!(
                        "{}; no response data for {:?}",
                        this.status_text(),
                        this.between_bytes
                    );
                    this.close(Decision::Allowed, reason);
                    return Poll::Ready(Some(Err(Error::ConnectionReadTimeout)));
                }
                Poll::Pending
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.as_ref().is_none_or(|b| b.is_end_stream())
    }

    fn size_hint(&self) -> SizeHint {
        self.inner
            .as_ref()
            .map_or_else(|| SizeHint::with_exact(0), |b| b.size_hint())
    }
}

impl<B> Drop for Metered<B> {
    fn drop(&mut self) {
        if let Some((exchange, permit)) = self.open.take() {
            drop(permit);
            let status = self.status.as_u16();
            let reason = format!(
                "status {status}; response body dropped after {} bytes",
                self.received
            );
            exchange.record(
                Capability::Network,
                Decision::Allowed,
                reason,
                self.received,
            );
        }
    }
}

/// Erases `Metered`'s type for wasmtime.
pub(super) fn boxed<B>(body: Metered<B>) -> WasiBody
where
    B: Body<Data = Bytes, Error = Error> + Unpin + Send + 'static,
{
    body.boxed_unsync()
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::Full;
    use tokio::sync::Semaphore;

    fn full(data: &'static [u8]) -> WasiBody {
        Full::new(Bytes::from_static(data))
            .map_err(|never| match never {})
            .boxed_unsync()
    }

    #[test]
    fn destinations_drop_the_query_and_are_bounded() {
        let uri: Uri = "https://h:8443/a/b?secret=1".parse().unwrap();
        assert_eq!(destination(&uri), "https://h:8443/a/b");
        let long: Uri = format!("http://h/{}", "a".repeat(2000)).parse().unwrap();
        assert!(destination(&long).len() <= MAX_DESTINATION + '…'.len_utf8());
    }

    #[tokio::test]
    async fn buffer_is_bounded() {
        assert_eq!(&buffer(&mut full(b"hello"), 5).await.unwrap()[..], b"hello");
        assert!(matches!(
            buffer(&mut full(b"hello!"), 5).await,
            Err(BufferError::TooLarge)
        ));
    }

    #[tokio::test]
    async fn metered_caps_and_records_once() {
        let audit = Audit::new();
        let mut rx = audit.subscribe();
        let exchange = Arc::new(Exchange::for_test(audit, Actor::default(), "http://x/"));
        let slots = Arc::new(Semaphore::new(1));
        let permit = slots.clone().try_acquire_owned().unwrap();
        let mut body = Metered::new(
            full(b"0123456789"),
            StatusCode::OK,
            4,
            Duration::from_secs(5),
            exchange,
            permit,
        );
        let err = body.frame().await.unwrap().unwrap_err();
        assert!(matches!(err, Error::HttpResponseBodySize(Some(4))), "{err}");
        assert_eq!(slots.available_permits(), 1);
        drop(body);
        let event = rx.try_recv().unwrap();
        assert_eq!(event.decision, Decision::Denied);
        assert_eq!(event.reason, "response larger than 4 bytes");
        assert_eq!(event.bytes_received, 10);
        assert!(rx.try_recv().is_err(), "one event only");
    }
}
