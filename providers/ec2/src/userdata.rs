//! The user data an instance boots with, as Juju's `AmazonRenderer` makes
//! it: a `#cloud-config` document (YAML), gzipped, base64-encoded for
//! `RunInstances`' `UserData`.
//!
//! From the instance config, as Juju's `providerinit.ComposeUserData`:
//! the SSH keys (`authorized-keys`), `package_update` / `package_upgrade`
//! (`enable-os-refresh-update` / `enable-os-upgrade`), Juju's packages, and
//! in `runcmd` the machine agent's setup — nonce file, agent binaries
//! fetched from the tools URL and checked against their SHA-256, the agent
//! configuration (machine tag, nonce, API addresses), a systemd unit
//! running `jujud machine`. A bootstrap machine gets only the basic part
//! (keys and packages): Juju sets its agent up over SSH when finishing
//! the bootstrap.
//!
//! The model's `cloudinit-userdata` (the instance config's JSON, else the
//! model config's YAML) is merged as Juju does: `packages` added to Juju's,
//! `preruncmd` before Juju's commands and `postruncmd` after them, `runcmd`
//! refused, any other key copied (the user's `package_update` and
//! `package_upgrade` win over the model's settings).

use std::io::Write;

use base64::Engine;
use serde::Serialize;
use serde_json::{Map, Value};
use strato_guest::types::{InstanceConfig, Tools, VersionNumber};
use strato_guest::{Error, Result};

/// The largest user data EC2 accepts (after gzip, before base64).
pub const MAX_USER_DATA: usize = 16 << 10;

/// Juju's data, log and systemd directories on the machine.
const DATA_DIR: &str = "/var/lib/juju";
const LOG_DIR: &str = "/var/log/juju";
const SYSTEMD_DIR: &str = "/etc/systemd/system";

/// The packages Juju installs on every Ubuntu machine.
const JUJU_PACKAGES: &[&str] = &["curl", "cpu-checker", "bridge-utils", "cloud-utils", "tmux"];

/// Keys of the cloud config Juju writes itself and a user may not set.
const JUJU_KEYS: &[&str] = &["ssh_authorized_keys", "packages", "runcmd", "output"];

/// The `#cloud-config` document.
#[derive(Serialize)]
struct CloudConfig {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    ssh_authorized_keys: Vec<String>,
    package_update: bool,
    package_upgrade: bool,
    packages: Vec<Value>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    runcmd: Vec<Value>,
    output: Map<String, Value>,
    #[serde(flatten)]
    extra: Map<String, Value>,
}

/// The machine agent's `agent.conf` (Juju's format 2.0, the keys a
/// machine agent needs to reach its controller the first time).
#[derive(Serialize)]
struct AgentConf<'a> {
    tag: String,
    datadir: &'a str,
    logdir: &'a str,
    nonce: &'a str,
    jobs: &'a [String],
    #[serde(rename = "upgradedToVersion")]
    upgraded_to_version: String,
    cacert: &'a str,
    controller: &'a str,
    model: &'a str,
    apiaddresses: &'a [String],
    oldpassword: &'a str,
    values: Map<String, Value>,
}

/// Juju's `version.Number.String`: `2.8.0`, `2.8-beta1`, `2.8.0.1`.
pub fn version_string(v: &VersionNumber) -> String {
    let mut s = if v.tag.is_empty() {
        format!("{}.{}.{}", v.major, v.minor, v.patch)
    } else {
        format!("{}.{}-{}{}", v.major, v.minor, v.tag, v.patch)
    };
    if v.build > 0 {
        s.push_str(&format!(".{}", v.build));
    }
    s
}

/// `sh` single quoting.
fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r#"'"'"'"#))
}

