//! Networking contracts and the `Supports*` helpers.

use strato_runtime::OptionalInterface;

use crate::ensure;
use crate::{CallExt, Check, Ctx, expect_err};

use super::instances::started_id;

/// `environs.SupportsNetworking` / `SupportsSpaces` /
/// `SupportsContainerAddresses` answer from the exports plus the provider's
/// own answer: without `networking` all three are false.
pub async fn supports_helpers(cx: &Ctx) -> Check {
    let env = cx.prepared().await?;
    let exports = env.provider().supports(OptionalInterface::Networking);
    let networking = strato_runtime::supports_networking(&env).await;
    ensure!(
        networking == exports,
        "SupportsNetworking: expected {exports} (the component {} networking), got {networking}",
        if exports {
            "exports"
        } else {
            "does not export"
        }
    );
    let spaces = strato_runtime::supports_spaces(&env).await;
    let containers = strato_runtime::supports_container_addresses(&env).await;
    if !exports {
        ensure!(
            !spaces && !containers,
            "without networking, expected SupportsSpaces and SupportsContainerAddresses false, got {spaces} and {containers}"
        );
        return Ok(());
    }
    let own = env.supports_spaces().await;
    let expected = matches!(own, Ok(true));
    ensure!(
        spaces == expected,
        "SupportsSpaces: expected {expected} (the provider answered {own:?}), got {spaces}"
    );
    Ok(())
}

/// §3.4.29, for the godoc's one-instance `NetworkInterfaces`.
pub async fn network_interfaces(cx: &Ctx) -> Check {
    let env = cx.prepared().await?;
    let id0 = started_id(&cx.start(&env, "0").await?)?;
    env.network_interfaces(&id0)
        .await
        .call(&format!("NetworkInterfaces({id0})"))?;
    Ok(())
}

/// §3.4.30.
pub async fn subnets_unknown(cx: &Ctx) -> Check {
    let env = cx.prepared().await?;
    let unknown = vec!["no-such-subnet".to_string()];
    expect_err(
        env.subnets("", &unknown).await,
        "Subnets(\"\", [no-such-subnet])",
        "an error (unknown subnet id)",
    )?;
    Ok(())
}
