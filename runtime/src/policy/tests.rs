//! The policy file: parsing, lookups and errors.

use super::*;

const SAMPLE: &str = r#"
# strato policy: what the operator grants each provider
providers:
  dummy:                 # provider name, or "sha256:<hex>" of the component
    state-dir: /var/lib/strato/dummy     # or `true` = <data dir>/<name>
    network: ["https://*.example.com", "http://127.0.0.1:8080"]
    reveal: [secret-key]
    secret-attributes: [api-secret]   # more attribute names the host treats as secret
    env: [AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY]  # host variables lent by name
    read: ["~/.aws"]     # host directories lent read-only (absolute or ~/…)
    limits: { memory: 512MiB, call-timeout: 2m, http-concurrency: 8,
              response-bytes: 32MiB, request-timeout: 30s }
  ec2:
    state-dir: true
  sha256:ABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABAB:
    network: ["https://digest.example.com"]
  empty:
"#;

#[test]
fn parses_the_documented_example() {
    let policy = Policy::from_yaml(SAMPLE, "policy.yaml").unwrap();
    let g = policy.grants_for("dummy", &"0".repeat(64), Path::new("/data"));
    assert_eq!(g.name.as_deref(), Some("dummy"));
    assert_eq!(g.state_dir, Some(PathBuf::from("/var/lib/strato/dummy")));
    assert_eq!(
        g.network,
        ["https://*.example.com", "http://127.0.0.1:8080"]
    );
    assert_eq!(g.reveal, ["secret-key"]);
    assert_eq!(g.secret_attributes, ["api-secret"]);
    assert_eq!(g.env, ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]);
    assert_eq!(g.read, ["~/.aws"]);
    // The policy lends from the process and `$HOME`: no override.
    assert!(g.env_values.is_none() && g.home.is_none());
    assert_eq!(
        g.limits,
        Limits {
            memory: Some(512 << 20),
            call_timeout: Some(Duration::from_secs(120)),
            http_concurrency: Some(8),
            response_bytes: Some(32 << 20),
            request_timeout: Some(Duration::from_secs(30)),
        }
    );
    let keys: Vec<&str> = policy.providers().collect();
    assert_eq!(keys.len(), 4, "{keys:?}");
}

#[test]
fn digest_wins_and_state_dir_true_is_under_the_data_dir() {
    let policy = Policy::from_yaml(SAMPLE, "policy.yaml").unwrap();
    let digest = "ab".repeat(32);
    let g = policy.grants_for("dummy", &digest, Path::new("/data"));
    assert_eq!(g.network, ["https://digest.example.com"]);
    assert_eq!(g.state_dir, None);
    let g = policy.grants_for("ec2", &"0".repeat(64), Path::new("/data"));
    assert_eq!(g.state_dir, Some(PathBuf::from("/data/ec2")));
    // A name that is not a file name does not steer the directory.
    let mut weird = Policy::from_yaml("providers: { sha256:ABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABAB: { state-dir: true } }", "p").unwrap();
    weird.base_dir = Some("/etc".into());
    let g = weird.grants_for("../../etc", &digest, Path::new("/data"));
    assert_eq!(g.state_dir, Some(PathBuf::from("/data/abababababab")));
}

#[test]
fn no_entry_grants_nothing() {
    let policy = Policy::from_yaml(SAMPLE, "policy.yaml").unwrap();
    for name in ["other", "empty", ""] {
        let g = policy.grants_for(name, "ff", Path::new("/data"));
        assert!(g.state_dir.is_none() && g.network.is_empty() && g.reveal.is_empty());
        assert!(g.env.is_empty() && g.read.is_empty());
        assert_eq!(g.limits, Limits::default());
    }
    for blank in ["", "# nothing\n", "providers:\n", "providers: {}\n"] {
        let p = Policy::from_yaml(blank, "p").unwrap();
        assert_eq!(p.providers().count(), 0, "{blank:?}");
    }
}

#[test]
fn relative_state_dirs_follow_the_policy_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("policy.yaml");
    std::fs::write(&path, "providers:\n  dummy:\n    state-dir: state/dummy\n").unwrap();
    let policy = Policy::load(&path).unwrap();
    assert_eq!(policy.source(), path.display().to_string());
    let g = policy.grants_for("dummy", "", Path::new("/data"));
    assert_eq!(g.state_dir, Some(dir.path().join("state/dummy")));
    let err = Policy::load(&dir.path().join("nope.yaml")).unwrap_err();
    assert!(err.to_string().contains("nope.yaml: cannot read"), "{err}");
}

