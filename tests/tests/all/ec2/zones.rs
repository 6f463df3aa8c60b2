//! A zone out of capacity: the provider's failure is zone-specific (the
//! host may try another zone) and the next zone works.

use strato_runtime::Error;
use strato_tests::conformance::params::start_params;
use strato_tests::moto::Moto;

use super::{Ec2, fixture};

#[tokio::test]
async fn a_zone_out_of_capacity_is_zone_specific_and_the_next_zone_works() {
    let moto = Moto::start_failing_zones(&["us-east-1a"]).unwrap_or_else(|e| panic!("moto: {e}"));
    let f = fixture(&moto, None);
    let ec2 = Ec2::open(&f).await;

    let mut params = start_params(&f, "0", "nonce-0");
    params.availability_zone = "us-east-1a".into();
    match ec2.env.start_instance(params.clone()).await {
        Err(Error::Provider(e)) => {
            assert!(e.message.contains("InsufficientInstanceCapacity"), "{e:?}");
            assert!(
                !e.zone_independent,
                "a capacity failure is zone-specific: {e:?}"
            );
        }
        other => panic!("expected a capacity failure, got {other:?}"),
    }
    assert!(ec2.env.all_instances().await.expect("all").is_empty());

    params.availability_zone = "us-east-1b".into();
    let started = ec2.env.start_instance(params).await.expect("the next zone");
    assert_eq!(
        started
            .hardware
            .and_then(|h| h.availability_zone)
            .as_deref(),
        Some("us-east-1b")
    );
    // No zone asked for: EC2 places it, the fault is not hit.
    let started = ec2
        .env
        .start_instance(start_params(&f, "1", "nonce-1"))
        .await
        .expect("no zone");
    assert!(started.instance.id.starts_with("i-"));
}
