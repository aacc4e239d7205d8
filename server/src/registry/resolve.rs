//! From a reference to an image's platforms, sizes and history: HEAD for the tag, then content by digest.

use std::sync::Arc;

use futures::future::join_all;

use super::cache::{Cache, TagEntry};
use super::client::{Client, Endpoint};
use super::error::RegistryError;
use super::flight::Flights;
use super::manifest::{self, Document, ImageConfig};
use super::model::{ImageInfo, Layer, Platform, PlatformImage};
use super::settings::RegistrySettings;
use crate::analysis::image_ref::ImageRef;

/// How many of the largest layers are kept.
const LARGEST_LAYERS: usize = 5;

/// Whether a lookup may use the network.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Ask the registry when the cache has nothing fresh.
    Network,
    /// Only what is cached and fresh (hover's instant answer).
    Cached,
    /// Only what is cached, however old (`registry.offline`).
    Offline,
}

/// Resolves references through the cache and the client, one request per missing piece
/// however many lookups want it.
#[derive(Debug)]
pub(crate) struct Resolver {
    pub client: Client,
    pub cache: Cache,
    settings: Arc<RegistrySettings>,
    tags: Flights<String, Result<TagEntry, RegistryError>>,
    content: Flights<String, Result<Arc<[u8]>, RegistryError>>,
}

impl Resolver {
    pub fn new(settings: Arc<RegistrySettings>) -> Result<Resolver, RegistryError> {
        Ok(Resolver {
            client: Client::new(Arc::clone(&settings))?,
            cache: Cache::new(settings.cache_dir.clone()),
            settings,
            tags: Flights::default(),
            content: Flights::default(),
        })
    }

    /// What the tag of `image` points at (or its digest, when the reference pins one).
    pub async fn tag(
        &self,
        endpoint: &Endpoint,
        image: &ImageRef,
        mode: Mode,
    ) -> Result<TagEntry, RegistryError> {
        if let Some(digest) = &image.digest {
            return Ok(TagEntry::new(digest.clone(), None));
        }
        let key = image.docker_ref().full();
        let cached = self.cache.tag(&key);
        match (&cached, mode) {
            (Some(entry), Mode::Offline) => return Ok(entry.clone()),
            (Some(entry), _) if entry.is_fresh(self.settings.cache_ttl) => {
                return Ok(entry.clone());
            }
            (None, Mode::Offline) => return Err(RegistryError::Offline),
            (_, Mode::Cached) => return Err(RegistryError::Offline),
            _ => {}
        }
        let tag = image.tag_or_latest().to_owned();
        self.tags
            .run(key.clone(), || async {
                let asked = match self
                    .client
                    .head_manifest(endpoint, &image.repository, &tag)
                    .await
                {
                    Ok(Some(head)) => Ok(TagEntry::new(head.digest, head.media_type)),
                    // No digest in the HEAD answer: the GET's body is hashed instead.
                    Ok(None) => self
                        .client
                        .get_manifest(endpoint, &image.repository, &tag)
                        .await
                        .map(|fetched| {
                            self.cache
                                .put_content(&fetched.digest, Arc::clone(&fetched.bytes));
                            TagEntry::new(fetched.digest, fetched.media_type)
                        }),
                    Err(error) => Err(error),
                };
                match asked {
                    Ok(entry) => {
                        self.cache.put_tag(&key, entry.clone());
                        Ok(entry)
                    }
                    // A registry that cannot be reached leaves the last answer standing.
                    Err(error) if !error.is_answer() && cached.is_some() => {
                        tracing::info!("{key}: {error}; using the cached digest");
                        cached.clone().ok_or(error)
                    }
                    Err(error) => Err(error),
                }
            })
            .await
    }

    /// Content by digest: cached forever, since it cannot change.
    async fn content(
        &self,
        endpoint: &Endpoint,
        repository: &str,
        digest: &str,
        blob: bool,
        mode: Mode,
    ) -> Result<Arc<[u8]>, RegistryError> {
        if let Some(bytes) = self.cache.content(digest) {
            return Ok(bytes);
        }
        if mode != Mode::Network {
            return Err(RegistryError::Offline);
        }
        self.content
            .run(digest.to_owned(), || async {
                let bytes = if blob {
                    self.client.get_blob(endpoint, repository, digest).await?
                } else {
                    self.client
                        .get_manifest(endpoint, repository, digest)
                        .await?
                        .bytes
                };
                self.cache.put_content(digest, Arc::clone(&bytes));
                Ok(bytes)
            })
            .await
    }

