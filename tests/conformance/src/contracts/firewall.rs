//! LiveTests TestPorts and TestGlobalPorts, with Juju's exact error strings.

use strato_runtime::Environ;
use strato_runtime::types::{IngressRule, Value};

use crate::ensure;
use crate::params::{rule, rule_order, rule_string};
use crate::{CallExt, Check, Ctx, Fixture, expect_err, set_attr};

use super::instances::started_id;

const ANY: &[&str] = &["0.0.0.0/0"];

fn strings(rules: &[IngressRule]) -> Vec<String> {
    rules.iter().map(rule_string).collect()
}

/// Rules must come back exactly as `want`, and sorted.
fn check_rules(got: &[IngressRule], want: &[IngressRule], what: &str) -> Check {
    let mut sorted = got.to_vec();
    sorted.sort_by(rule_order);
    ensure!(
        strings(&sorted) == strings(got),
        "{what}: expected rules sorted by protocol, then port range, got {:?}",
        strings(got)
    );
    ensure!(
        strings(got) == strings(want),
        "{what}: expected {:?}, got {:?}",
        strings(want),
        strings(got)
    );
    Ok(())
}

fn mode_fixture(cx: &Ctx, mode: &str) -> Fixture {
    cx.fixture()
        .clone()
        .with_config("firewall-mode", serde_json::json!(mode))
}

/// The error of a call that must fail with exactly `message`.
fn check_message<T: std::fmt::Debug>(
    result: strato_runtime::Result<T>,
    what: &str,
    message: &str,
) -> Check {
    let e = expect_err(result, what, &format!("error `{message}`"))?;
    ensure!(
        e.to_string() == message,
        "{what}: expected error `{message}`, got `{e}`"
    );
    Ok(())
}

/// Starts machines "1" and "2"; returns their instance ids.
async fn two_machines(cx: &Ctx, env: &Environ) -> Check<(String, String)> {
    let id1 = started_id(&cx.start(env, "1").await?)?;
    let id2 = started_id(&cx.start(env, "2").await?)?;
    Ok((id1, id2))
}

/// TestPorts, per-instance part.
pub async fn instance_ports(cx: &Ctx) -> Check {
    let env = cx.prepared_with(&mode_fixture(cx, "instance")).await?;
    let (id1, id2) = two_machines(cx, &env).await?;
    let rules_of = |id: &str, m: &str| {
        let (env, id, m) = (env.clone(), id.to_string(), m.to_string());
        async move {
            env.instance_ingress_rules(&id, &m)
                .await
                .call(&format!("IngressRules(instance {id}, machine {m})"))
        }
    };

    check_rules(
        &rules_of(&id1, "1").await?,
        &[],
        "initial IngressRules of machine 1",
    )?;
    check_rules(
        &rules_of(&id2, "2").await?,
        &[],
        "initial IngressRules of machine 2",
    )?;

    env.open_instance_ports(
        &id1,
        "1",
        &[
            rule("udp", 67, 67, &[]),
            rule("tcp", 45, 45, &[]),
            rule("tcp", 80, 100, &[]),
        ],
    )
    .await
    .call("OpenPorts(machine 1, udp 67, tcp 45, tcp 80-100)")?;
    let m1 = vec![
        rule("tcp", 45, 45, ANY),
        rule("tcp", 80, 100, ANY),
        rule("udp", 67, 67, ANY),
    ];
    check_rules(
        &rules_of(&id1, "1").await?,
        &m1,
        "IngressRules of machine 1 after OpenPorts",
    )?;
    check_rules(
        &rules_of(&id2, "2").await?,
        &[],
        "IngressRules of machine 2 after opening ports on machine 1 (crosstalk)",
    )?;

    env.open_instance_ports(
        &id2,
        "2",
        &[
            rule("tcp", 89, 89, &[]),
            rule("tcp", 45, 45, &[]),
            rule("tcp", 20, 30, &[]),
        ],
    )
    .await
    .call("OpenPorts(machine 2, tcp 89, tcp 45, tcp 20-30)")?;
    let m2 = vec![
        rule("tcp", 20, 30, ANY),
        rule("tcp", 45, 45, ANY),
        rule("tcp", 89, 89, ANY),
    ];
    check_rules(
        &rules_of(&id2, "2").await?,
        &m2,
        "IngressRules of machine 2",
    )?;
    check_rules(
        &rules_of(&id1, "1").await?,
        &m1,
        "IngressRules of machine 1 after opening ports on machine 2 (crosstalk)",
    )?;

    env.open_instance_ports(&id2, "2", &[rule("tcp", 45, 45, &[])])
        .await
        .call("OpenPorts(machine 2, tcp 45) again")?;
    check_rules(
        &rules_of(&id2, "2").await?,
        &m2,
        "IngressRules of machine 2 after re-opening tcp 45",
    )?;

    env.open_instance_ports(
        &id2,
        "2",
        &[rule("tcp", 45, 45, &[]), rule("tcp", 99, 99, &[])],
    )
    .await
    .call("OpenPorts(machine 2, tcp 45, tcp 99)")?;
    let mut m2b = m2.clone();
    m2b.push(rule("tcp", 99, 99, ANY));
    check_rules(
        &rules_of(&id2, "2").await?,
        &m2b,
        "IngressRules of machine 2 after opening tcp 45 (open) and tcp 99 (new)",
    )?;

    env.close_instance_ports(
        &id2,
        "2",
        &[
            rule("tcp", 45, 45, &[]),
            rule("tcp", 99, 99, &[]),
            rule("tcp", 20, 30, &[]),
        ],
    )
    .await
    .call("ClosePorts(machine 2, tcp 45, tcp 99, tcp 20-30)")?;
    let m2c = vec![rule("tcp", 89, 89, ANY)];
    check_rules(
        &rules_of(&id2, "2").await?,
        &m2c,
        "IngressRules of machine 2 after ClosePorts",
    )?;

    env.close_instance_ports(
        &id2,
        "2",
        &[
            rule("tcp", 111, 111, &[]),
            rule("udp", 222, 222, &[]),
            rule("tcp", 600, 700, &[]),
        ],
    )
    .await
    .call("ClosePorts(machine 2, ports that were never open)")?;
    check_rules(
        &rules_of(&id2, "2").await?,
        &m2c,
        "IngressRules of machine 2 after closing ports that were never open",
    )
}

