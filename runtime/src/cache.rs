//! Precompiled artifacts on disk.
//!
//! `Component::deserialize_file` trusts its input completely (it maps
//! machine code), so the runtime must only ever deserialize files it wrote
//! itself. Each component has two files, named by the engine id and the
//! component's key (BLAKE3 of its bytes; the record holds its SHA-256):
//!
//! - `<engine>-<key>.cwasm`: the artifact exactly as wasmtime serialized
//!   it, so it can be mapped in place (`deserialize_file`: no read, no copy);
//! - `<engine>-<key>.meta`: a small record — the artifact's length and
//!   BLAKE3 digest (computed when it was written), the component's
//!   [`ComponentInfo`] and what it was checked under — with a keyed BLAKE3
//!   tag over the engine id, the key and the record. The 32-byte key
//!   (`key`, mode 0600) never leaves the host.
//!
//! # What is verified on every load, and why that is enough
//!
//! The cost of a load must not grow with the artifact (5–35 MB), so the
//! fast path does not hash the artifact. What it checks:
//!
//! 1. The cache directory belongs to this user and nobody else can write to
//!    it (checked when the cache is opened); both files are regular files
//!    owned by this user with mode 0600 (checked with `fstat` on the opened
//!    file). Files are created 0600 and moved into place by `rename`, so
//!    no other user can create, replace or modify anything in it.
//! 2. The record's tag verifies: the record was written by a runtime
//!    holding this directory's key, for this engine and this component.
//!    A file copied from another cache or another machine, or the record of
//!    another component renamed, is refused.
//! 3. The artifact's length is the recorded one: a truncated or replaced
//!    artifact is refused (a truncated mapping would fault, not fail).
//! 4. wasmtime itself checks the artifact's header: ELF, its own version
//!    and the engine settings it was compiled with.
//!
//! What a full-file tag would add over this is detecting a same-length
//! change to the artifact's bytes. Only two things can make one: this same
//! user (who can read the key and forge any tag, or ptrace the host; the
//! tag never protected against them), or silent media corruption, which
//! hits the runtime's own executable and libraries — mapped without any
//! check — just the same. So the full check is an option,
//! [`RuntimeConfig::verify_cache`](crate::RuntimeConfig::verify_cache)
//! (BLAKE3 of the whole artifact against the recorded digest), and the
//! default is the fast path.
//!
//! A refused entry is logged (and recorded by the runtime as a denied
//! `load` audit event), removed, and the component compiled again.

use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::inspect::ComponentInfo;

// v3: raw artifacts + tagged records (v2 files, one tagged file per
// component, have no record and are recompiled once).
const MAGIC: &[u8; 16] = b"strato-meta-v3\n\0";
const TAG_LEN: usize = 32;
const KEY_LEN: usize = 32;
const KEY_FILE: &str = "key";
const HEADER_LEN: usize = MAGIC.len() + TAG_LEN;
/// Records are a few KiB; anything much larger is not one.
const MAX_RECORD: u64 = 1 << 20;

/// The record stored beside an artifact.
#[derive(Serialize, Deserialize)]
struct Record {
    /// What the load checks ran under (see [`ArtifactCache::open`]).
    checked: String,
    artifact_len: u64,
    /// BLAKE3 of the artifact, lowercase hex, computed when it was written.
    artifact_blake3: String,
    info: ComponentInfo,
}

/// A cache entry that passed the checks: deserialize `artifact` with
/// `Component::deserialize_file`.
pub(crate) struct Hit {
    pub artifact: PathBuf,
    /// The component's info, when the entry was checked by this build of
    /// the runtime under the same limits; `None` when the load checks must
    /// run again (then [`ArtifactCache::restamp`] the entry).
    pub info: Option<ComponentInfo>,
    artifact_len: u64,
    artifact_blake3: String,
}

/// What [`ArtifactCache::lookup`] found.
pub(crate) enum Lookup {
    Miss,
    Hit(Box<Hit>),
    /// An entry the runtime did not write, or damaged: removed, to be
    /// recompiled.
    Refused {
        file: PathBuf,
        reason: String,
    },
}

/// A directory of authenticated precompiled artifacts.
pub(crate) struct ArtifactCache {
    dir: PathBuf,
    key: [u8; KEY_LEN],
    /// `wasmtime-<version>-<engine fingerprint>`: part of every file name and tag.
    engine_id: String,
    /// This runtime build and its limits, hashed (see [`ArtifactCache::open`]).
    checked: String,
    /// Hash the whole artifact on every load (see the module doc).
    verify: bool,
}

