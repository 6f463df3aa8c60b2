//! Tests of the artifact cache: what is refused, never deserialized.

use super::*;

const SHA: &str = "ab12";
const ARTIFACT: &[u8] = b"compiled code, as wasmtime serialized it";

/// An info for tests.
pub(crate) fn info(sha256: &str) -> ComponentInfo {
    ComponentInfo {
        wit_version: "0.1.0".into(),
        optional: vec![crate::inspect::OptionalInterface::Firewaller],
        imports: vec!["wasi:cli/environment@0.2.6".into()],
        exports: vec!["juju:environs/provider@0.1.0".into()],
        size: 1234,
        sha256: sha256.into(),
        declared: Default::default(),
        compile_time: None,
        from_cache: false,
    }
}

fn open(dir: &Path, checked: &str, verify: bool) -> ArtifactCache {
    ArtifactCache::open(dir, "wasmtime-48-test", checked, verify).unwrap()
}

fn cache(dir: &Path) -> ArtifactCache {
    open(dir, "limits", false)
}

fn stored(dir: &Path) -> ArtifactCache {
    let c = cache(dir);
    c.store(SHA, ARTIFACT, &info(SHA)).unwrap();
    c
}

fn hit(c: &ArtifactCache, sha256: &str) -> Hit {
    match c.lookup(sha256) {
        Lookup::Hit(h) => *h,
        Lookup::Miss => panic!("miss"),
        Lookup::Refused { reason, .. } => panic!("refused: {reason}"),
    }
}

#[track_caller]
fn assert_refused(c: &ArtifactCache, sha256: &str, why: &str) {
    match c.lookup(sha256) {
        Lookup::Refused { reason, .. } => assert!(reason.contains(why), "{reason}"),
        Lookup::Hit(_) => panic!("{why}: served"),
        Lookup::Miss => panic!("{why}: miss instead of refused"),
    }
    assert!(
        !c.artifact_path(sha256).exists() && !c.record_path(sha256).exists(),
        "a refused entry is removed"
    );
}

#[test]
fn round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let c = cache(dir.path());
    assert!(matches!(c.lookup(SHA), Lookup::Miss));
    c.store(SHA, ARTIFACT, &info(SHA)).unwrap();
    let h = hit(&c, SHA);
    assert_eq!(fs::read(&h.artifact).unwrap(), ARTIFACT, "stored as is");
    assert_eq!(h.info.unwrap().imports, info(SHA).imports);
    // A second handle on the same directory shares the key.
    assert!(hit(&cache(dir.path()), SHA).info.is_some());
}

#[test]
fn other_limits_or_build_mean_checking_again() {
    let dir = tempfile::tempdir().unwrap();
    stored(dir.path());
    let other = open(dir.path(), "other limits", false);
    let h = hit(&other, SHA);
    assert!(h.info.is_none(), "checked under other limits");
    other.restamp(SHA, h, &info(SHA)).unwrap();
    assert!(hit(&other, SHA).info.is_some(), "restamped");
}

#[cfg(unix)]
#[test]
fn files_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let c = stored(dir.path());
    for f in [
        dir.path().join(KEY_FILE),
        c.artifact_path(SHA),
        c.record_path(SHA),
    ] {
        let mode = fs::metadata(&f).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{}", f.display());
    }
}

#[test]
fn foreign_file_is_never_returned() {
    let dir = tempfile::tempdir().unwrap();
    let c = cache(dir.path());
    fs::write(c.artifact_path(SHA), b"\x7fELF not ours at all").unwrap();
    assert!(matches!(c.lookup(SHA), Lookup::Miss), "no record: not ours");
    let mut record = MAGIC.to_vec();
    record.extend_from_slice(&[0; TAG_LEN]);
    record.extend_from_slice(b"{}");
    write_atomically(&c.record_path(SHA), &record, 0o600).unwrap();
    assert_refused(&c, SHA, "tag does not verify");
}

#[test]
fn tampered_record_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let c = stored(dir.path());
    let path = c.record_path(SHA);
    let mut bytes = fs::read(&path).unwrap();
    // Claim another artifact length in the authenticated body.
    let body = String::from_utf8(bytes[HEADER_LEN..].to_vec()).unwrap();
    let forged = body.replace(
        &format!("\"artifact_len\":{}", ARTIFACT.len()),
        "\"artifact_len\":7",
    );
    assert_ne!(body, forged);
    bytes.truncate(HEADER_LEN);
    bytes.extend_from_slice(forged.as_bytes());
    write_atomically(&path, &bytes, 0o600).unwrap();
    assert_refused(&c, SHA, "tag does not verify");
}