/// The model's `cloudinit-userdata` as a map: the instance config's JSON
/// when the host filled it, else the model config's YAML text.
fn user_overrides(icfg: &InstanceConfig, model_yaml: &str) -> Result<Map<String, Value>> {
    let value: Value = match &icfg.cloud_init_user_data {
        Some(json) if !json.trim().is_empty() => serde_json::from_str(json)
            .map_err(|e| Error::not_valid(format!("instance config cloud-init-user-data: {e}")))?,
        _ if model_yaml.trim().is_empty() => return Ok(Map::new()),
        _ => serde_saphyr::from_str(model_yaml)
            .map_err(|e| Error::not_valid(format!("cloudinit-userdata: {e}")))?,
    };
    match value {
        Value::Object(m) => Ok(m),
        Value::Null => Ok(Map::new()),
        _ => Err(Error::not_valid("cloudinit-userdata: expected a map")),
    }
}

/// A list of commands or packages from the user's map (`key: [..]`).
fn take_list(m: &mut Map<String, Value>, key: &str) -> Result<Vec<Value>> {
    match m.remove(key) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(v)) => Ok(v),
        Some(_) => Err(Error::not_valid(format!(
            "cloudinit-userdata: {key} must be a list"
        ))),
    }
}

/// A boolean the user's map may override (`package_upgrade: false`).
fn user_bool(m: &mut Map<String, Value>, key: &str, default: bool) -> Result<bool> {
    match m.remove(key) {
        None | Some(Value::Null) => Ok(default),
        Some(Value::Bool(b)) => Ok(b),
        Some(_) => Err(Error::not_valid(format!(
            "cloudinit-userdata: {key} must be true or false"
        ))),
    }
}

/// The agent binaries for the machine: of `arch` if any, else the first.
fn tools_for<'a>(icfg: &'a InstanceConfig, extra: &'a [Tools], arch: &str) -> Option<&'a Tools> {
    let all = || icfg.tools.iter().chain(extra);
    all().find(|t| t.arch == arch).or_else(|| all().next())
}

/// The machine agent's setup as `runcmd` lines (Juju's `ConfigureJuju`).
fn agent_commands(icfg: &InstanceConfig, tools: Option<&Tools>) -> Result<Vec<String>> {
    let Some(api) = icfg.api_info.as_ref() else {
        return Err(Error::not_valid("instance config has no API info"));
    };
    let Some(tools) = tools else {
        return Err(Error::not_valid("instance config has no agent binaries"));
    };
    let machine = &icfg.machine_id;
    let tag = format!("machine-{}", machine.replace('/', "-"));
    let version = version_string(&tools.version);
    let binary = format!("{version}-{}-{}", tools.series, tools.arch);
    let bin = format!("{DATA_DIR}/tools/{binary}");
    let agent_dir = format!("{DATA_DIR}/agents/{tag}");
    let service = format!("jujud-{tag}");

    let mut values = Map::new();
    values.insert("AGENT_SERVICE_NAME".into(), service.clone().into());
    values.insert(
        "CONTAINER_TYPE".into(),
        icfg.machine_container_type.clone().into(),
    );
    for (k, v) in &icfg.agent_environment {
        values.insert(k.clone(), v.clone().into());
    }
    let conf = AgentConf {
        tag: tag.clone(),
        datadir: DATA_DIR,
        logdir: LOG_DIR,
        nonce: &icfg.machine_nonce,
        jobs: &icfg.jobs,
        upgraded_to_version: version.clone(),
        cacert: &api.ca_cert,
        controller: &icfg.controller_tag,
        model: &api.model_tag,
        apiaddresses: &api.addrs,
        oldpassword: &api.password,
        values,
    };
    let conf = serde_saphyr::to_string(&conf)
        .map_err(|e| Error::other(format!("rendering agent.conf: {e}")))?;
    let tools_json = serde_json::json!({
        "version": binary,
        "url": tools.url,
        "sha256": tools.sha256,
        "size": tools.size,
    });
    let unit = format!(
        "[Unit]\nDescription=juju agent for {tag}\nAfter=syslog.target\nAfter=network.target\n\
         After=systemd-user-sessions.service\n\n[Service]\nLimitNOFILE=64000\n\
         ExecStart={DATA_DIR}/tools/{tag}/jujud machine --data-dir {DATA_DIR} --machine-id {machine} --debug\n\
         Restart=on-failure\nTimeoutSec=300\n\n[Install]\nWantedBy=multi-user.target\n"
    );
    Ok(vec![
        "set -xe".into(),
        format!("mkdir -p {DATA_DIR}/locks {LOG_DIR} {agent_dir}"),
        format!(
            "install -m 644 /dev/null {DATA_DIR}/nonce.txt && printf '%s\\n' {} > {DATA_DIR}/nonce.txt",
            quote(&icfg.machine_nonce)
        ),
        format!("bin={}", quote(&bin)),
        "mkdir -p \"$bin\"".into(),
        format!(
            "echo {}",
            quote(&format!(
                "Fetching Juju agent version {version} for {}",
                tools.arch
            ))
        ),
        format!(
            "curl -sSfL --retry 10 -o \"$bin/tools.tar.gz\" {}",
            quote(&tools.url)
        ),
        format!(
            "printf '%s  %s\\n' {} \"$bin/tools.tar.gz\" | sha256sum -c - || (echo 'Tools checksum mismatch'; exit 1)",
            quote(&tools.sha256)
        ),
        "tar zxf \"$bin/tools.tar.gz\" -C \"$bin\" && rm \"$bin/tools.tar.gz\"".into(),
        format!(
            "printf '%s\\n' {} > \"$bin/downloaded-tools.txt\"",
            quote(&tools_json.to_string())
        ),
        format!("ln -sfn \"$bin\" {DATA_DIR}/tools/{tag}"),
        format!(
            "install -m 600 /dev/null {agent_dir}/agent.conf && printf '%s' {} > {agent_dir}/agent.conf",
            quote(&format!("# format 2.0\n{conf}"))
        ),
        format!(
            "printf '%s' {} > {SYSTEMD_DIR}/{service}.service",
            quote(&unit)
        ),
        format!(
            "systemctl daemon-reload && systemctl enable {service}.service && systemctl start {service}.service"
        ),
    ])
}

