//! The host's own environment and files, lent to a guest: environment
//! variables by name (`env`) and directories read-only (`read`).
//!
//! A `read` path is absolute or starts with `~` (the host user's home). In
//! the guest, `~` becomes [`GUEST_HOME`] (and `HOME` says so), so a provider
//! reads `~/.aws/credentials` the way it would on the host; an absolute
//! path keeps its spelling. Declared and granted paths match when they name
//! the same host directory after `~` expansion.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Where `~` of a `read` grant appears in the guest; also its `HOME`.
pub const GUEST_HOME: &str = "/home";

/// The guest path of the state directory, which a `read` path may not
/// shadow.
const STATE: &str = "/state";

/// An environment variable name: ASCII letters, digits and `_`, not
/// starting with a digit, at most 128 bytes. No `=`, no NUL, nothing a
/// shell would read differently.
pub(crate) fn is_env_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 128
        && !name.starts_with(|c: char| c.is_ascii_digit())
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// Checks a `read` path: `~`, `~/…` or `/…`, without `.` or `..`
/// components or control characters, not `/` itself and not the state
/// directory's guest path. The error says what is wrong.
pub(crate) fn check_read_path(path: &str) -> Result<(), String> {
    let (home, rest) = split_home(path)
        .ok_or_else(|| format!("{path:?} is not absolute (write `/…`, `~` or `~/…`)"))?;
    if path.chars().any(char::is_control) {
        return Err(format!("{path:?} holds a control character"));
    }
    let parts: Vec<&str> = rest.split('/').filter(|p| !p.is_empty()).collect();
    if parts.iter().any(|p| *p == "." || *p == "..") {
        return Err(format!("{path:?} has a `.` or `..` component"));
    }
    if !home {
        if parts.is_empty() {
            return Err("`/` cannot be granted: name a directory".into());
        }
        let guest = guest_path(path);
        if guest == STATE || guest.starts_with("/state/") {
            return Err(format!("{path:?} would hide the state directory {STATE}"));
        }
    }
    Ok(())
}

/// `(true, rest)` for `~` / `~/rest`, `(false, rest)` for `/rest`.
fn split_home(path: &str) -> Option<(bool, &str)> {
    if path == "~" {
        Some((true, ""))
    } else if let Some(rest) = path.strip_prefix("~/") {
        Some((true, rest))
    } else if path.starts_with('/') {
        Some((false, path))
    } else {
        None
    }
}

/// Where the guest sees a `read` path: `~` replaced by [`GUEST_HOME`],
/// repeated and trailing `/` dropped.
pub fn guest_path(path: &str) -> String {
    let (home, rest) = split_home(path).unwrap_or((false, path));
    let mut out = if home {
        GUEST_HOME.to_string()
    } else {
        String::new()
    };
    for part in rest.split('/').filter(|p| !p.is_empty()) {
        out.push('/');
        out.push_str(part);
    }
    if out.is_empty() { "/".into() } else { out }
}

/// The host directory a `read` path names (`~` expanded against `home`);
/// `None` for a `~` path when no home directory is known, or a path that
/// is neither absolute nor under `~`.
///
/// ```
/// use std::path::{Path, PathBuf};
/// use strato_runtime::grants::local::host_path;
/// let home = Path::new("/home/ada");
/// assert_eq!(host_path("~/.aws", Some(home)), Some(PathBuf::from("/home/ada/.aws")));
/// ```
pub fn host_path(path: &str, home: Option<&Path>) -> Option<PathBuf> {
    let (is_home, rest) = split_home(path)?;
    let mut out = if is_home {
        home?.to_path_buf()
    } else {
        PathBuf::from("/")
    };
    for part in rest.split('/').filter(|p| !p.is_empty()) {
        out.push(part);
    }
    Some(out)
}

