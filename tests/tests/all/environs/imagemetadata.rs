//! `environs.ImageMetadataSources` against the dummy (Juju's
//! `ImageMetadataSuite`): the model's `image-metadata-url`, the registered
//! functions, the official sources for `image-stream`; and fetching from a
//! source under the environ's network policy.

use strato_runtime::environs::imagemetadata::{
    CUSTOM_CLOUD_DATA, DEFAULT_CLOUD_DATA, DataSource, FetchError, ImageSources,
    SPECIFIC_CLOUD_DATA,
};
use strato_runtime::types::{ErrorKind, ProviderError};
use strato_runtime::{Environ, Error};
use strato_tests::conformance::Fixture;
use strato_tests::server::TestServer;

use super::destroy::Dummy;

const JUJU_RELEASES: &str = "https://streams.canonical.com/juju/images/releases/";
const UBUNTU_RELEASES: &str = "http://cloud-images.ubuntu.com/releases/";

/// The dummy's model with these config attributes added.
async fn model(dummy: &Dummy, config: &[(&str, &str)]) -> Environ {
    let mut fixture = Fixture::dummy();
    for (k, v) in config {
        fixture = fixture.with_config(k, serde_json::json!(v));
    }
    dummy.open(&fixture).await
}

/// (URL, priority, signed) of each source, in order.
fn summary(sources: &[DataSource]) -> Vec<(String, i32, bool)> {
    sources
        .iter()
        .map(|s| (s.url(""), s.priority(), s.require_signed()))
        .collect()
}

fn row(url: &str, priority: i32, signed: bool) -> (String, i32, bool) {
    (url.to_string(), priority, signed)
}

fn official(stream_path: &str) -> Vec<(String, i32, bool)> {
    vec![
        row(
            &format!("https://streams.canonical.com/juju/images/{stream_path}/"),
            DEFAULT_CLOUD_DATA,
            true,
        ),
        row(
            &format!("http://cloud-images.ubuntu.com/{stream_path}/"),
            DEFAULT_CLOUD_DATA,
            true,
        ),
    ]
}

// TestImageMetadataURLsNoConfigURL, TestImageMetadataURLs and
// TestImageMetadataURLsNonReleaseStream.
#[tokio::test]
async fn config_url_then_official_sources_per_stream() {
    let dummy = Dummy::new().await;
    let none = ImageSources::new();

    let env = model(&dummy, &[]).await;
    let sources = none.image_metadata_sources(&env).await.expect("sources");
    assert_eq!(summary(&sources), official("releases"));
    let descriptions: Vec<_> = sources.iter().map(|s| s.description()).collect();
    assert_eq!(
        descriptions,
        ["default cloud images", "default ubuntu cloud images"]
    );

    let env = model(
        &dummy,
        &[("image-metadata-url", "config-image-metadata-url")],
    )
    .await;
    let sources = none.image_metadata_sources(&env).await.expect("sources");
    let mut want = vec![row(
        "config-image-metadata-url/",
        SPECIFIC_CLOUD_DATA,
        false,
    )];
    want.extend(official("releases"));
    assert_eq!(summary(&sources), want);
    assert_eq!(sources[0].description(), "image-metadata-url");

    let env = model(&dummy, &[("image-stream", "daily")]).await;
    let sources = none.image_metadata_sources(&env).await.expect("sources");
    assert_eq!(summary(&sources), official("daily"));
    let env = model(&dummy, &[("image-stream", "released")]).await;
    let urls: Vec<_> = summary(&none.image_metadata_sources(&env).await.expect("sources"));
    assert_eq!(
        urls,
        [row(JUJU_RELEASES, 10, true), row(UBUNTU_RELEASES, 10, true)]
    );
}

