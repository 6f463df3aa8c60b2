//! A native EC2 client: the baseline of the EC2-on-moto benchmark.
//!
//! It sends the requests one `start-instance` + `instances` +
//! `stop-instances` of the EC2 provider (`providers/ec2`) sends for a
//! machine of a model in `instance` firewall mode, in the same order and
//! with the same parameters, and does the same work around them — form
//! encoding, cloud-init user data (YAML, gzip, base64), the security group
//! reconciliation, XML parsing with quick-xml's serde — natively and
//! without a sandbox. The HTTP stack is the runtime's: SigV4 from
//! `aws-sigv4` with default settings, a fresh TCP connection per request
//! (`TCP_NODELAY`, as the runtime's send hook opens them), hyper 1's
//! HTTP/1 client connection over tokio.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::SystemTime;

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use bytes::Bytes;
use http::header::{CONTENT_TYPE, HOST};
use http_body_util::{BodyExt, Full};
use serde::de::DeserializeOwned;
use tokio::net::TcpStream;
use wasmtime_wasi_http::io::TokioIo;

/// The EC2 API version the provider names.
const API_VERSION: &str = "2016-11-15";
/// Tag keys Juju puts on cloud resources.
const TAG_MODEL: &str = "juju-model-uuid";
const TAG_CONTROLLER: &str = "juju-controller-uuid";
/// States `instances` reports (Juju's alive states).
const ALIVE: &[&str] = &["pending", "running"];

/// A failed EC2 call.
#[derive(Debug, Clone, PartialEq)]
pub enum Ec2Error {
    /// EC2 answered with an error document.
    Api {
        /// HTTP status.
        status: u16,
        /// EC2 error code.
        code: String,
        /// EC2 message.
        message: String,
    },
    /// No usable answer (connection, signing, XML).
    Transport(String),
}

impl Ec2Error {
    fn code(&self) -> &str {
        match self {
            Ec2Error::Api { code, .. } => code,
            Ec2Error::Transport(_) => "",
        }
    }
}

impl std::fmt::Display for Ec2Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Ec2Error::Api {
                status,
                code,
                message,
            } => write!(f, "{message} ({code}, HTTP {status})"),
            Ec2Error::Transport(e) => f.write_str(e),
        }
    }
}

impl std::error::Error for Ec2Error {}

type Result<T> = std::result::Result<T, Ec2Error>;

fn transport(what: &str) -> impl FnOnce(String) -> Ec2Error + '_ {
    move |e| Ec2Error::Transport(format!("{what}: {e}"))
}

/// What a model needs to be known by: the provider's configuration and
/// the parts of the instance config the requests carry.
#[derive(Debug, Clone)]
pub struct Model {
    /// `name` of the model config.
    pub name: String,
    /// `uuid` of the model config.
    pub uuid: String,
    /// The controller's uuid.
    pub controller_uuid: String,
    /// `image-id` of the model config.
    pub image_id: String,
    /// The instance type the provider picks for no constraints.
    pub instance_type: String,
    /// The API port (security group rule).
    pub api_port: u16,
    /// The series agents are built for.
    pub series: String,
}

/// What `instances` reports of one instance.
#[derive(Debug, Clone, PartialEq)]
pub struct Instance {
    /// `i-…`.
    pub id: String,
    /// EC2's state name.
    pub state: String,
    /// Public then private address, those EC2 gave.
    pub addresses: Vec<String>,
    /// Juju's architecture name.
    pub arch: String,
    /// The availability zone.
    pub zone: String,
}

/// An EC2 endpoint reached over plain HTTP (moto), a signing identity and
/// the model the calls are for.
#[derive(Debug)]
pub struct NativeEc2 {
    url: String,
    authority: String,
    addr: SocketAddr,
    region: String,
    access_key: String,
    secret_key: String,
    model: Model,
    sent: AtomicUsize,
}

