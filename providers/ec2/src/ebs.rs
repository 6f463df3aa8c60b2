//! Juju's EBS storage provider (`provider/ec2/ebs.go`): the `ebs` provider
//! type, its `ebs-ssd` default pool, pool attributes (`volume-type`,
//! `iops`, `encrypted`), volume sizes and block device names.

use strato_guest::config::AttrsExt;
use strato_guest::types::{Attrs, StorageKind, StoragePool, StorageProviderInfo, StorageScope};
use strato_guest::{Error, Result};

/// The storage provider type.
pub const EBS: &str = "ebs";

/// Root disks are attached as this device; `ListVolumes` skips them.
pub const ROOT_DEVICE: &str = "/dev/sda1";

/// Names EC2 is asked for, and the kernel's names for them.
const DEVICE_PREFIX: &str = "/dev/sd";
const RENAMED_PREFIX: &str = "xvd";
/// NVMe instances show EBS volumes under this link, then the volume id
/// without its dash.
pub const NVME_LINK_PREFIX: &str = "/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_";

/// Juju's cap on the IOPS-per-GiB ratio, and on the IOPS of one volume.
const MAX_IOPS_RATIO: u64 = 50;
const MAX_IOPS: u64 = 64000;

/// `StorageProviderTypes`.
pub fn provider_types() -> Vec<String> {
    vec![EBS.to_string()]
}

/// `StorageProvider`: EBS is model-scoped, dynamic, releasable, block only.
pub fn provider(provider_type: &str) -> Result<StorageProviderInfo> {
    if provider_type != EBS {
        return Err(Error::not_found(format!(
            "storage provider {provider_type:?} not found"
        )));
    }
    let mut ssd = Attrs::new();
    ssd.set("volume-type", "ssd");
    Ok(StorageProviderInfo {
        provider_type: EBS.to_string(),
        scope: StorageScope::Environ,
        dynamic: true,
        releasable: true,
        supports: vec![StorageKind::Block],
        default_pools: vec![StoragePool {
            name: "ebs-ssd".into(),
            provider_type: EBS.into(),
            attrs: ssd,
        }],
    })
}

/// A pool's settings.
#[derive(Debug, Clone, PartialEq)]
pub struct EbsConfig {
    /// The EC2 volume type (`gp2`, `standard`, `io1`, `st1`, `sc1`).
    pub volume_type: String,
    /// IOPS per GiB (io1 only).
    pub iops: u64,
    pub encrypted: bool,
}

/// Juju's aliases of the EC2 volume types.
fn volume_type(name: &str) -> Option<&'static str> {
    Some(match name {
        "magnetic" | "standard" => "standard",
        "ssd" | "gp2" => "gp2",
        "provisioned-iops" | "io1" => "io1",
        "optimized-hdd" | "st1" => "st1",
        "cold-storage" | "sc1" => "sc1",
        _ => return None,
    })
}

/// Reads pool attributes (Juju's `newEbsConfig`).
pub fn config(attrs: &Attrs) -> Result<EbsConfig> {
    let name = attrs.text_or("volume-type", "ssd")?;
    let Some(volume_type) = volume_type(&name) else {
        return Err(Error::not_valid(format!(
            "volume-type: unknown EBS volume type {name:?}"
        )));
    };
    let iops = match attrs.get_int("iops")? {
        Some(n) => u64::try_from(n)
            .map_err(|_| Error::not_valid(format!("iops: expected a positive number, got {n}")))?,
        None => 0,
    };
    if iops > 0 && volume_type != "io1" {
        return Err(Error::not_valid(format!(
            "IOPS specified, but volume type is {volume_type:?}"
        )));
    }
    Ok(EbsConfig {
        volume_type: volume_type.to_string(),
        iops,
        encrypted: attrs.bool_or("encrypted", false)?,
    })
}

/// Checks that `pool` is an EBS pool with valid attributes.
pub fn pool_config(pool: &StoragePool) -> Result<EbsConfig> {
    if pool.provider_type != EBS {
        return Err(Error::not_supported(format!(
            "storage provider {:?} has no EBS volume source",
            pool.provider_type
        )));
    }
    config(&pool.attrs)
}

/// Juju's MiB → GiB (rounded up).
pub fn gib(mib: u64) -> u64 {
    mib.div_ceil(1024)
}

/// The size limits of a volume type in GiB.
fn size_range(volume_type: &str) -> (u64, u64) {
    match volume_type {
        "standard" => (1, 1024),
        "io1" => (4, 16384),
        "st1" | "sc1" => (500, 16384),
        _ => (1, 16384),
    }
}

