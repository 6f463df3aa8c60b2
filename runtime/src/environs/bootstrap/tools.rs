//! Agent binaries and versions: `tools.List.Match` / `Newest` and
//! `version.Number`.

use std::cmp::Ordering;

use crate::error::Error;
use crate::types::{Tools, VersionNumber};

use super::BootstrapError;

/// `tools.List.Match`: the tools of `arch` and `series` (either may be
/// left open). An empty list stays empty (the embedder supplies agent
/// binaries another way); a list with no match is Juju's
/// `no matching agent binaries available`.
pub fn match_tools(
    tools: &[Tools],
    arch: Option<&str>,
    series: Option<&str>,
) -> Result<Vec<Tools>, BootstrapError> {
    if tools.is_empty() {
        return Ok(Vec::new());
    }
    let matching: Vec<Tools> = tools
        .iter()
        .filter(|t| arch.is_none_or(|a| t.arch == a) && series.is_none_or(|s| t.series == s))
        .cloned()
        .collect();
    if matching.is_empty() {
        return Err(Error::NotFound("no matching agent binaries available".into()).into());
    }
    Ok(matching)
}

/// `version.Number.String`: `2.8.0`, `2.8-beta1`, `2.8.1.2`.
pub fn version_string(v: &VersionNumber) -> String {
    let mut s = if v.tag.is_empty() {
        format!("{}.{}.{}", v.major, v.minor, v.patch)
    } else {
        format!("{}.{}-{}{}", v.major, v.minor, v.tag, v.patch)
    };
    if v.build > 0 {
        s.push_str(&format!(".{}", v.build));
    }
    s
}

/// `version.Number.Compare`: a release is newer than any tagged build of
/// the same minor version.
pub fn compare_versions(a: &VersionNumber, b: &VersionNumber) -> Ordering {
    let tag = |v: &VersionNumber| (v.tag.is_empty(), v.tag.clone());
    (a.major, a.minor)
        .cmp(&(b.major, b.minor))
        .then_with(|| tag(a).cmp(&tag(b)))
        .then_with(|| (a.patch, a.build).cmp(&(b.patch, b.build)))
}

/// `tools.List.Newest`: the tools of the newest version.
pub(super) fn newest_tools(tools: &[Tools]) -> Vec<Tools> {
    let Some(newest) = tools
        .iter()
        .map(|t| &t.version)
        .max_by(|a, b| compare_versions(a, b))
    else {
        return Vec::new();
    };
    tools
        .iter()
        .filter(|t| compare_versions(&t.version, newest).is_eq())
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(major: i32, minor: i32, tag: &str, patch: i32, build: i32) -> VersionNumber {
        VersionNumber {
            major,
            minor,
            tag: tag.into(),
            patch,
            build,
        }
    }

    // version.Number's String and ordering.
    #[test]
    fn versions() {
        assert_eq!(version_string(&v(2, 8, "", 0, 0)), "2.8.0");
        assert_eq!(version_string(&v(2, 8, "beta", 1, 0)), "2.8-beta1");
        assert_eq!(version_string(&v(2, 8, "", 1, 2)), "2.8.1.2");
        use std::cmp::Ordering::*;
        assert_eq!(
            compare_versions(&v(2, 8, "", 0, 0), &v(2, 8, "beta", 1, 0)),
            Greater
        );
        assert_eq!(
            compare_versions(&v(2, 8, "", 1, 0), &v(2, 8, "", 0, 5)),
            Greater
        );
        assert_eq!(
            compare_versions(&v(2, 7, "", 9, 0), &v(2, 8, "alpha", 1, 0)),
            Less
        );
    }

    // tools.List.Match: filters, keeps an empty list, fails on no match.
    #[test]
    fn tools_matching() {
        let t = |series: &str, arch: &str| Tools {
            version: crate::types::VersionNumber {
                major: 2,
                minor: 8,
                tag: String::new(),
                patch: 0,
                build: 0,
            },
            series: series.into(),
            arch: arch.into(),
            url: String::new(),
            sha256: String::new(),
            size: 0,
        };
        let all = [
            t("focal", "amd64"),
            t("focal", "arm64"),
            t("bionic", "amd64"),
        ];
        assert_eq!(
            match_tools(&all, Some("amd64"), Some("focal"))
                .unwrap()
                .len(),
            1
        );
        assert_eq!(match_tools(&all, None, Some("focal")).unwrap().len(), 2);
        assert!(match_tools(&[], Some("amd64"), None).unwrap().is_empty());
        let err = match_tools(&all, Some("s390x"), None).unwrap_err();
        assert_eq!(err.to_string(), "no matching agent binaries available");
    }
}