impl NativeEc2 {
    /// A client of `endpoint` (`http://<ip>:<port>`) in `region`; no I/O.
    pub fn new(
        endpoint: &str,
        region: &str,
        access_key: &str,
        secret_key: &str,
        model: Model,
    ) -> Result<NativeEc2> {
        let authority = endpoint
            .strip_prefix("http://")
            .ok_or_else(|| Ec2Error::Transport(format!("{endpoint} is not http://ip:port")))?
            .trim_end_matches('/')
            .to_string();
        let addr = authority
            .parse::<SocketAddr>()
            .map_err(|e| Ec2Error::Transport(format!("{endpoint}: {e}")))?;
        Ok(NativeEc2 {
            url: format!("http://{authority}/"),
            authority,
            addr,
            region: region.to_string(),
            access_key: access_key.to_string(),
            secret_key: secret_key.to_string(),
            model,
            sent: AtomicUsize::new(0),
        })
    }

    /// Requests sent since the last time this was asked.
    pub fn requests(&self) -> usize {
        self.sent.swap(0, Ordering::Relaxed)
    }

    /// Signs and POSTs one form; returns the status and the body.
    async fn post(&self, form: String) -> Result<(u16, Bytes)> {
        self.sent.fetch_add(1, Ordering::Relaxed);
        let content_type = "application/x-www-form-urlencoded; charset=utf-8";
        // Per request, as the runtime's signer builds it.
        let identity = Credentials::new(
            self.access_key.as_str(),
            self.secret_key.as_str(),
            None,
            None,
            "strato-bench",
        )
        .into();
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region(&self.region)
            .name("ec2")
            .time(SystemTime::now())
            .settings(SigningSettings::default())
            .build()
            .map_err(|e| Ec2Error::Transport(e.to_string()))?
            .into();
        let headers = [
            ("host", self.authority.as_str()),
            ("content-type", content_type),
        ];
        let signable = SignableRequest::new(
            "POST",
            &self.url,
            headers.into_iter(),
            SignableBody::Bytes(form.as_bytes()),
        )
        .map_err(|e| Ec2Error::Transport(e.to_string()))?;
        let (instructions, _) = sign(signable, &params)
            .map_err(|e| Ec2Error::Transport(e.to_string()))?
            .into_parts();
        let mut request = http::Request::builder()
            .method("POST")
            .uri("/")
            .header(HOST, &self.authority)
            .header(CONTENT_TYPE, content_type)
            .body(Full::new(Bytes::from(form)))
            .map_err(|e| Ec2Error::Transport(e.to_string()))?;
        instructions.apply_to_request_http1x(&mut request);

        let tcp = TcpStream::connect(self.addr)
            .await
            .map_err(|e| Ec2Error::Transport(format!("connecting: {e}")))?;
        let _ = tcp.set_nodelay(true);
        let (mut sender, conn) = hyper::client::conn::http1::Builder::new()
            .handshake(TokioIo::new(tcp))
            .await
            .map_err(|e| Ec2Error::Transport(format!("handshake: {e}")))?;
        let driver = tokio::spawn(conn);
        let response = sender
            .send_request(request)
            .await
            .map_err(|e| Ec2Error::Transport(format!("request: {e}")))?;
        let status = response.status().as_u16();
        let body = response
            .into_body()
            .collect()
            .await
            .map_err(|e| Ec2Error::Transport(format!("response body: {e}")))?
            .to_bytes();
        drop(sender);
        let _ = driver.await;
        Ok((status, body))
    }

    /// Calls `action`; an error status becomes [`Ec2Error::Api`].
    async fn call_raw(&self, action: &str, params: &Params) -> Result<String> {
        let (status, body) = self.post(params.body(action)).await?;
        let text = String::from_utf8_lossy(&body).into_owned();
        if (200..300).contains(&status) {
            return Ok(text);
        }
        let (code, message) = parse_error(&text);
        Err(Ec2Error::Api {
            status,
            code,
            message,
        })
    }