/// The home directory `~` stands for: `over`, else `$HOME` when it is an
/// absolute path.
pub fn home_dir(over: Option<&Path>) -> Option<PathBuf> {
    if let Some(home) = over {
        return Some(home.to_path_buf());
    }
    let home = PathBuf::from(std::env::var_os("HOME")?);
    home.is_absolute().then_some(home)
}

/// One directory lent read-only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ReadDir {
    /// As declared, for audit events.
    pub declared: String,
    /// The host directory.
    pub host: PathBuf,
    /// Where the guest sees it.
    pub guest: String,
    /// Declared under `~`: the guest gets `HOME` = [`GUEST_HOME`].
    pub under_home: bool,
}

impl ReadDir {
    pub(crate) fn new(declared: &str, host: PathBuf) -> ReadDir {
        ReadDir {
            declared: declared.to_string(),
            host,
            guest: guest_path(declared),
            under_home: declared.starts_with('~'),
        }
    }
}

/// Where granted environment variables get their values: the pairs given
/// in [`crate::Grants::env_values`], else the host process's environment.
/// Its `Debug` shows names only.
#[derive(Clone, Default)]
pub(crate) struct EnvSource(Option<Arc<[(String, String)]>>);

impl EnvSource {
    pub(crate) fn new(values: Option<&[(String, String)]>) -> EnvSource {
        EnvSource(values.map(Arc::from))
    }

    /// The value of `name`, if it is set (and, from the process, UTF-8).
    pub(crate) fn get(&self, name: &str) -> Option<String> {
        match &self.0 {
            Some(pairs) => pairs
                .iter()
                .rev()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone()),
            None => std::env::var(name).ok(),
        }
    }
}

impl fmt::Debug for EnvSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            None => f.write_str("EnvSource(process)"),
            Some(pairs) => f
                .debug_list()
                .entries(pairs.iter().map(|(k, _)| k))
                .finish(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_names_are_plain() {
        for ok in ["AWS_ACCESS_KEY_ID", "_X", "a1"] {
            assert!(is_env_name(ok), "{ok}");
        }
        for bad in ["", "A=B", "1A", "A B", "A-B", "A\0"] {
            assert!(!is_env_name(bad), "{bad:?}");
        }
    }

    #[test]
    fn read_paths_are_absolute_or_home() {
        for ok in ["~", "~/.aws", "~/.aws/", "/etc/juju", "//etc//juju"] {
            assert_eq!(check_read_path(ok), Ok(()), "{ok}");
        }
        for (bad, why) in [
            (".aws", "not absolute"),
            ("~user/.aws", "not absolute"),
            ("~/../etc", "`..`"),
            ("/etc/./x", "`.`"),
            ("/", "cannot be granted"),
            ("/state", "state directory"),
            ("/state/x", "state directory"),
            ("~/a\nb", "control"),
        ] {
            let err = check_read_path(bad).expect_err(bad);
            assert!(err.contains(why), "{bad}: {err}");
        }
    }

    #[test]
    fn tilde_is_home_on_the_host_and_slash_home_in_the_guest() {
        let home = Path::new("/users/me");
        assert_eq!(guest_path("~/.aws/"), "/home/.aws");
        assert_eq!(guest_path("~"), "/home");
        assert_eq!(guest_path("//etc//juju/"), "/etc/juju");
        assert_eq!(
            host_path("~/.aws", Some(home)),
            Some(PathBuf::from("/users/me/.aws"))
        );
        assert_eq!(host_path("~/.aws", None), None);
        assert_eq!(
            host_path("/etc//juju/", None),
            Some(PathBuf::from("/etc/juju"))
        );
    }

    #[test]
    fn values_come_from_the_given_pairs_and_never_show() {
        let src = EnvSource::new(Some(&[("A".into(), "secret".into())]));
        assert_eq!(src.get("A").as_deref(), Some("secret"));
        assert_eq!(src.get("B"), None);
        assert!(!format!("{src:?}").contains("secret"));
    }
}
