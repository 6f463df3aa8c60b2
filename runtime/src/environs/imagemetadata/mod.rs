//! Image metadata sources: Juju's `RegisterImageDataSourceFunc`,
//! `RegisterUserImageDataSourceFunc`, `UnregisterImageDataSourceFunc` and
//! `ImageMetadataSources`, with the simplestreams [`DataSource`] the host
//! fetches from.
//!
//! Juju keeps the registered functions in a process-global list; here the
//! host owns an [`ImageSources`] value (one per controller, model or
//! process, as it likes) and asks it for an environ's search path:
//!
//! 1. the model's `image-metadata-url`, if set (priority
//!    [`SPECIFIC_CLOUD_DATA`], description `image-metadata-url`);
//! 2. each registered function's source, in list order (functions
//!    registered with [`ImageSources::register_user`] first); a function
//!    that answers `Ok(None)` or fails with a not-supported error is
//!    skipped, any other error fails the whole search;
//! 3. the official sources for the model's `image-stream` (`released` by
//!    default): `https://streams.canonical.com/juju/images/<path>/`
//!    ("default cloud images"), then
//!    `http://cloud-images.ubuntu.com/<path>/` ("default ubuntu cloud
//!    images"), both [`DEFAULT_CLOUD_DATA`] and signed, where `<path>` is
//!    `releases` for the released stream and the stream's name otherwise.
//!
//! Every source fetches under the environ's network policy (see
//! [`DataSource::fetch`]).
//!
//! ```no_run
//! use strato_runtime::environs::imagemetadata::{DataSource, ImageSources, CUSTOM_CLOUD_DATA};
//!
//! # async fn demo(env: strato_runtime::Environ) -> strato_runtime::Result<()> {
//! let mut sources = ImageSources::new();
//! sources.register("keystone", |_env| async {
//!     Ok(Some(DataSource::new("keystone catalog", "https://keystone.example/images", CUSTOM_CLOUD_DATA)))
//! });
//! for source in sources.image_metadata_sources(&env).await? {
//!     println!("{} {} ({})", source.priority(), source.url(""), source.description());
//! }
//! # Ok(()) }
//! ```

mod datasource;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

pub use datasource::{DataSource, FETCH_TIMEOUT, FetchError, MAX_FETCH_BYTES};

use crate::types::Value;
use crate::{Environ, Error, Result};

/// `simplestreams.EXISTING_CLOUD_DATA`: metadata the cloud already has.
pub const EXISTING_CLOUD_DATA: i32 = 0;
/// `simplestreams.DEFAULT_CLOUD_DATA`: the official sources.
pub const DEFAULT_CLOUD_DATA: i32 = 10;
/// `simplestreams.SPECIFIC_CLOUD_DATA`: the model's `image-metadata-url`.
pub const SPECIFIC_CLOUD_DATA: i32 = 20;
/// `simplestreams.CUSTOM_CLOUD_DATA`: sources a provider publishes.
pub const CUSTOM_CLOUD_DATA: i32 = 50;

/// `imagemetadata.ReleasedStream`, the default `image-stream`.
pub const RELEASED_STREAM: &str = "released";
/// `imagemetadata.ReleasedImagesPath`: the official path of the released stream.
pub const RELEASED_IMAGES_PATH: &str = "releases";
/// `imagemetadata.UbuntuCloudImagesURL`.
pub const UBUNTU_CLOUD_IMAGES_URL: &str = "http://cloud-images.ubuntu.com";
/// `imagemetadata.JujuStreamsImagesURL`.
pub const JUJU_STREAMS_IMAGES_URL: &str = "https://streams.canonical.com/juju/images";
/// `storage.BaseImagesPath`: appended to a bare directory used as a source.
pub const BASE_IMAGES_PATH: &str = "images";

/// What an [`ImageDataSourceFunc`] returns: a future of its source.
pub type DataSourceFuture = Pin<Box<dyn Future<Output = Result<Option<DataSource>>> + Send>>;

/// `environs.ImageDataSourceFunc`: given the environ, its data source;
/// `Ok(None)` (or a not-supported error) when it has none for this environ.
pub type ImageDataSourceFunc = Arc<dyn Fn(Environ) -> DataSourceFuture + Send + Sync>;

/// The registered image data-source functions, in search order: Juju's
/// global list, owned by the host instead.
#[derive(Clone, Default)]
pub struct ImageSources {
    funcs: Vec<(String, ImageDataSourceFunc)>,
}

impl std::fmt::Debug for ImageSources {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ImageSources")
            .field("ids", &self.ids())
            .finish()
    }
}

fn boxed<F, Fut>(f: F) -> ImageDataSourceFunc
where
    F: Fn(Environ) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Option<DataSource>>> + Send + 'static,
{
    Arc::new(move |env| Box::pin(f(env)) as DataSourceFuture)
}