/// What `CreateVolume` is asked for: size in GiB, type, IOPS, encryption
/// (Juju's `parseVolumeOptions` and `ValidateVolumeParams`).
#[derive(Debug, Clone, PartialEq)]
pub struct VolumeSpec {
    pub size_gib: u64,
    pub volume_type: String,
    pub iops: u64,
    pub encrypted: bool,
}

/// The volume to create for `size_mib` with `attrs` (pool attributes
/// merged into the volume's).
pub fn spec(size_mib: u64, attrs: &Attrs) -> Result<VolumeSpec> {
    let cfg = config(attrs)?;
    if cfg.iops > MAX_IOPS_RATIO {
        return Err(Error::not_valid(format!(
            "specified IOPS ratio is {}/GiB, maximum is {MAX_IOPS_RATIO}/GiB",
            cfg.iops
        )));
    }
    let size_gib = gib(size_mib);
    let (min, max) = size_range(&cfg.volume_type);
    if size_gib > max {
        return Err(Error::not_valid(format!(
            "{size_gib} GiB exceeds the maximum of {max} GiB"
        )));
    }
    if size_gib < min {
        return Err(Error::not_valid(format!(
            "{size_gib} GiB is below the minimum of {min} GiB for volume type {:?}",
            cfg.volume_type
        )));
    }
    Ok(VolumeSpec {
        size_gib,
        iops: (cfg.iops * size_gib).min(MAX_IOPS),
        volume_type: cfg.volume_type,
        encrypted: cfg.encrypted,
    })
}

/// Juju's `blockDeviceNamer` without numbers: `/dev/sdf` … `/dev/sdz` as
/// EC2 is asked, `xvdf` … `xvdz` as the kernel names them. `used` are the
/// names taken on the instance already (EC2 would refuse them).
pub fn device_names(used: &[String]) -> impl Iterator<Item = (String, String)> + '_ {
    (b'f'..=b'z')
        .map(|l| {
            let letter = l as char;
            (
                format!("{DEVICE_PREFIX}{letter}"),
                format!("{RENAMED_PREFIX}{letter}"),
            )
        })
        .filter(move |(request, _)| !used.contains(request))
}

/// The kernel's name of a device EC2 reports (`/dev/sdf` → `xvdf`).
pub fn renamed(device: &str) -> String {
    match device.strip_prefix(DEVICE_PREFIX) {
        Some(rest) => format!("{RENAMED_PREFIX}{rest}"),
        None => device.trim_start_matches("/dev/").to_string(),
    }
}

/// The by-id link of a volume on NVMe instances.
pub fn nvme_link(volume_id: &str) -> String {
    format!("{NVME_LINK_PREFIX}{}", volume_id.replace('-', ""))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attrs(pairs: &[(&str, &str)]) -> Attrs {
        let mut a = Attrs::new();
        for (k, v) in pairs {
            a.set(k, *v);
        }
        a
    }

    #[test]
    fn pools_default_to_gp2_and_know_the_aliases() {
        assert_eq!(
            config(&Attrs::new()).map(|c| c.volume_type).ok(),
            Some("gp2".into())
        );
        let c = config(&attrs(&[("volume-type", "magnetic")])).expect("valid");
        assert_eq!(c.volume_type, "standard");
        assert!(config(&attrs(&[("volume-type", "floppy")])).is_err());
        let mut a = attrs(&[("volume-type", "ssd")]);
        a.set("iops", 10);
        let e = config(&a).expect_err("iops needs io1");
        assert_eq!(e.message, "IOPS specified, but volume type is \"gp2\"");
    }

    #[test]
    fn sizes_are_gib_within_the_type_limits() {
        let s = spec(1500, &Attrs::new()).expect("valid");
        assert_eq!((s.size_gib, s.iops), (2, 0));
        let e = spec(2000 * 1024, &attrs(&[("volume-type", "magnetic")])).expect_err("too big");
        assert_eq!(e.message, "2000 GiB exceeds the maximum of 1024 GiB");
        let mut a = attrs(&[("volume-type", "provisioned-iops")]);
        a.set("iops", 30);
        assert_eq!(spec(10 * 1024, &a).map(|s| s.iops).ok(), Some(300));
        a.set("iops", 51);
        assert!(spec(10 * 1024, &a).is_err());
    }

    #[test]
    fn devices_are_named_as_juju_does() {
        let used = vec!["/dev/sdf".to_string()];
        let mut names = device_names(&used);
        assert_eq!(names.next(), Some(("/dev/sdg".into(), "xvdg".into())));
        assert_eq!(device_names(&[]).count(), 21);
        assert_eq!(renamed("/dev/sdh"), "xvdh");
        assert_eq!(
            nvme_link("vol-0abc"),
            "/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_vol0abc"
        );
        assert_eq!(provider("ebs").map(|p| p.default_pools.len()).ok(), Some(1));
        assert!(provider("loop").is_err());
    }
}
