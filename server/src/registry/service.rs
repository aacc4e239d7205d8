//! The registry as the server and the CLI use it: reports by reference, shared, cached and never in the way.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::future::join_all;

use super::error::RegistryError;
use super::flight::Flights;
use super::links;
use super::model::{ImageReport, Variant};
use super::resolve::{Mode, Resolver};
use super::settings::RegistrySettings;
use crate::analysis::image_ref::{self, ImageRef};
use crate::analysis::rules::slimmer_tags;
use crate::analysis::settings::ImageFacts;

/// How long a failure that says nothing about the image (timeout, unreachable) is kept
/// before a lookup tries again, unless the host's own pause is longer.
const FAILURE_KEPT: Duration = Duration::from_secs(15);
/// How long "not found" is kept: the tag may be pushed soon.
const NOT_FOUND_KEPT: Duration = Duration::from_secs(300);

/// What is known now about a reference, without waiting.
#[derive(Debug, Clone)]
pub enum Lookup {
    Ready(Arc<ImageReport>),
    Failed(RegistryError),
    /// A lookup is running.
    Pending,
    /// Nobody asked yet.
    Unknown,
}

/// Reports by reference. Cheap to clone: clones share caches and requests.
#[derive(Debug, Clone)]
pub struct Registry {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    settings: Arc<RegistrySettings>,
    resolver: Resolver,
    reports: Mutex<HashMap<String, Stored>>,
    flights: Flights<String, Result<Arc<ImageReport>, RegistryError>>,
    /// Tag lists by repository (`docker.io/library/python`), with when they expire.
    tags: Mutex<HashMap<String, TagList>>,
    tag_flights: Flights<String, Option<Arc<Vec<String>>>>,
}

/// A repository's tags and when they expire.
type TagList = (Arc<Vec<String>>, Instant);

/// The most tags kept per repository (Docker Hub's `python` has thousands).
const MAX_TAGS: usize = 5000;

#[derive(Debug)]
struct Stored {
    result: Result<Arc<ImageReport>, RegistryError>,
    until: Instant,
}

impl Registry {
    pub fn new(settings: RegistrySettings) -> Result<Registry, RegistryError> {
        let settings = Arc::new(settings);
        Ok(Registry {
            inner: Arc::new(Inner {
                resolver: Resolver::new(Arc::clone(&settings))?,
                settings,
                reports: Mutex::default(),
                flights: Flights::default(),
                tags: Mutex::default(),
                tag_flights: Flights::default(),
            }),
        })
    }

    pub fn settings(&self) -> &RegistrySettings {
        &self.inner.settings
    }

    /// HTTP requests sent so far (tokens included).
    pub fn requests_sent(&self) -> usize {
        self.inner.resolver.client.requests_sent()
    }

    /// Pulls left on the reference's registry, when it says (Docker Hub does).
    pub fn remaining_pulls(&self, reference: &str) -> Option<u64> {
        let image = image_ref::parse(reference).ok()?;
        let endpoint = super::client::Endpoint::for_image(&self.inner.settings, &image).ok()?;
        self.inner.resolver.client.remaining_pulls(&endpoint.host)
    }

    /// The tags of a repository (`python`, `ghcr.io/o/r`) if they were fetched and are
    /// fresh: completion never waits for the network.
    pub fn cached_tags(&self, repository: &str) -> Option<Arc<Vec<String>>> {
        let key = image_ref::parse(repository).ok()?.name();
        let tags = self.inner.tags.lock().unwrap_or_else(|e| e.into_inner());
        tags.get(&key)
            .filter(|(_, until)| *until > Instant::now())
            .map(|(list, _)| Arc::clone(list))
    }

    /// Fetches the tags of a repository (shared by concurrent callers); `None` when the
    /// registry would not list them.
    pub async fn fetch_tags(&self, repository: &str) -> Option<Arc<Vec<String>>> {
        let image = image_ref::parse(repository).ok()?;
        let key = image.name();
        if let Some(found) = self.cached_tags(repository) {
            return Some(found);
        }
        if self.inner.settings.offline {
            return None;
        }
        self.inner
            .tag_flights
            .run(key.clone(), || async {
                let endpoint =
                    super::client::Endpoint::for_image(&self.inner.settings, &image).ok()?;
                let listed = self
                    .inner
                    .resolver
                    .client
                    .tags(&endpoint, &image.repository, MAX_TAGS)
                    .await;
                let (list, kept) = match listed {
                    Ok(list) => (Arc::new(list), self.inner.settings.cache_ttl),
                    Err(error) => {
                        tracing::info!("tags of {key}: {error}");
                        (Arc::new(Vec::new()), FAILURE_KEPT)
                    }
                };
                self.inner
                    .tags
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .insert(key.clone(), (Arc::clone(&list), Instant::now() + kept));
                Some(list)
            })
            .await
    }

    /// What the registry said of each reference, as far as it is known now, for the
    /// rules (nothing waits).
    pub fn facts(&self, references: &[String]) -> Vec<ImageFacts> {
        references
            .iter()
            .filter_map(|reference| match self.peek(reference) {
                Lookup::Ready(report) => Some(ImageFacts {
                    reference: reference.clone(),
                    registry: String::new(),
                    digest: Some(report.image.digest.clone()),
                    platforms: report
                        .image
                        .platforms
                        .iter()
                        .map(|p| p.platform.to_string())
                        .collect(),
                    size: report.selected().map(|p| p.compressed_size),
                    slimmer: report
                        .variants
                        .first()
                        .map(|v| (v.reference.clone(), v.compressed_size)),
                }),
                Lookup::Failed(RegistryError::NotFound {
                    host,
                    missing: true,
                }) => Some(ImageFacts {
                    reference: reference.clone(),
                    registry: host,
                    ..ImageFacts::default()
                }),
                _ => None,
            })
            .collect()
    }

