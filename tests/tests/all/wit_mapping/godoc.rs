//! A parser for the `environs` godoc text: package-level identifiers, and the
//! methods and embedded interfaces of every interface type.

use std::collections::{BTreeMap, BTreeSet};

/// Interfaces of other packages that `environs` interfaces embed, with their
/// methods (the godoc does not spell them out; the 2.8 fact sheet §1 does).
pub(super) const EXTERNAL_INTERFACES: &[(&str, &[&str])] = &[
    ("error", &["Error"]),
    ("config.Validator", &["Validate"]),
    (
        "storage.ProviderRegistry",
        &["StorageProviderTypes", "StorageProvider"],
    ),
];

#[derive(Debug, Default)]
pub(super) struct Godoc {
    /// Package-level identifiers: funcs, types, constants, variables.
    pub(super) idents: BTreeSet<String>,
    /// Interface name → its own method names, in declaration order.
    pub(super) interfaces: BTreeMap<String, Vec<String>>,
    /// Interface name → the interfaces it embeds.
    pub(super) embeds: BTreeMap<String, Vec<String>>,
}

impl Godoc {
    pub(super) fn parse(text: &str) -> Godoc {
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
    pub(super) fn methods(&self) -> BTreeSet<String> {
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
