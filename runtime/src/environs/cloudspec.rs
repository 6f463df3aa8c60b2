//! Cloud specs on the host: Juju's `MakeCloudSpec`, `CloudSpec.Validate`
//! and `NewRegionSpec` (`environs/cloudspec.go`).
//!
//! A [`CloudSpec`] is what a provider is opened with: the cloud's type and
//! name, one region and its endpoints, the credential and the CA
//! certificates. The host builds it from a cloud definition ([`Cloud`]),
//! the region the user picked and the credential, exactly as Juju does:
//!
//! ```
//! use strato_runtime::environs::cloudspec::{make_cloud_spec, validate_cloud_spec};
//! use strato_runtime::types::{Cloud, Region};
//!
//! let cloud = Cloud {
//!     name: "mycloud".into(),
//!     cloud_type: "openstack".into(),
//!     host_cloud_region: String::new(),
//!     description: String::new(),
//!     auth_types: vec!["userpass".into()],
//!     endpoint: "https://keystone.example.com".into(),
//!     identity_endpoint: String::new(),
//!     storage_endpoint: String::new(),
//!     regions: vec![Region {
//!         name: "RegionOne".into(),
//!         endpoint: "https://one.example.com".into(),
//!         identity_endpoint: String::new(),
//!         storage_endpoint: String::new(),
//!     }],
//!     config: Vec::new(),
//!     region_config: Vec::new(),
//!     ca_certificates: Vec::new(),
//! };
//! // The region is matched case-insensitively; its endpoints win.
//! let spec = make_cloud_spec(&cloud, "regionone", None)?;
//! assert_eq!(spec.endpoint, "https://one.example.com");
//! validate_cloud_spec(&spec)?;
//! // An unknown region is a not-found error naming the known ones.
//! let err = make_cloud_spec(&cloud, "RegionTwo", None).unwrap_err();
//! assert!(err.is_not_found());
//! # Ok::<(), strato_runtime::Error>(())
//! ```

use crate::error::{Error, Result};
use crate::types::{Cloud, CloudSpec, Credential, Region};

/// `environs.MakeCloudSpec`: the cloud spec for `region` of `cloud`, with
/// `credential` (`None` when the cloud needs none).
///
/// The spec starts with the cloud's type, name, endpoints and CA
/// certificates; `region` is kept as given. A non-empty `region` must name
/// one of the cloud's regions, compared case-insensitively (Juju's
/// `cloud.RegionByName`), else the result is an [`Error::NotFound`]:
/// `getting cloud region definition: region "x" not found (expected one of
/// ["a" "b"])`. When that region sets any endpoint, its three endpoints
/// replace the cloud's (all three, as in Juju: an endpoint the region leaves
/// empty becomes empty). An empty `region` means no region: the cloud's
/// endpoints stay.
pub fn make_cloud_spec(
    cloud: &Cloud,
    region: &str,
    credential: Option<&Credential>,
) -> Result<CloudSpec> {
    let mut spec = CloudSpec {
        cloud_type: cloud.cloud_type.clone(),
        name: cloud.name.clone(),
        region: region.to_string(),
        endpoint: cloud.endpoint.clone(),
        identity_endpoint: cloud.identity_endpoint.clone(),
        storage_endpoint: cloud.storage_endpoint.clone(),
        credential: credential.cloned(),
        ca_certificates: cloud.ca_certificates.clone(),
    };
    if !region.is_empty() {
        let found = region_by_name(&cloud.regions, region)
            .map_err(|e| Error::NotFound(format!("getting cloud region definition: {e}")))?;
        if !region_is_empty(found) {
            spec.endpoint = found.endpoint.clone();
            spec.identity_endpoint = found.identity_endpoint.clone();
            spec.storage_endpoint = found.storage_endpoint.clone();
        }
    }
    Ok(spec)
}

/// `cloud.RegionByName`: the region called `name`, compared
/// case-insensitively; else Juju's message listing the known names, sorted.
fn region_by_name<'a>(regions: &'a [Region], name: &str) -> Result<&'a Region, String> {
    if let Some(r) = regions.iter().find(|r| eq_fold(&r.name, name)) {
        return Ok(r);
    }
    let mut names: Vec<&str> = regions.iter().map(|r| r.name.as_str()).collect();
    names.sort_unstable();
    Err(format!(
        "region {} not found (expected one of {})",
        go_quote(name),
        go_quote_list(&names)
    ))
}