impl ArtifactCache {
    /// Opens (creating if needed) the cache in `root`, for artifacts of the
    /// engine identified by `engine_id`. `checked_under` names what a
    /// successful load check depends on besides the component and the
    /// engine (the runtime's limits); [`build_id`] is added to it. A
    /// record checked under anything else is still used for its artifact,
    /// but the load checks run again. `verify` hashes every artifact on
    /// load. A directory that another user owns or can write to is refused.
    pub fn open(root: &Path, engine_id: &str, checked_under: &str, verify: bool) -> Result<Self> {
        let cache_err =
            |what: &str, e: io::Error| Error::Cache(format!("{what} {}: {e}", root.display()));
        create_private_dir(root).map_err(|e| cache_err("cannot create", e))?;
        let meta = fs::metadata(root).map_err(|e| cache_err("cannot read", e))?;
        if let Err(reason) = check_owner(&meta, 0o022) {
            tracing::warn!(target: "strato::cache", path = %root.display(), reason, "refusing the cache directory");
            return Err(Error::Cache(format!(
                "refusing cache directory {}: {reason}",
                root.display()
            )));
        }
        let key = load_or_create_key(root).map_err(|e| cache_err("cannot set up the key in", e))?;
        let mut checked = blake3::Hasher::new();
        checked.update(build_id().as_bytes());
        checked.update(b"\0");
        checked.update(checked_under.as_bytes());
        Ok(ArtifactCache {
            dir: root.to_path_buf(),
            key,
            engine_id: engine_id.to_string(),
            checked: checked.finalize().to_hex().to_string(),
            verify,
        })
    }

    fn artifact_path(&self, key: &str) -> PathBuf {
        self.dir.join(format!("{}-{key}.cwasm", self.engine_id))
    }

    fn record_path(&self, key: &str) -> PathBuf {
        self.dir.join(format!("{}-{key}.meta", self.engine_id))
    }

    fn tag(&self, key: &str, body: &[u8]) -> blake3::Hash {
        let mut mac = blake3::Hasher::new_keyed(&self.key);
        mac.update(self.engine_id.as_bytes());
        mac.update(b"\0");
        mac.update(key.as_bytes());
        mac.update(b"\0");
        mac.update(body);
        mac.finalize()
    }

    /// The entry for a component, if there is one that passes the checks.
    /// One that does not is logged and removed.
    pub fn lookup(&self, key: &str) -> Lookup {
        match self.check(key) {
            Ok(Some(hit)) => Lookup::Hit(Box::new(hit)),
            Ok(None) => Lookup::Miss,
            Err((file, reason)) => {
                tracing::warn!(target: "strato::cache", path = %file.display(), reason, "refusing a cached artifact the runtime did not write or that changed; recompiling");
                self.remove(key);
                Lookup::Refused { file, reason }
            }
        }
    }

    /// Removes a component's entry (e.g. one wasmtime refused).
    pub fn remove(&self, key: &str) {
        let _ = fs::remove_file(self.record_path(key));
        let _ = fs::remove_file(self.artifact_path(key));
    }

    fn check(&self, key: &str) -> Result<Option<Hit>, (PathBuf, String)> {
        let path = self.record_path(key);
        let refuse = |reason: String| (self.record_path(key), reason);
        let mut file = match File::open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(refuse(format!("cannot open the record: {e}"))),
        };
        let meta = file
            .metadata()
            .map_err(|e| refuse(format!("cannot stat the record: {e}")))?;
        check_private(&meta).map_err(|r| refuse(format!("record {r}")))?;
        if meta.len() > MAX_RECORD || meta.len() < HEADER_LEN as u64 {
            return Err(refuse("not a strato cache record".into()));
        }
        let mut bytes = Vec::with_capacity(meta.len() as usize);
        file.read_to_end(&mut bytes)
            .map_err(|e| refuse(format!("cannot read the record: {e}")))?;
        if bytes.len() < HEADER_LEN || &bytes[..MAGIC.len()] != MAGIC {
            return Err(refuse("not a strato cache record".into()));
        }
        let tag: [u8; TAG_LEN] = bytes[MAGIC.len()..HEADER_LEN]
            .try_into()
            .map_err(|_| refuse("not a strato cache record".into()))?;
        let body = &bytes[HEADER_LEN..];
        // `Hash`'s equality is constant-time.
        if self.tag(key, body) != blake3::Hash::from_bytes(tag) {
            return Err(refuse("authentication tag does not verify".into()));
        }
        let record: Record = serde_json::from_slice(body)
            .map_err(|e| refuse(format!("record of another format: {e}")))?;

