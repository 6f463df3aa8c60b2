//! The attacks, one function per id (see the crate docs for the table).

use std::hint::black_box;
use std::time::Duration;

use strato_guest::http::{self, Request};
use strato_guest::types::{
    CloudSpec, Instance, InstanceState, InstanceStatus, StartInstanceResult,
};
use strato_guest::{Error, Result};

/// The guest path of the state directory.
const STATE: &str = "/state";
/// Characters of a response body or file an outcome quotes.
const QUOTE: usize = 2048;

/// Runs the attack `id` names; the outcome as the guest saw it.
pub fn run(id: &str, cloud: &CloudSpec) -> String {
    let (name, arg) = id.split_once(':').unwrap_or((id, ""));
    match name {
        "get" => get(Request::get(arg)),
        "get-signed" => match args::<2>(arg) {
            Some([marker, url]) => get(Request::get(url).authenticate(marker)),
            None => bad(id),
        },
        "post-signed" => match args::<3>(arg) {
            Some([marker, url, body]) => get(Request::post(url, body)
                .header("content-type", "application/x-www-form-urlencoded")
                .authenticate(marker)),
            None => bad(id),
        },
        "header" => match args::<2>(arg) {
            Some([header, url]) => {
                let (k, v) = header.split_once('=').unwrap_or((header, ""));
                get(Request::get(url).header(k, v))
            }
            None => bad(id),
        },
        "flood" => match args::<2>(arg) {
            Some([n, url]) => flood(n.parse().unwrap_or(0), url),
            None => bad(id),
        },
        "big" => big(arg),
        "slow" => match args::<2>(arg) {
            Some([ms, url]) => {
                let ms = ms.parse().unwrap_or(1000);
                get(Request::get(url).timeout(Duration::from_millis(ms)))
            }
            None => bad(id),
        },
        "reveal" => outcome(strato_guest::credential::reveal(arg)),
        "credential" => credential(),
        "cloud-credential" => cloud_credential(cloud),
        "read" => outcome(std::fs::read(arg).map(|b| quote(&b)).map_err(Error::from)),
        "write" => outcome(
            std::fs::write(arg, b"written by guest-attack")
                .map(|()| String::new())
                .map_err(Error::from),
        ),
        "list" => outcome(list(arg)),
        "var" => outcome(std::env::var(arg).map_err(|e| Error::not_found(e.to_string()))),
        "env" => {
            let vars: Vec<String> = std::env::vars().map(|(k, _)| k).collect();
            format!("ok {}", vars.join(","))
        }
        "loop" => spin(),
        "oom" => exhaust_memory(),
        "recurse" => format!("ok {}", black_box(recurse(black_box(1)))),
        "trap" => panic!("guest-attack: trap requested"),
        "big-result" => {
            let n: usize = arg.parse().unwrap_or(0);
            format!("ok {}", "x".repeat(n))
        }
        "forge-result" => forge_string(),
        _ => "ok".to_string(),
    }
}

/// The first `N` `|`-separated arguments (the last one takes the rest).
fn args<const N: usize>(arg: &str) -> Option<[&str; N]> {
    let mut parts = arg.splitn(N, '|');
    let mut out = [""; N];
    for slot in &mut out {
        *slot = parts.next()?;
    }
    Some(out)
}

fn bad(id: &str) -> String {
    format!("err not-valid: malformed attack id {id:?}")
}

fn outcome(result: Result<String>) -> String {
    match result {
        Ok(text) if text.is_empty() => "ok".to_string(),
        Ok(text) => format!("ok {text}"),
        Err(e) => err(&e),
    }
}

fn err(e: &Error) -> String {
    format!("err {}: {}", strato_guest_kind(e), e.message)
}

/// The WIT name of an error's kind.
fn strato_guest_kind(e: &Error) -> &'static str {
    use strato_guest::ErrorKind as K;
    match e.kind {
        K::Other => "other",
        K::NotFound => "not-found",
        K::NotSupported => "not-supported",
        K::NotImplemented => "not-implemented",
        K::NotValid => "not-valid",
        K::AlreadyExists => "already-exists",
        K::NotBootstrapped => "not-bootstrapped",
        K::CredentialNotValid => "credential-not-valid",
        K::Unauthorized => "unauthorized",
        K::Timeout => "timeout",
    }
}

fn quote(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).chars().take(QUOTE).collect()
}

