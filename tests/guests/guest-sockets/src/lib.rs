//! A provider that reaches for the network itself: `ping` opens a TCP
//! connection with `std::net::TcpStream`, so the component imports
//! `wasi:sockets/*`, which Strato links to functions that trap: loading
//! works, and `ping` fails with an error naming the socket import.

wit_bindgen::generate!({
    world: "juju:environs/base-provider@0.2.0",
    path: "../../../wit",
    generate_all,
});

#[path = "../../shared/stub.rs"]
mod stub;

use juju::environs::common::{Error, ErrorKind, Instance};

/// What `version()` answers.
pub const VERSION: u32 = 1;

fn ping(endpoint: String) -> Result<(), Error> {
    std::net::TcpStream::connect(endpoint.as_str())
        .map(drop)
        .map_err(|e| Error {
            kind: ErrorKind::Other,
            message: format!("connect {endpoint}: {e}"),
            zone_independent: true,
        })
}

fn instances(ids: Vec<String>) -> Result<Vec<Option<Instance>>, Error> {
    Ok(ids.iter().map(|_| None).collect())
}

use stub::Stub;
export!(Stub);
