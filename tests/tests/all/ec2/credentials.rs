//! A secret key moto does not accept: the provider reports the credential
//! invalid to the host and fails with credential-not-valid.

use strato_runtime::Error;
use strato_runtime::audit::{Capability, Decision};
use strato_runtime::types::ErrorKind;

use super::{Ec2, fixture, start_moto};

#[tokio::test]
async fn a_wrong_secret_invalidates_the_credential() {
    let moto = start_moto();
    let f = fixture(&moto, Some("not-the-secret-key-at-all"));
    // Open does no I/O: it works whatever the secret.
    let mut ec2 = Ec2::open(&f).await;
    assert!(ec2.hooks.invalidated.lock().expect("lock").is_empty());

    match ec2.env.availability_zones().await {
        Err(Error::Provider(e)) => {
            assert_eq!(e.kind, ErrorKind::CredentialNotValid, "{e:?}");
            assert!(e.message.contains("AuthFailure"), "{e:?}");
        }
        other => panic!("expected credential-not-valid, got {other:?}"),
    }
    let start = ec2
        .env
        .start_instance(strato_tests::conformance::params::start_params(
            &f, "0", "n",
        ))
        .await;
    match start {
        Err(Error::Provider(e)) => assert_eq!(e.kind, ErrorKind::CredentialNotValid, "{e:?}"),
        other => panic!("expected credential-not-valid, got {other:?}"),
    }
    let invalidated = ec2.hooks.invalidated.lock().expect("lock").clone();
    assert_eq!(invalidated.len(), 2, "{invalidated:?}");
    assert!(invalidated[0].contains("AuthFailure"), "{invalidated:?}");

    // The host signed (it cannot know the secret is wrong) toward moto only.
    let events = ec2.events().await;
    assert!(events.iter().any(|e| e.capability == Capability::Sign));
    for e in events
        .iter()
        .filter(|e| e.capability == Capability::Network)
    {
        assert_eq!(e.decision, Decision::Allowed, "{e}");
        assert!(e.destination.starts_with(moto.endpoint()), "{e}");
    }
}