    /// What is known about a reference (as written, after ARG expansion), from memory only.
    pub fn peek(&self, reference: &str) -> Lookup {
        let Some(key) = key_of(reference) else {
            return Lookup::Unknown;
        };
        if let Some(stored) = self.stored(&key) {
            return match stored {
                Ok(report) => Lookup::Ready(report),
                Err(error) => Lookup::Failed(error),
            };
        }
        if self.inner.flights.is_running(&key) {
            Lookup::Pending
        } else {
            Lookup::Unknown
        }
    }

    /// The report from what is cached (memory or disk) and fresh, without any request:
    /// what a hover can answer at once.
    pub async fn cached(&self, reference: &str) -> Option<Arc<ImageReport>> {
        match self.peek(reference) {
            Lookup::Ready(report) => return Some(report),
            // What a running lookup has cached so far would make a partial report.
            Lookup::Pending => return None,
            Lookup::Failed(_) | Lookup::Unknown => {}
        }
        let image = parse(reference).ok()?;
        let mode = if self.inner.settings.offline {
            Mode::Offline
        } else {
            Mode::Cached
        };
        let report = Arc::new(self.report(&image, mode).await.ok()?);
        self.store(&image.docker_ref().full(), Ok(Arc::clone(&report)));
        Some(report)
    }

    /// The report for a reference, asking the registry for what the cache lacks. Lookups
    /// of the same reference at the same time share one.
    pub async fn lookup(&self, reference: &str) -> Result<Arc<ImageReport>, RegistryError> {
        let image = parse(reference)?;
        let key = image.docker_ref().full();
        if let Some(stored) = self.stored(&key) {
            return stored;
        }
        self.inner
            .flights
            .run(key.clone(), || async {
                let result = self.report(&image, Mode::Network).await.map(Arc::new);
                if let Err(error) = &result {
                    tracing::info!("registry lookup of {key}: {error}");
                }
                self.store(&key, result.clone());
                result
            })
            .await
    }

    fn stored(&self, key: &str) -> Option<Result<Arc<ImageReport>, RegistryError>> {
        let reports = self.inner.reports.lock().unwrap_or_else(|e| e.into_inner());
        reports
            .get(key)
            .filter(|s| s.until > Instant::now())
            .map(|s| s.result.clone())
    }

    fn store(&self, key: &str, result: Result<Arc<ImageReport>, RegistryError>) {
        let kept = match &result {
            Ok(_) if self.inner.settings.offline => Duration::from_secs(24 * 3600),
            Ok(_) => self.inner.settings.cache_ttl,
            Err(error) if error.is_answer() => NOT_FOUND_KEPT.min(self.inner.settings.cache_ttl),
            Err(RegistryError::RateLimited { until, .. }) => until
                .duration_since(std::time::SystemTime::now())
                .unwrap_or(Duration::ZERO),
            Err(_) => FAILURE_KEPT,
        };
        self.inner
            .reports
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(
                key.to_owned(),
                Stored {
                    result,
                    until: Instant::now() + kept,
                },
            );
    }

    async fn report(&self, image: &ImageRef, mode: Mode) -> Result<ImageReport, RegistryError> {
        let resolver = &self.inner.resolver;
        let settings = &self.inner.settings;
        let info = resolver.resolve(image, mode).await?;
        let platform = settings.platform.clone();
        let base_size = info.for_platform(&platform).map(|p| p.compressed_size);
        let mut variants = Vec::new();
        if let Some(base_size) = base_size {
            let candidates = slimmer_tags(image);
            let platform = &platform;
            let found = join_all(candidates.iter().map(|tag| async move {
                let variant = ImageRef {
                    tag: Some(tag.clone()),
                    digest: None,
                    ..image.clone()
                };
                let info = resolver.resolve(&variant, mode).await.ok()?;
                let size = info.for_platform(platform)?.compressed_size;
                Some((variant, tag.clone(), info.digest, size))
            }))
            .await;
            for (variant, tag, digest, size) in found.into_iter().flatten() {
                if size >= base_size {
                    continue;
                }
                let saving = base_size - size;
                variants.push(Variant {
                    reference: variant.familiar(),
                    tag,
                    digest,
                    compressed_size: size,
                    saving,
                    saving_percent: u8::try_from(saving.saturating_mul(100) / base_size)
                        .unwrap_or(100),
                });
            }
            variants.sort_by_key(|v| (v.compressed_size, v.tag.clone()));
        }
        Ok(ImageReport {
            page: Some(links::page(image, settings)),
            image: info,
            platform,
            variants,
        })
    }
}

fn parse(reference: &str) -> Result<ImageRef, RegistryError> {
    if image_ref::has_unexpanded_variable(reference) {
        return Err(RegistryError::Reference(format!(
            "`{reference}` depends on a variable without a value"
        )));
    }
    image_ref::parse(reference).map_err(|e| RegistryError::Reference(e.to_string()))
}

fn key_of(reference: &str) -> Option<String> {
    parse(reference).ok().map(|image| image.docker_ref().full())
}