#[test]
fn truncated_artifact_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let c = stored(dir.path());
    let f = fs::OpenOptions::new()
        .write(true)
        .open(c.artifact_path(SHA))
        .unwrap();
    f.set_len(ARTIFACT.len() as u64 - 1).unwrap();
    assert_refused(&c, SHA, "truncated or replaced");
}

#[test]
fn replaced_artifact_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let c = stored(dir.path());
    write_atomically(&c.artifact_path(SHA), b"another artifact", 0o600).unwrap();
    assert_refused(&c, SHA, "truncated or replaced");
}

#[test]
fn missing_artifact_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let c = stored(dir.path());
    fs::remove_file(c.artifact_path(SHA)).unwrap();
    assert_refused(&c, SHA, "cannot open the artifact");
}

/// The documented trade-off: a same-length change to the artifact's bytes
/// (only this user or the disk can make one) is caught only with
/// `verify_cache`.
#[test]
fn same_length_change_is_caught_by_verification() {
    let dir = tempfile::tempdir().unwrap();
    let c = stored(dir.path());
    let mut bytes = ARTIFACT.to_vec();
    bytes[3] ^= 1;
    write_atomically(&c.artifact_path(SHA), &bytes, 0o600).unwrap();
    assert!(hit(&c, SHA).info.is_some(), "fast path: not hashed");
    assert_refused(
        &open(dir.path(), "limits", true),
        SHA,
        "digest does not match",
    );
    // And verification accepts an intact artifact.
    let c = stored(dir.path());
    drop(c);
    assert!(hit(&open(dir.path(), "limits", true), SHA).info.is_some());
}

#[test]
fn file_from_another_cache_is_never_returned() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (ca, cb) = (stored(a.path()), cache(b.path()));
    fs::copy(ca.artifact_path(SHA), cb.artifact_path(SHA)).unwrap();
    fs::copy(ca.record_path(SHA), cb.record_path(SHA)).unwrap();
    assert_refused(&cb, SHA, "tag does not verify");
}

#[test]
fn entry_is_bound_to_its_component() {
    let dir = tempfile::tempdir().unwrap();
    let c = stored(dir.path());
    fs::copy(c.artifact_path(SHA), c.artifact_path("cd34")).unwrap();
    fs::copy(c.record_path(SHA), c.record_path("cd34")).unwrap();
    assert_refused(&c, "cd34", "tag does not verify");
}

#[cfg(unix)]
#[test]
fn readable_key_is_replaced() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    stored(dir.path());
    let key = dir.path().join(KEY_FILE);
    fs::set_permissions(&key, fs::Permissions::from_mode(0o644)).unwrap();
    assert_refused(
        &cache(dir.path()),
        SHA,
        "tag does not verify", // signed with the exposed key
    );
}

#[cfg(unix)]
#[test]
fn files_others_can_access_are_refused() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let c = stored(dir.path());
    fs::set_permissions(c.artifact_path(SHA), fs::Permissions::from_mode(0o644)).unwrap();
    assert_refused(&c, SHA, "artifact has mode 644");
    let c = stored(dir.path());
    fs::set_permissions(c.record_path(SHA), fs::Permissions::from_mode(0o620)).unwrap();
    assert_refused(&c, SHA, "record has mode 620");
}

/// Needs root to give a file away; skipped otherwise.
#[cfg(unix)]
#[test]
fn files_of_another_user_are_refused() {
    // SAFETY: no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let c = stored(dir.path());
    std::os::unix::fs::chown(c.artifact_path(SHA), Some(65534), None).unwrap();
    assert_refused(&c, SHA, "artifact is owned by uid 65534");
    let c = stored(dir.path());
    std::os::unix::fs::chown(c.record_path(SHA), Some(65534), None).unwrap();
    assert_refused(&c, SHA, "record is owned by uid 65534");
    std::os::unix::fs::chown(dir.path(), Some(65534), None).unwrap();
    let err = ArtifactCache::open(dir.path(), "wasmtime-48-test", "limits", false)
        .err()
        .expect("a directory of another user is refused");
    assert!(err.to_string().contains("owned by uid 65534"), "{err}");
}

#[cfg(unix)]
#[test]
fn directory_others_can_write_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o777)).unwrap();
    let err = ArtifactCache::open(dir.path(), "wasmtime-48-test", "limits", false)
        .err()
        .expect("refused");
    assert!(err.to_string().contains("mode 777"), "{err}");
    // Readable is fine: nothing in it is secret but the key, which is 0600.
    fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o755)).unwrap();
    cache(dir.path());
}
