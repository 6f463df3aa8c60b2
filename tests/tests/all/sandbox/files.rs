//! Files: the guest's filesystem is its state directory and nothing else.
//! `..`, absolute paths and a symlink planted in the state directory that
//! points out all fail, and nothing is written outside.

use strato_runtime::Grants;
use strato_runtime::audit::{Capability, Decision};

use super::{Sandbox, assert_guest_error, cloud};

const SECRET: &str = "host secret: do not read";

#[tokio::test]
async fn files_outside_the_state_directory_stay_out_of_reach() {
    let root = tempfile::tempdir().expect("tempdir");
    let state = root.path().join("state");
    let outside = root.path().join("outside");
    std::fs::create_dir_all(&state).expect("state dir");
    std::fs::create_dir_all(&outside).expect("outside dir");
    std::fs::write(outside.join("secret.txt"), SECRET).expect("secret");
    // Symlinks planted in the state directory by someone else, pointing out.
    std::os::unix::fs::symlink("../outside", state.join("escape")).expect("symlink");
    std::os::unix::fs::symlink(outside.join("secret.txt"), state.join("abs-link"))
        .expect("symlink");
    std::os::unix::fs::symlink("/etc", state.join("etc")).expect("symlink");

    let grants = Grants {
        state_dir: Some(state.clone()),
        ..Grants::default()
    };
    let mut sb = Sandbox::open(grants, cloud("", None)).await;
    sb.expect_event(Capability::Grant, Decision::Allowed, "state", "")
        .await;

    // Inside works.
    assert_eq!(sb.attack("write:/state/fine.txt").await, "ok");
    assert!(state.join("fine.txt").exists());
    assert_eq!(
        sb.attack("read:/state/fine.txt").await,
        "ok written by guest-attack"
    );

    for path in [
        "/state/../outside/secret.txt",
        "/state/escape/secret.txt",
        "/state/abs-link",
        "/state/etc/hostname",
        "/etc/hostname",
        "/proc/self/environ",
        "../outside/secret.txt",
    ] {
        let outcome = sb.attack(&format!("read:{path}")).await;
        assert_guest_error(&outcome, &[]);
        assert!(!outcome.contains(SECRET), "{path}: {outcome}");
    }
    for path in [
        "/state/../evil.txt",
        "/state/escape/evil.txt",
        "/tmp/evil.txt",
        "/evil.txt",
    ] {
        let outcome = sb.attack(&format!("write:{path}")).await;
        assert_guest_error(&outcome, &[]);
    }
    assert!(!root.path().join("evil.txt").exists());
    assert!(!outside.join("evil.txt").exists());
    assert_eq!(
        std::fs::read_to_string(outside.join("secret.txt")).expect("secret"),
        SECRET
    );
    // The root holds the state directory only, if it lists at all.
    let listed = sb.attack("list:/").await;
    assert!(
        listed.starts_with("err ") || listed == "ok state" || listed == "ok",
        "/ lists {listed}"
    );
    sb.next_call_works().await;
}

#[tokio::test]
async fn without_a_state_directory_there_is_no_filesystem() {
    let sb = Sandbox::open(Grants::default(), cloud("", None)).await;
    for id in ["write:/state/x", "read:/etc/hostname", "list:/state"] {
        let outcome = sb.attack(id).await;
        assert_guest_error(&outcome, &[]);
    }
    // Nor an environment.
    assert_eq!(sb.attack("env").await, "ok ");
    sb.next_call_works().await;
}
