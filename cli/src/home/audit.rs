//! The audit log: every capability decision of every run, kept in the
//! store's `audit_events` table so `strato audit` can show recent runs.

use std::time::{SystemTime, UNIX_EPOCH};

use rusqlite::params;
use strato_runtime::AuditEvent;

use super::Home;
use crate::error::CliError;

/// Events kept; older ones are dropped when a run records more.
const KEEP: i64 = 20_000;

const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS audit_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    run TEXT NOT NULL,
    command TEXT NOT NULL,
    time_ms INTEGER NOT NULL,
    provider TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    cloud TEXT NOT NULL,
    credential TEXT NOT NULL,
    method TEXT NOT NULL,
    capability TEXT NOT NULL,
    destination TEXT NOT NULL,
    decision TEXT NOT NULL,
    reason TEXT NOT NULL,
    bytes_sent INTEGER NOT NULL,
    bytes_received INTEGER NOT NULL,
    latency_ms REAL
)";

/// One recorded decision, as `strato audit` shows it.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct Record {
    /// When, UTC, RFC 3339 with milliseconds.
    pub time: String,
    /// The run (one `strato` process) it belongs to.
    pub run: String,
    /// The command of that run (`demo`, `bootstrap`, …).
    pub command: String,
    /// The provider's name.
    pub provider: String,
    /// The component's sha256.
    pub sha256: String,
    /// The cloud, empty before one was known.
    pub cloud: String,
    /// The credential's name, never its value.
    pub credential: String,
    /// The environs method in progress.
    pub method: String,
    /// What was asked for (`network`, `state-dir`, …).
    pub capability: String,
    /// `allowed` or `denied`.
    pub decision: String,
    /// Where or what: a URL, a path, an attribute name, a limit.
    pub destination: String,
    /// Why.
    pub reason: String,
    /// Request body bytes.
    pub bytes_sent: u64,
    /// Response body bytes.
    pub bytes_received: u64,
    /// How long it took, when it applies.
    pub latency_ms: Option<f64>,
}

/// Which events `strato audit` shows.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Only this provider's.
    pub provider: Option<String>,
    /// Only `allowed` or `denied` ones.
    pub decision: Option<String>,
    /// The most recent N.
    pub limit: usize,
}

/// A run's id: its start time and process id.
pub fn run_id() -> String {
    let ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0);
    format!("{ms:x}-{}", std::process::id())
}

/// Appends `events` of the run `run` (command `command`) to the store.
pub fn record(
    home: &Home,
    run: &str,
    command: &str,
    events: &[AuditEvent],
) -> Result<(), CliError> {
    let mut conn = home.db()?;
    let fail = |e: rusqlite::Error| CliError::failure(format!("audit log: {e}"));
    conn.execute(SCHEMA, []).map_err(fail)?;
    let tx = conn.transaction().map_err(fail)?;
    {
        let mut insert = tx
            .prepare(
                "INSERT INTO audit_events (run, command, time_ms, provider, sha256, cloud,
                 credential, method, capability, destination, decision, reason, bytes_sent,
                 bytes_received, latency_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
            )
            .map_err(fail)?;
        for e in events {
            let ms = e
                .time
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_millis() as i64)
                .unwrap_or(0);
            insert
                .execute(params![
                    run,
                    command,
                    ms,
                    e.provider,
                    e.sha256,
                    e.cloud,
                    e.credential,
                    e.method,
                    e.capability.name(),
                    e.destination,
                    e.decision.to_string(),
                    e.reason,
                    e.bytes_sent as i64,
                    e.bytes_received as i64,
                    e.latency.map(|l| l.as_secs_f64() * 1e3),
                ])
                .map_err(fail)?;
        }
    }
    tx.execute(
        "DELETE FROM audit_events WHERE id <= (SELECT MAX(id) FROM audit_events) - ?1",
        [KEEP],
    )
    .map_err(fail)?;
    tx.commit().map_err(fail)
}

/// The most recent events matching `filter`, oldest first. No store yet:
/// none.
pub fn query(home: &Home, filter: &Filter) -> Result<Vec<Record>, CliError> {
    if !home.db_path().exists() {
        return Ok(Vec::new());
    }
    let conn = home.db()?;
    let fail = |e: rusqlite::Error| CliError::failure(format!("audit log: {e}"));
    conn.execute(SCHEMA, []).map_err(fail)?;
    let mut stmt = conn
        .prepare(
            "SELECT run, command, time_ms, provider, sha256, cloud, credential, method,
             capability, destination, decision, reason, bytes_sent, bytes_received, latency_ms
             FROM audit_events
             WHERE (?1 IS NULL OR provider = ?1) AND (?2 IS NULL OR decision = ?2)
             ORDER BY id DESC LIMIT ?3",
        )
        .map_err(fail)?;
    let limit = i64::try_from(filter.limit).unwrap_or(i64::MAX);
    let rows = stmt
        .query_map(params![filter.provider, filter.decision, limit], |row| {
            Ok(Record {
                run: row.get(0)?,
                command: row.get(1)?,
                time: rfc3339(row.get(2)?),
                provider: row.get(3)?,
                sha256: row.get(4)?,
                cloud: row.get(5)?,
                credential: row.get(6)?,
                method: row.get(7)?,
                capability: row.get(8)?,
                destination: row.get(9)?,
                decision: row.get(10)?,
                reason: row.get(11)?,
                bytes_sent: u64::try_from(row.get::<_, i64>(12)?).unwrap_or(0),
                bytes_received: u64::try_from(row.get::<_, i64>(13)?).unwrap_or(0),
                latency_ms: row.get(14)?,
            })
        })
        .map_err(fail)?;
    let mut records = rows.collect::<Result<Vec<_>, _>>().map_err(fail)?;
    records.reverse();
    Ok(records)
}

/// `2026-11-29T17:09:19.123Z` for a Unix time in milliseconds.
pub fn rfc3339(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let millis = ms.rem_euclid(1000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{millis:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Days since 1970-01-01 to (year, month, day): Howard Hinnant's
/// `civil_from_days`.
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::rfc3339;

    #[test]
    fn formats_utc_times() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(rfc3339(1_795_972_159_123), "2026-11-29T17:09:19.123Z");
        assert_eq!(rfc3339(951_782_400_000), "2000-02-29T00:00:00.000Z");
    }
}