impl ImageSources {
    /// No registered functions.
    pub fn new() -> Self {
        Self::default()
    }

    /// `RegisterImageDataSourceFunc`: appends `f` under `id`, or replaces,
    /// in place, the function already registered under `id`.
    pub fn register<F, Fut>(&mut self, id: &str, f: F)
    where
        F: Fn(Environ) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Option<DataSource>>> + Send + 'static,
    {
        self.insert(id, boxed(f), false);
    }

    /// `RegisterUserImageDataSourceFunc`: puts `f` first in the search
    /// path, or replaces, in place, the function already registered under
    /// `id`.
    pub fn register_user<F, Fut>(&mut self, id: &str, f: F)
    where
        F: Fn(Environ) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Option<DataSource>>> + Send + 'static,
    {
        self.insert(id, boxed(f), true);
    }

    fn insert(&mut self, id: &str, f: ImageDataSourceFunc, first: bool) {
        if let Some(slot) = self.funcs.iter_mut().find(|(i, _)| i == id) {
            slot.1 = f;
            return;
        }
        tracing::debug!(target: "strato::environs", id, user = first, "image data source registered");
        let entry = (id.to_string(), f);
        if first {
            self.funcs.insert(0, entry);
        } else {
            self.funcs.push(entry);
        }
    }

    /// `UnregisterImageDataSourceFunc`: removes `id`; an unknown id is a no-op.
    pub fn unregister(&mut self, id: &str) {
        self.funcs.retain(|(i, _)| i != id);
    }

    /// The registered ids, in search order.
    pub fn ids(&self) -> Vec<&str> {
        self.funcs.iter().map(|(i, _)| i.as_str()).collect()
    }

    /// `environs.ImageMetadataSources`: the environ's search path, in the
    /// order of the [module docs](self). Every source fetches under the
    /// environ's network policy (its cloud's endpoints and its own URL).
    ///
    /// `image-metadata-url` and `image-stream` are read from the model
    /// config the host holds for the environ (the one it opened or last
    /// set it with, [`Environ::open_params`]), not from the provider's
    /// answer to `config`: a URL the host fetches must not come from the
    /// guest.
    ///
    /// Fails when `image-metadata-url` or `image-stream` is not text
    /// ([`Error::Config`]), or with the first error of a registered
    /// function that is not a not-supported error.
    pub async fn image_metadata_sources(&self, env: &Environ) -> Result<Vec<DataSource>> {
        let params = env.open_params();
        let config = params.config;
        let text = |key: &str| -> Result<Option<String>> {
            match config.iter().find(|(k, _)| k == key).map(|(_, v)| v) {
                None => Ok(None),
                Some(Value::Text(s)) if s.is_empty() => Ok(None),
                Some(Value::Text(s)) => Ok(Some(s.clone())),
                Some(_) => Err(Error::Config(format!("{key}: expected a string"))),
            }
        };
        let mut sources = Vec::new();
        if let Some(url) = text("image-metadata-url")? {
            sources.push(
                DataSource::new("image-metadata-url", url, SPECIFIC_CLOUD_DATA).without_files(),
            );
        }
        for (id, f) in &self.funcs {
            match f(env.clone()).await {
                Ok(Some(source)) => sources.push(source),
                Ok(None) => {}
                Err(e) if e.is_not_supported() => {
                    tracing::debug!(target: "strato::environs", id, "image data source not supported: {e}");
                }
                Err(e) => return Err(e),
            }
        }
        let stream = text("image-stream")?.unwrap_or_else(|| RELEASED_STREAM.to_string());
        sources.extend(official_data_sources(&stream));
        let sources: Vec<DataSource> = sources
            .into_iter()
            .map(|s| s.with_cloud(&params.cloud))
            .collect();
        for s in &sources {
            tracing::debug!(target: "strato::environs", description = s.description(), url = %s.url(""), "obtained image datasource");
        }
        Ok(sources)
    }
}

/// `imagemetadata.OfficialDataSources`: the Juju streams and the Ubuntu
/// cloud images for `stream`, both signed, priority [`DEFAULT_CLOUD_DATA`].
/// The public keys are not embedded yet (see [`DataSource::public_signing_key`]).
pub fn official_data_sources(stream: &str) -> Vec<DataSource> {
    [
        ("default cloud images", JUJU_STREAMS_IMAGES_URL),
        ("default ubuntu cloud images", UBUNTU_CLOUD_IMAGES_URL),
    ]
    .into_iter()
    .filter_map(|(description, base)| {
        let url = image_metadata_url(base, stream).ok()?;
        Some(DataSource::new(description, url, DEFAULT_CLOUD_DATA).signed(""))
    })
    .collect()
}

