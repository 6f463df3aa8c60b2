//! Outgoing HTTP: hosts not granted, the metadata service in every
//! spelling, names that resolve to loopback, a flood of requests, a huge
//! response, a slow one, and requests that outlive their call. Every
//! denial happens before a connection is made: the test server counts the
//! connections that reached it.

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use strato_runtime::audit::{Capability, Decision};
use strato_runtime::capabilities::network::EgressPolicy;
use strato_runtime::{Error, Grants, Limits, RuntimeConfig};
use strato_tests::server::TestServer;

use super::{Sandbox, assert_guest_error, cloud, config};

/// Grants the test server's address (and the guest declares it).
fn loopback() -> Grants {
    Grants {
        network: vec!["http://127.0.0.1:*".into()],
        ..Grants::default()
    }
}

#[tokio::test]
async fn a_host_not_granted_is_denied_before_any_connection() {
    let server = TestServer::start();
    let mut sb = Sandbox::open(Grants::default(), cloud("", None)).await;
    let url = server.url("/echo");
    let outcome = sb.attack(&format!("get:{url}")).await;
    assert_guest_error(&outcome, &["unauthorized", "http-request-denied"]);
    let port = server.port().to_string();
    sb.expect_event(Capability::Network, Decision::Denied, &port, "not granted")
        .await;

    // The metadata service without any grant: denied by the allow-list.
    let outcome = sb
        .attack("get:http://169.254.169.254/latest/meta-data/")
        .await;
    assert_guest_error(&outcome, &["http-request-denied"]);
    sb.expect_event(
        Capability::Network,
        Decision::Denied,
        "169.254.169.254",
        "not granted",
    )
    .await;

    assert_eq!(
        server.connections(),
        0,
        "a denied request reached the server"
    );
    sb.next_call_works().await;
}

#[tokio::test]
async fn a_granted_host_is_reached_and_sees_no_guest_credentials() {
    let server = TestServer::start();
    let mut sb = Sandbox::open(loopback(), cloud("", None)).await;
    let outcome = sb.attack(&format!("get:{}", server.url("/echo"))).await;
    assert!(outcome.starts_with("ok status=200"), "{outcome}");
    assert_eq!(server.requests().len(), 1);
    sb.expect_event(Capability::Network, Decision::Allowed, "127.0.0.1", "")
        .await;

    // The guest may not put credentials on the wire itself.
    let outcome = sb
        .attack(&format!(
            "header:authorization=Basic YWxpY2U6aHVudGVyMg==|{}",
            server.url("/echo")
        ))
        .await;
    assert_guest_error(&outcome, &["authorization"]);
    if outcome.contains("http-request-denied") {
        sb.expect_event(Capability::Network, Decision::Denied, "", "authorization")
            .await;
    }
    assert_eq!(
        server.requests().len(),
        1,
        "the request with authorization left"
    );
    sb.next_call_works().await;
}

/// `169.254.169.254` as a literal, in decimal, in hex and as IPv4-mapped
/// IPv6, plus the IPv6 metadata address. The guest is granted `http://*`
/// (every host on port 80), so each request passes the allow-list and must
/// be stopped by the address check after resolution.
#[tokio::test]
async fn the_metadata_service_is_denied_in_every_spelling() {
    // Fail before any request if the address policy would let it through:
    // this test must never send traffic to the metadata address.
    let metadata = IpAddr::V4(Ipv4Addr::new(169, 254, 169, 254));
    assert!(EgressPolicy::new().permits(metadata).is_err());
    assert!(
        EgressPolicy::new()
            .permits(metadata.to_canonical())
            .is_err()
    );

    let grants = Grants {
        network: vec!["http://*".into()],
        ..Grants::default()
    };
    let mut sb = Sandbox::open(grants, cloud("", None)).await;
    for host in [
        "169.254.169.254",
        "2852039166",
        "0xa9fea9fe",
        "[::ffff:169.254.169.254]",
        "[::ffff:a9fe:a9fe]",
        "[fd00:ec2::254]",
    ] {
        let outcome = sb
            .attack(&format!("get:http://{host}/latest/meta-data/iam/"))
            .await;
        assert_guest_error(&outcome, &["unauthorized", "destination-ip-prohibited"]);
        let event = sb
            .expect_event(Capability::Network, Decision::Denied, host, "")
            .await;
        let reason = event.reason.to_lowercase();
        assert!(
            reason.contains("metadata") || reason.contains("link-local"),
            "{host}: the reason should name the metadata service: {}",
            event.reason
        );
    }
    sb.next_call_works().await;
}

#[tokio::test]
async fn a_name_that_resolves_to_loopback_is_denied() {
    let server = TestServer::start();
    let grants = Grants {
        network: vec!["http://localhost:*".into()],
        ..Grants::default()
    };
    let mut sb = Sandbox::open(grants, cloud("", None)).await;
    let url = format!("http://localhost:{}/echo", server.port());
    let outcome = sb.attack(&format!("get:{url}")).await;
    assert_guest_error(&outcome, &["destination-ip-prohibited"]);
    sb.expect_event(
        Capability::Network,
        Decision::Denied,
        "localhost",
        "loopback",
    )
    .await;
    assert_eq!(server.connections(), 0, "the request reached loopback");
    sb.next_call_works().await;
}

