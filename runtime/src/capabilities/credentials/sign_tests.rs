//! Tests of [`super`]: SigV4 against the AWS test suite and a hand
//! computation, Basic, Bearer, and every refusal.

use std::time::{Duration, UNIX_EPOCH};

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use super::*;
use crate::types::Credential;

const AK: &str = "AKIDEXAMPLE";
const SK: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

/// 2015-08-30T12:36:00Z, the time of the AWS SigV4 test suite.
fn suite_time() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_440_938_160)
}

fn held(auth_type: &str, attrs: &[(&str, &str)]) -> HostCredential {
    let cred = Credential {
        auth_type: auth_type.into(),
        attributes: (attrs.iter())
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        revoked: false,
        label: "ops".into(),
        invalid: false,
        invalid_reason: String::new(),
    };
    HostCredential::new(&cred, &[], &[])
}

fn aws() -> HostCredential {
    held("access-key", &[("access-key", AK), ("secret-key", SK)])
}

fn parts(method: &str, uri: &str, headers: &[(&str, &str)]) -> Parts {
    let mut builder = http::Request::builder().method(method).uri(uri);
    for (k, v) in headers {
        builder = builder.header(*k, *v);
    }
    builder.body(()).unwrap().into_parts().0
}

fn header<'a>(parts: &'a Parts, name: &str) -> &'a str {
    parts.headers.get(name).unwrap().to_str().unwrap()
}