/// Go's `strings.EqualFold` (Unicode simple case folding, approximated by
/// comparing lowercase forms).
fn eq_fold(a: &str, b: &str) -> bool {
    a == b || a.to_lowercase() == b.to_lowercase()
}

/// `cloud.Region.IsEmpty`: no endpoint set.
fn region_is_empty(r: &Region) -> bool {
    r.endpoint.is_empty() && r.identity_endpoint.is_empty() && r.storage_endpoint.is_empty()
}

/// Go's `%q` of a string (Rust's debug quoting matches it for the names
/// that occur here).
fn go_quote(s: &str) -> String {
    format!("{s:?}")
}

/// Go's `%q` of a `[]string`: `["a" "b"]`.
fn go_quote_list(items: &[&str]) -> String {
    let quoted: Vec<String> = items.iter().map(|s| go_quote(s)).collect();
    format!("[{}]", quoted.join(" "))
}

/// `CloudSpec.Validate`: the type is set and the name is a valid cloud
/// name (`names.IsValidCloud`: a letter or digit, then letters, digits,
/// `.`, `_` or `-`). It does not check that the type is a known provider or
/// that the credential is valid. Errors are [`Error::NotValid`] in Juju's
/// words: `empty Type not valid`, `cloud name "x y" not valid`.
pub fn validate_cloud_spec(spec: &CloudSpec) -> Result<()> {
    if spec.cloud_type.is_empty() {
        return Err(Error::NotValid("empty Type not valid".into()));
    }
    if !is_valid_cloud_name(&spec.name) {
        return Err(Error::NotValid(format!(
            "cloud name {} not valid",
            go_quote(&spec.name)
        )));
    }
    Ok(())
}

/// `names.IsValidCloud`: `^[a-zA-Z0-9][a-zA-Z0-9._-]*$`.
pub fn is_valid_cloud_name(name: &str) -> bool {
    let mut chars = name.chars();
    match chars.next() {
        Some(c) if c.is_ascii_alphanumeric() => {
            chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        }
        _ => false,
    }
}

/// `environs.RegionSpec`: the cloud and region whose region-specific
/// configuration applies to a new model (model-config composition on the
/// host; it never crosses the WIT).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RegionSpec {
    /// The name of the cloud.
    pub cloud: String,
    /// The name of the cloud region.
    pub region: String,
}

