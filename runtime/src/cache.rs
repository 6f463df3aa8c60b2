//! Precompiled artifacts on disk.
//!
//! `Component::deserialize` trusts its input completely (it maps machine
//! code), so the runtime must only ever deserialize files it wrote itself.
//! Each cache directory holds a random 32-byte key (`key`, mode 0600) that
//! never leaves the host; every artifact carries a keyed BLAKE3 tag over
//! its identity (wasmtime version, engine fingerprint, component sha256) and
//! its bytes. (BLAKE3 rather than HMAC-SHA256: the tag is checked on every
//! cached load, over 5–30 MB of artifact, and SHA-256 made that check most
//! of a load's time.) A file whose tag does not verify — copied from elsewhere, written
//! with another key, tampered with, truncated — is ignored with a warning
//! and the component is compiled again. Files are written atomically
//! (temporary file + rename), so a reader never sees half an artifact.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

// v2: BLAKE3 tags (v1 files, HMAC-SHA256, are not artifacts of this format
// and are recompiled once).
const MAGIC: &[u8; 16] = b"strato-cwasm-v2\n";
const TAG_LEN: usize = 32;
const KEY_LEN: usize = 32;
const KEY_FILE: &str = "key";
const HEADER_LEN: usize = MAGIC.len() + TAG_LEN;

/// A verified artifact file, read whole; the serialized component follows
/// the header (kept in place: no copy of megabytes on every load).
pub(crate) struct Artifact(Vec<u8>);

impl Artifact {
    /// The serialized component.
    pub fn payload(&self) -> &[u8] {
        &self.0[HEADER_LEN..]
    }
}

/// A directory of authenticated precompiled artifacts.
pub(crate) struct ArtifactCache {
    dir: PathBuf,
    key: [u8; KEY_LEN],
    /// `wasmtime-<version>-<engine fingerprint>`: part of every file name and tag.
    engine_id: String,
}

impl ArtifactCache {
    /// Opens (creating if needed) the cache in `root`, for artifacts of the
    /// engine identified by `engine_id`.
    pub fn open(root: &Path, engine_id: &str) -> Result<Self> {
        let cache_err =
            |what: &str, e: io::Error| Error::Cache(format!("{what} {}: {e}", root.display()));
        create_private_dir(root).map_err(|e| cache_err("cannot create", e))?;
        let key = load_or_create_key(root).map_err(|e| cache_err("cannot set up the key in", e))?;
        Ok(ArtifactCache {
            dir: root.to_path_buf(),
            key,
            engine_id: engine_id.to_string(),
        })
    }

    fn path(&self, sha256: &str) -> PathBuf {
        self.dir.join(format!("{}-{sha256}.cwasm", self.engine_id))
    }

    fn tag(&self, sha256: &str, payload: &[u8]) -> blake3::Hash {
        let mut mac = blake3::Hasher::new_keyed(&self.key);
        mac.update(self.engine_id.as_bytes());
        mac.update(b"\0");
        mac.update(sha256.as_bytes());
        mac.update(b"\0");
        mac.update(payload);
        mac.finalize()
    }

    /// The verified artifact for a component, or `None` when there is none
    /// or it does not verify (then it is logged and removed).
    pub fn load(&self, sha256: &str) -> Option<Artifact> {
        let path = self.path(sha256);
        let bytes = match fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return None,
            Err(e) => {
                tracing::warn!(target: "strato::cache", path = %path.display(), error = %e, "cannot read cached artifact");
                return None;
            }
        };
        match self.verify(sha256, &bytes) {
            Ok(()) => Some(Artifact(bytes)),
            Err(reason) => {
                tracing::warn!(target: "strato::cache", path = %path.display(), reason, "ignoring cached artifact the runtime did not write; recompiling");
                let _ = fs::remove_file(&path);
                None
            }
        }
    }

    fn verify(&self, sha256: &str, bytes: &[u8]) -> Result<(), &'static str> {
        if bytes.len() < HEADER_LEN || &bytes[..MAGIC.len()] != MAGIC {
            return Err("not a strato artifact");
        }
        let tag: [u8; TAG_LEN] = bytes[MAGIC.len()..HEADER_LEN]
            .try_into()
            .map_err(|_| "not a strato artifact")?;
        // `Hash`'s equality is constant-time.
        if self.tag(sha256, &bytes[HEADER_LEN..]) != blake3::Hash::from_bytes(tag) {
            return Err("authentication tag does not verify");
        }
        Ok(())
    }

    /// Stores `payload` (a serialized component) for `sha256`, atomically.
    pub fn store(&self, sha256: &str, payload: &[u8]) -> Result<()> {
        let tag = self.tag(sha256, payload);
        let mut contents = Vec::with_capacity(HEADER_LEN + payload.len());
        contents.extend_from_slice(MAGIC);
        contents.extend_from_slice(tag.as_bytes());
        contents.extend_from_slice(payload);
        write_atomically(&self.path(sha256), &contents, 0o600)
            .map_err(|e| Error::Cache(format!("cannot write artifact: {e}")))
    }
}

