//! The `strato-fleet` logic as a process plugin: one JSON request per line
//! on stdin, one JSON response per line on stdout (see
//! `strato_bench::plugin`). Ends when stdin closes.

use std::io::{BufRead as _, BufWriter, Write as _};

use strato_bench::plugin::{Request, Response};
use strato_fleet::Fleet;

fn main() -> anyhow::Result<()> {
    let stdin = std::io::stdin().lock();
    let mut out = BufWriter::new(std::io::stdout().lock());
    let mut fleet = Fleet::new();
    for line in stdin.lines() {
        let line = line?;
        let response = match serde_json::from_str::<Request>(&line) {
            Ok(Request::Version) => Response::Version(Fleet::version()),
            Ok(Request::Instances { ids }) => Response::Instances(fleet.instances(&ids)),
            Ok(Request::Start { spec }) => match fleet.start(&spec) {
                Ok(s) => Response::Started(s),
                Err(e) => Response::Refused(e),
            },
            Err(e) => Response::BadRequest(e.to_string()),
        };
        serde_json::to_writer(&mut out, &response)?;
        out.write_all(b"\n")?;
        out.flush()?;
    }
    Ok(())
}
