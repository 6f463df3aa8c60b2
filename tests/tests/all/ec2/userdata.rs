//! The user data an EC2 instance boots with, read back from moto
//! (`DescribeInstanceAttribute userData`) and decoded as cloud-init would:
//! base64, gunzip, `#cloud-config` YAML.

use serde_json::{Value, json};
use strato_runtime::Error;
use strato_runtime::environs::bootstrap::{
    bootstrap_instance, with_default_controller_constraints,
};
use strato_runtime::types::ErrorKind;
use strato_tests::conformance::params::{bootstrap_params, start_params};
use strato_tests::moto::Moto;

use super::{Ec2, fixture, start_moto};

/// The instance's user data as JSON, after base64 → gunzip → YAML, or
/// `null` without user data.
fn user_data(moto: &Moto, id: &str) -> (String, Value) {
    let out = moto
        .boto3(&format!(
            "import base64, gzip, json, yaml\n\
             a = ec2.describe_instance_attribute(InstanceId='{id}', Attribute='userData')\n\
             raw = base64.b64decode(a['UserData']['Value'])\n\
             text = gzip.decompress(raw).decode()\n\
             print(json.dumps({{'header': text.splitlines()[0], 'doc': yaml.safe_load(text)}}))"
        ))
        .unwrap_or_else(|e| panic!("{e}"));
    let v: Value = serde_json::from_str(out.trim()).unwrap_or_else(|e| panic!("{out}: {e}"));
    (
        v["header"].as_str().unwrap_or_default().to_string(),
        v["doc"].clone(),
    )
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn instances_boot_with_juju_s_cloud_init() {
    let moto = start_moto();
    let f = fixture(&moto, None).with_config(
        "cloudinit-userdata",
        json!("packages: [htop]\npreruncmd: [echo model-pre]\npostruncmd: [echo model-post]\n"),
    );
    let ec2 = Ec2::open(&f).await;

    let mut params = start_params(&f, "7", "machine-7:5f3c-nonce");
    let icfg = params.instance_config.as_mut().expect("instance config");
    icfg.authorized_keys = "ssh-ed25519 AAAAC3Nza-key-one alice@laptop\n".into();
    icfg.enable_os_refresh_update = true;
    icfg.enable_os_upgrade = false;
    let tools_url = icfg.tools[0].url.clone();
    let tools_sha = icfg.tools[0].sha256.clone();
    let started = ec2.env.start_instance(params).await.expect("start");
    let (header, doc) = user_data(&moto, &started.instance.id);

    assert_eq!(header, "#cloud-config");
    assert_eq!(
        strings(&doc["ssh_authorized_keys"]),
        ["ssh-ed25519 AAAAC3Nza-key-one alice@laptop"]
    );
    assert_eq!(doc["package_update"], json!(true));
    assert_eq!(doc["package_upgrade"], json!(false));
    let packages = strings(&doc["packages"]);
    assert!(packages.contains(&"htop".to_string()), "{packages:?}");
    assert!(packages.contains(&"curl".to_string()), "{packages:?}");
    let run = strings(&doc["runcmd"]);
    assert_eq!(run.first().map(String::as_str), Some("echo model-pre"));
    assert_eq!(run.last().map(String::as_str), Some("echo model-post"));
    let script = run.join("\n");
    assert!(
        script.contains("'machine-7:5f3c-nonce' > /var/lib/juju/nonce.txt"),
        "{script}"
    );
    assert!(script.contains(&tools_url), "{script}");
    assert!(
        script.contains(&tools_sha) && script.contains("sha256sum -c"),
        "{script}"
    );
    assert!(script.contains("nonce: machine-7:5f3c-nonce"), "{script}");
    assert!(script.contains("localhost:17070"), "{script}");
    assert!(
        script.contains("systemctl start jujud-machine-7.service"),
        "{script}"
    );

    // The instance config's cloud-init-user-data (JSON) is used when given.
    let mut params = start_params(&f, "8", "machine-8:nonce");
    params
        .instance_config
        .as_mut()
        .expect("instance config")
        .cloud_init_user_data = Some(r#"{"packages": ["jq"], "bootcmd": ["echo early"]}"#.into());
    let started = ec2.env.start_instance(params).await.expect("start 8");
    let (_, doc) = user_data(&moto, &started.instance.id);
    let packages = strings(&doc["packages"]);
    assert!(packages.contains(&"jq".to_string()), "{packages:?}");
    assert_eq!(strings(&doc["bootcmd"]), ["echo early"]);
}

#[tokio::test]
async fn user_data_over_16_kib_is_refused_in_every_zone() {
    let moto = start_moto();
    // Incompressible commands: about 40 KiB of pseudo-random hex.
    let mut x: u64 = 7;
    let lines: Vec<String> = (0..600)
        .map(|_| {
            let mut s = String::from("echo ");
            for _ in 0..8 {
                x = x
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                s.push_str(&format!("{:x}", x >> 8));
            }
            s
        })
        .collect();
    let f = fixture(&moto, None).with_config(
        "cloudinit-userdata",
        json!(format!(
            "postruncmd:\n{}",
            lines
                .iter()
                .map(|l| format!("  - {l}\n"))
                .collect::<String>()
        )),
    );
    let ec2 = Ec2::open(&f).await;
    match ec2
        .env
        .start_instance(start_params(&f, "1", "machine-1:nonce"))
        .await
    {
        Err(Error::Provider(e)) => {
            assert_eq!(e.kind, ErrorKind::NotValid, "{e:?}");
            assert!(e.zone_independent, "{e:?}");
            assert!(e.message.contains("after gzip"), "{e:?}");
            assert!(e.message.contains("16384"), "{e:?}");
        }
        other => panic!("expected the user data to be refused, got {other:?}"),
    }
    assert!(ec2.env.all_instances().await.expect("all").is_empty());

    // `runcmd` in the model's cloudinit-userdata is refused as Juju does.
    let f = fixture(&moto, None).with_config("cloudinit-userdata", json!("runcmd: [ls]\n"));
    let ec2 = Ec2::open(&f).await;
    let e = ec2
        .env
        .start_instance(start_params(&f, "1", "machine-1:nonce"))
        .await
        .expect_err("runcmd");
    assert!(e.to_string().contains("preruncmd or postruncmd"), "{e}");
}

#[tokio::test]
async fn the_bootstrap_machine_is_controller_sized_with_basic_user_data() {
    let moto = start_moto();
    let f = fixture(&moto, None)
        .with_config(
            "authorized-keys",
            json!("ssh-ed25519 AAAAC3Nza-admin admin@ops"),
        )
        .with_config("cloudinit-userdata", json!("packages: [htop]\n"));
    let ec2 = Ec2::open(&f).await;
    let mut params = bootstrap_params(&f);
    params.bootstrap_constraints =
        with_default_controller_constraints(params.bootstrap_constraints);
    let machine = bootstrap_instance(&ec2.env, &params)
        .await
        .expect("bootstrap instance");
    let id = machine.result.instance.id.clone();
    // mem=3.5G, no cpu-power default for a controller: the cheapest with 4 GiB.
    let hw = machine.result.hardware.clone().expect("hardware");
    assert_eq!(hw.mem, Some(4096), "{hw:?}");
    let kind = moto
        .boto3(&format!(
            "print(ec2.describe_instances(InstanceIds=['{id}'])['Reservations'][0]['Instances'][0]['InstanceType'])"
        ))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(kind.trim(), "t3a.medium");
    // Keys and packages only: Juju sets the agent up over SSH afterwards.
    let (header, doc) = user_data(&moto, &id);
    assert_eq!(header, "#cloud-config");
    assert_eq!(
        strings(&doc["ssh_authorized_keys"]),
        ["ssh-ed25519 AAAAC3Nza-admin admin@ops"]
    );
    assert!(
        strings(&doc["packages"]).contains(&"htop".to_string()),
        "{doc}"
    );
    assert!(doc.get("runcmd").is_none(), "{doc}");
}
