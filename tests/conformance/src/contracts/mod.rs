//! The contracts, grouped by the part of `environs` they exercise. Ids are
//! stable: tools and people refer to them.

mod credentials;
mod firewall;
mod instances;
mod lifecycle;
mod networking;
mod provider;

use super::Contract;

/// Builds a [`Contract`] from an `async fn(&Ctx) -> Check`.
macro_rules! contract {
    ($id:literal, $name:literal, [$($need:ident),*], $f:path) => {
        Contract {
            id: $id,
            name: $name,
            needs: &[$(strato_runtime::OptionalInterface::$need),*],
            run: |cx| Box::pin($f(cx)),
        }
    };
}

/// Every contract, in the order they run.
pub fn all() -> &'static [Contract] {
    CONTRACTS
}

static CONTRACTS: &[Contract] = &[
    // The provider (fact sheet §3.4 items 1–6).
    contract!(
        "registry",
        "Registry: a duplicate name or alias fails, an alias resolves, unregister removes aliases, an unknown name is not found",
        [],
        provider::registry
    ),
    contract!(
        "open-validates",
        "Open does no I/O and validates config: the fixture opens, invalid attributes fail",
        [],
        provider::open_validates
    ),
    contract!(
        "prepare-config-deterministic",
        "PrepareConfig is deterministic for the same input",
        [],
        provider::prepare_config_deterministic
    ),
    contract!(
        "validate-immutables",
        "Validate(cfg, old) rejects changes to immutable keys (name, type, uuid, firewall-mode, …)",
        [],
        provider::validate_immutables
    ),
    contract!(
        "credential-auth-types",
        "CredentialSchemas keys are exactly the supported auth types",
        [],
        provider::credential_auth_types
    ),
    contract!(
        "credential-hidden-attrs",
        "CredentialSchemas: the hidden attributes are exactly the secrets",
        [],
        provider::credential_hidden_attrs
    ),
    contract!(
        "detect-credentials",
        "DetectCredentials finds credentials or returns not-found",
        [],
        provider::detect_credentials
    ),
    // Instances (§3.1 TestStartStop, §3.2 LiveTests, §3.4 items 7–17).
    contract!(
        "start-stop",
        "TestStartStop: start 0 and 1, Instances in request order, AllInstances, stop 0 → ErrPartialInstances",
        [],
        instances::start_stop
    ),
    contract!(
        "instances-empty",
        "Instances(nil) → (nil, nil)",
        [],
        instances::instances_empty
    ),
    contract!(
        "instances-order-duplicates",
        "Instances(ids) keeps request order; duplicates allowed",
        [],
        instances::instances_order_duplicates
    ),
    contract!(
        "instances-none",
        "Instances(unknown ids) → ErrNoInstances",
        [],
        instances::instances_none
    ),
    contract!(
        "instances-partial",
        "Instances([id, \"\"]) → ErrPartialInstances with nil slot",
        [],
        instances::instances_partial
    ),
    contract!(
        "stop-unknown",
        "StopInstances with unknown ids succeeds; stopping twice is fine",
        [],
        instances::stop_unknown
    ),
    contract!(
        "stop-removes",
        "After StopInstances the instance is gone from Instances (ErrNoInstances) and AllInstances",
        [],
        instances::stop_removes
    ),
    contract!(
        "all-instances-once",
        "AllInstances lists each started instance exactly once",
        [],
        instances::all_instances_once
    ),
    contract!(
        "start-hardware",
        "StartInstance returns an instance with hardware Arch, Mem and CpuCores",
        [],
        instances::start_hardware
    ),
    contract!(
        "start-empty-nonce",
        "StartInstance with an empty nonce fails with `missing machine nonce` and leaves nothing running",
        [],
        instances::start_empty_nonce
    ),
    contract!(
        "start-zone-independent",
        "StartInstance failures no zone can fix are zone independent; zone failures are not",
        [],
        instances::start_zone_independent
    ),
    contract!(
        "precheck-empty",
        "PrecheckInstance(series precise, empty constraints) → nil",
        [],
        instances::precheck_empty
    ),
    // Bootstrap and teardown (§3.1 TestBootstrap, §3.2, §3.4 items 21–28).
    // A provider whose `bootstrap` answers `not-implemented` is bootstrapped
    // by the host (`common.Bootstrap`), as Juju does.
    contract!(
        "bootstrap",
        "TestBootstrap: bootstrap, ControllerInstances non-empty and stable across re-open, destroy, bootstrap again",
        [],
        lifecycle::bootstrap
    ),
    contract!(
        "controller-instances-not-bootstrapped",
        "ControllerInstances before bootstrap → ErrNotBootstrapped",
        [],
        lifecycle::controller_instances_not_bootstrapped
    ),
    contract!(
        "bootstrap-twice",
        "TestBootstrapMultiple: a second Bootstrap fails (provider bootstrap only); after Destroy twice, Bootstrap works again",
        [],
        lifecycle::bootstrap_twice
    ),
    contract!(
        "destroy-idempotent",
        "Destroy removes the instances and is idempotent",
        [],
        lifecycle::destroy_idempotent
    ),
    contract!(
        "destroy-controller",
        "DestroyController removes the controller's instances",
        [],
        lifecycle::destroy_controller
    ),
    contract!(
        "adopt-resources",
        "AdoptResources re-tags resources or does nothing, without error",
        [],
        lifecycle::adopt_resources
    ),
    contract!(
        "constraints-validator",
        "ConstraintsValidator declares conflicting and unsupported attributes",
        [],
        lifecycle::constraints_validator
    ),
    contract!(
        "instance-types",
        "InstanceTypes returns matching types sorted by cost, with cost metadata",
        [],
        lifecycle::instance_types
    ),
    // Firewall (§3.2 TestPorts, TestGlobalPorts, §3.4 items 18–20).
    contract!(
        "instance-ports",
        "TestPorts: per-instance open/close/list, idempotent, sorted, 0.0.0.0/0 by default, no crosstalk",
        [InstanceFirewaller],
        firewall::instance_ports
    ),
    contract!(
        "instance-mode-model-ports",
        "TestPorts: in instance mode the model-level port calls fail with `invalid firewall mode \"instance\" …`",
        [Firewaller],
        firewall::instance_mode_model_ports
    ),
    contract!(
        "global-ports",
        "TestGlobalPorts: SetConfig firewall-mode=global, model-level open/close/list, sorted",
        [Firewaller],
        firewall::global_ports
    ),
    contract!(
        "global-mode-instance-ports",
        "TestGlobalPorts: in global mode the instance-level port calls fail with `invalid firewall mode \"global\" …`",
        [InstanceFirewaller],
        firewall::global_mode_instance_ports
    ),
    // Networking (§3.4 items 29–31) and the Supports* helpers.
    contract!(
        "supports-helpers",
        "SupportsNetworking/SupportsSpaces/SupportsContainerAddresses agree with the exports",
        [],
        networking::supports_helpers
    ),
    contract!(
        "network-interfaces",
        "NetworkInterfaces of a started instance succeeds",
        [Networking],
        networking::network_interfaces
    ),
    contract!(
        "subnets-unknown",
        "Subnets with an unknown subnet id fails",
        [Networking],
        networking::subnets_unknown
    ),
    contract!(
        "invalidate-credential",
        "A credential the cloud rejects triggers InvalidateCredential",
        [],
        credentials::invalidate_credential
    ),
];