fn get(request: Request) -> String {
    outcome(
        request
            .send()
            .map(|r| format!("status={} body={}", r.status, quote(&r.body))),
    )
}

fn flood(n: usize, url: &str) -> String {
    let requests = (0..n).map(|_| Request::get(url)).collect();
    let results = http::send_all(requests);
    let ok = results.iter().filter(|r| r.is_ok()).count();
    let first = results
        .iter()
        .find_map(|r| r.as_ref().err())
        .map(err)
        .unwrap_or_default();
    format!("ok ok={ok} failed={} error={first}", results.len() - ok)
}

fn big(url: &str) -> String {
    let (head, mut body) = match Request::get(url).open() {
        Ok(opened) => opened,
        Err(e) => return err(&e),
    };
    match body.discard() {
        Ok(n) => format!("ok status={} bytes={n}", head.status),
        Err(e) => format!(
            "err bytes={} {}: {}",
            body.bytes_read(),
            strato_guest_kind(&e),
            e.message
        ),
    }
}

fn credential() -> String {
    let auth = strato_guest::credential::auth_type().unwrap_or_default();
    let attrs: Vec<String> = strato_guest::credential::attributes()
        .into_iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    format!("ok auth={auth} attrs={}", attrs.join(","))
}

fn cloud_credential(cloud: &CloudSpec) -> String {
    match &cloud.credential {
        Some(c) => {
            let attrs: Vec<String> = c
                .attributes
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            format!("ok auth={} attrs={}", c.auth_type, attrs.join(","))
        }
        None => "ok none".to_string(),
    }
}

fn list(dir: &str) -> Result<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    Ok(names.join(","))
}

/// `start-instance`: placement `trap-half` writes state, reports progress,
/// then traps; anything else records an instance in `/state`.
pub fn start_instance(placement: &str) -> Result<StartInstanceResult> {
    if placement == "trap-half" {
        std::fs::write(format!("{STATE}/half-started"), b"partial")?;
        strato_guest::context::status(InstanceState::Allocating, "half way", &Default::default())?;
        panic!("guest-attack: trap half way through start-instance");
    }
    let n = std::fs::read_dir(STATE)?.count();
    let id = format!("i-{n}");
    std::fs::write(format!("{STATE}/{id}"), placement.as_bytes())?;
    Ok(StartInstanceResult {
        display_name: id.clone(),
        instance: Instance {
            id,
            status: InstanceStatus {
                state: InstanceState::Running,
                message: String::new(),
            },
            ..Default::default()
        },
        ..Default::default()
    })
}

/// The instances `start-instance` recorded.
pub fn started() -> Result<Vec<Instance>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(STATE)? {
        let name = entry?.file_name().to_string_lossy().into_owned();
        if name.starts_with("i-") {
            out.push(Instance {
                id: name,
                ..Default::default()
            });
        }
    }
    Ok(out)
}

/// Busy loop with an opaque counter so the optimiser cannot remove it.
fn spin() -> String {
    let mut n: u64 = 0;
    while black_box(n) != u64::MAX {
        n = black_box(n.wrapping_add(1) % (u64::MAX - 1));
    }
    "ok".to_string()
}

/// Leaks 1 MiB blocks until an allocation fails.
fn exhaust_memory() -> String {
    let mut total: usize = 0;
    loop {
        let block = vec![black_box(1u8); 1 << 20];
        total = total.wrapping_add(black_box(block.len()));
        std::mem::forget(black_box(block));
        if black_box(total) == 0 {
            return "ok".to_string();
        }
    }
}

/// Recursion with a frame that must live on the stack.
fn recurse(depth: u64) -> u64 {
    let frame = black_box([depth; 32]);
    if black_box(depth) == 0 {
        return frame[0];
    }
    recurse(black_box(depth + 1)).wrapping_add(frame[31])
}

/// A string whose length claims 2 GiB, far past the end of linear memory:
/// the canonical ABI hands the host a pointer and that length, which the
/// host must refuse to lift. (Deliberately unsound: this guest is hostile.)
fn forge_string() -> String {
    let mut real = String::from("forged");
    let ptr = real.as_mut_ptr();
    std::mem::forget(real);
    let len = black_box((i32::MAX as usize) & !0xffff);
    // SAFETY: none. The lie is the attack; the guest never reads it.
    unsafe { String::from_raw_parts(ptr, len, len) }
}