/// `imagemetadata.ImageMetadataURL`: the URL of a metadata source. The
/// official base URLs get the stream's path (`releases` for `released` or
/// an empty stream, the stream's name otherwise); a URL with a scheme is
/// kept; an absolute directory becomes a `file://` URL ending in
/// `/images`; an empty source stays empty.
///
/// ```
/// use strato_runtime::environs::imagemetadata::{image_metadata_url, UBUNTU_CLOUD_IMAGES_URL};
///
/// assert_eq!(image_metadata_url(UBUNTU_CLOUD_IMAGES_URL, "daily").unwrap(), "http://cloud-images.ubuntu.com/daily");
/// assert_eq!(image_metadata_url("/var/lib/juju", "").unwrap(), "file:///var/lib/juju/images");
/// assert_eq!(image_metadata_url("foo", "").unwrap_err().to_string(), "invalid model config: foo is not an absolute path");
/// ```
pub fn image_metadata_url(source: &str, stream: &str) -> Result<String> {
    if source.is_empty() {
        return Ok(String::new());
    }
    if source == UBUNTU_CLOUD_IMAGES_URL || source == JUJU_STREAMS_IMAGES_URL {
        let path = if stream.is_empty() || stream == RELEASED_STREAM {
            RELEASED_IMAGES_PATH
        } else {
            stream
        };
        return Ok(format!("{source}/{path}"));
    }
    if has_scheme(source) {
        return Ok(source.to_string());
    }
    if !source.starts_with('/') {
        return Err(Error::Config(format!("{source} is not an absolute path")));
    }
    let url = format!("file://{source}");
    if url.ends_with(&format!("/{BASE_IMAGES_PATH}")) {
        Ok(url)
    } else {
        Ok(format!("{url}/{BASE_IMAGES_PATH}"))
    }
}

/// Whether `s` starts with a URL scheme (`name:`, RFC 3986).
fn has_scheme(s: &str) -> bool {
    match s.split_once(':') {
        Some((scheme, _)) => {
            scheme.starts_with(|c: char| c.is_ascii_alphabetic())
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Juju's URLsSuite: ImageMetadataURL.
    #[test]
    fn metadata_urls() {
        for (source, stream, want) in [
            ("", "", ""),
            ("file://foo", "", "file://foo"),
            ("http://foo", "", "http://foo"),
            ("/home/foo", "", "file:///home/foo/images"),
            ("/home/foo/images", "", "file:///home/foo/images"),
            (
                UBUNTU_CLOUD_IMAGES_URL,
                "",
                "http://cloud-images.ubuntu.com/releases",
            ),
            (
                UBUNTU_CLOUD_IMAGES_URL,
                "released",
                "http://cloud-images.ubuntu.com/releases",
            ),
            (
                UBUNTU_CLOUD_IMAGES_URL,
                "daily",
                "http://cloud-images.ubuntu.com/daily",
            ),
            (
                JUJU_STREAMS_IMAGES_URL,
                "",
                "https://streams.canonical.com/juju/images/releases",
            ),
            (
                JUJU_STREAMS_IMAGES_URL,
                "daily",
                "https://streams.canonical.com/juju/images/daily",
            ),
        ] {
            assert_eq!(
                image_metadata_url(source, stream).unwrap(),
                want,
                "{source} {stream}"
            );
        }
        let e = image_metadata_url("foo", "").unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid model config: foo is not an absolute path"
        );
    }

    #[test]
    fn official_sources_per_stream() {
        for (stream, path) in [
            ("released", "releases"),
            ("", "releases"),
            ("daily", "daily"),
        ] {
            let got: Vec<(String, String, i32, bool)> = official_data_sources(stream)
                .iter()
                .map(|s| {
                    (
                        s.description().to_string(),
                        s.url(""),
                        s.priority(),
                        s.require_signed(),
                    )
                })
                .collect();
            assert_eq!(
                got,
                [
                    (
                        "default cloud images".to_string(),
                        format!("https://streams.canonical.com/juju/images/{path}/"),
                        10,
                        true
                    ),
                    (
                        "default ubuntu cloud images".to_string(),
                        format!("http://cloud-images.ubuntu.com/{path}/"),
                        10,
                        true
                    ),
                ]
            );
        }
    }

    #[test]
    fn registration_order_and_overwrite() {
        let none = |_env: Environ| async { Ok(None) };
        let mut s = ImageSources::new();
        s.register("id0", none);
        s.register("id1", none);
        s.register_user("id2", none);
        s.register("id1", none); // overwrites in place
        s.register_user("id0", none); // overwrites in place, does not move
        assert_eq!(s.ids(), ["id2", "id0", "id1"]);
        s.unregister("id0");
        s.unregister("nope");
        assert_eq!(s.ids(), ["id2", "id1"]);
    }
}
