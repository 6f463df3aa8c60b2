//! Lending the host's environment and files: `env` copies named variables
//! into the guest's environment, `read` preopens a host directory
//! read-only. Only what the component declares *and* the operator grants;
//! values never reach the audit trail; a read grant cannot be written.

use strato_runtime::Grants;
use strato_runtime::audit::{Capability, Decision};

use super::{Sandbox, assert_guest_error, cloud};

const TOKEN: &str = "tok-4c6f6e67-never-logged";
const LENT: &str = "lent by the host";
const SECRET: &str = "next to the lent directory: not lent";

/// A home directory with `lent/file.txt` and a secret beside `lent`.
fn home() -> tempfile::TempDir {
    let home = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(home.path().join("lent")).expect("lent dir");
    std::fs::write(home.path().join("lent/file.txt"), LENT).expect("file");
    std::fs::write(home.path().join("secret.txt"), SECRET).expect("secret");
    home
}

/// The attack guest's declaration (`env: [STRATO_ATTACK_TOKEN, HOME]`,
/// `read: [~/lent]`) granted, values from the grants, not the process.
fn lending(home: &tempfile::TempDir) -> Grants {
    Grants {
        env: vec!["STRATO_ATTACK_TOKEN".into(), "HOME".into(), "PATH".into()],
        env_values: Some(vec![
            ("STRATO_ATTACK_TOKEN".into(), TOKEN.into()),
            ("HOME".into(), "/the/hosts/home".into()),
            ("PATH".into(), "/usr/bin".into()),
        ]),
        read: vec!["~/lent".into()],
        home: Some(home.path().to_path_buf()),
        ..Grants::default()
    }
}

#[tokio::test]
async fn granted_variables_and_directories_reach_the_guest_read_only() {
    let home = home();
    let mut sb = Sandbox::open(lending(&home), cloud("", None)).await;

    // The declared and granted variable, with its value; `HOME` is the
    // guest's home (where `~` is lent), not the host's; PATH was granted
    // but not declared: absent.
    assert_eq!(sb.attack("env").await, "ok HOME,STRATO_ATTACK_TOKEN");
    assert_eq!(
        sb.attack("var:STRATO_ATTACK_TOKEN").await,
        format!("ok {TOKEN}")
    );
    assert_eq!(sb.attack("var:HOME").await, "ok /home");

    // The directory reads at /home/lent; nothing beside it exists.
    assert_eq!(
        sb.attack("read:/home/lent/file.txt").await,
        format!("ok {LENT}")
    );
    assert_eq!(sb.attack("list:/home/lent").await, "ok file.txt");
    for path in [
        "/home/secret.txt",
        "/home/lent/../secret.txt",
        &format!("{}/secret.txt", home.path().display()),
    ] {
        let outcome = sb.attack(&format!("read:{path}")).await;
        assert_guest_error(&outcome, &[]);
        assert!(!outcome.contains(SECRET), "{path}: {outcome}");
    }

    // Nothing can be written into it: not over a file, not a new one.
    for path in ["/home/lent/file.txt", "/home/lent/new.txt", "/home/new.txt"] {
        let outcome = sb.attack(&format!("write:{path}")).await;
        assert_guest_error(&outcome, &[]);
    }
    assert_eq!(
        std::fs::read_to_string(home.path().join("lent/file.txt")).expect("file"),
        LENT
    );
    assert!(!home.path().join("lent/new.txt").exists());
    assert!(!home.path().join("new.txt").exists());

    // Audit: the variable by name and the directory by path, never a value.
    let lent = home.path().join("lent").display().to_string();
    sb.expect_event(
        Capability::Env,
        Decision::Allowed,
        "STRATO_ATTACK_TOKEN",
        "",
    )
    .await;
    sb.expect_event(
        Capability::Read,
        Decision::Allowed,
        &lent,
        "read-only as /home/lent",
    )
    .await;
    sb.expect_event(
        Capability::Grant,
        Decision::Allowed,
        "env STRATO_ATTACK_TOKEN",
        "",
    )
    .await;
    sb.expect_event(Capability::Grant, Decision::Allowed, "read ~/lent", "")
        .await;
    for e in sb.events() {
        let json = serde_json::to_string(e).expect("json");
        assert!(!json.contains(TOKEN), "a value in the audit trail: {e}");
        assert!(
            !json.contains("/the/hosts/home"),
            "a value in the audit trail: {e}"
        );
        assert!(
            !(e.capability == Capability::Env && e.destination == "PATH"),
            "PATH was not declared: {e}"
        );
    }
    sb.next_call_works().await;
}