fn create_private_dir(dir: &Path) -> io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}

/// Reads the cache key, creating it on first use. A key that others could
/// read or write (mode not 0600) or of the wrong size is replaced, which
/// invalidates every artifact signed with it.
fn load_or_create_key(dir: &Path) -> io::Result<[u8; KEY_LEN]> {
    let path = dir.join(KEY_FILE);
    match read_key(&path) {
        Ok(Some(key)) => return Ok(key),
        Ok(None) => {
            tracing::warn!(target: "strato::cache", path = %path.display(), "cache key is not private or malformed; replacing it");
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    let mut key = [0u8; KEY_LEN];
    getrandom::fill(&mut key).map_err(|e| io::Error::other(e.to_string()))?;
    write_atomically(&path, &key, 0o600)?;
    // Another process may have raced us: whoever renamed last wins, and
    // everyone uses what is on disk now.
    match read_key(&path)? {
        Some(k) => Ok(k),
        None => Err(io::Error::other("cache key changed while it was created")),
    }
}

fn read_key(path: &Path) -> io::Result<Option<[u8; KEY_LEN]>> {
    let bytes = fs::read(path)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if fs::metadata(path)?.permissions().mode() & 0o077 != 0 {
            return Ok(None);
        }
    }
    Ok(bytes.try_into().ok())
}

/// Writes `contents` to a temporary file in the same directory, then
/// renames it over `path`.
fn write_atomically(path: &Path, contents: &[u8], mode: u32) -> io::Result<()> {
    let dir = path
        .parent()
        .ok_or_else(|| io::Error::other("path has no parent"))?;
    let mut suffix = [0u8; 8];
    getrandom::fill(&mut suffix).map_err(|e| io::Error::other(e.to_string()))?;
    let tmp = dir.join(format!(".tmp-{}", hex::encode(suffix)));
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(mode);
    }
    #[cfg(not(unix))]
    let _ = mode;
    let result = (|| {
        let mut file = options.open(&tmp)?;
        file.write_all(contents)?;
        file.sync_all()?;
        fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHA: &str = "ab12";

    fn cache(dir: &Path) -> ArtifactCache {
        ArtifactCache::open(dir, "wasmtime-48-test").unwrap()
    }

    fn loaded(c: &ArtifactCache, sha256: &str) -> Option<Vec<u8>> {
        c.load(sha256).map(|a| a.payload().to_vec())
    }

    #[test]
    fn round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let c = cache(dir.path());
        assert_eq!(loaded(&c, SHA), None);
        c.store(SHA, b"compiled code").unwrap();
        assert_eq!(loaded(&c, SHA).as_deref(), Some(&b"compiled code"[..]));
        // A second handle on the same directory shares the key.
        assert_eq!(
            loaded(&cache(dir.path()), SHA).as_deref(),
            Some(&b"compiled code"[..])
        );
    }

    #[cfg(unix)]
    #[test]
    fn key_is_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        cache(dir.path());
        let mode = fs::metadata(dir.path().join(KEY_FILE))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    #[test]
    fn foreign_file_is_never_returned() {
        let dir = tempfile::tempdir().unwrap();
        let c = cache(dir.path());
        fs::write(c.path(SHA), b"\x7fELF not ours at all").unwrap();
        assert_eq!(loaded(&c, SHA), None);
        assert!(!c.path(SHA).exists(), "a rejected file is removed");
    }

    #[test]
    fn tampered_file_is_never_returned() {
        let dir = tempfile::tempdir().unwrap();
        let c = cache(dir.path());
        c.store(SHA, b"compiled code").unwrap();
        let mut bytes = fs::read(c.path(SHA)).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        fs::write(c.path(SHA), &bytes).unwrap();
        assert_eq!(loaded(&c, SHA), None);
    }

    #[test]
    fn file_from_another_cache_is_never_returned() {
        let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let (ca, cb) = (cache(a.path()), cache(b.path()));
        ca.store(SHA, b"compiled code").unwrap();
        fs::copy(ca.path(SHA), cb.path(SHA)).unwrap();
        assert_eq!(loaded(&cb, SHA), None);
    }

    #[test]
    fn artifact_is_bound_to_its_component() {
        let dir = tempfile::tempdir().unwrap();
        let c = cache(dir.path());
        c.store(SHA, b"compiled code").unwrap();
        fs::copy(c.path(SHA), c.path("cd34")).unwrap();
        assert_eq!(loaded(&c, "cd34"), None);
    }

    #[cfg(unix)]
    #[test]
    fn readable_key_is_replaced() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let c = cache(dir.path());
        c.store(SHA, b"compiled code").unwrap();
        let key = dir.path().join(KEY_FILE);
        fs::set_permissions(&key, fs::Permissions::from_mode(0o644)).unwrap();
        let c2 = cache(dir.path());
        assert_eq!(
            loaded(&c2, SHA),
            None,
            "artifacts signed with an exposed key are refused"
        );
    }
}