fn hmac(key: &[u8], data: &str) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).unwrap();
    mac.update(data.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

/// SigV4 by hand, from the AWS documentation: canonical request, string
/// to sign, derived key, signature.
fn expected_authorization(
    canonical_headers: &[(&str, &str)],
    method: &str,
    path: &str,
    body: &[u8],
    service: &str,
) -> String {
    let (date, time) = ("20150830", "20150830T123600Z");
    let signed: Vec<&str> = canonical_headers.iter().map(|(k, _)| *k).collect();
    let signed = signed.join(";");
    let mut creq = format!("{method}\n{path}\n\n");
    for (k, v) in canonical_headers {
        creq.push_str(&format!("{k}:{v}\n"));
    }
    creq.push_str(&format!("\n{signed}\n{}", sha256_hex(body)));
    let scope = format!("{date}/us-east-1/{service}/aws4_request");
    let sts = format!(
        "AWS4-HMAC-SHA256\n{time}\n{scope}\n{}",
        sha256_hex(creq.as_bytes())
    );
    let mut key = hmac(format!("AWS4{SK}").as_bytes(), date);
    for part in ["us-east-1", service, "aws4_request"] {
        key = hmac(&key, part);
    }
    let signature = hex::encode(hmac(&key, &sts));
    format!(
        "AWS4-HMAC-SHA256 Credential={AK}/{scope}, SignedHeaders={signed}, Signature={signature}"
    )
}

#[test]
fn sigv4_matches_the_aws_test_suite_get_vanilla() {
    let mut p = parts(
        "GET",
        "https://example.amazonaws.com/",
        &[("host", "example.amazonaws.com")],
    );
    let kind = authenticate(
        &aws(),
        "aws-sigv4 service=service region=us-east-1",
        &mut p,
        b"",
        suite_time(),
    )
    .unwrap();
    assert_eq!(kind.to_string(), "aws-sigv4 service/us-east-1");
    // The documented result of aws-sig-v4-test-suite/get-vanilla.
    assert_eq!(
        header(&p, "authorization"),
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, \
         SignedHeaders=host;x-amz-date, \
         Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
    );
    assert_eq!(header(&p, "x-amz-date"), "20150830T123600Z");
    assert!(p.headers.get("authorization").unwrap().is_sensitive());
    // The same by hand.
    assert_eq!(
        header(&p, "authorization"),
        expected_authorization(
            &[
                ("host", "example.amazonaws.com"),
                ("x-amz-date", "20150830T123600Z")
            ],
            "GET",
            "/",
            b"",
            "service"
        )
    );
}

#[test]
fn sigv4_signs_an_ec2_post_with_its_body_and_drops_the_marker() {
    let body = b"Action=DescribeRegions&Version=2016-11-15";
    let ctype = "application/x-www-form-urlencoded; charset=utf-8";
    let mut p = parts(
        "POST",
        "http://127.0.0.1:5000/",
        &[
            ("content-type", ctype),
            (AUTH_HEADER, "aws-sigv4;service=ec2;region=us-east-1"),
            ("x-amz-date", "19990101T000000Z"),
        ],
    );
    let kind = authenticate(
        &aws(),
        "aws-sigv4;service=ec2;region=us-east-1",
        &mut p,
        body,
        suite_time(),
    )
    .unwrap();
    assert_eq!(kind.to_string(), "aws-sigv4 ec2/us-east-1");
    assert!(p.headers.get(AUTH_HEADER).is_none());
    // Host added with its non-default port, the guest's date replaced.
    assert_eq!(header(&p, "host"), "127.0.0.1:5000");
    assert_eq!(header(&p, "x-amz-date"), "20150830T123600Z");
    assert!(p.headers.get("x-amz-content-sha256").is_none());
    assert_eq!(
        header(&p, "authorization"),
        expected_authorization(
            &[
                ("content-type", ctype),
                ("host", "127.0.0.1:5000"),
                ("x-amz-date", "20150830T123600Z"),
            ],
            "POST",
            "/",
            body,
            "ec2"
        )
    );
    // A different body gives a different signature.
    let mut q = parts("POST", "http://127.0.0.1:5000/", &[("content-type", ctype)]);
    authenticate(
        &aws(),
        "aws-sigv4 service=ec2 region=us-east-1",
        &mut q,
        b"x",
        suite_time(),
    )
    .unwrap();
    assert_ne!(header(&p, "authorization"), header(&q, "authorization"));
}

#[test]
fn sigv4_for_s3_signs_the_payload_hash_and_a_session_token() {
    let cred = held(
        "access-key",
        &[
            ("access-key", AK),
            ("secret-key", SK),
            ("session-token", "tok"),
        ],
    );
    let mut p = parts("PUT", "https://bucket.s3.amazonaws.com/key", &[]);
    authenticate(
        &cred,
        "AWS-SIGV4, service=s3, region=us-east-1",
        &mut p,
        b"data",
        suite_time(),
    )
    .unwrap();
    assert_eq!(header(&p, "x-amz-content-sha256"), sha256_hex(b"data"));
    assert_eq!(header(&p, "x-amz-security-token"), "tok");
    let auth = header(&p, "authorization");
    assert!(
        auth.contains("SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-security-token"),
        "{auth}"
    );
    assert_eq!(
        auth,
        expected_authorization(
            &[
                ("host", "bucket.s3.amazonaws.com"),
                ("x-amz-content-sha256", &sha256_hex(b"data")),
                ("x-amz-date", "20150830T123600Z"),
                ("x-amz-security-token", "tok"),
            ],
            "PUT",
            "/key",
            b"data",
            "s3"
        )
    );
}

#[test]
fn basic_and_bearer() {
    let user = held("userpass", &[("username", "alice"), ("password", "pw")]);
    let mut p = parts("GET", "https://cloud.example/", &[]);
    assert_eq!(
        authenticate(&user, "basic", &mut p, b"", SystemTime::now()),
        Ok(AuthKind::Basic)
    );
    assert_eq!(header(&p, "authorization"), "Basic YWxpY2U6cHc=");

    let vsphere = held("userpass", &[("user", "bob"), ("password", "pw")]);
    let mut p = parts("GET", "https://cloud.example/", &[]);
    authenticate(&vsphere, " Basic ", &mut p, b"", SystemTime::now()).unwrap();
    assert_eq!(header(&p, "authorization"), "Basic Ym9iOnB3");

    let oauth = held("oauth2", &[("access-token", "t0k")]);
    let mut p = parts("GET", "https://cloud.example/", &[]);
    assert_eq!(
        authenticate(&oauth, "bearer", &mut p, b"", SystemTime::now()),
        Ok(AuthKind::Bearer)
    );
    assert_eq!(header(&p, "authorization"), "Bearer t0k");
    assert!(p.headers.get("authorization").unwrap().is_sensitive());
}

#[test]
fn a_marker_that_does_not_fit_the_credential_names_both() {
    let now = SystemTime::now();
    let mut p = parts("GET", "https://cloud.example/", &[]);
    let err = authenticate(&aws(), "basic", &mut p, b"", now).unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("basic") && text.contains("access-key"),
        "{text}"
    );
    assert!(p.headers.get("authorization").is_none());

    let user = held("userpass", &[("username", "alice"), ("password", "pw")]);
    let err = authenticate(
        &user,
        "aws-sigv4 service=ec2 region=us-east-1",
        &mut p,
        b"",
        now,
    )
    .unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("aws-sigv4") && text.contains("userpass"),
        "{text}"
    );
    let err = authenticate(&user, "bearer", &mut p, b"", now).unwrap_err();
    assert!(
        matches!(
            err,
            SignError::Mismatch {
                scheme: "bearer",
                ..
            }
        ),
        "{err}"
    );

    let half = held("access-key", &[("access-key", AK)]);
    let err = authenticate(
        &half,
        "aws-sigv4 service=ec2 region=us-east-1",
        &mut p,
        b"",
        now,
    )
    .unwrap_err();
    assert!(
        matches!(
            err,
            SignError::MissingAttribute {
                attribute: "secret-key",
                ..
            }
        ),
        "{err}"
    );
    // No message ever carries a secret.
    for e in [
        err,
        authenticate(&aws(), "basic", &mut p, b"", now).unwrap_err(),
    ] {
        assert!(!e.to_string().contains(SK));
    }
}

