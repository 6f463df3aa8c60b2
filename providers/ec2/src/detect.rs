//! `DetectCredentials`, as Juju's EC2 provider does it: the shared
//! credentials file `~/.aws/credentials` (one credential per profile,
//! labelled `aws credential "<profile>"`, the default region from
//! `~/.aws/config`); when that file holds no profile, the environment
//! (`AWS_ACCESS_KEY_ID` or `AWS_ACCESS_KEY`, `AWS_SECRET_ACCESS_KEY` or
//! `AWS_SECRET_KEY`, then `EC2_ACCESS_KEY` / `EC2_SECRET_KEY`), one
//! credential named after the local user. Nothing found is `not-found`.
//!
//! The sandbox gives the provider neither the host's environment nor its
//! files: it sees the variables and the `~/.aws` directory only when the
//! operator grants what `lib.rs` declares (`env`, `read: ["~/.aws"]`).
//! Beyond Juju: the profile named by `$AWS_PROFILE` (else `default`) is
//! the default credential, and its region comes from `[profile X]`.

use ini::{Ini, ParseOption};
use strato_guest::types::{CloudCredential, Credential};
use strato_guest::{Error, Result};

use crate::provider::ACCESS_KEY;

/// Where the host's `~/.aws` is, read-only, when granted.
const CREDENTIALS: &str = ".aws/credentials";
const CONFIG: &str = ".aws/config";

/// What detection may look at: environment variables and files under
/// `$HOME`.
pub trait Host {
    /// The variable's value, when set and not empty.
    fn var(&self, name: &str) -> Option<String>;
    /// The text of `$HOME/<path>`, `None` when it cannot be read.
    fn home_file(&self, path: &str) -> Option<String>;
}

/// The guest's own environment and filesystem: what the host lent.
pub struct Sandbox;

impl Host for Sandbox {
    fn var(&self, name: &str) -> Option<String> {
        std::env::var(name).ok().filter(|v| !v.is_empty())
    }

    fn home_file(&self, path: &str) -> Option<String> {
        let home = self.var("HOME")?;
        let full = format!("{}/{path}", home.trim_end_matches('/'));
        match std::fs::read_to_string(&full) {
            Ok(text) => Some(text),
            Err(e) => {
                strato_guest::debug!("detect-credentials: {full} not read: {e}");
                None
            }
        }
    }
}

/// Juju's `DetectCredentials` over `host`.
pub fn detect(host: &dyn Host) -> Result<CloudCredential> {
    let profiles = match host.home_file(CREDENTIALS) {
        Some(text) => from_credentials_file(&text, host)?,
        None => None,
    };
    if let Some(found) = profiles {
        return Ok(found);
    }
    from_env(host).ok_or_else(|| Error::not_found("credentials not found"))
}

/// Go's ini reads values verbatim: no quotes or escapes (a secret key may
/// hold characters either would eat).
fn parse(text: &str) -> std::result::Result<Ini, ini::ParseError> {
    Ini::load_from_str_opt(
        text,
        ParseOption {
            enabled_quote: false,
            enabled_escape: false,
            ..ParseOption::default()
        },
    )
}

/// One credential per profile with both keys; `None` when the file has
/// no such profile (Juju then tries the environment).
fn from_credentials_file(text: &str, host: &dyn Host) -> Result<Option<CloudCredential>> {
    let file = parse(text).map_err(|e| {
        Error::not_valid(format!("loading AWS credentials file ~/{CREDENTIALS}: {e}"))
    })?;
    let mut found = Vec::new();
    for (section, props) in file.iter() {
        let Some(name) = section else { continue };
        let (Some(access), Some(secret)) = (
            props.get("aws_access_key_id").map(str::trim),
            props.get("aws_secret_access_key").map(str::trim),
        ) else {
            // Role or SSO profiles: nothing to store as an access key.
            strato_guest::debug!("detect-credentials: profile {name:?} has no access key");
            continue;
        };
        found.push((name.to_string(), access_key(access, secret, name)));
    }
    if found.is_empty() {
        return Ok(None);
    }
    let profile = host.var("AWS_PROFILE");
    let wanted = profile.as_deref().unwrap_or("default");
    let default_credential = if found.iter().any(|(n, _)| n == wanted) {
        wanted.to_string()
    } else {
        String::new()
    };
    let default_region = host
        .home_file(CONFIG)
        .and_then(|text| parse(&text).ok())
        .and_then(|config| region(&config, wanted))
        .unwrap_or_default();
    Ok(Some(CloudCredential {
        default_credential,
        default_region,
        auth_credentials: found,
    }))
}

/// The region of `profile` in `~/.aws/config`: `[default]` for the
/// default profile, `[profile X]` for the others.
fn region(config: &Ini, profile: &str) -> Option<String> {
    let section = if profile == "default" {
        "default".to_string()
    } else {
        format!("profile {profile}")
    };
    let region = config.section(Some(section))?.get("region")?.trim();
    (!region.is_empty()).then(|| region.to_string())
}

