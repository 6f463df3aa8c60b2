//! A machine's cloud-init user data, made as the provider makes it.

use std::io::Write as _;

use base64::Engine as _;

use super::Model;

/// The cloud-init user data of a machine: a `#cloud-config` document with
/// Juju's packages and the agent's set-up commands, gzipped and base64'd.
pub(super) fn user_data(
    m: &Model,
    machine_id: &str,
    nonce: &str,
) -> std::result::Result<String, String> {
    let tag = format!("machine-{machine_id}");
    let data = "/var/lib/juju";
    let mut yaml = String::from("#cloud-config\npackage_update: false\npackage_upgrade: false\n");
    yaml.push_str("packages:\n");
    for p in ["curl", "cpu-checker", "bridge-utils", "cloud-utils", "tmux"] {
        yaml.push_str(&format!("- {p}\n"));
    }
    let commands = [
        "set -xe".to_string(),
        format!("install -D -m 644 /dev/null '{data}/nonce.txt'"),
        format!("printf '%s\\n' '{nonce}' > '{data}/nonce.txt'"),
        format!("mkdir -p {data}/tools/2.9.0-{}-amd64", m.series),
        format!(
            "curl -sSf --retry 10 -o $bin/tools.tar.gz 'https://example.invalid/tools/2.9.0-{}-amd64.tgz'",
            m.series
        ),
        "sha256sum $bin/tools.tar.gz > $bin/juju2.9.0.sha256".to_string(),
        "grep 0000000000000000000000000000000000000000000000000000000000000000 $bin/juju2.9.0.sha256 || (echo 'tools checksum mismatch'; exit 1)".to_string(),
        "tar zxf $bin/tools.tar.gz -C $bin".to_string(),
        format!("mkdir -p '{data}/agents/{tag}'"),
        format!(
            "cat > '{data}/agents/{tag}/agent.conf' << 'EOF'\ntag: {tag}\nnonce: {nonce}\nmodel: model-{}\ncontroller: controller-{}\napiaddresses:\n- localhost:{}\nEOF",
            m.uuid, m.controller_uuid, m.api_port
        ),
        format!("chmod 0600 '{data}/agents/{tag}/agent.conf'"),
        format!("ln -sfn \"$bin\" {data}/tools/{tag}"),
        format!(
            "cat > /etc/systemd/system/jujud-{tag}.service << 'EOF'\n[Service]\nExecStart={data}/tools/{tag}/jujud machine --data-dir {data} --machine-id {machine_id} --debug\nRestart=on-failure\nEOF"
        ),
        format!("systemctl enable --now jujud-{tag}.service"),
    ];
    yaml.push_str("runcmd:\n");
    for c in commands {
        yaml.push_str("- |-\n");
        for line in c.lines() {
            yaml.push_str("  ");
            yaml.push_str(line);
            yaml.push('\n');
        }
    }
    yaml.push_str("output:\n  all: '| tee -a /var/log/cloud-init-output.log'\n");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(yaml.as_bytes()).map_err(|e| e.to_string())?;
    let zipped = gz.finish().map_err(|e| e.to_string())?;
    Ok(base64::engine::general_purpose::STANDARD.encode(zipped))
}