    /// Calls `action` and parses its answer.
    async fn call<T: DeserializeOwned>(&self, action: &str, params: &Params) -> Result<T> {
        let text = self.call_raw(action, params).await?;
        quick_xml::de::from_str(&text).map_err(|e| Ec2Error::Transport(format!("{action}: {e}")))
    }

    /// `DescribeAvailabilityZones` of the region: (name, available).
    pub async fn zones(&self) -> Result<Vec<(String, bool)>> {
        let mut p = Params::default();
        p.filter("region-name", &[self.region.as_str()]);
        let r: ZonesResponse = self.call("DescribeAvailabilityZones", &p).await?;
        Ok((r.availability_zone_info.item.into_iter())
            .map(|z| (z.zone_name, z.zone_state == "available"))
            .collect())
    }

    /// The provider's `start-instance` for machine `machine_id` in `zone`:
    /// zone check, user data, the model group and the machine's group
    /// (created, or reconciled when they exist), `RunInstances`. Returns
    /// the instance id.
    pub async fn start_instance(
        &self,
        machine_id: &str,
        nonce: &str,
        zone: &str,
    ) -> Result<String> {
        let m = &self.model;
        if !zone.is_empty() {
            match self.zones().await?.iter().find(|(name, _)| name == zone) {
                Some((_, true)) => {}
                _ => return Err(Ec2Error::Transport(format!("zone {zone:?} not usable"))),
            }
        }
        let user_data = user_data(m, machine_id, nonce).map_err(transport("user data"))?;
        let group_tags = vec![
            (TAG_MODEL.to_string(), m.uuid.clone()),
            (TAG_CONTROLLER.to_string(), m.controller_uuid.clone()),
        ];
        let api_port = i32::from(m.api_port);
        let model_group = self
            .ensure_group(&format!("juju-{}", m.uuid), &group_tags, |id| {
                model_perms(id, api_port)
            })
            .await?;
        let machine_group = self
            .ensure_group(
                &format!("juju-{}-{machine_id}", m.uuid),
                &group_tags,
                |_| Vec::new(),
            )
            .await?;

        let mut p = Params::default();
        p.set("ImageId", &m.image_id)
            .set("InstanceType", &m.instance_type)
            .set("MinCount", "1")
            .set("MaxCount", "1")
            .set("UserData", &user_data)
            .set("BlockDeviceMapping.1.DeviceName", "/dev/sda1")
            .set("BlockDeviceMapping.1.Ebs.VolumeSize", "8")
            .set("SecurityGroupId.1", &model_group)
            .set("SecurityGroupId.2", &machine_group)
            .set("TagSpecification.1.ResourceType", "instance");
        let tags = [
            (
                "juju-machine-id",
                format!("{}-machine-{machine_id}", m.name),
            ),
            (TAG_MODEL, m.uuid.clone()),
            (TAG_CONTROLLER, m.controller_uuid.clone()),
            ("Name", format!("juju-{}-machine-{machine_id}", m.name)),
        ];
        for (i, (k, v)) in tags.iter().enumerate() {
            p.set(&format!("TagSpecification.1.Tag.{}.Key", i + 1), k);
            p.set(&format!("TagSpecification.1.Tag.{}.Value", i + 1), v);
        }
        let root_name = (
            "Name".to_string(),
            format!("juju-{}-machine-{machine_id}-root", m.name),
        );
        let volume_tags = group_tags.iter().chain(std::iter::once(&root_name));
        p.set("TagSpecification.2.ResourceType", "volume");
        for (i, (k, v)) in volume_tags.enumerate() {
            p.set(&format!("TagSpecification.2.Tag.{}.Key", i + 1), k);
            p.set(&format!("TagSpecification.2.Tag.{}.Value", i + 1), v);
        }
        if !zone.is_empty() {
            p.set("Placement.AvailabilityZone", zone);
        }
        let run: RunResponse = self.call("RunInstances", &p).await?;
        let instance = run.instances_set.item.into_iter().next();
        let instance = instance.ok_or_else(|| Ec2Error::Transport("no instance started".into()))?;
        Ok(to_instance(&instance).id)
    }