/// `environs.NewRegionSpec`: a [`RegionSpec`], provided neither argument
/// is empty; else [`Error::NotValid`] with Juju's message `cloud and region
/// are required to be non empty strings`.
///
/// ```
/// use strato_runtime::environs::cloudspec::new_region_spec;
/// let spec = new_region_spec("aws", "us-east-1")?;
/// assert_eq!((spec.cloud.as_str(), spec.region.as_str()), ("aws", "us-east-1"));
/// assert!(new_region_spec("aws", "").is_err());
/// # Ok::<(), strato_runtime::Error>(())
/// ```
pub fn new_region_spec(cloud: &str, region: &str) -> Result<RegionSpec> {
    if cloud.is_empty() || region.is_empty() {
        return Err(Error::NotValid(
            "cloud and region are required to be non empty strings".into(),
        ));
    }
    Ok(RegionSpec {
        cloud: cloud.to_string(),
        region: region.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn region(name: &str, endpoint: &str, identity: &str, storage: &str) -> Region {
        Region {
            name: name.into(),
            endpoint: endpoint.into(),
            identity_endpoint: identity.into(),
            storage_endpoint: storage.into(),
        }
    }

    fn cloud() -> Cloud {
        Cloud {
            name: "mycloud".into(),
            cloud_type: "openstack".into(),
            host_cloud_region: String::new(),
            description: String::new(),
            auth_types: Vec::new(),
            endpoint: "cloud-ep".into(),
            identity_endpoint: "cloud-id".into(),
            storage_endpoint: "cloud-st".into(),
            regions: vec![
                region("Region-Two", "", "", ""),
                region("RegionOne", "one-ep", "one-id", "one-st"),
                region("partial", "", "partial-id", ""),
            ],
            config: Vec::new(),
            region_config: Vec::new(),
            ca_certificates: vec!["cert".into()],
        }
    }

    // Region lookup and endpoint override, as MakeCloudSpec does them.
    #[test]
    fn make_cloud_spec_table() {
        type Row = (&'static str, [&'static str; 3]);
        let rows: [Row; 6] = [
            // No region: the cloud's endpoints.
            ("", ["cloud-ep", "cloud-id", "cloud-st"]),
            // Exact and case-folded names: the region's endpoints.
            ("RegionOne", ["one-ep", "one-id", "one-st"]),
            ("regionone", ["one-ep", "one-id", "one-st"]),
            ("REGIONONE", ["one-ep", "one-id", "one-st"]),
            // A region without endpoints keeps the cloud's.
            ("region-two", ["cloud-ep", "cloud-id", "cloud-st"]),
            // A region with some endpoint replaces all three.
            ("partial", ["", "partial-id", ""]),
        ];
        for (name, [ep, id, st]) in rows {
            let spec = make_cloud_spec(&cloud(), name, None).unwrap();
            assert_eq!(
                (
                    spec.endpoint.as_str(),
                    spec.identity_endpoint.as_str(),
                    spec.storage_endpoint.as_str()
                ),
                (ep, id, st),
                "region {name:?}"
            );
            // The region is kept as the caller spelled it.
            assert_eq!(spec.region, name);
            assert_eq!(spec.cloud_type, "openstack");
            assert_eq!(spec.name, "mycloud");
            assert_eq!(spec.ca_certificates, ["cert"]);
            assert!(spec.credential.is_none());
        }
    }

    // The credential is copied into the spec unchanged.
    #[test]
    fn make_cloud_spec_keeps_the_credential() {
        let cred = Credential {
            auth_type: "userpass".into(),
            attributes: vec![("username".into(), "u".into())],
            revoked: false,
            label: "mine".into(),
            invalid: false,
            invalid_reason: String::new(),
        };
        let spec = make_cloud_spec(&cloud(), "", Some(&cred)).unwrap();
        assert_eq!(spec.credential, Some(cred));
    }

    // An unknown region is a not-found error listing the sorted names.
    #[test]
    fn unknown_region_is_not_found() {
        let err = make_cloud_spec(&cloud(), "nowhere", None).unwrap_err();
        assert!(err.is_not_found(), "{err:?}");
        assert_eq!(
            err.to_string(),
            "getting cloud region definition: region \"nowhere\" not found \
             (expected one of [\"Region-Two\" \"RegionOne\" \"partial\"])"
        );
        let no_regions = Cloud {
            regions: Vec::new(),
            ..cloud()
        };
        let err = make_cloud_spec(&no_regions, "r", None).unwrap_err();
        assert_eq!(
            err.to_string(),
            "getting cloud region definition: region \"r\" not found (expected one of [])"
        );
    }

    // CloudSpec.Validate: type set, name per names.IsValidCloud.
    #[test]
    fn validate_table() {
        let rows: [(&str, &str, Option<&str>); 9] = [
            ("ec2", "aws", None),
            ("ec2", "aws-china", None),
            ("openstack", "my_cloud.v2", None),
            ("lxd", "0cloud", None),
            ("", "aws", Some("empty Type not valid")),
            ("ec2", "", Some("cloud name \"\" not valid")),
            ("ec2", "-aws", Some("cloud name \"-aws\" not valid")),
            ("ec2", "my cloud", Some("cloud name \"my cloud\" not valid")),
            ("ec2", "clöud", Some("cloud name \"clöud\" not valid")),
        ];
        for (cloud_type, name, want) in rows {
            let spec = CloudSpec {
                cloud_type: cloud_type.into(),
                name: name.into(),
                ..make_cloud_spec(&cloud(), "", None).unwrap()
            };
            match (validate_cloud_spec(&spec), want) {
                (Ok(()), None) => {}
                (Err(e), Some(msg)) => {
                    assert!(e.is_not_valid(), "{e:?}");
                    assert_eq!(e.to_string(), msg);
                }
                (got, want) => panic!("{cloud_type:?}/{name:?}: got {got:?}, want {want:?}"),
            }
        }
    }

    // NewRegionSpec: neither argument may be empty.
    #[test]
    fn region_spec_table() {
        let rows = [
            ("aws", "us-east-1", true),
            ("", "us-east-1", false),
            ("aws", "", false),
            ("", "", false),
        ];
        for (cloud, region, ok) in rows {
            match new_region_spec(cloud, region) {
                Ok(spec) if ok => assert_eq!(
                    spec,
                    RegionSpec {
                        cloud: cloud.into(),
                        region: region.into()
                    }
                ),
                Err(e) if !ok => {
                    assert!(e.is_not_valid());
                    assert_eq!(
                        e.to_string(),
                        "cloud and region are required to be non empty strings"
                    );
                }
                other => panic!("{cloud:?}/{region:?}: {other:?}"),
            }
        }
    }
}