/// The `#cloud-config` YAML for `icfg` (`arch`: the architecture the
/// machine is started with; `tools`: agent binaries besides the instance
/// config's; `model_yaml`: the model's `cloudinit-userdata`).
pub fn cloud_config(
    icfg: &InstanceConfig,
    tools: &[Tools],
    arch: &str,
    model_yaml: &str,
) -> Result<String> {
    let mut user = user_overrides(icfg, model_yaml)?;
    if user.contains_key("runcmd") {
        return Err(Error::not_valid(
            "cloudinit-userdata: runcmd is not allowed, use preruncmd or postruncmd",
        ));
    }
    let pre = take_list(&mut user, "preruncmd")?;
    let post = take_list(&mut user, "postruncmd")?;
    let mut packages: Vec<Value> = JUJU_PACKAGES.iter().map(|p| (*p).into()).collect();
    for p in take_list(&mut user, "packages")? {
        if !packages.contains(&p) {
            packages.push(p);
        }
    }
    let package_update = user_bool(&mut user, "package_update", icfg.enable_os_refresh_update)?;
    let package_upgrade = user_bool(&mut user, "package_upgrade", icfg.enable_os_upgrade)?;
    for k in JUJU_KEYS {
        if user.remove(*k).is_some() {
            strato_guest::warn!("cloudinit-userdata: {k} is set by Juju; the model's is ignored");
        }
    }
    let mut runcmd = pre;
    if icfg.bootstrap.is_none() {
        let juju = agent_commands(icfg, tools_for(icfg, tools, arch))?;
        runcmd.extend(juju.into_iter().map(Value::from));
    }
    runcmd.extend(post);
    let mut output = Map::new();
    output.insert(
        "all".into(),
        "| tee -a /var/log/cloud-init-output.log".into(),
    );
    let config = CloudConfig {
        ssh_authorized_keys: icfg
            .authorized_keys
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(str::to_string)
            .collect(),
        package_update,
        package_upgrade,
        packages,
        runcmd,
        output,
        extra: user,
    };
    let yaml = serde_saphyr::to_string(&config)
        .map_err(|e| Error::other(format!("rendering cloud-init user data: {e}")))?;
    Ok(format!("#cloud-config\n{yaml}"))
}