    /// The provider's `instances`: the model's alive instances among
    /// `ids`, one slot per id.
    pub async fn instances(&self, ids: &[String]) -> Result<Vec<Option<Instance>>> {
        let wanted: Vec<&str> = ids.iter().map(String::as_str).collect();
        let tag = format!("tag:{TAG_MODEL}");
        let found = self
            .describe(&[
                ("instance-state-name", ALIVE),
                ("instance-id", &wanted),
                (&tag, &[self.model.uuid.as_str()]),
            ])
            .await?;
        Ok(ids
            .iter()
            .map(|id| found.iter().find(|i| i.instance_id == *id).map(to_instance))
            .collect())
    }

    /// The provider's `stop-instances`: describe, terminate, then delete
    /// the machines' own security groups.
    pub async fn stop_instances(&self, ids: &[String]) -> Result<()> {
        let wanted: Vec<&str> = ids.iter().map(String::as_str).collect();
        let known = self.describe(&[("instance-id", &wanted)]).await?;
        let mut p = Params::default();
        for (i, id) in ids.iter().enumerate() {
            p.set(&format!("InstanceId.{}", i + 1), id);
        }
        let _: TerminateResponse = self.call("TerminateInstances", &p).await?;
        let uuid = &self.model.uuid;
        let keep = [format!("juju-{uuid}"), format!("juju-{uuid}-global")];
        let prefix = format!("juju-{uuid}-");
        let mut doomed: Vec<&str> = (known.iter())
            .flat_map(|i| i.group_set.item.iter())
            .filter(|g| g.group_name.starts_with(&prefix) && !keep.contains(&g.group_name))
            .map(|g| g.group_id.as_str())
            .collect();
        doomed.sort_unstable();
        doomed.dedup();
        for id in doomed {
            let mut p = Params::default();
            p.set("GroupId", id);
            self.call_raw("DeleteSecurityGroup", &p).await?;
        }
        Ok(())
    }

    /// `DescribeInstances` with `filters` (one page: the benchmark's
    /// answers are small).
    async fn describe(&self, filters: &[(&str, &[&str])]) -> Result<Vec<Ec2Instance>> {
        let mut p = Params::default();
        for (name, values) in filters {
            p.filter(name, values);
        }
        let r: InstancesResponse = self.call("DescribeInstances", &p).await?;
        Ok((r.reservation_set.item.into_iter())
            .flat_map(|r| r.instances_set.item)
            .collect())
    }

    /// Juju's `ensureGroup`: create and tag and authorize, or reconcile
    /// the existing group's permissions. Returns the group id.
    async fn ensure_group(
        &self,
        name: &str,
        tags: &[(String, String)],
        wanted: impl Fn(&str) -> Vec<Perm>,
    ) -> Result<String> {
        let mut p = Params::default();
        p.set("GroupName", name)
            .set("GroupDescription", "juju group");
        match self
            .call::<CreateGroupResponse>("CreateSecurityGroup", &p)
            .await
        {
            Ok(created) => {
                let mut p = Params::default();
                p.set("ResourceId.1", &created.group_id);
                for (i, (k, v)) in tags.iter().enumerate() {
                    p.set(&format!("Tag.{}.Key", i + 1), k);
                    p.set(&format!("Tag.{}.Value", i + 1), v);
                }
                self.call_raw("CreateTags", &p).await?;
                self.change_perms(
                    "AuthorizeSecurityGroupIngress",
                    &created.group_id,
                    &wanted(&created.group_id),
                )
                .await?;
                Ok(created.group_id)
            }
            Err(e) if e.code() == "InvalidGroup.Duplicate" => {
                let mut p = Params::default();
                p.filter("group-name", &[name]);
                let r: GroupsResponse = self.call("DescribeSecurityGroups", &p).await?;
                let group = (r.security_group_info.item.into_iter())
                    .find(|g| g.group_name == name)
                    .ok_or_else(|| Ec2Error::Transport(format!("group {name} vanished")))?;
                let want = wanted(&group.group_id);
                let have = perms_of(&group);
                let extra: Vec<Perm> = have.iter().filter(|p| !want.contains(p)).cloned().collect();
                let missing: Vec<Perm> =
                    want.iter().filter(|p| !have.contains(p)).cloned().collect();
                self.change_perms("RevokeSecurityGroupIngress", &group.group_id, &extra)
                    .await?;
                self.change_perms("AuthorizeSecurityGroupIngress", &group.group_id, &missing)
                    .await?;
                Ok(group.group_id)
            }
            Err(e) => Err(e),
        }
    }

