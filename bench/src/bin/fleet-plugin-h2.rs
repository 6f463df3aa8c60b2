//! The `strato-fleet` logic as a gRPC-shaped process plugin: HTTP/2 on the
//! Unix socket named by the first argument, one stream per call, one
//! framed JSON message each way (see `strato_bench::grpc`). Prints `ready`
//! once listening; serves one connection, each stream in its own task.

use std::sync::{Arc, Mutex};

use anyhow::{Context as _, Result};
use strato_bench::grpc::{frame, read_body, unframe};
use strato_bench::plugin::serve;
use strato_fleet::Fleet;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<()> {
    let path = std::env::args()
        .nth(1)
        .context("usage: fleet-plugin-h2 <socket>")?;
    let listener = tokio::net::UnixListener::bind(&path)?;
    println!("ready");
    let (stream, _) = listener.accept().await?;
    let mut conn = h2::server::handshake(stream).await?;
    let fleet = Arc::new(Mutex::new(Fleet::new()));
    while let Some(next) = conn.accept().await {
        let (request, mut respond) = next?;
        let fleet = fleet.clone();
        tokio::spawn(async move {
            let answer = async {
                let mut body = request.into_body();
                let bytes = read_body(&mut body).await?;
                let response = {
                    let mut fleet = fleet.lock().unwrap_or_else(|e| e.into_inner());
                    serve(&mut fleet, unframe(&bytes)?)
                };
                let head = http::Response::builder()
                    .header("content-type", "application/grpc")
                    .body(())?;
                let mut send = respond.send_response(head, false)?;
                send.send_data(frame(&serde_json::to_vec(&response)?)?, true)?;
                anyhow::Ok(())
            };
            if let Err(e) = answer.await {
                eprintln!("fleet-plugin-h2: {e:#}");
            }
        });
    }
    Ok(())
}
