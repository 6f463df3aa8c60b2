//! `wit/README.md` maps every identifier of the `environs` godoc (the authority,
//! `../shared/reference/environs-godoc.txt`) to its home in the WIT package or in
//! `strato-runtime`. These tests keep that table complete and honest: every func,
//! type, constant and variable of the godoc, and every method of every interface
//! it declares, has a row; every WIT item a row names exists in the parsed WIT
//! package; and every WIT function is named by some row.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use wit_parser::{Resolve, TypeDefKind};

/// Interfaces of other packages that `environs` interfaces embed, with their
/// methods (the godoc does not spell them out; the 2.8 fact sheet §1 does).
const EXTERNAL_INTERFACES: &[(&str, &[&str])] = &[
    ("error", &["Error"]),
    ("config.Validator", &["Validate"]),
    (
        "storage.ProviderRegistry",
        &["StorageProviderTypes", "StorageProvider"],
    ),
];

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

fn godoc() -> Godoc {
    let path = repo_root().join("../shared/reference/environs-godoc.txt");
    Godoc::parse(&read(&path))
}

fn readme() -> Readme {
    Readme::parse(&read(&repo_root().join("wit/README.md")))
}

fn wit() -> Wit {
    Wit::load(&repo_root().join("wit"))
}

// ------------------------------------------------------------------ godoc

#[derive(Debug, Default)]
struct Godoc {
    /// Package-level identifiers: funcs, types, constants, variables.
    idents: BTreeSet<String>,
    /// Interface name → its own method names, in declaration order.
    interfaces: BTreeMap<String, Vec<String>>,
    /// Interface name → the interfaces it embeds.
    embeds: BTreeMap<String, Vec<String>>,
}

impl Godoc {
    fn parse(text: &str) -> Godoc {
        let mut doc = Godoc::default();
        let lines: Vec<&str> = text.lines().collect();

        // The index: `- func Name(` and `- type Name` between "Index ¶" and "Constants ¶".
        let start = lines.iter().position(|l| l.trim() == "Index ¶");
        let end = lines.iter().position(|l| l.trim() == "Constants ¶");
        let (Some(start), Some(end)) = (start, end) else {
            panic!("godoc has no \"Index ¶\" … \"Constants ¶\" section");
        };
        for line in &lines[start + 1..end] {
            let Some(item) = line.trim().strip_prefix("- ") else {
                continue;
            };
            if let Some(rest) = item.strip_prefix("func ") {
                doc.idents.insert(leading_ident(rest).to_string());
            } else if let Some(rest) = item.strip_prefix("type ") {
                doc.idents.insert(leading_ident(rest).to_string());
            }
        }

        // The body: constants, variables and every `func Name ¶` header,
        // including the constructors listed under their types.
        for line in &lines[end..] {
            let line = line.trim();
            if let Some(rest) = line.strip_prefix("const ") {
                doc.idents.insert(leading_ident(rest).to_string());
            } else if let Some(rest) = line.strip_prefix("var (") {
                // `var ( A = x B = y )`: every identifier followed by `=`.
                let words: Vec<&str> = rest.split_whitespace().collect();
                for pair in words.windows(2) {
                    if pair[1] == "=" && is_ident(pair[0]) {
                        doc.idents.insert(pair[0].to_string());
                    }
                }
            } else if let Some(rest) = line.strip_prefix("var ") {
                doc.idents.insert(leading_ident(rest).to_string());
            } else if let Some(rest) = line.strip_prefix("func ")
                && let Some(name) = rest.strip_suffix(" ¶")
                && is_ident(name)
            {
                doc.idents.insert(name.to_string());
            }
        }

        // Interface bodies; some span several lines, so search the joined text.
        let body = lines[end..].join("\n");
        let mut bodies: Vec<(String, String)> = Vec::new();
        let mut from = 0;
        while let Some(at) = body[from..].find("type ") {
            let at = from + at;
            from = at + 5;
            let rest = &body[at + 5..];
            let name = leading_ident(rest);
            let after = rest[name.len()..].trim_start();
            let Some(after) = after.strip_prefix("interface") else {
                continue;
            };
            let after = after.trim_start();
            if name.is_empty() || !after.starts_with('{') {
                continue;
            }
            let Some(close) = matching(after, 0) else {
                panic!("unbalanced interface body of {name}");
            };
            if !bodies.iter().any(|(n, _)| n == name) {
                bodies.push((name.to_string(), after[1..close].to_string()));
            }
        }
        let known: BTreeSet<String> = bodies
            .iter()
            .map(|(n, _)| n.clone())
            .chain(EXTERNAL_INTERFACES.iter().map(|(n, _)| n.to_string()))
            .collect();
        for (name, text) in &bodies {
            let (methods, embeds) = parse_interface_body(text, &known);
            doc.interfaces.insert(name.clone(), methods);
            doc.embeds.insert(name.clone(), embeds);
        }
        doc
    }

