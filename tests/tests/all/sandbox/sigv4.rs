//! SigV4 checked by an independent verifier: moto, with signature checking
//! on, answers the guest's `DescribeRegions` that the host signed, while the
//! guest never held the secret; a wrong secret gets `AuthFailure`.

use strato_runtime::Grants;
use strato_runtime::audit::{Capability, Decision};
use strato_tests::moto::{self, Moto};

use super::{Sandbox, assert_guest_error, cloud, credential};

const MARKER: &str = "aws-sigv4 service=ec2 region=us-east-1";
const DESCRIBE_REGIONS: &str = "Action=DescribeRegions&Version=2016-11-15";

fn start_moto() -> Moto {
    Moto::start().unwrap_or_else(|e| panic!("moto: {e}"))
}

/// The harness itself: moto answers boto3 when signed with the user's key,
/// and refuses a wrong secret.
#[test]
fn moto_verifies_the_signatures_boto3_makes() {
    let moto = start_moto();
    let out = moto
        .boto3(
            "print(len(ec2.describe_regions()['Regions']))\n\
             try:\n    bad.describe_regions()\n    print('accepted')\n\
             except Exception as e:\n    print(type(e).__name__, e)",
        )
        .unwrap_or_else(|e| panic!("{e}"));
    let mut lines = out.lines();
    let regions: u32 = lines
        .next()
        .and_then(|l| l.trim().parse().ok())
        .unwrap_or_else(|| panic!("boto3 said {out:?}"));
    assert!(regions > 0, "{out}");
    let refused = lines.next().unwrap_or_default();
    assert!(refused.contains("AuthFailure"), "a wrong secret: {refused}");
    assert_eq!(moto::REGION, "us-east-1");
}

#[tokio::test]
async fn a_signed_request_passes_moto_while_the_guest_never_holds_the_secret() {
    let moto = start_moto();
    let endpoint = moto.endpoint().to_string();
    let secret = moto.secret_key().to_string();
    let spec = cloud(
        &endpoint,
        Some(credential(
            "access-key",
            "moto-user",
            &[("access-key", moto.access_key()), ("secret-key", &secret)],
        )),
    );
    let mut sb = Sandbox::open(Grants::default(), spec).await;

    let outcome = sb
        .attack(&format!(
            "post-signed:{MARKER}|{endpoint}/|{DESCRIBE_REGIONS}"
        ))
        .await;
    assert!(
        outcome.starts_with("ok status=200"),
        "moto refused the host's signature: {outcome}\nmoto's log:\n{}",
        moto.log()
    );
    assert!(outcome.contains("DescribeRegionsResponse"), "{outcome}");
    let event = sb
        .expect_event(
            Capability::Sign,
            Decision::Allowed,
            "127.0.0.1",
            "aws-sigv4",
        )
        .await;
    assert_eq!(event.credential, "moto-user");
    sb.expect_event(Capability::Network, Decision::Allowed, "127.0.0.1", "")
        .await;

    // The guest could not have signed it: no secret in any view it has.
    let reveal = sb.attack("reveal:secret-key").await;
    assert_guest_error(&reveal, &["unauthorized"]);
    let seen = sb.attack("credential").await;
    let in_spec = sb.attack("cloud-credential").await;
    for view in [&reveal, &seen, &in_spec] {
        assert!(!view.contains(&secret), "the guest saw the secret: {view}");
    }
    assert!(seen.contains(moto.access_key()), "{seen}");
    for e in sb.events() {
        assert!(
            !format!("{e:?}").contains(&secret),
            "an audit event holds the secret: {e}"
        );
    }
    sb.next_call_works().await;
}

#[tokio::test]
async fn a_wrong_secret_gets_auth_failure_from_moto() {
    let moto = start_moto();
    let endpoint = moto.endpoint().to_string();
    let spec = cloud(
        &endpoint,
        Some(credential(
            "access-key",
            "wrong",
            &[
                ("access-key", moto.access_key()),
                ("secret-key", "not-the-secret-at-all"),
            ],
        )),
    );
    let mut sb = Sandbox::open(Grants::default(), spec).await;
    let outcome = sb
        .attack(&format!(
            "post-signed:{MARKER}|{endpoint}/|{DESCRIBE_REGIONS}"
        ))
        .await;
    assert!(outcome.starts_with("ok status=401"), "{outcome}");
    assert!(outcome.contains("AuthFailure"), "{outcome}");
    // The host signed (it cannot know the secret is wrong); moto refused.
    sb.expect_event(
        Capability::Sign,
        Decision::Allowed,
        "127.0.0.1",
        "aws-sigv4",
    )
    .await;
    sb.next_call_works().await;
}
