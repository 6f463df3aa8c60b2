//! Controllers, models and machines the CLI created, kept in the data
//! directory's SQLite store (`strato.db`) so a later `strato` process sees
//! them. Secrets are never written here: a controller records the name of
//! its credential, which is looked up in `credentials.yaml` on each run.

use rusqlite::{Connection, OptionalExtension, params};
use strato_runtime::types::{Attrs, Value};

use super::Home;
use crate::error::CliError;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS controllers (
    name          TEXT PRIMARY KEY,
    uuid          TEXT NOT NULL,
    cloud         TEXT NOT NULL,
    region        TEXT NOT NULL,
    cloud_type    TEXT NOT NULL,
    provider      TEXT NOT NULL,
    credential    TEXT,
    current_model TEXT
);
CREATE TABLE IF NOT EXISTS models (
    controller    TEXT NOT NULL,
    name          TEXT NOT NULL,
    uuid          TEXT NOT NULL UNIQUE,
    config        TEXT NOT NULL,
    firewall_mode TEXT NOT NULL,
    constraints   TEXT NOT NULL DEFAULT '',
    next_machine  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (controller, name)
);
CREATE TABLE IF NOT EXISTS machines (
    model_uuid  TEXT NOT NULL,
    id          TEXT NOT NULL,
    instance_id TEXT NOT NULL,
    nonce       TEXT NOT NULL,
    zone        TEXT NOT NULL,
    status      TEXT NOT NULL,
    addresses   TEXT NOT NULL,
    hardware    TEXT NOT NULL,
    PRIMARY KEY (model_uuid, id)
);
CREATE TABLE IF NOT EXISTS current_controller (
    only INTEGER PRIMARY KEY CHECK (only = 0),
    name TEXT NOT NULL
);
";

/// A controller: where it runs and which provider drives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ControllerRecord {
    pub name: String,
    pub uuid: String,
    pub cloud: String,
    pub region: String,
    /// The cloud's type (`dummy`, `ec2`).
    pub cloud_type: String,
    /// The provider component's name (what the policy knows it by).
    pub provider: String,
    /// The credential's name in `credentials.yaml`, never its value.
    pub credential: Option<String>,
    /// The model commands use when none is named.
    pub current_model: Option<String>,
}

/// A model of a controller.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelRecord {
    pub controller: String,
    pub name: String,
    pub uuid: String,
    /// The model configuration after `prepare-config` (what `open` gets).
    pub config: Attrs,
    /// `instance` or `global`.
    pub firewall_mode: String,
    /// The model's constraints (Juju's syntax), under every add-machine's.
    pub constraints: String,
    /// The id the next machine gets (Juju never reuses machine ids).
    pub next_machine: u64,
}

/// A machine of a model and the instance it runs on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MachineRecord {
    pub model_uuid: String,
    pub id: String,
    pub instance_id: String,
    pub nonce: String,
    pub zone: String,
    pub status: String,
    pub addresses: Vec<String>,
    /// Juju's hardware string (`arch=amd64 cores=1 mem=1G`).
    pub hardware: String,
}

/// The store's controllers, models and machines tables.
pub struct Models {
    conn: Connection,
    path: String,
}

impl Models {
    /// Opens the store of `home`, creating the tables if needed.
    pub fn open(home: &Home) -> Result<Models, CliError> {
        let conn = home.db()?;
        let path = home.db_path().display().to_string();
        let models = Models { conn, path };
        models
            .conn
            .execute_batch(SCHEMA)
            .map_err(|e| models.err(e))?;
        Ok(models)
    }

    fn err(&self, e: rusqlite::Error) -> CliError {
        CliError::failure(format!("store {}: {e}", self.path))
            .hint("remove the file to start afresh if it is damaged")
    }

