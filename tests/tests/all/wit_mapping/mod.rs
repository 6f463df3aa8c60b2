//! `wit/README.md` maps every identifier of the `environs` godoc (the authority,
//! `wit/reference/environs-godoc.txt`, a copy of
//! `../shared/reference/environs-godoc.txt`) to its home in the WIT package or in
//! `strato-runtime`. These tests keep that table complete and honest: every func,
//! type, constant and variable of the godoc, and every method of every interface
//! it declares, has a row; every WIT item a row names exists in the parsed WIT
//! package; and every WIT function is named by some row.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use wit_parser::{Resolve, TypeDefKind};

mod godoc;

use godoc::{EXTERNAL_INTERFACES, Godoc};

/// Identifiers the godoc parser must find; if it stops finding them the godoc
/// format changed and the other assertions would pass vacuously.
const MUST_PARSE: &str = "AdminUser DefaultSpaceName ErrNotBootstrapped ErrNoInstances \
    ErrPartialInstances AddressesRefreshAttempt DefaultSpaceInfo SupportsNetworking MakeCloudSpec \
    NewRegionSpec GetEnviron New Open Provider GlobalProviderRegistry APIInfo StartInstanceParams \
    Environ Upgrader";

/// What `Environ` embeds, per the godoc.
const ENVIRON_EMBEDS: &str = "storage.ProviderRegistry CloudDestroyer Bootstraper \
    ResourceAdopter InstanceBroker Configer ConstraintsChecker InstancePrechecker \
    InstanceTypesFetcher ControllerDestroyer";

fn repo_root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().unwrap_or(manifest).to_path_buf()
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// The godoc kept beside the WIT, so the repository checks itself anywhere.
fn godoc_copy() -> PathBuf {
    repo_root().join("wit/reference/environs-godoc.txt")
}

/// The project's shared reference, when a checkout has it beside the repo.
fn godoc_shared() -> PathBuf {
    repo_root().join("../shared/reference/environs-godoc.txt")
}

fn godoc() -> Godoc {
    Godoc::parse(&read(&godoc_copy()))
}

fn readme() -> Readme {
    Readme::parse(&read(&repo_root().join("wit/README.md")))
}

/// The current contract: `wit/*.wit` (with the WASI packages of `wit/deps/`);
/// the frozen `wit/since_v*/` directories are not part of it.
fn wit() -> Wit {
    Wit::load(&repo_root().join("wit"))
}

// ----------------------------------------------------------------- README

/// One row of a Markdown table in `wit/README.md`.
#[derive(Debug)]
struct Row {
    /// The first backticked span of the first cell: the Go identifier.
    key: String,
    /// The cell of the column whose header names WIT ("where it lives",
    /// "WIT function", "WIT record").
    wit_cell: String,
    line: usize,
}

/// First header cell of each mapping table: identifiers, methods, other packages' types.
const MAPPING_TABLES: &[&str] = &["go identifier", "interface.method", "go type"];

#[derive(Debug, Default)]
struct Readme {
    rows: Vec<Row>,
}

impl Readme {
    fn parse(text: &str) -> Readme {
        let mut readme = Readme::default();
        let lines: Vec<&str> = text.lines().collect();
        let mut k = 0;
        while k < lines.len() {
            let is_header = lines[k].trim_start().starts_with('|')
                && lines.get(k + 1).is_some_and(|l| {
                    l.trim_start().starts_with("|-") || l.trim_start().starts_with("| -")
                });
            if !is_header {
                k += 1;
                continue;
            }
            let header = cells(lines[k]);
            // Only the three mapping tables; the rules table of the intro is prose.
            let first = header
                .first()
                .map(|h| h.to_ascii_lowercase())
                .unwrap_or_default();
            if !MAPPING_TABLES.contains(&first.as_str()) {
                k += 2;
                continue;
            }
            let wit_col = header.iter().position(|h| {
                let h = h.to_ascii_lowercase();
                h.contains("wit") || h.contains("where it lives")
            });
            k += 2;
            while k < lines.len() && lines[k].trim_start().starts_with('|') {
                let row = cells(lines[k]);
                if let (Some(col), Some(first)) = (wit_col, row.first())
                    && let Some(key) = backticked(first).into_iter().next()
                {
                    readme.rows.push(Row {
                        key,
                        wit_cell: row.get(col).cloned().unwrap_or_default(),
                        line: k + 1,
                    });
                }
                k += 1;
            }
        }
        readme
    }

    fn keys(&self) -> BTreeSet<&str> {
        self.rows.iter().map(|r| r.key.as_str()).collect()
    }
}

fn cells(line: &str) -> Vec<String> {
    let line = line.trim();
    let line = line.strip_prefix('|').unwrap_or(line);
    let line = line.strip_suffix('|').unwrap_or(line);
    line.split('|').map(|c| c.trim().to_string()).collect()
}