// TestImageMetadataURLsRegisteredFuncs: registered functions come after
// the config URL, user functions first; a replaced function keeps its
// place; not-supported answers are skipped.
#[tokio::test]
async fn registered_functions_in_order() {
    let dummy = Dummy::new().await;
    let env = model(
        &dummy,
        &[("image-metadata-url", "config-image-metadata-url")],
    )
    .await;
    let mut sources = ImageSources::new();
    sources.register("id0", |_env| async {
        Ok(Some(DataSource::new(
            "id0",
            "betwixt/releases",
            DEFAULT_CLOUD_DATA,
        )))
    });
    sources.register("id1", |_env| async {
        Ok(Some(DataSource::new("id1", "yoink", SPECIFIC_CLOUD_DATA)))
    });
    // Replaces id1: it has no source for this environ.
    sources.register("id1", |_env| async {
        Err(Error::Provider(ProviderError {
            kind: ErrorKind::NotSupported,
            message: "oyvey".into(),
            zone_independent: false,
        }))
    });
    sources.register_user("id2", |_env| async {
        Ok(Some(DataSource::new("id2", "foobar", CUSTOM_CLOUD_DATA)))
    });
    // A function may look at the environ it is asked about.
    sources.register("id3", |env: Environ| async move {
        let config = env.config().await?;
        let named = config.iter().any(|(k, _)| k == "name");
        Ok(named.then(|| DataSource::new("id3", "from-config", CUSTOM_CLOUD_DATA)))
    });
    assert_eq!(sources.ids(), ["id2", "id0", "id1", "id3"]);
    let got = sources.image_metadata_sources(&env).await.expect("sources");
    assert_eq!(
        summary(&got),
        [
            row("config-image-metadata-url/", SPECIFIC_CLOUD_DATA, false),
            row("foobar/", CUSTOM_CLOUD_DATA, false),
            row("betwixt/releases/", DEFAULT_CLOUD_DATA, false),
            row("from-config/", CUSTOM_CLOUD_DATA, false),
            row(JUJU_RELEASES, DEFAULT_CLOUD_DATA, true),
            row(UBUNTU_RELEASES, DEFAULT_CLOUD_DATA, true),
        ]
    );
    sources.unregister("id2");
    sources.unregister("id3");
    let got = sources.image_metadata_sources(&env).await.expect("sources");
    assert_eq!(got.len(), 4);
}

// TestImageMetadataURLsRegisteredFuncsError: any other error fails the
// search; a config value of the wrong type too.
#[tokio::test]
async fn errors_fail_the_search() {
    let dummy = Dummy::new().await;
    let env = model(
        &dummy,
        &[("image-metadata-url", "config-image-metadata-url")],
    )
    .await;
    let mut sources = ImageSources::new();
    sources.register("id0", |_env| async {
        Err(Error::Provider(ProviderError {
            kind: ErrorKind::Other,
            message: "oyvey!".into(),
            zone_independent: false,
        }))
    });
    let e = sources.image_metadata_sources(&env).await.unwrap_err();
    assert_eq!(e.to_string(), "oyvey!");

    let fixture = Fixture::dummy().with_config("image-stream", serde_json::json!(7));
    let env = dummy.open(&fixture).await;
    let e = ImageSources::new()
        .image_metadata_sources(&env)
        .await
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "invalid model config: image-stream: expected a string"
    );
}

// Fetching: the configured source is read over HTTP; a 404 is not-found;
// a name that resolves to loopback is refused before any connection, while
// the IP address the operator wrote is allowed.
#[tokio::test]
async fn fetch_under_the_network_policy() {
    let server = TestServer::start();
    let dummy = Dummy::new().await;
    let env = model(
        &dummy,
        &[("image-metadata-url", &server.url("/echo/images"))],
    )
    .await;
    let sources = ImageSources::new()
        .image_metadata_sources(&env)
        .await
        .expect("sources");
    let (body, url) = sources[0]
        .fetch("streams/v1/index.json")
        .await
        .expect("fetch");
    assert_eq!(url, server.url("/echo/images/streams/v1/index.json"));
    let text = String::from_utf8(body).expect("utf-8");
    assert!(
        text.starts_with("GET /echo/images/streams/v1/index.json"),
        "{text}"
    );
    assert_eq!(server.requests().len(), 1);

    let missing = DataSource::new("missing", server.url("/status"), 0);
    let e = missing.fetch("404").await.unwrap_err();
    assert!(e.is_not_found(), "{e}");
    assert_eq!(
        e.to_string(),
        format!("invalid URL \"{}\" not found", server.url("/status/404"))
    );
    let e = missing.fetch("403").await.unwrap_err();
    assert_eq!(
        e.to_string(),
        format!(
            "cannot access URL \"{}\", \"403 Forbidden\"",
            server.url("/status/403")
        )
    );

    let before = server.connections();
    let by_name = DataSource::new(
        "by name",
        format!("http://localhost:{}/echo", server.port()),
        0,
    );
    let e = by_name.fetch("index.json").await.unwrap_err();
    assert!(matches!(e, FetchError::Denied { .. }), "{e}");
    assert!(e.to_string().contains("localhost resolves to"), "{e}");
    assert_eq!(server.connections(), before, "no connection was made");

    let small = DataSource::new("small", server.url("/bytes"), 0)
        .with_fetch_limits(1000, std::time::Duration::from_secs(10));
    assert_eq!(small.fetch("1000").await.expect("fetch").0.len(), 1000);
    let e = small.fetch("1001").await.unwrap_err();
    assert!(matches!(e, FetchError::Failed { .. }), "{e}");
}