/// Juju's `AmazonRenderer`: gzip, then base64 for `UserData`. More than
/// [`MAX_USER_DATA`] bytes after gzip is not valid in any zone.
pub fn encode(cloud_config: &str) -> Result<String> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(cloud_config.as_bytes())
        .map_err(|e| Error::other(format!("compressing user data: {e}")))?;
    let zipped = gz
        .finish()
        .map_err(|e| Error::other(format!("compressing user data: {e}")))?;
    if zipped.len() > MAX_USER_DATA {
        return Err(Error::not_valid(format!(
            "user data is {} bytes after gzip, more than EC2's limit of {MAX_USER_DATA}",
            zipped.len()
        ))
        .zone_independent());
    }
    Ok(base64::engine::general_purpose::STANDARD.encode(zipped))
}

/// [`cloud_config`] then [`encode`].
pub fn render(
    icfg: &InstanceConfig,
    tools: &[Tools],
    arch: &str,
    model_yaml: &str,
) -> Result<String> {
    encode(&cloud_config(icfg, tools, arch, model_yaml)?)
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use strato_guest::types::{ApiInfo, BootstrapConfig};

    use super::*;

    fn icfg() -> InstanceConfig {
        InstanceConfig {
            controller_tag: "controller-c0ffee".into(),
            machine_id: "3".into(),
            machine_nonce: "nonce-3".into(),
            series: "focal".into(),
            jobs: vec!["JobHostUnits".into()],
            authorized_keys: "ssh-ed25519 AAAAkey1 me@host\n\n# old\nssh-rsa AAAAkey2 you\n".into(),
            api_info: Some(ApiInfo {
                addrs: vec!["10.0.0.1:17070".into()],
                ca_cert: "CA".into(),
                tag: "machine-3".into(),
                password: "pw'd".into(),
                nonce: "nonce-3".into(),
                model_tag: "model-m1".into(),
            }),
            tools: vec![Tools {
                version: VersionNumber {
                    major: 2,
                    minor: 8,
                    tag: String::new(),
                    patch: 0,
                    build: 0,
                },
                series: "focal".into(),
                arch: "amd64".into(),
                url: "https://ctl:17070/tools/2.8.0-focal-amd64".into(),
                sha256: "ab".repeat(32),
                size: 1024,
            }],
            enable_os_refresh_update: true,
            ..Default::default()
        }
    }

    fn yaml(text: &str) -> Value {
        let body = text.strip_prefix("#cloud-config\n").expect("header");
        serde_saphyr::from_str(body).expect("yaml")
    }

    #[test]
    fn a_machine_gets_keys_packages_and_its_agent() {
        let text = cloud_config(&icfg(), &[], "amd64", "").expect("config");
        let v = yaml(&text);
        assert_eq!(
            v["ssh_authorized_keys"],
            serde_json::json!(["ssh-ed25519 AAAAkey1 me@host", "ssh-rsa AAAAkey2 you"])
        );
        assert_eq!(v["package_update"], Value::Bool(true));
        assert_eq!(v["package_upgrade"], Value::Bool(false));
        assert!(
            v["packages"]
                .as_array()
                .is_some_and(|p| p.contains(&"curl".into()))
        );
        let run: Vec<&str> = v["runcmd"]
            .as_array()
            .expect("runcmd")
            .iter()
            .filter_map(Value::as_str)
            .collect();
        let all = run.join("\n");
        assert!(all.contains("'nonce-3' > /var/lib/juju/nonce.txt"), "{all}");
        assert!(
            all.contains("https://ctl:17070/tools/2.8.0-focal-amd64"),
            "{all}"
        );
        assert!(all.contains(&format!("'{}'", "ab".repeat(32))), "{all}");
        assert!(all.contains("sha256sum -c -"), "{all}");
        assert!(
            all.contains("/var/lib/juju/agents/machine-3/agent.conf"),
            "{all}"
        );
        assert!(all.contains("nonce: nonce-3"), "{all}");
        assert!(all.contains("10.0.0.1:17070"), "{all}");
        assert!(
            all.contains("jujud machine --data-dir /var/lib/juju --machine-id 3"),
            "{all}"
        );
        assert!(
            all.contains("systemctl start jujud-machine-3.service"),
            "{all}"
        );
        // The password's quote is escaped for sh.
        assert!(all.contains(r#"pw'"'"'d"#), "{all}");
    }

    #[test]
    fn the_model_s_userdata_is_merged_as_juju_does() {
        let model = "packages: [htop, curl]\npreruncmd: [echo pre]\npostruncmd:\n  - echo post\n\
                     package_upgrade: true\npackage_update: false\nbootcmd: [echo boot]\n";
        let v = yaml(&cloud_config(&icfg(), &[], "amd64", model).expect("config"));
        let packages = v["packages"].as_array().expect("packages");
        assert_eq!(packages.iter().filter(|p| *p == "curl").count(), 1);
        assert!(packages.contains(&"htop".into()));
        let run = v["runcmd"].as_array().expect("runcmd");
        assert_eq!(run.first(), Some(&"echo pre".into()));
        assert_eq!(run.last(), Some(&"echo post".into()));
        assert_eq!(v["package_upgrade"], Value::Bool(true));
        assert_eq!(v["package_update"], Value::Bool(false));
        assert_eq!(v["bootcmd"], serde_json::json!(["echo boot"]));

        // The instance config's JSON comes first.
        let mut c = icfg();
        c.cloud_init_user_data = Some(r#"{"packages": ["jq"]}"#.into());
        let v = yaml(&cloud_config(&c, &[], "amd64", model).expect("config"));
        let packages = v["packages"].as_array().expect("packages");
        assert!(packages.contains(&"jq".into()) && !packages.contains(&"htop".into()));

        let e = cloud_config(&icfg(), &[], "amd64", "runcmd: [ls]").expect_err("runcmd");
        assert_eq!(e.kind, strato_guest::ErrorKind::NotValid);
        assert!(cloud_config(&icfg(), &[], "amd64", "packages: htop").is_err());
    }

    #[test]
    fn a_bootstrap_machine_gets_the_basics_only() {
        let mut c = icfg();
        c.bootstrap = Some(BootstrapConfig::default());
        c.api_info = None;
        let v = yaml(&cloud_config(&c, &[], "amd64", "preruncmd: [echo hi]").expect("config"));
        assert_eq!(v["runcmd"], serde_json::json!(["echo hi"]));
        assert!(v["ssh_authorized_keys"].is_array());
    }

    #[test]
    fn user_data_is_gzipped_base64_and_bounded() {
        let text = cloud_config(&icfg(), &[], "amd64", "").expect("config");
        let encoded = encode(&text).expect("encode");
        let zipped = base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .expect("base64");
        let mut back = String::new();
        flate2::read::GzDecoder::new(zipped.as_slice())
            .read_to_string(&mut back)
            .expect("gunzip");
        assert_eq!(back, text);

        // Incompressible text past 16 KiB.
        let mut noise = String::new();
        let mut x: u32 = 1;
        while noise.len() < 40_000 {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            noise.push_str(&format!("{x:08x}"));
        }
        let e = encode(&noise).expect_err("too big");
        assert_eq!(e.kind, strato_guest::ErrorKind::NotValid);
        assert!(e.zone_independent);
        assert!(e.message.contains("after gzip"), "{}", e.message);
    }

    #[test]
    fn versions_print_as_juju_does() {
        let v = |tag: &str, patch, build| VersionNumber {
            major: 2,
            minor: 8,
            tag: tag.into(),
            patch,
            build,
        };
        assert_eq!(version_string(&v("", 1, 0)), "2.8.1");
        assert_eq!(version_string(&v("beta", 1, 0)), "2.8-beta1");
        assert_eq!(version_string(&v("", 0, 3)), "2.8.0.3");
    }
}