/// (policy, line, key, words in the message)
#[rustfmt::skip]
const ERRORS: &[(&str, Option<u64>, Option<&str>, &str)] = &[
    ("provider:\n  dummy: {}\n", Some(1), None, "provider"),
    ("providers:\n  dummy:\n    netwrok: []\n", Some(3), None, "netwrok"),
    ("providers:\n  dummy:\n    limits: { memroy: 1 }\n", Some(3), None, "memroy"),
    ("providers:\n  dummy:\n    network: [\"example.com\"]\n", Some(3), Some("providers.dummy.network"), "missing scheme"),
    ("providers:\n  dummy:\n    limits:\n      memory: 12 parsecs\n", Some(4), Some("providers.dummy.limits.memory"), "not a size"),
    ("providers:\n  dummy:\n    limits:\n      memory: 512MB\n", Some(4), Some("providers.dummy.limits.memory"), "KiB, MiB or GiB"),
    ("providers:\n  dummy:\n    limits:\n      memory: 0\n", Some(4), Some("providers.dummy.limits.memory"), "more than zero"),
    ("providers:\n  dummy:\n    limits:\n      memory: 99999999999GiB\n", Some(4), Some("providers.dummy.limits.memory"), "too large"),
    ("providers:\n  dummy:\n    limits:\n      call-timeout: 30\n", Some(4), Some("providers.dummy.limits.call-timeout"), "not a duration"),
    ("providers:\n  dummy:\n    limits:\n      call-timeout: 1.5s\n", Some(4), Some("providers.dummy.limits.call-timeout"), "not a duration"),
    ("providers:\n  dummy:\n    limits:\n      http-concurrency: -1\n", Some(4), Some("providers.dummy.limits.http-concurrency"), "positive whole number"),
    ("providers:\n  dummy:\n    limits:\n      http-concurrency: 8s\n", Some(4), Some("providers.dummy.limits.http-concurrency"), "positive whole number"),
    ("providers:\n  dummy:\n    state-dir: 3\n", Some(3), Some("providers.dummy.state-dir"), "not a directory"),
    ("providers:\n  dummy:\n    reveal: [\"a b\"]\n", Some(3), Some("providers.dummy.reveal"), "not a credential attribute name"),
    ("providers:\n  dummy:\n    env: [HOME, \"A=B\"]\n", Some(3), Some("providers.dummy.env"), "not an environment variable name"),
    ("providers:\n  dummy:\n    read:\n      - /etc\n      - .aws\n", Some(5), Some("providers.dummy.read"), "not absolute"),
    ("providers:\n  dummy:\n    read: [\"~/../etc\"]\n", Some(3), Some("providers.dummy.read"), "`..`"),
    ("providers:\n  ../x: {}\n", None, Some("providers.../x"), "provider name"),
    ("providers:\n  sha256:abc: {}\n", None, Some("providers.sha256:abc"), "64 hex digits"),
    ("providers: [a, b]\n", Some(1), None, ""),
    ("providers:\n  dummy: {}\n  dummy: {}\n", Some(3), None, "duplicate mapping key: dummy"),
    ("providers:\n  dummy: {\n", None, None, ""),
];

#[test]
fn errors_name_the_file_line_and_key() {
    for &(text, line, key, words) in ERRORS {
        let err = Policy::from_yaml(text, "policy.yaml").expect_err(text);
        let shown = err.to_string();
        assert_eq!(err.file(), "policy.yaml");
        assert!(shown.starts_with("policy.yaml"), "{shown}");
        if line.is_some() {
            assert_eq!(err.line(), line, "{text:?}: {shown}");
        }
        assert_eq!(err.key(), key, "{text:?}: {shown}");
        assert!(shown.contains(words), "{text:?}: {shown}");
        assert_eq!(shown.lines().count(), 1, "{shown}");
        assert!(!shown.contains("DuplicateKeyPolicy"), "{shown}");
    }
}

#[test]
fn sizes_and_durations() {
    let cases: &[(Kind, Scalar, Option<u64>)] = &[
        (Kind::Size, Scalar::Int(4096), Some(4096)),
        (Kind::Size, Scalar::Text("4096".into()), Some(4096)),
        (Kind::Size, Scalar::Text("64 KiB".into()), Some(64 << 10)),
        (Kind::Size, Scalar::Text("2GiB".into()), Some(2 << 30)),
        (Kind::Size, Scalar::Text("10B".into()), Some(10)),
        (Kind::Size, Scalar::Text("MiB".into()), None),
        (Kind::Size, Scalar::Bool(true), None),
        (Kind::Duration, Scalar::Text("250ms".into()), Some(250)),
        (Kind::Duration, Scalar::Text("30s".into()), Some(30_000)),
        (Kind::Duration, Scalar::Text("2m".into()), Some(120_000)),
        (Kind::Duration, Scalar::Text("1h".into()), Some(3_600_000)),
        (Kind::Duration, Scalar::Text("1d".into()), None),
        (Kind::Count, Scalar::Int(8), Some(8)),
        (Kind::Count, Scalar::Text("8".into()), Some(8)),
    ];
    for (kind, value, want) in cases {
        assert_eq!(kind.parse(value).ok(), *want, "{value}");
    }
}
