//! The data directory: where `strato` keeps what outlives one command.
//!
//! ```text
//! $STRATO_DATA (default $XDG_DATA_HOME/strato, else ~/.local/share/strato)
//!   clouds.yaml        Juju's format: the clouds the operator added
//!   credentials.yaml   Juju's format, mode 0600: credentials per cloud
//!   policy.yaml        the operator's grants (sandbox policy file), optional
//!   providers/         provider components (*.wasm) besides the embedded dummy
//!   state/<provider>/<cloud>/   state directories granted to providers
//!   strato.db          SQLite: controllers, models, machines, audit events
//! ```

pub mod audit;
pub mod clouds;
pub mod credentials;
pub mod models;
pub mod providers;

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::CliError;

/// The data directory of this run.
#[derive(Debug, Clone)]
pub struct Home {
    root: PathBuf,
}

impl Home {
    /// `$STRATO_DATA`, else `$XDG_DATA_HOME/strato`, else
    /// `~/.local/share/strato`. Nothing is created until it is written.
    pub fn from_env() -> Home {
        match std::env::var_os("STRATO_DATA").filter(|d| !d.is_empty()) {
            Some(dir) => Home::at(PathBuf::from(dir)),
            None => Home::at(crate::context::data_dir()),
        }
    }

    /// A data directory at `root`.
    pub fn at(root: PathBuf) -> Home {
        Home { root }
    }

    /// The directory itself.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The clouds the operator added.
    pub fn clouds_yaml(&self) -> PathBuf {
        self.root.join("clouds.yaml")
    }

    /// Credentials per cloud (mode 0600).
    pub fn credentials_yaml(&self) -> PathBuf {
        self.root.join("credentials.yaml")
    }

    /// The operator's grants, used when `--policy` is not given.
    pub fn policy_yaml(&self) -> PathBuf {
        self.root.join("policy.yaml")
    }

    /// Provider components besides the embedded dummy.
    pub fn providers_dir(&self) -> PathBuf {
        self.root.join("providers")
    }

    /// The state directory granted to `provider` on `cloud`.
    pub fn state_dir(&self, provider: &str, cloud: &str) -> PathBuf {
        self.root.join("state").join(provider).join(cloud)
    }

    /// The SQLite store (mode 0600).
    pub fn db_path(&self) -> PathBuf {
        self.root.join("strato.db")
    }

    /// Opens (creating the directory and file if needed) the store. Each
    /// module that keeps tables in it creates them itself with
    /// `CREATE TABLE IF NOT EXISTS` before use.
    pub fn db(&self) -> Result<rusqlite::Connection, CliError> {
        std::fs::create_dir_all(&self.root).map_err(|e| {
            CliError::failure(format!(
                "cannot create the data directory {}: {e}",
                self.root.display()
            ))
            .hint("set STRATO_DATA to a writable directory")
        })?;
        let path = self.db_path();
        // The store may hold credential names and endpoints: owner only.
        if !path.exists() {
            create_private(&path)?;
        }
        let conn = rusqlite::Connection::open(&path).map_err(|e| {
            CliError::failure(format!("cannot open the store {}: {e}", path.display()))
        })?;
        // Two `strato` processes may run at once (a status while a
        // bootstrap runs): wait for the other's write instead of failing.
        conn.busy_timeout(std::time::Duration::from_secs(10))
            .map_err(|e| CliError::failure(format!("store {}: {e}", path.display())))?;
        Ok(conn)
    }
}

/// Who may read a file written by [`write_atomic`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Readable by everyone (0644): no secrets in it.
    Public,
    /// Owner only (0600): it holds secrets.
    Private,
}

/// Writes `text` to `path` whole or not at all: a temporary file in the
/// same directory, synced, then renamed over `path`. A crash leaves the old
/// file. The directory is created if missing.
pub fn write_atomic(path: &Path, text: &str, mode: Mode) -> Result<(), CliError> {
    let shown = path.display();
    let fail = |what: &str, e: std::io::Error| {
        CliError::failure(format!("cannot {what} {shown}: {e}"))
            .hint("set STRATO_DATA to a writable directory")
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| fail("create the directory of", e))?;
    // tempfile creates the file 0600; a public file is widened before the
    // rename, so a secret never sits in a readable file.
    let mut temp = tempfile::Builder::new()
        .prefix(".strato-")
        .tempfile_in(dir)
        .map_err(|e| fail("write", e))?;
    temp.write_all(text.as_bytes())
        .and_then(|()| temp.as_file().sync_all())
        .map_err(|e| fail("write", e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let bits = match mode {
            Mode::Public => 0o644,
            Mode::Private => 0o600,
        };
        std::fs::set_permissions(temp.path(), std::fs::Permissions::from_mode(bits))
            .map_err(|e| fail("set the mode of", e))?;
    }
    #[cfg(not(unix))]
    let _ = mode;
    temp.persist(path).map_err(|e| fail("replace", e.error))?;
    Ok(())
}

/// Creates an empty file only its owner may read.
fn create_private(path: &Path) -> Result<(), CliError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options
        .open(path)
        .map(drop)
        .map_err(|e| CliError::failure(format!("cannot create the store {}: {e}", path.display())))
}