#[test]
fn bad_markers_are_refused() {
    for marker in [
        "",
        " ; ",
        "digest",
        "aws-sigv4",
        "aws-sigv4 service=ec2",
        "aws-sigv4 region=us-east-1",
        "aws-sigv4 service=ec2 region=us-east-1 extra=1",
        "aws-sigv4 service=ec2 service=s3 region=us-east-1",
        "aws-sigv4 service=ec2 region=us/east",
        "aws-sigv4 service= region=us-east-1",
        "aws-sigv4 service ec2",
        "basic realm=x",
        "bearer x",
    ] {
        let mut p = parts("GET", "https://cloud.example/", &[]);
        let err = authenticate(&aws(), marker, &mut p, b"", SystemTime::now());
        assert!(
            matches!(err, Err(SignError::Marker { .. })),
            "{marker:?}: {err:?}"
        );
        assert!(p.headers.get("authorization").is_none());
    }
    let long = format!("x{}", "y".repeat(10_000));
    let err = parse_marker(&long).unwrap_err().to_string();
    assert!(err.len() < 400, "{err}");
}

#[test]
fn requests_the_signer_cannot_read_are_refused_without_panicking() {
    let marker = "aws-sigv4 service=ec2 region=us-east-1";
    let now = SystemTime::now();
    let mut p = parts("GET", "/relative", &[]);
    assert!(matches!(
        authenticate(&aws(), marker, &mut p, b"", now),
        Err(SignError::Request(_))
    ));
    let mut p = parts("GET", "https://user@cloud.example/", &[]);
    assert!(matches!(
        authenticate(&aws(), marker, &mut p, b"", now),
        Err(SignError::Request(_))
    ));
    let mut p = parts("GET", "https://cloud.example/", &[]);
    p.headers
        .insert("x-bin", HeaderValue::from_bytes(b"\xff\xfe").unwrap());
    assert!(matches!(
        authenticate(&aws(), marker, &mut p, b"", now),
        Err(SignError::Request(_))
    ));
    // A session token that cannot be a header value.
    let cred = held(
        "access-key",
        &[
            ("access-key", AK),
            ("secret-key", SK),
            ("session-token", "a\nb"),
        ],
    );
    let mut p = parts("GET", "https://cloud.example/", &[]);
    assert!(authenticate(&cred, marker, &mut p, b"", now).is_err());
    // So is a bearer token.
    let cred = held("oauth2", &[("token", "a\nb")]);
    let mut p = parts("GET", "https://cloud.example/", &[]);
    assert!(authenticate(&cred, "bearer", &mut p, b"", now).is_err());
}

#[test]
fn ipv6_hosts_keep_their_brackets() {
    let mut p = parts("GET", "http://[::1]:8080/", &[]);
    authenticate(
        &aws(),
        "aws-sigv4 service=ec2 region=us-east-1",
        &mut p,
        b"",
        suite_time(),
    )
    .unwrap();
    assert_eq!(header(&p, "host"), "[::1]:8080");
    let mut p = parts("GET", "https://[::1]:443/", &[]);
    authenticate(
        &aws(),
        "aws-sigv4 service=ec2 region=us-east-1",
        &mut p,
        b"",
        suite_time(),
    )
    .unwrap();
    assert_eq!(header(&p, "host"), "[::1]");
}
