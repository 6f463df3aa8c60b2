//! Credentials: the guest asks the host to sign, only toward its
//! credential's cloud; it reads secret attributes only under a grant, and
//! never through the cloud spec.

use strato_runtime::Grants;
use strato_runtime::audit::{Capability, Decision};
use strato_tests::server::TestServer;

use super::{Sandbox, assert_guest_error, cloud, credential};

const ACCESS_KEY: &str = "AKIDEXAMPLEACCESSKEY";
const SECRET_KEY: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

fn aws_credential() -> strato_runtime::types::Credential {
    credential(
        "access-key",
        "ops",
        &[("access-key", ACCESS_KEY), ("secret-key", SECRET_KEY)],
    )
}

/// The guest asks for a SigV4 signature on a request to a host it may
/// reach (granted), but that is not an endpoint of the credential's cloud:
/// refused before any connection, audited as a signing decision.
#[tokio::test]
async fn signing_toward_a_host_outside_the_credentials_cloud_is_refused() {
    let server = TestServer::start();
    let grants = Grants {
        network: vec!["http://127.0.0.1:*".into()],
        ..Grants::default()
    };
    let spec = cloud(
        "https://ec2.us-east-1.amazonaws.com",
        Some(aws_credential()),
    );
    let mut sb = Sandbox::open(grants, spec).await;
    let url = server.url("/echo");
    let outcome = sb
        .attack(&format!(
            "get-signed:aws-sigv4 service=ec2 region=us-east-1|{url}"
        ))
        .await;
    assert_guest_error(&outcome, &["http-request-denied"]);
    let event = sb
        .expect_event(
            Capability::Sign,
            Decision::Denied,
            "127.0.0.1",
            "not an endpoint of the credential's cloud",
        )
        .await;
    assert_eq!(event.credential, "ops");
    assert_eq!(server.connections(), 0, "the request left for signing");

    // The same host unsigned is fine (it is granted), and carries nothing.
    let outcome = sb.attack(&format!("get:{url}")).await;
    assert!(outcome.starts_with("ok status=200"), "{outcome}");
    let seen = server.requests();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].header("authorization"), None);
    assert!(seen[0].header("x-strato-authenticate").is_none());
    sb.next_call_works().await;
}

/// Toward its cloud, the host authenticates with HTTP Basic and removes
/// the marker header.
#[tokio::test]
async fn basic_auth_is_added_by_the_host_toward_the_cloud() {
    let server = TestServer::start();
    let spec = cloud(
        &server.url(""),
        Some(credential(
            "userpass",
            "admin",
            &[("username", "alice"), ("password", "hunter2")],
        )),
    );
    let mut sb = Sandbox::open(Grants::default(), spec).await;
    let outcome = sb
        .attack(&format!("get-signed:basic|{}", server.url("/echo")))
        .await;
    assert!(outcome.starts_with("ok status=200"), "{outcome}");
    let seen = server.requests();
    assert_eq!(seen.len(), 1);
    // base64("alice:hunter2")
    assert_eq!(
        seen[0].header("authorization"),
        Some("Basic YWxpY2U6aHVudGVyMg==")
    );
    assert_eq!(seen[0].header("x-strato-authenticate"), None);
    sb.expect_event(Capability::Sign, Decision::Allowed, "127.0.0.1", "basic")
        .await;
    // A marker that does not fit the credential is refused.
    let outcome = sb
        .attack(&format!(
            "get-signed:aws-sigv4 service=ec2 region=us-east-1|{}",
            server.url("/echo")
        ))
        .await;
    assert_guest_error(&outcome, &["http-request-denied"]);
    sb.expect_event(Capability::Sign, Decision::Denied, "127.0.0.1", "")
        .await;
    assert_eq!(server.requests().len(), 1);
    sb.next_call_works().await;
}

#[tokio::test]
async fn reading_a_secret_attribute_without_a_grant_is_denied() {
    let mut sb = Sandbox::open(Grants::default(), cloud("", Some(aws_credential()))).await;
    let outcome = sb.attack("reveal:secret-key").await;
    assert_guest_error(&outcome, &["unauthorized"]);
    assert!(!outcome.contains(SECRET_KEY));
    let event = sb
        .expect_event(Capability::Reveal, Decision::Denied, "secret-key", "")
        .await;
    assert!(!format!("{event:?}").contains(SECRET_KEY));

    // What the guest sees of the credential: the auth type and the access
    // key, whether through the credential interface or the cloud spec.
    let seen = sb.attack("credential").await;
    assert!(seen.contains("auth=access-key"), "{seen}");
    assert!(seen.contains(&format!("access-key={ACCESS_KEY}")), "{seen}");
    let in_spec = sb.attack("cloud-credential").await;
    for view in [&seen, &in_spec] {
        assert!(!view.contains("secret-key"), "{view}");
        assert!(!view.contains(SECRET_KEY), "{view}");
    }
    sb.next_call_works().await;
}

#[tokio::test]
async fn a_granted_reveal_is_audited_and_only_what_was_granted() {
    let grants = Grants {
        reveal: vec!["secret-key".into()],
        ..Grants::default()
    };
    let mut sb = Sandbox::open(grants, cloud("", Some(aws_credential()))).await;
    assert_eq!(
        sb.attack("reveal:secret-key").await,
        format!("ok {SECRET_KEY}")
    );
    let event = sb
        .expect_event(Capability::Reveal, Decision::Allowed, "secret-key", "")
        .await;
    assert!(
        !event.to_string().contains(SECRET_KEY),
        "the audit record holds the secret: {event}"
    );
    // Declared by the guest but not granted by the operator.
    let outcome = sb.attack("reveal:password").await;
    assert!(outcome.starts_with("err "), "{outcome}");
    sb.expect_event(Capability::Reveal, Decision::Denied, "password", "")
        .await;
    sb.next_call_works().await;
}