#[tokio::test]
async fn a_thousand_concurrent_requests_are_capped() {
    const LIMIT: usize = 8;
    let server = TestServer::start();
    let grants = Grants {
        limits: Limits {
            http_concurrency: Some(LIMIT),
            ..Limits::default()
        },
        ..loopback()
    };
    let mut sb = Sandbox::open(grants, cloud("", None)).await;
    let outcome = sb
        .attack(&format!("flood:1000|{}", server.url("/slow/300")))
        .await;
    let count = |key: &str| -> usize {
        outcome
            .split_whitespace()
            .find_map(|w| w.strip_prefix(key))
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("no {key} in {outcome}"))
    };
    let (ok, failed) = (count("ok="), count("failed="));
    assert_eq!(ok + failed, 1000);
    assert!(ok >= 1, "no request got through: {outcome}");
    assert!(
        failed >= 1000 - 4 * LIMIT,
        "{ok} requests got through a limit of {LIMIT}"
    );
    assert!(outcome.contains("connection-limit-reached"), "{outcome}");
    assert!(
        server.max_concurrent() <= LIMIT,
        "{} connections were open at once, limit {LIMIT}",
        server.max_concurrent()
    );
    sb.expect_event(
        Capability::Network,
        Decision::Denied,
        "127.0.0.1",
        &format!("more than {LIMIT} concurrent"),
    )
    .await;
    sb.next_call_works().await;
}

#[tokio::test]
async fn a_one_gib_response_is_cut_off_at_the_limit() {
    const LIMIT: u64 = 4 << 20;
    let server = TestServer::start();
    let grants = Grants {
        limits: Limits {
            response_bytes: Some(LIMIT),
            ..Limits::default()
        },
        ..loopback()
    };
    let mut sb = Sandbox::open(grants, cloud("", None)).await;
    for path in ["/bytes/1073741824", "/endless"] {
        let outcome = sb.attack(&format!("big:{}", server.url(path))).await;
        assert_guest_error(&outcome, &[]);
        // wasmtime-wasi-http 48 gives a guest no error code for a failed
        // body stream (`http-error-code` is none), only the error's text.
        assert!(
            outcome.contains("http-response-body-size")
                || outcome.contains("body size exceeds limit"),
            "{outcome}"
        );
        // Refused at the head (a content-length over the limit) or cut off
        // while streaming, after at most the limit.
        if let Some(read) = outcome
            .strip_prefix("err bytes=")
            .and_then(|r| r.split_whitespace().next())
        {
            let read: u64 = read.parse().expect("byte count");
            assert!(read <= LIMIT, "the guest read {read} bytes, limit {LIMIT}");
        }
        sb.expect_event(Capability::Network, Decision::Denied, path, "larger than")
            .await;
    }
    // The server stops writing once the host hangs up: far less than 1 GiB
    // went out (socket buffers hold a few MiB at most).
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        server.body_bytes_sent() < 256 << 20,
        "{} bytes were sent: the host kept reading",
        server.body_bytes_sent()
    );
    sb.next_call_works().await;
}

#[tokio::test]
async fn a_slow_response_times_out() {
    let server = TestServer::start();
    let grants = Grants {
        limits: Limits {
            request_timeout: Some(Duration::from_millis(500)),
            ..Limits::default()
        },
        ..loopback()
    };
    let mut sb = Sandbox::open(grants, cloud("", None)).await;
    let started = std::time::Instant::now();
    // The guest asks for 60 s; the host's maximum wins.
    let outcome = sb
        .attack(&format!("slow:60000|{}", server.url("/slow/10000")))
        .await;
    assert_guest_error(&outcome, &["timeout"]);
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "the request was not cut at 500 ms"
    );
    sb.expect_event(Capability::Network, Decision::Allowed, "/slow/", "within")
        .await;
    sb.next_call_works().await;
}

/// A call that times out takes its in-flight request with it: the
/// connection to the server is closed, not left running.
#[tokio::test]
async fn a_request_ends_with_the_call_that_made_it() {
    let server = TestServer::start();
    let config = RuntimeConfig {
        call_timeout: Duration::from_secs(1),
        ..config()
    };
    let sb = Sandbox::open_with(config, loopback(), cloud("", None)).await;
    match sb
        .try_attack(&format!("get:{}", server.url("/slow/30000")))
        .await
    {
        Err(e @ Error::Timeout { .. }) => println!("slow call: {e}"),
        other => panic!("expected Error::Timeout, got {other:?}"),
    }
    assert_eq!(server.connections(), 1);
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while server.active() > 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the request outlived its call by 5 s"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    sb.next_call_works().await;
}

/// A caller that gives up on a call (drops its future: Juju's `Abort`)
/// takes the guest's in-flight request with it at once, not at the next
/// call.
#[tokio::test]
async fn a_request_ends_when_its_caller_gives_up() {
    let server = TestServer::start();
    let sb = Sandbox::open(loopback(), cloud("", None)).await;
    let slow = format!("get:{}", server.url("/slow/30000"));
    let abandoned = tokio::time::timeout(Duration::from_millis(500), sb.try_attack(&slow)).await;
    assert!(abandoned.is_err(), "the slow call returned: {abandoned:?}");
    assert_eq!(server.connections(), 1);
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while server.active() > 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the request outlived its abandoned call by 5 s"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    sb.next_call_works().await;
}