    /// Everything about a reference: its digest and each platform's image.
    pub async fn resolve(&self, image: &ImageRef, mode: Mode) -> Result<ImageInfo, RegistryError> {
        let mode = if self.settings.offline {
            Mode::Offline
        } else {
            mode
        };
        let endpoint = Endpoint::for_image(&self.settings, image)?;
        let tag = self.tag(&endpoint, image, mode).await?;
        let bytes = self
            .content(&endpoint, &image.repository, &tag.digest, false, mode)
            .await?;
        let document: Document = parse(&endpoint, &bytes, "manifest")?;
        let media_type = document.kind(tag.media_type.as_deref());
        let platforms = if manifest::is_index(&media_type) {
            let entries = document.manifests.unwrap_or_default();
            let wanted = entries.iter().filter(|e| {
                !e.is_attestation() && !e.media_type.as_deref().is_some_and(manifest::is_index)
            });
            let images = join_all(wanted.map(|entry| {
                let platform = entry.platform.as_ref().map(|p| Platform {
                    os: p.os.clone(),
                    architecture: p.architecture.clone(),
                    variant: p.variant.clone().filter(|v| !v.is_empty()),
                });
                self.platform_image(&endpoint, &image.repository, &entry.digest, platform, mode)
            }))
            .await;
            images.into_iter().collect::<Result<Vec<_>, _>>()?
        } else {
            vec![
                self.image_of(
                    &endpoint,
                    &image.repository,
                    &tag.digest,
                    document,
                    None,
                    mode,
                )
                .await?,
            ]
        };
        Ok(ImageInfo {
            reference: image.docker_ref().full(),
            digest: tag.digest,
            media_type,
            platforms,
        })
    }

    async fn platform_image(
        &self,
        endpoint: &Endpoint,
        repository: &str,
        digest: &str,
        platform: Option<Platform>,
        mode: Mode,
    ) -> Result<PlatformImage, RegistryError> {
        let bytes = self
            .content(endpoint, repository, digest, false, mode)
            .await?;
        let document: Document = parse(endpoint, &bytes, "manifest")?;
        self.image_of(endpoint, repository, digest, document, platform, mode)
            .await
    }

    /// A platform manifest with its config: size, layers, date, platform and the largest layers' steps.
    async fn image_of(
        &self,
        endpoint: &Endpoint,
        repository: &str,
        digest: &str,
        document: Document,
        platform: Option<Platform>,
        mode: Mode,
    ) -> Result<PlatformImage, RegistryError> {
        let (Some(config), Some(layers)) = (document.config, document.layers) else {
            return Err(RegistryError::Protocol {
                host: endpoint.host.clone(),
                message: format!("manifest {digest} has no config or layers"),
            });
        };
        let bytes = self
            .content(endpoint, repository, &config.digest, true, mode)
            .await?;
        let image_config: ImageConfig = parse(endpoint, &bytes, "image config")?;
        let platform = platform.unwrap_or_else(|| Platform {
            os: image_config
                .os
                .clone()
                .unwrap_or_else(|| "linux".to_owned()),
            architecture: image_config
                .architecture
                .clone()
                .unwrap_or_else(|| "unknown".to_owned()),
            variant: image_config.variant.clone().filter(|v| !v.is_empty()),
        });
        let compressed_size = layers
            .iter()
            .map(|l| l.size)
            .fold(config.size, u64::saturating_add);
        // History entries that made a layer line up with the manifest's layers.
        let steps: Vec<Option<String>> = image_config
            .history
            .iter()
            .filter(|h| !h.empty_layer)
            .map(|h| h.created_by.clone())
            .collect();
        let aligned = steps.len() == layers.len();
        let mut largest: Vec<Layer> = layers
            .iter()
            .enumerate()
            .map(|(i, layer)| Layer {
                size: layer.size,
                created_by: if aligned {
                    steps.get(i).cloned().flatten()
                } else {
                    None
                },
            })
            .collect();
        largest.sort_by_key(|layer| std::cmp::Reverse(layer.size));
        largest.truncate(LARGEST_LAYERS);
        Ok(PlatformImage {
            platform,
            digest: digest.to_owned(),
            compressed_size,
            layers: layers.len(),
            created: image_config.created.clone(),
            largest_layers: largest,
        })
    }
}

fn parse<T: serde::de::DeserializeOwned>(
    endpoint: &Endpoint,
    bytes: &[u8],
    what: &str,
) -> Result<T, RegistryError> {
    serde_json::from_slice(bytes).map_err(|e| RegistryError::Protocol {
        host: endpoint.host.clone(),
        message: format!("unreadable {what}: {e}"),
    })
}
