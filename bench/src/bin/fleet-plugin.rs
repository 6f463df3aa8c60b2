//! The `strato-fleet` logic as a process plugin: one JSON request per line
//! on stdin, one JSON response per line on stdout (see
//! `strato_bench::plugin`). Ends when stdin closes.

use std::io::{BufRead as _, BufWriter, Write as _};

use strato_bench::plugin::serve;
use strato_fleet::Fleet;

fn main() -> anyhow::Result<()> {
    let stdin = std::io::stdin().lock();
    let mut out = BufWriter::new(std::io::stdout().lock());
    let mut fleet = Fleet::new();
    for line in stdin.lines() {
        let line = line?;
        let response = serve(&mut fleet, line.as_bytes());
        serde_json::to_writer(&mut out, &response)?;
        out.write_all(b"\n")?;
        out.flush()?;
    }
    Ok(())
}
