//! The precompiled-artifact cache: a second runtime on the same directory
//! loads from it; an artifact changed behind the runtime's back is not
//! deserialized but recompiled.

use std::path::{Path, PathBuf};
use std::time::Duration;

use strato_runtime::{Runtime, RuntimeConfig};
use strato_tests::guests;

fn cached_runtime(dir: &Path) -> Runtime {
    Runtime::new(RuntimeConfig {
        cache_dir: Some(dir.to_path_buf()),
        call_timeout: Duration::from_secs(30),
        ..RuntimeConfig::default()
    })
    .expect("runtime")
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("read cache dir").flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out
}

/// Loads `path` again through a fresh runtime on `dir` and checks that the
/// cached artifact was refused (`why`) and the recompiled component runs.
async fn assert_recompiled(dir: &Path, path: &Path, why: &str) {
    let reloaded = cached_runtime(dir).load_file(path).await.expect("reload");
    assert!(!reloaded.info().from_cache, "{why}");
    let handle = reloaded
        .instantiate(Default::default())
        .await
        .expect("instantiate recompiled");
    assert_eq!(handle.version().await.expect("version"), 7);
}

#[tokio::test]
async fn second_runtime_loads_from_cache() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = Path::new(guests::GUEST_MISBEHAVE_COMPONENT);

    let first = cached_runtime(dir.path())
        .load_file(path)
        .await
        .expect("first load");
    assert!(!first.info().from_cache, "nothing was cached yet");
    assert!(first.info().compile_time.is_some());
    assert!(!files_under(dir.path()).is_empty(), "no artifact written");

    let second = cached_runtime(dir.path())
        .load_file(path)
        .await
        .expect("second load");
    assert!(
        second.info().from_cache,
        "the second runtime should load the artifact"
    );
    assert_eq!(second.info().sha256, first.info().sha256);
    let handle = second
        .instantiate(Default::default())
        .await
        .expect("instantiate from cache");
    assert_eq!(handle.version().await.expect("version"), 7);
}

#[tokio::test]
async fn tampered_artifact_is_recompiled() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = Path::new(guests::GUEST_MISBEHAVE_COMPONENT);
    cached_runtime(dir.path())
        .load_file(path)
        .await
        .expect("first load");

    let files = files_under(dir.path());
    assert!(!files.is_empty(), "no artifact written");
    for f in &files {
        let mut bytes = std::fs::read(f).expect("read artifact");
        // Flip bytes throughout: header, body and trailer.
        let len = bytes.len();
        for i in (0..len).step_by(len.max(64) / 64) {
            bytes[i] ^= 0x5a;
        }
        std::fs::write(f, bytes).expect("tamper");
    }

    assert_recompiled(
        dir.path(),
        path,
        "a tampered artifact must not be deserialized",
    )
    .await;
}

fn artifacts_under(dir: &Path) -> Vec<PathBuf> {
    files_under(dir)
        .into_iter()
        .filter(|f| f.extension().is_some_and(|e| e == "cwasm"))
        .collect()
}

#[tokio::test]
async fn changed_file_is_recompiled() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("provider.wasm");
    let cache = dir.path().join("cache");
    std::fs::copy(guests::GUEST_MISBEHAVE_COMPONENT, &file).expect("copy");
    let first = cached_runtime(&cache).load_file(&file).await.expect("load");
    assert!(
        cached_runtime(&cache)
            .load_file(&file)
            .await
            .expect("reload")
            .info()
            .from_cache
    );

    // Same path, other contents: never the first file's artifact.
    std::fs::copy(guests::STRATO_DUMMY_COMPONENT, &file).expect("replace");
    let changed = cached_runtime(&cache)
        .load_file(&file)
        .await
        .expect("load changed");
    assert!(!changed.info().from_cache, "served a stale artifact");
    assert_ne!(changed.info().sha256, first.info().sha256);
}

#[tokio::test]
async fn truncated_artifact_is_recompiled() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = Path::new(guests::GUEST_MISBEHAVE_COMPONENT);
    cached_runtime(dir.path())
        .load_file(path)
        .await
        .expect("first load");
    let artifacts = artifacts_under(dir.path());
    assert_eq!(artifacts.len(), 1, "{artifacts:?}");
    let f = std::fs::OpenOptions::new()
        .write(true)
        .open(&artifacts[0])
        .expect("open artifact");
    let len = f.metadata().expect("stat").len();
    f.set_len(len / 2).expect("truncate");

    assert_recompiled(dir.path(), path, "a truncated artifact must not be mapped").await;
    assert!(
        cached_runtime(dir.path())
            .load_file(path)
            .await
            .expect("third load")
            .info()
            .from_cache,
        "the recompiled artifact is cached again"
    );
}

#[cfg(unix)]
#[tokio::test]
async fn artifact_others_can_write_is_recompiled() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("tempdir");
    let path = Path::new(guests::GUEST_MISBEHAVE_COMPONENT);
    cached_runtime(dir.path())
        .load_file(path)
        .await
        .expect("first load");
    for f in artifacts_under(dir.path()) {
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o666)).expect("chmod");
    }
    assert_recompiled(
        dir.path(),
        path,
        "a file others can write must not be mapped",
    )
    .await;
}