#[tokio::test]
async fn without_the_grants_the_guest_sees_no_variable_and_no_directory() {
    let home = home();
    // The values and the home are there, but nothing is granted.
    let grants = Grants {
        env: Vec::new(),
        read: Vec::new(),
        ..lending(&home)
    };
    let mut sb = Sandbox::open(grants, cloud("", None)).await;
    assert_eq!(sb.attack("env").await, "ok ");
    assert_guest_error(&sb.attack("var:STRATO_ATTACK_TOKEN").await, &[]);
    let outcome = sb.attack("read:/home/lent/file.txt").await;
    assert_guest_error(&outcome, &[]);
    assert!(!outcome.contains(LENT), "{outcome}");

    // The refusals are on record; nothing was lent.
    sb.expect_event(
        Capability::Grant,
        Decision::Denied,
        "env STRATO_ATTACK_TOKEN",
        "not granted",
    )
    .await;
    sb.expect_event(
        Capability::Grant,
        Decision::Denied,
        "read ~/lent",
        "not granted",
    )
    .await;
    assert!(
        !sb.events()
            .iter()
            .any(|e| matches!(e.capability, Capability::Env | Capability::Read)),
        "nothing granted, yet something was lent"
    );
    sb.next_call_works().await;
}

#[tokio::test]
async fn a_granted_directory_that_does_not_exist_is_skipped() {
    let home = tempfile::tempdir().expect("tempdir");
    let mut sb = Sandbox::open(lending(&home), cloud("", None)).await;
    assert_guest_error(&sb.attack("list:/home/lent").await, &[]);
    // The variables are still lent; the instance works.
    assert_eq!(
        sb.attack("var:STRATO_ATTACK_TOKEN").await,
        format!("ok {TOKEN}")
    );
    assert!(
        !sb.events().iter().any(|e| e.capability == Capability::Read),
        "a Read event for a directory that does not exist"
    );
    sb.next_call_works().await;
}

#[tokio::test]
async fn the_grant_report_lists_asked_granted_and_effective() {
    let home = home();
    let sb = Sandbox::open(lending(&home), cloud("", None)).await;
    let report = sb.handle.component().grant_report(&Grants {
        env: vec!["HOME".into(), "PATH".into()],
        read: vec![format!("{}/lent", home.path().display())],
        home: Some(home.path().to_path_buf()),
        ..Grants::default()
    });
    let line = |capability, what: &str| {
        report
            .lines
            .iter()
            .find(|l| l.capability == capability && l.what == what)
            .map(|l| (l.asked, l.granted, l.effective()))
            .unwrap_or_else(|| panic!("no line {capability} {what}: {report}"))
    };
    assert_eq!(
        line(Capability::Env, "STRATO_ATTACK_TOKEN"),
        (true, false, false)
    );
    assert_eq!(line(Capability::Env, "HOME"), (true, true, true));
    assert_eq!(line(Capability::Env, "PATH"), (false, true, false));
    // The absolute spelling of the same directory grants `~/lent`.
    assert_eq!(line(Capability::Read, "~/lent"), (true, true, true));
    let text = report.to_string();
    assert!(text.contains("env STRATO_ATTACK_TOKEN refused"), "{text}");
    assert!(text.contains("read ~/lent granted"), "{text}");
}