        let artifact = self.artifact_path(key);
        let refuse = |reason: String| (self.artifact_path(key), reason);
        let mut file =
            File::open(&artifact).map_err(|e| refuse(format!("cannot open the artifact: {e}")))?;
        let meta = file
            .metadata()
            .map_err(|e| refuse(format!("cannot stat the artifact: {e}")))?;
        check_private(&meta).map_err(|r| refuse(format!("artifact {r}")))?;
        if meta.len() != record.artifact_len {
            return Err(refuse(format!(
                "artifact is {} bytes, {} were written (truncated or replaced)",
                meta.len(),
                record.artifact_len
            )));
        }
        if self.verify {
            let mut hasher = blake3::Hasher::new();
            hasher
                .update_reader(&mut file)
                .map_err(|e| refuse(format!("cannot read the artifact: {e}")))?;
            let recorded = blake3::Hash::from_hex(&record.artifact_blake3)
                .map_err(|_| refuse("malformed artifact digest".into()))?;
            if hasher.finalize() != recorded {
                return Err(refuse("artifact digest does not match its record".into()));
            }
        }
        let fresh = record.checked == self.checked;
        Ok(Some(Hit {
            artifact,
            info: fresh.then_some(record.info),
            artifact_len: record.artifact_len,
            artifact_blake3: record.artifact_blake3,
        }))
    }

    /// Stores `artifact` (a serialized component) and the record for
    /// `info`, atomically each: the artifact first, so a record never
    /// names an artifact that is not there yet. Call it only once the
    /// component passed every load check.
    pub fn store(&self, key: &str, artifact: &[u8], info: &ComponentInfo) -> Result<()> {
        let digest = blake3::hash(artifact);
        write_atomically(&self.artifact_path(key), artifact, 0o600)
            .map_err(|e| Error::Cache(format!("cannot write artifact: {e}")))?;
        self.write_record(
            key,
            artifact.len() as u64,
            digest.to_hex().to_string(),
            info,
        )
    }

    /// Rewrites the record of `hit` once the load checks passed again
    /// under this build and these limits (the artifact stays).
    pub fn restamp(&self, key: &str, hit: Hit, info: &ComponentInfo) -> Result<()> {
        self.write_record(key, hit.artifact_len, hit.artifact_blake3, info)
    }

    fn write_record(
        &self,
        key: &str,
        artifact_len: u64,
        artifact_blake3: String,
        info: &ComponentInfo,
    ) -> Result<()> {
        let mut info = info.clone();
        info.compile_time = None;
        info.from_cache = false;
        let record = Record {
            checked: self.checked.clone(),
            artifact_len,
            artifact_blake3,
            info,
        };
        let body = serde_json::to_vec(&record).map_err(|e| Error::Cache(e.to_string()))?;
        let tag = self.tag(key, &body);
        let mut contents = Vec::with_capacity(HEADER_LEN + body.len());
        contents.extend_from_slice(MAGIC);
        contents.extend_from_slice(tag.as_bytes());
        contents.extend_from_slice(&body);
        write_atomically(&self.record_path(key), &contents, 0o600)
            .map_err(|e| Error::Cache(format!("cannot write the artifact's record: {e}")))
    }
}

/// Identifies this build of the runtime, for records: a record checked by
/// another build (other bindings, another `inspect`) is re-checked once.
/// The running executable's identity (device, inode, size, mtime) plus the
/// crate version; when it cannot be read, a random id (always re-check).
pub(crate) fn build_id() -> &'static str {
    static ID: OnceLock<String> = OnceLock::new();
    ID.get_or_init(|| {
        let exe = std::env::current_exe().and_then(fs::metadata);
        let version = env!("CARGO_PKG_VERSION");
        match exe {
            #[cfg(unix)]
            Ok(m) => {
                use std::os::unix::fs::MetadataExt;
                format!(
                    "{version}:{}:{}:{}:{}.{}",
                    m.dev(),
                    m.ino(),
                    m.size(),
                    m.mtime(),
                    m.mtime_nsec()
                )
            }
            #[cfg(not(unix))]
            Ok(m) => format!("{version}:{}:{:?}", m.len(), m.modified().ok()),
            Err(_) => {
                let mut id = [0u8; 16];
                let _ = getrandom::fill(&mut id);
                format!("{version}:random:{}", hex::encode(id))
            }
        }
    })
}

/// Refuses a file another user owns or anyone else can access.
fn check_private(meta: &fs::Metadata) -> Result<(), String> {
    if !meta.is_file() {
        return Err("is not a regular file".into());
    }
    check_owner(meta, 0o077)
}

/// Refuses what another user owns or what has any of the `forbidden` mode bits.
#[cfg(unix)]
fn check_owner(meta: &fs::Metadata, forbidden: u32) -> Result<(), String> {
    use std::os::unix::fs::MetadataExt;
    // SAFETY: `geteuid` has no preconditions and cannot fail.
    let me = unsafe { libc::geteuid() };
    if meta.uid() != me {
        return Err(format!(
            "is owned by uid {}, not by this user ({me})",
            meta.uid()
        ));
    }
    let mode = meta.mode() & 0o777;
    if mode & forbidden != 0 {
        return Err(format!("has mode {mode:o}: other users can access it"));
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_owner(_meta: &fs::Metadata, _forbidden: u32) -> Result<(), String> {
    Ok(())
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
    let mut file = File::open(path)?;
    if check_private(&file.metadata()?).is_err() {
        return Ok(None);
    }
    let mut bytes = Vec::with_capacity(KEY_LEN);
    file.read_to_end(&mut bytes)?;
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
#[path = "cache_tests.rs"]
pub(crate) mod tests;