    /// Every controller, by name.
    pub fn controllers(&self) -> Result<Vec<ControllerRecord>, CliError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT name, uuid, cloud, region, cloud_type, provider, credential, current_model
                 FROM controllers ORDER BY name",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], controller_row)
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }

    /// The controller called `name`.
    pub fn controller(&self, name: &str) -> Result<Option<ControllerRecord>, CliError> {
        self.conn
            .query_row(
                "SELECT name, uuid, cloud, region, cloud_type, provider, credential, current_model
                 FROM controllers WHERE name = ?1",
                [name],
                controller_row,
            )
            .optional()
            .map_err(|e| self.err(e))
    }

    /// Records a new controller (a name already taken is an error).
    pub fn add_controller(&self, c: &ControllerRecord) -> Result<(), CliError> {
        self.conn
            .execute(
                "INSERT INTO controllers
                 (name, uuid, cloud, region, cloud_type, provider, credential, current_model)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    c.name,
                    c.uuid,
                    c.cloud,
                    c.region,
                    c.cloud_type,
                    c.provider,
                    c.credential,
                    c.current_model
                ],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// Forgets the controller, its models and their machines; the current
    /// controller too, if it was this one.
    pub fn remove_controller(&self, name: &str) -> Result<(), CliError> {
        for model in self.models(name)? {
            self.remove_model(&model.uuid)?;
        }
        self.conn
            .execute("DELETE FROM controllers WHERE name = ?1", [name])
            .map_err(|e| self.err(e))?;
        self.conn
            .execute("DELETE FROM current_controller WHERE name = ?1", [name])
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// The current controller's name.
    pub fn current_controller(&self) -> Result<Option<String>, CliError> {
        self.conn
            .query_row("SELECT name FROM current_controller", [], |r| r.get(0))
            .optional()
            .map_err(|e| self.err(e))
    }

    /// Makes `controller` current, and `model` its current model when given.
    pub fn set_current(&self, controller: &str, model: Option<&str>) -> Result<(), CliError> {
        self.conn
            .execute(
                "INSERT OR REPLACE INTO current_controller (only, name) VALUES (0, ?1)",
                [controller],
            )
            .map_err(|e| self.err(e))?;
        if let Some(model) = model {
            self.conn
                .execute(
                    "UPDATE controllers SET current_model = ?2 WHERE name = ?1",
                    [controller, model],
                )
                .map_err(|e| self.err(e))?;
        }
        Ok(())
    }

    /// The models of `controller`, by name.
    pub fn models(&self, controller: &str) -> Result<Vec<ModelRecord>, CliError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT controller, name, uuid, config, firewall_mode, next_machine, constraints
                 FROM models WHERE controller = ?1 ORDER BY name",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([controller], model_row)
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }

    /// The model `name` of `controller`.
    pub fn model(&self, controller: &str, name: &str) -> Result<Option<ModelRecord>, CliError> {
        self.conn
            .query_row(
                "SELECT controller, name, uuid, config, firewall_mode, next_machine, constraints
                 FROM models WHERE controller = ?1 AND name = ?2",
                [controller, name],
                model_row,
            )
            .optional()
            .map_err(|e| self.err(e))
    }

    /// Records a new model.
    pub fn add_model(&self, m: &ModelRecord) -> Result<(), CliError> {
        self.conn
            .execute(
                "INSERT INTO models
                 (controller, name, uuid, config, firewall_mode, next_machine, constraints)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    m.controller,
                    m.name,
                    m.uuid,
                    attrs_to_json(&m.config).to_string(),
                    m.firewall_mode,
                    m.next_machine as i64,
                    m.constraints
                ],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// Forgets the model and its machines (and clears it as the current
    /// model of its controller).
    pub fn remove_model(&self, uuid: &str) -> Result<(), CliError> {
        self.conn
            .execute("DELETE FROM machines WHERE model_uuid = ?1", [uuid])
            .map_err(|e| self.err(e))?;
        self.conn
            .execute(
                "UPDATE controllers SET current_model = NULL WHERE current_model IN
                 (SELECT name FROM models WHERE uuid = ?1 AND controller = controllers.name)",
                [uuid],
            )
            .map_err(|e| self.err(e))?;
        self.conn
            .execute("DELETE FROM models WHERE uuid = ?1", [uuid])
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// Takes the next `n` machine ids of the model.
    pub fn allocate_machine_ids(&self, uuid: &str, n: u64) -> Result<Vec<String>, CliError> {
        let first: i64 = self
            .conn
            .query_row(
                "UPDATE models SET next_machine = next_machine + ?2 WHERE uuid = ?1
                 RETURNING next_machine - ?2",
                params![uuid, n as i64],
                |r| r.get(0),
            )
            .map_err(|e| self.err(e))?;
        Ok((0..n).map(|i| (first as u64 + i).to_string()).collect())
    }

    /// The machines of a model, by number.
    pub fn machines(&self, model_uuid: &str) -> Result<Vec<MachineRecord>, CliError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT model_uuid, id, instance_id, nonce, zone, status, addresses, hardware
                 FROM machines WHERE model_uuid = ?1 ORDER BY CAST(id AS INTEGER), id",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([model_uuid], machine_row)
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }

    /// Records a machine, replacing what was recorded under its id.
    pub fn put_machine(&self, m: &MachineRecord) -> Result<(), CliError> {
        let addresses = serde_json::Value::from(m.addresses.clone()).to_string();
        self.conn
            .execute(
                "INSERT OR REPLACE INTO machines
                 (model_uuid, id, instance_id, nonce, zone, status, addresses, hardware)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    m.model_uuid,
                    m.id,
                    m.instance_id,
                    m.nonce,
                    m.zone,
                    m.status,
                    addresses,
                    m.hardware
                ],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// Forgets one machine.
    pub fn remove_machine(&self, model_uuid: &str, id: &str) -> Result<(), CliError> {
        self.conn
            .execute(
                "DELETE FROM machines WHERE model_uuid = ?1 AND id = ?2",
                [model_uuid, id],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }
}

fn controller_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ControllerRecord> {
    Ok(ControllerRecord {
        name: r.get(0)?,
        uuid: r.get(1)?,
        cloud: r.get(2)?,
        region: r.get(3)?,
        cloud_type: r.get(4)?,
        provider: r.get(5)?,
        credential: r.get(6)?,
        current_model: r.get(7)?,
    })
}

fn model_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ModelRecord> {
    let config: String = r.get(3)?;
    let next: i64 = r.get(5)?;
    Ok(ModelRecord {
        controller: r.get(0)?,
        name: r.get(1)?,
        uuid: r.get(2)?,
        config: attrs_from_json(&config),
        firewall_mode: r.get(4)?,
        next_machine: u64::try_from(next).unwrap_or(0),
        constraints: r.get(6)?,
    })
}

fn machine_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<MachineRecord> {
    let addresses: String = r.get(6)?;
    Ok(MachineRecord {
        model_uuid: r.get(0)?,
        id: r.get(1)?,
        instance_id: r.get(2)?,
        nonce: r.get(3)?,
        zone: r.get(4)?,
        status: r.get(5)?,
        addresses: serde_json::from_str(&addresses).unwrap_or_default(),
        hardware: r.get(7)?,
    })
}

/// Model config as a JSON object (keys sorted: the order of attributes
/// means nothing to a provider).
pub fn attrs_to_json(attrs: &Attrs) -> serde_json::Value {
    let map = attrs
        .iter()
        .map(|(k, v)| (k.clone(), value_to_json(v)))
        .collect::<serde_json::Map<_, _>>();
    serde_json::Value::Object(map)
}

fn value_to_json(v: &Value) -> serde_json::Value {
    use serde_json::Value as J;
    match v {
        Value::Boolean(b) => J::Bool(*b),
        Value::Int(i) => J::from(*i),
        Value::Float(f) => J::from(*f),
        Value::Text(s) => J::String(s.clone()),
        Value::TextList(items) => J::from(items.clone()),
        Value::TextMap(pairs) => J::Object(
            pairs
                .iter()
                .map(|(k, v)| (k.clone(), J::String(v.clone())))
                .collect(),
        ),
        Value::Json(text) => serde_json::from_str(text).unwrap_or_else(|_| J::String(text.clone())),
    }
}

/// The inverse of [`attrs_to_json`]; a damaged column gives no attributes
/// (the provider then rejects the config with its own message).
fn attrs_from_json(text: &str) -> Attrs {
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(serde_json::Value::Object(map)) => map
            .iter()
            .map(|(k, v)| (k.clone(), strato_conformance::json_to_value(v)))
            .collect(),
        _ => Attrs::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Records survive a re-open of the store; machine ids are never reused.
    #[test]
    fn controllers_models_machines() {
        let dir = tempfile::tempdir().expect("tempdir");
        let home = Home::at(dir.path().to_path_buf());
        let store = Models::open(&home).expect("open");
        let c = ControllerRecord {
            name: "c".into(),
            uuid: "u".into(),
            cloud: "dummy".into(),
            region: "dummy-region".into(),
            cloud_type: "dummy".into(),
            provider: "dummy".into(),
            credential: None,
            current_model: None,
        };
        store.add_controller(&c).expect("add");
        assert!(store.add_controller(&c).is_err(), "a name is taken once");
        let m = ModelRecord {
            controller: "c".into(),
            name: "default".into(),
            uuid: "m1".into(),
            config: vec![
                ("name".into(), Value::Text("default".into())),
                ("n".into(), Value::Int(3)),
                ("on".into(), Value::Boolean(true)),
            ],
            firewall_mode: "instance".into(),
            constraints: "mem=2G".into(),
            next_machine: 0,
        };
        store.add_model(&m).expect("model");
        store.set_current("c", Some("default")).expect("current");
        assert_eq!(
            store.allocate_machine_ids("m1", 2).expect("ids"),
            ["0", "1"]
        );
        assert_eq!(store.allocate_machine_ids("m1", 1).expect("ids"), ["2"]);
        for id in ["10", "2"] {
            store
                .put_machine(&MachineRecord {
                    model_uuid: "m1".into(),
                    id: id.into(),
                    instance_id: format!("i-{id}"),
                    nonce: "n".into(),
                    zone: "z".into(),
                    status: "running".into(),
                    addresses: vec!["10.0.0.1".into()],
                    hardware: "-".into(),
                })
                .expect("machine");
        }
        drop(store);
        let store = Models::open(&home).expect("reopen");
        assert_eq!(
            store.current_controller().expect("cur").as_deref(),
            Some("c")
        );
        let got = store.model("c", "default").expect("model").expect("some");
        let mut want = m.config.clone();
        want.sort_by(|a, b| a.0.cmp(&b.0));
        assert_eq!(got.config, want);
        assert_eq!(got.next_machine, 3);
        assert_eq!(got.constraints, "mem=2G");
        let ids: Vec<String> = store
            .machines("m1")
            .expect("machines")
            .into_iter()
            .map(|m| m.id)
            .collect();
        assert_eq!(ids, ["2", "10"]);
        store.remove_controller("c").expect("remove");
        assert!(store.controllers().expect("list").is_empty());
        assert!(store.machines("m1").expect("machines").is_empty());
        assert_eq!(store.current_controller().expect("cur"), None);
    }
}