/// TestPorts, model-level part: errors in instance mode.
pub async fn instance_mode_model_ports(cx: &Ctx) -> Check {
    let env = cx.prepared_with(&mode_fixture(cx, "instance")).await?;
    two_machines(cx, &env).await?;
    let mode = "invalid firewall mode \"instance\"";
    check_message(
        env.open_ports(&[rule("tcp", 80, 80, &[])]).await,
        "model OpenPorts in instance mode",
        &format!("{mode} for opening ports on model"),
    )?;
    check_message(
        env.close_ports(&[rule("tcp", 80, 80, &[])]).await,
        "model ClosePorts in instance mode",
        &format!("{mode} for closing ports on model"),
    )?;
    check_message(
        env.ingress_rules().await,
        "model IngressRules in instance mode",
        &format!("{mode} for retrieving ingress rules from model"),
    )
}

/// Switches a prepared environ to global mode through `SetConfig`, as
/// TestGlobalPorts does: an environ must accept it even though model
/// config treats `firewall-mode` as immutable.
async fn global_env(cx: &Ctx) -> Check<Environ> {
    let env = cx.prepared_with(&mode_fixture(cx, "instance")).await?;
    let mut config = env.config().await.call("Config")?;
    set_attr(&mut config, "firewall-mode", Value::Text("global".into()));
    env.set_config(config)
        .await
        .call("SetConfig(firewall-mode=global)")?;
    Ok(env)
}

/// TestGlobalPorts, model-level part.
pub async fn global_ports(cx: &Ctx) -> Check {
    let env = global_env(cx).await?;
    cx.start(&env, "1").await?;
    check_rules(
        &env.ingress_rules()
            .await
            .call("IngressRules with 1 instance")?,
        &[],
        "model IngressRules with 1 instance",
    )?;
    cx.start(&env, "2").await?;
    check_rules(
        &env.ingress_rules()
            .await
            .call("IngressRules with 2 instances")?,
        &[],
        "model IngressRules with 2 instances",
    )?;

    env.open_ports(&[
        rule("udp", 67, 67, &[]),
        rule("tcp", 45, 45, &[]),
        rule("tcp", 89, 89, &[]),
        rule("tcp", 99, 99, &[]),
        rule("tcp", 100, 110, &[]),
    ])
    .await
    .call("model OpenPorts(udp 67, tcp 45, 89, 99, 100-110)")?;
    let want = vec![
        rule("tcp", 45, 45, ANY),
        rule("tcp", 89, 89, ANY),
        rule("tcp", 99, 99, ANY),
        rule("tcp", 100, 110, ANY),
        rule("udp", 67, 67, ANY),
    ];
    check_rules(
        &env.ingress_rules().await.call("IngressRules")?,
        &want,
        "model IngressRules after OpenPorts",
    )?;

    env.close_ports(&[rule("tcp", 99, 99, &[]), rule("udp", 67, 67, &[])])
        .await
        .call("model ClosePorts(tcp 99, udp 67)")?;
    let want = vec![
        rule("tcp", 45, 45, ANY),
        rule("tcp", 89, 89, ANY),
        rule("tcp", 100, 110, ANY),
    ];
    check_rules(
        &env.ingress_rules().await.call("IngressRules")?,
        &want,
        "model IngressRules after ClosePorts",
    )?;

    env.close_ports(&[
        rule("tcp", 111, 111, &[]),
        rule("udp", 222, 222, &[]),
        rule("tcp", 600, 700, &[]),
    ])
    .await
    .call("model ClosePorts(ports that were never open)")?;
    check_rules(
        &env.ingress_rules().await.call("IngressRules")?,
        &want,
        "model IngressRules after closing ports that were never open",
    )
}

/// TestGlobalPorts, instance-level part: errors in global mode.
pub async fn global_mode_instance_ports(cx: &Ctx) -> Check {
    let env = global_env(cx).await?;
    let id1 = started_id(&cx.start(&env, "1").await?)?;
    let mode = "invalid firewall mode \"global\"";
    check_message(
        env.open_instance_ports(&id1, "1", &[rule("tcp", 80, 80, &[])])
            .await,
        "instance OpenPorts in global mode",
        &format!("{mode} for opening ports on instance"),
    )?;
    check_message(
        env.close_instance_ports(&id1, "1", &[rule("tcp", 80, 80, &[])])
            .await,
        "instance ClosePorts in global mode",
        &format!("{mode} for closing ports on instance"),
    )?;
    check_message(
        env.instance_ingress_rules(&id1, "1").await,
        "instance IngressRules in global mode",
        &format!("{mode} for retrieving ingress rules from instance"),
    )
}