fn backticked(cell: &str) -> Vec<String> {
    cell.split('`')
        .skip(1)
        .step_by(2)
        .map(|s| s.trim().to_string())
        .collect()
}

/// A backticked token that names a WIT item: `model`, `common.constraints`,
/// `model.environ.start-instance`, `model.bootstrap-finalizer.finalize`,
/// `common.error.zone-independent`.
fn is_wit_ref(token: &str) -> bool {
    !token.is_empty()
        && token.split('.').all(|part| {
            part.starts_with(|c: char| c.is_ascii_lowercase())
                && part
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        })
}

// -------------------------------------------------------------------- WIT

struct Wit {
    resolve: Resolve,
    package: wit_parser::PackageId,
}

impl Wit {
    fn load(dir: &Path) -> Wit {
        let mut resolve = Resolve::default();
        let (package, _) = resolve
            .push_dir(dir)
            .unwrap_or_else(|e| panic!("cannot parse the WIT package in {}: {e:?}", dir.display()));
        Wit { resolve, package }
    }

    /// The package's version (`0.2.0`).
    fn version(&self) -> String {
        let name = &self.resolve.packages[self.package].name;
        name.version
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default()
    }

    fn interface(&self, name: &str) -> Option<&wit_parser::Interface> {
        let id = self.resolve.packages[self.package].interfaces.get(name)?;
        Some(&self.resolve.interfaces[*id])
    }

    /// Whether `reference` (see [`is_wit_ref`]) names an item of the package.
    fn resolves(&self, reference: &str) -> bool {
        let parts: Vec<&str> = reference.split('.').collect();
        let package = &self.resolve.packages[self.package];
        let Some(iface) = self.interface(parts[0]) else {
            return parts.len() == 1 && package.worlds.contains_key(parts[0]);
        };
        let has_fn = |n: &str| iface.functions.contains_key(n);
        match parts.as_slice() {
            [_] => true,
            [_, item] => has_fn(item) || iface.types.contains_key(*item),
            [_, ty, member] => {
                if has_fn(&format!("[method]{ty}.{member}"))
                    || has_fn(&format!("[static]{ty}.{member}"))
                {
                    return true;
                }
                let Some(id) = iface.types.get(*ty) else {
                    return false;
                };
                match &self.resolve.types[*id].kind {
                    TypeDefKind::Record(r) => r.fields.iter().any(|f| f.name == *member),
                    TypeDefKind::Enum(e) => e.cases.iter().any(|c| c.name == *member),
                    TypeDefKind::Variant(v) => v.cases.iter().any(|c| c.name == *member),
                    TypeDefKind::Flags(f) => f.flags.iter().any(|c| c.name == *member),
                    _ => false,
                }
            }
            _ => false,
        }
    }

    /// Every function of every interface, named as the README names it:
    /// `firewaller.open-ports`, `model.environ.start-instance` (a method of
    /// the `environ` resource of the `model` interface),
    /// `model.bootstrap-finalizer.finalize`.
    fn functions(&self) -> Vec<String> {
        let mut out = Vec::new();
        for (iface_name, id) in &self.resolve.packages[self.package].interfaces {
            for name in self.resolve.interfaces[*id].functions.keys() {
                let plain = name
                    .strip_prefix("[method]")
                    .or_else(|| name.strip_prefix("[static]"));
                let shown = match plain.and_then(|p| p.split_once('.')) {
                    _ if name.starts_with("[constructor]") => {
                        format!("{iface_name}.{}", &name["[constructor]".len()..])
                    }
                    Some((res, m)) => format!("{iface_name}.{res}.{m}"),
                    None => format!("{iface_name}.{name}"),
                };
                out.push(shown);
            }
        }
        out
    }
}

// ------------------------------------------------------------------ tests

/// Fails naming every missing item.
fn assert_none_missing<T: std::fmt::Debug>(missing: &[T], what: &str) {
    assert!(missing.is_empty(), "{what}: {missing:?}");
}

/// The copy beside the WIT must not drift from the shared reference.
#[test]
fn godoc_copy_matches_the_shared_reference() {
    let shared = godoc_shared();
    if !shared.exists() {
        println!(
            "{} is not beside this checkout; nothing to compare",
            shared.display()
        );
        return;
    }
    assert!(
        read(&godoc_copy()) == read(&shared),
        "{} differs from {}: copy the shared reference over it",
        godoc_copy().display(),
        shared.display()
    );
}