/// `aws.EnvAuth`: the access and secret key from the environment, the
/// credential named after the local user.
fn from_env(host: &dyn Host) -> Option<CloudCredential> {
    let first = |names: &[&str]| names.iter().find_map(|n| host.var(n));
    let access = first(&["AWS_ACCESS_KEY_ID", "AWS_ACCESS_KEY", "EC2_ACCESS_KEY"])?;
    let secret = first(&["AWS_SECRET_ACCESS_KEY", "AWS_SECRET_KEY", "EC2_SECRET_KEY"])?;
    let user = host.var("USER").unwrap_or_else(|| "default".to_string());
    let credential = access_key(&access, &secret, &user);
    Some(CloudCredential {
        default_credential: user.clone(),
        default_region: String::new(),
        auth_credentials: vec![(user, credential)],
    })
}

fn access_key(access: &str, secret: &str, name: &str) -> Credential {
    Credential {
        auth_type: ACCESS_KEY.to_string(),
        attributes: vec![
            ("access-key".to_string(), access.to_string()),
            ("secret-key".to_string(), secret.to_string()),
        ],
        label: format!("aws credential {name:?}"),
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[derive(Default)]
    struct Fake {
        vars: HashMap<&'static str, &'static str>,
        files: HashMap<&'static str, &'static str>,
    }

    impl Host for Fake {
        fn var(&self, name: &str) -> Option<String> {
            self.vars.get(name).map(|v| v.to_string())
        }
        fn home_file(&self, path: &str) -> Option<String> {
            self.files.get(path).map(|v| v.to_string())
        }
    }

    const TWO: &str = "[default]\naws_access_key_id = AKIADEFAULT\naws_secret_access_key = s3cr/t+\"x\\y\n\n[ops]\naws_access_key_id=AKIAOPS\naws_secret_access_key=opssecret\n\n[sso]\nsso_start_url = https://x\n";

    fn names(c: &CloudCredential) -> Vec<(&str, &str)> {
        c.auth_credentials
            .iter()
            .map(|(n, c)| (n.as_str(), c.label.as_str()))
            .collect()
    }

    fn attr<'a>(c: &'a CloudCredential, name: &str, key: &str) -> &'a str {
        let (_, cred) = c
            .auth_credentials
            .iter()
            .find(|(n, _)| n == name)
            .expect("credential");
        cred.attributes
            .iter()
            .find(|(k, _)| k == key)
            .map_or("", |(_, v)| v.as_str())
    }

    #[test]
    fn every_profile_with_keys_is_a_credential() {
        let mut host = Fake::default();
        host.files.insert(CREDENTIALS, TWO);
        host.files.insert(
            CONFIG,
            "[default]\nregion = eu-west-1\n[profile ops]\nregion = ap-southeast-2\n",
        );
        let found = detect(&host).expect("found");
        assert_eq!(
            names(&found),
            [
                ("default", "aws credential \"default\""),
                ("ops", "aws credential \"ops\"")
            ]
        );
        assert_eq!(attr(&found, "default", "secret-key"), "s3cr/t+\"x\\y");
        assert_eq!(found.default_credential, "default");
        assert_eq!(found.default_region, "eu-west-1");
        host.vars.insert("AWS_PROFILE", "ops");
        let found = detect(&host).expect("found");
        assert_eq!(found.default_credential, "ops");
        assert_eq!(found.default_region, "ap-southeast-2");
    }

    #[test]
    fn the_file_wins_over_the_environment_as_in_juju() {
        let mut host = Fake::default();
        host.files.insert(CREDENTIALS, TWO);
        host.vars.insert("AWS_ACCESS_KEY_ID", "AKIAENV");
        host.vars.insert("AWS_SECRET_ACCESS_KEY", "envsecret");
        assert_eq!(detect(&host).expect("found").auth_credentials.len(), 2);
        // A file without a usable profile falls back to the environment.
        host.files.insert(CREDENTIALS, "[sso]\nsso_start_url = x\n");
        host.vars.insert("USER", "ada");
        let found = detect(&host).expect("found");
        assert_eq!(names(&found), [("ada", "aws credential \"ada\"")]);
        assert_eq!(attr(&found, "ada", "access-key"), "AKIAENV");
    }

    #[test]
    fn environment_fallbacks_in_order() {
        let mut host = Fake::default();
        host.vars.insert("EC2_ACCESS_KEY", "AKIAEC2");
        host.vars.insert("AWS_SECRET_KEY", "old");
        host.vars.insert("EC2_SECRET_KEY", "older");
        let found = detect(&host).expect("found");
        assert_eq!(names(&found), [("default", "aws credential \"default\"")]);
        assert_eq!(attr(&found, "default", "access-key"), "AKIAEC2");
        assert_eq!(attr(&found, "default", "secret-key"), "old");
    }

    #[test]
    fn nothing_is_not_found_and_a_broken_file_is_not_valid() {
        let mut host = Fake::default();
        host.vars.insert("AWS_ACCESS_KEY_ID", "only-half");
        let e = detect(&host).expect_err("nothing");
        assert_eq!(e.kind, strato_guest::ErrorKind::NotFound);
        host.files.insert(CREDENTIALS, "[default\n");
        let e = detect(&host).expect_err("broken");
        assert_eq!(e.kind, strato_guest::ErrorKind::NotValid);
        assert!(e.message.contains("~/.aws/credentials"), "{e:?}");
    }
}