    /// `Interface.Method` for every own method of every godoc interface, and
    /// `pkg.Interface.Method` for the methods of the external interfaces they embed.
    fn methods(&self) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        for (iface, methods) in &self.interfaces {
            for m in methods {
                out.insert(format!("{iface}.{m}"));
            }
        }
        for embedded in self.embeds.values().flatten() {
            if let Some((_, methods)) = EXTERNAL_INTERFACES.iter().find(|(n, _)| n == embedded) {
                for m in *methods {
                    out.insert(format!("{embedded}.{m}"));
                }
            }
        }
        out
    }
}

fn is_ident(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn leading_ident(s: &str) -> &str {
    let end = s
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(s.len());
    &s[..end]
}

/// Index of the bracket closing the one at `open` (`(`/`{`/`[`), if balanced.
fn matching(s: &str, open: usize) -> Option<usize> {
    let bytes = s.as_bytes();
    let mut depth = 0usize;
    for (i, &b) in bytes.iter().enumerate().skip(open) {
        match b {
            b'(' | b'{' | b'[' => depth += 1,
            b')' | b'}' | b']' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

const GO_BUILTIN_TYPES: &[&str] = &[
    "bool", "int", "int64", "uint64", "string", "error", "byte", "float64",
];

/// Whether `token` can be a Go result type (`bool`, `*config.Config`,
/// `[]string`, `map[K]V`, `io.Reader`, `EnvironProvider`), as opposed to a
/// word of a comment.
fn is_type_token(token: &str) -> bool {
    if GO_BUILTIN_TYPES.contains(&token) {
        return true;
    }
    let t = token.trim_start_matches('*');
    if t.starts_with("[]") || t.starts_with("map[") {
        return true;
    }
    let parts: Vec<&str> = t.split('.').collect();
    match parts.as_slice() {
        [name] => is_ident(name) && name.starts_with(|c: char| c.is_ascii_uppercase()),
        [pkg, name] => {
            is_ident(pkg) && is_ident(name) && name.starts_with(|c: char| c.is_ascii_uppercase())
        }
        _ => false,
    }
}

/// Splits a flattened interface body (comments run inline: `// text … Method(args)
/// result // text …`) into its method names and embedded interfaces.
///
/// A method declaration is an exported identifier at a word start, directly
/// followed by `(`, whose signature ends in nothing, a parenthesised result
/// list or one type token, and which is followed by a comment, the end of the
/// body or the next declaration. A comment's "Destroy() in that it …" fails
/// the result test.
fn parse_interface_body(body: &str, known: &BTreeSet<String>) -> (Vec<String>, Vec<String>) {
    let bytes = body.as_bytes();
    let mut methods = Vec::new();
    // Byte ranges of method signatures, blanked out before looking for embeds.
    let mut spans: Vec<(usize, usize)> = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let word_start = i == 0 || bytes[i - 1].is_ascii_whitespace() || bytes[i - 1] == b'{';
        if !(word_start && bytes[i].is_ascii_uppercase()) {
            i += 1;
            continue;
        }
        let name = leading_ident(&body[i..]);
        let open = i + name.len();
        if bytes.get(open) != Some(&b'(') {
            i = open;
            continue;
        }
        match signature_end(body, open) {
            Some(end) => {
                methods.push(name.to_string());
                spans.push((i, end));
                i = end;
            }
            None => i = open + 1,
        }
    }

    // Embedded interfaces: an interface name standing alone between code
    // boundaries. Before it: the start, a method, another embedded interface,
    // or the end of a comment sentence ("… cloud resources. CloudDestroyer");
    // after it: the end, a comment, a method or another interface name.
    let mut blanked = body.to_string();
    for &(s, e) in spans.iter().rev() {
        blanked.replace_range(s..e, " § ");
    }
    let words: Vec<&str> = blanked.split_whitespace().collect();
    let is_known = |w: &str| known.contains(w) || is_qualified_ident(w);
    let mut embeds: Vec<String> = Vec::new();
    let mut prev_embedded = false;
    for (k, w) in words.iter().enumerate() {
        let opens = k == 0 || prev_embedded || words[k - 1] == "§" || words[k - 1].ends_with('.');
        let closes = match words.get(k + 1) {
            None => true,
            Some(&next) => next == "//" || next == "§" || is_known(next),
        };
        prev_embedded = is_known(w) && opens && closes;
        if prev_embedded {
            embeds.push(w.to_string());
        }
    }
    (methods, embeds)
}

/// Where the method signature whose `(` is at `open` ends, or `None` when
/// what looks like a method is a word of a comment.
fn signature_end(body: &str, open: usize) -> Option<usize> {
    let close = matching(body, open)?;
    let rest = &body[close + 1..];
    let trimmed = rest.trim_start();
    let at = close + 1 + (rest.len() - trimmed.len());
    let end = if trimmed.is_empty()
        || trimmed.starts_with("//")
        || trimmed.starts_with('}')
        || starts_declaration(trimmed)
    {
        close + 1
    } else if trimmed.starts_with('(') {
        matching(body, at)? + 1
    } else {
        let token = trimmed.split_whitespace().next().unwrap_or("");
        if !is_type_token(token) {
            return None;
        }
        at + token.len()
    };
    let follow = body[end..].trim_start();
    let follow_word = follow.split_whitespace().next().unwrap_or("");
    let ok = follow.is_empty()
        || follow.starts_with("//")
        || follow.starts_with('}')
        || starts_declaration(follow)
        || is_embed_candidate(follow_word);
    ok.then_some(end)
}

fn is_embed_candidate(word: &str) -> bool {
    is_qualified_ident(word)
        || (is_ident(word) && word.starts_with(|c: char| c.is_ascii_uppercase()))
}

fn is_qualified_ident(token: &str) -> bool {
    match token.split_once('.') {
        Some((pkg, name)) => {
            is_ident(pkg)
                && pkg.starts_with(|c: char| c.is_ascii_lowercase())
                && is_ident(name)
                && name.starts_with(|c: char| c.is_ascii_uppercase())
        }
        None => false,
    }
}

fn starts_declaration(s: &str) -> bool {
    let name = leading_ident(s);
    !name.is_empty()
        && name.starts_with(|c: char| c.is_ascii_uppercase())
        && s[name.len()..].starts_with('(')
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

/// A backticked token that names a WIT item: `environ`, `types.constraints`,
/// `environ.start-instance`, `environ.bootstrap-finalizer.finalize`,
/// `types.error.zone-independent`.
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
            [i, item] => {
                has_fn(item)
                    || iface.types.contains_key(*item)
                    || has_fn(&format!("[method]{i}.{item}"))
                    || has_fn(&format!("[static]{i}.{item}"))
            }
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
    /// `firewaller.open-ports`, `environ.start-instance` (a method of the
    /// resource named like its interface), `environ.bootstrap-finalizer.finalize`.
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
                    Some((res, m)) if res == iface_name => format!("{iface_name}.{m}"),
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