#[test]
fn godoc_parser_finds_the_whole_package() {
    let doc = godoc();
    let missing: Vec<_> = MUST_PARSE
        .split_whitespace()
        .filter(|n| !doc.idents.contains(*n))
        .collect();
    assert_none_missing(&missing, "the godoc parser no longer finds");
    assert!(
        doc.idents.len() >= 80,
        "godoc parser found only {} identifiers",
        doc.idents.len()
    );
    let networking = doc.interfaces.get("Networking").map(Vec::len);
    assert_eq!(
        networking,
        Some(12),
        "Networking should have 12 methods: {:?}",
        doc.interfaces.get("Networking")
    );
    let environ = doc.interfaces.get("Environ").cloned().unwrap_or_default();
    assert_eq!(
        environ,
        ["Create", "Instances", "ControllerInstances", "Provider"],
        "Environ's own methods"
    );
    let embeds = doc.embeds.get("Environ").cloned().unwrap_or_default();
    for e in ENVIRON_EMBEDS.split_whitespace() {
        assert!(
            embeds.iter().any(|x| x == e),
            "Environ should embed {e}; parsed {embeds:?}"
        );
    }
}

#[test]
fn embedded_interfaces_are_known() {
    let doc = godoc();
    let is_known = |e: &String| {
        doc.interfaces.contains_key(e) || EXTERNAL_INTERFACES.iter().any(|(n, _)| n == e)
    };
    let unknown: Vec<_> = (doc.embeds.iter())
        .flat_map(|(iface, embeds)| embeds.iter().map(move |e| (iface, e)))
        .filter(|(_, e)| !is_known(e))
        .map(|(iface, e)| format!("{iface} embeds {e}"))
        .collect();
    assert_none_missing(
        &unknown,
        "embedded interfaces with no known methods (add them to EXTERNAL_INTERFACES)",
    );
}

#[test]
fn readme_has_a_row_for_every_godoc_identifier() {
    let (doc, readme) = (godoc(), readme());
    let keys = readme.keys();
    let missing: Vec<_> = doc
        .idents
        .iter()
        .filter(|i| !keys.contains(i.as_str()))
        .collect();
    assert_none_missing(
        &missing,
        "wit/README.md has no row for these godoc identifiers",
    );
}

#[test]
fn readme_has_a_row_for_every_interface_method() {
    let (doc, readme) = (godoc(), readme());
    let keys = readme.keys();
    let missing: Vec<_> = doc
        .methods()
        .into_iter()
        .filter(|m| !keys.contains(m.as_str()))
        .collect();
    assert_none_missing(
        &missing,
        "wit/README.md has no row for these interface methods",
    );
}

#[test]
fn every_row_names_an_existing_home() {
    let wit = wit();
    let readme = readme();
    let mut problems = Vec::new();
    for row in &readme.rows {
        let tokens = backticked(&row.wit_cell);
        let lower = row.wit_cell.to_ascii_lowercase();
        if tokens.is_empty() && !lower.contains("runtime") && !lower.contains("not offered") {
            problems.push(format!(
                "line {} `{}`: no WIT item, runtime path or \"not offered\"",
                row.line, row.key
            ));
        }
        for t in tokens {
            if t.contains("::") {
                if !t.starts_with("strato_runtime::") {
                    problems.push(format!(
                        "line {} `{}`: runtime path `{t}` is not in strato_runtime",
                        row.line, row.key
                    ));
                }
            } else if !is_wit_ref(&t) {
                problems.push(format!(
                    "line {} `{}`: `{t}` is neither a WIT item nor a runtime path",
                    row.line, row.key
                ));
            } else if !wit.resolves(&t) {
                problems.push(format!(
                    "line {} `{}`: WIT item `{t}` does not exist in juju:environs",
                    row.line, row.key
                ));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "wit/README.md names homes that do not exist:\n{}",
        problems.join("\n")
    );
}

#[test]
fn every_wit_function_has_a_row() {
    let (wit, readme) = (wit(), readme());
    let named: BTreeSet<String> = readme
        .rows
        .iter()
        .flat_map(|r| backticked(&r.wit_cell))
        .collect();
    let missing: Vec<_> = wit
        .functions()
        .into_iter()
        .filter(|f| !named.contains(f))
        .collect();
    assert_none_missing(&missing, "no row of wit/README.md maps these WIT functions");
}

/// The README's header names the version in `wit/`, which is not the frozen
/// 0.1.0 of `wit/since_v0.1.0/` (that one must stay 0.1.0).
#[test]
fn readme_names_the_current_version() {
    let current = wit().version();
    let header = format!("# `juju:environs@{current}`");
    let text = read(&repo_root().join("wit/README.md"));
    assert!(
        text.starts_with(&header),
        "wit/README.md should start with {header:?}"
    );
    let frozen = Wit::load(&repo_root().join("wit/since_v0.1.0")).version();
    assert_eq!(frozen, "0.1.0", "wit/since_v0.1.0 holds another version");
    assert_ne!(current, frozen, "wit/ still holds the frozen version");
}