    async fn change_perms(&self, action: &str, group_id: &str, perms: &[Perm]) -> Result<()> {
        if perms.is_empty() {
            return Ok(());
        }
        let mut p = Params::default();
        p.set("GroupId", group_id);
        for (i, perm) in perms.iter().enumerate() {
            let n = i + 1;
            p.set(&format!("IpPermissions.{n}.IpProtocol"), &perm.protocol);
            p.set(
                &format!("IpPermissions.{n}.FromPort"),
                &perm.from.to_string(),
            );
            p.set(&format!("IpPermissions.{n}.ToPort"), &perm.to.to_string());
            let (key, value) = match &perm.source {
                Source::Cidr(c) => ("IpRanges.1.CidrIp", c),
                Source::Group(g) => ("Groups.1.GroupId", g),
            };
            p.set(&format!("IpPermissions.{n}.{key}"), value);
        }
        self.call_raw(action, &p).await.map(drop)
    }
}

fn to_instance(i: &Ec2Instance) -> Instance {
    let addresses = [&i.ip_address, &i.private_ip_address]
        .into_iter()
        .filter(|a| !a.is_empty())
        .cloned()
        .collect();
    let arch = match i.architecture.as_str() {
        "x86_64" => "amd64".to_string(),
        other => other.to_string(),
    };
    Instance {
        id: i.instance_id.clone(),
        state: i.instance_state.name.clone(),
        addresses,
        arch,
        zone: i.placement.availability_zone.clone(),
    }
}

/// The first `Code` and `Message` of an EC2 error document.
fn parse_error(text: &str) -> (String, String) {
    let doc: ErrorDocument = quick_xml::de::from_str(text).unwrap_or_default();
    let item = (doc.errors.and_then(|l| l.error.into_iter().next()))
        .or(doc.error)
        .filter(|i| !i.code.is_empty());
    match item {
        Some(i) => (i.code, i.message),
        None => ("UnknownError".into(), text.chars().take(200).collect()),
    }
}

mod params;
mod perms;
mod userdata;
mod xml;

use params::Params;
use perms::{Perm, Source, model_perms, perms_of};
use userdata::user_data;
use xml::*;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_and_errors() {
        let mut p = Params::default();
        p.filter("tag:a", &["x y"]).filter("b", &["1", "2"]);
        assert_eq!(
            p.body("DescribeInstances"),
            "Action=DescribeInstances&Version=2016-11-15&Filter.1.Name=tag%3Aa&Filter.1.Value.1=x+y\
             &Filter.2.Name=b&Filter.2.Value.1=1&Filter.2.Value.2=2"
        );
        let xml = "<Response><Errors><Error><Code>InvalidGroup.Duplicate</Code>\
                   <Message>dup</Message></Error></Errors></Response>";
        assert_eq!(
            parse_error(xml),
            ("InvalidGroup.Duplicate".into(), "dup".into())
        );
    }
}
