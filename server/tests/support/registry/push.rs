//! Pushing the images of `images.rs`, and the record of what was pushed.
//!
//! Layers are deterministic pseudo-random bytes, seeded by repository, tag, platform and
//! position; configs are real image config JSON (`rootfs.diff_ids`, `history` with
//! `created_by` lines and `empty_layer` entries). Everything goes through the distribution API
//! with the pusher's token, several requests at a time: blob uploads (`POST`, then a
//! monolithic `PUT ?digest=`), then the manifests by digest, then the tags (an index or list
//! can only name manifests the registry has).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::SocketAddr;
use std::sync::OnceLock;

use futures::future::join_all;
use futures::stream::{self, StreamExt as _};
use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, LOCATION};
use serde_json::{Map, Value, json};
use sha2::{Digest as _, Sha256};

use super::images::{IMAGES, IN_TOTO, ImageSpec, OCI_CONFIG, OCI_MANIFEST};
use super::{PUSH_USER, PushedImage, PushedPlatform, SERVICE};

/// `sha256:` and the hex SHA-256 of `bytes`.
pub fn sha256_digest(bytes: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(bytes)))
}

/// How many pseudo-random bytes the layers are cut from.
const POOL_SIZE: usize = 4 << 20;

/// `POOL_SIZE` bytes of SplitMix64 output, made once per process (the tests are built without
/// optimizations: making every layer's bytes anew would cost a few hundred milliseconds).
fn pool() -> &'static [u8] {
    static POOL: OnceLock<Vec<u8>> = OnceLock::new();
    POOL.get_or_init(|| {
        let mut state: u64 = 0x5EED_F00D_7E57_DA7A;
        let mut bytes = Vec::with_capacity(POOL_SIZE);
        while bytes.len() < POOL_SIZE {
            state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            bytes.extend_from_slice(&(z ^ (z >> 31)).to_le_bytes());
        }
        bytes
    })
}

/// `len` deterministic pseudo-random bytes for `seed`: the SHA-256 of the seed, then the pool
/// from an offset the seed picks (wrapping around).
fn pseudo_random(seed: &str, len: usize) -> Vec<u8> {
    let hash = Sha256::digest(seed.as_bytes());
    let pool = pool();
    let mut offset = usize::from(u16::from_le_bytes([hash[0], hash[1]])) * (POOL_SIZE >> 16);
    let mut bytes = Vec::with_capacity(len);
    bytes.extend_from_slice(&hash[..len.min(hash.len())]);
    while bytes.len() < len {
        let take = (len - bytes.len()).min(POOL_SIZE - offset);
        bytes.extend_from_slice(&pool[offset..offset + take]);
        offset = 0;
    }
    bytes
}

/// A blob or manifest, as a descriptor names it.
struct Descriptor {
    media_type: &'static str,
    digest: String,
    size: u64,
}

impl Descriptor {
    fn of(media_type: &'static str, bytes: &[u8]) -> Descriptor {
        Descriptor {
            media_type,
            digest: sha256_digest(bytes),
            size: bytes.len() as u64,
        }
    }

    fn to_json(&self) -> Map<String, Value> {
        let mut json = Map::new();
        json.insert("mediaType".into(), self.media_type.into());
        json.insert("digest".into(), self.digest.clone().into());
        json.insert("size".into(), self.size.into());
        json
    }
}

/// `{"os", "architecture", "variant"?}` of `linux/arm64/v8`.
fn platform_json(platform: &str) -> Map<String, Value> {
    let mut parts = platform.split('/');
    let mut json = Map::new();
    json.insert("os".into(), parts.next().unwrap_or_default().into());
    json.insert(
        "architecture".into(),
        parts.next().unwrap_or_default().into(),
    );
    if let Some(variant) = parts.next() {
        json.insert("variant".into(), variant.into());
    }
    json
}

/// A manifest to `PUT` at `/v2/<repository>/manifests/<reference>`.
struct ManifestPut {
    repository: &'static str,
    reference: String,
    media_type: &'static str,
    bytes: Vec<u8>,
}

/// Everything to push, in the order the registry needs it: blobs, then the manifests that
/// name them (by digest), then the tags (an index names manifests that must exist).
#[derive(Default)]
struct Plan {
    /// `(repository, digest)` to the blob's bytes; each uploaded once.
    blobs: BTreeMap<(&'static str, String), Vec<u8>>,
    by_digest: Vec<ManifestPut>,
    by_tag: Vec<ManifestPut>,
    images: BTreeMap<String, PushedImage>,
}

impl Plan {
    /// The plan of every fixture image. Building it does not talk to the registry.
    fn new() -> Plan {
        let mut plan = Plan::default();
        for spec in IMAGES {
            let image = plan.image(spec);
            for tag in spec.tags {
                let reference = format!("{}:{tag}", spec.repository);
                let tagged = PushedImage {
                    tag: (*tag).to_owned(),
                    ..image.clone()
                };
                plan.images.insert(reference, tagged);
            }
        }
        plan
    }

    fn blob(
        &mut self,
        repository: &'static str,
        media_type: &'static str,
        bytes: Vec<u8>,
    ) -> Descriptor {
        let descriptor = Descriptor::of(media_type, &bytes);
        self.blobs
            .insert((repository, descriptor.digest.clone()), bytes);
        descriptor
    }

    fn manifest_by_digest(
        &mut self,
        repository: &'static str,
        media_type: &'static str,
        manifest: &Value,
    ) -> Vec<u8> {
        let bytes = serde_json::to_vec_pretty(manifest).expect("serialize a manifest");
        self.by_digest.push(ManifestPut {
            repository,
            reference: sha256_digest(&bytes),
            media_type,
            bytes: bytes.clone(),
        });
        bytes
    }

    fn image(&mut self, spec: &ImageSpec) -> PushedImage {
        let mut platforms = Vec::new();
        let mut entries = Vec::new();
        let mut attestations = Vec::new();
        let mut single = None;
        for (index, platform) in spec.platforms.iter().enumerate() {
            let (pushed, manifest) = self.platform(spec, index, platform);
            if spec.format.is_multi_platform() {
                let mut entry =
                    Descriptor::of(spec.format.image_media_types().0, &manifest).to_json();
                entry.insert("platform".into(), platform_json(platform).into());
                entries.push(Value::Object(entry));
            } else {
                single = Some(manifest);
            }
            platforms.push(pushed);
        }
        if spec.attestations {
            for pushed in &platforms {
                let manifest = self.attestation(spec, pushed);
                let mut entry = Descriptor::of(OCI_MANIFEST, &manifest).to_json();
                entry.insert(
                    "annotations".into(),
                    json!({
                        "vnd.docker.reference.digest": pushed.digest,
                        "vnd.docker.reference.type": "attestation-manifest",
                    }),
                );
                entry.insert(
                    "platform".into(),
                    json!({"architecture": "unknown", "os": "unknown"}),
                );
                entries.push(Value::Object(entry));
                attestations.push(sha256_digest(&manifest));
            }
        }
        let top = single.unwrap_or_else(|| {
            let index = json!({
                "schemaVersion": 2,
                "mediaType": spec.format.top_media_type(),
                "manifests": entries,
            });
            serde_json::to_vec_pretty(&index).expect("serialize an index")
        });
        for tag in spec.tags {
            self.by_tag.push(ManifestPut {
                repository: spec.repository,
                reference: (*tag).to_owned(),
                media_type: spec.format.top_media_type(),
                bytes: top.clone(),
            });
        }
        PushedImage {
            repository: spec.repository.to_owned(),
            tag: spec.tags[0].to_owned(),
            digest: sha256_digest(&top),
            size: top.len() as u64,
            media_type: spec.format.top_media_type().to_owned(),
            platforms,
            attestations,
        }
    }

    /// The layers, config and manifest of one platform; the record and the manifest's bytes.
    fn platform(
        &mut self,
        spec: &ImageSpec,
        index: usize,
        platform: &str,
    ) -> (PushedPlatform, Vec<u8>) {
        let (manifest_type, config_type, layer_type) = spec.format.image_media_types();
        let platform_fields = platform_json(platform);
        let arch = platform_fields
            .get("architecture")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let seed = format!("{}:{}/{platform}", spec.repository, spec.tags[0]);

        let mut layers = Vec::new();
        let mut diff_ids = Vec::new();
        let mut history = Vec::new();
        let mut history_json = Vec::new();
        for (position, (created_by, amd64_size)) in spec.steps.iter().enumerate() {
            let created_by = created_by.replace("{arch}", &arch);
            let mut entry = json!({"created": spec.created, "created_by": created_by});
            if *amd64_size == 0 {
                entry["empty_layer"] = true.into();
                history.push((created_by, 0));
            } else {
                let size = amd64_size - amd64_size * index as u64 / 10;
                let layer_seed = format!("{seed}/{position}");
                let bytes = pseudo_random(
                    &layer_seed,
                    usize::try_from(size).expect("a layer size fits memory"),
                );
                let layer = self.blob(spec.repository, layer_type, bytes);
                diff_ids.push(sha256_digest(
                    format!("uncompressed {layer_seed}").as_bytes(),
                ));
                history.push((created_by, layer.size));
                layers.push(layer);
            }
            history_json.push(entry);
        }

        let mut config = platform_fields;
        config.insert("created".into(), spec.created.into());
        config.insert("config".into(), json!({"Env": spec.env, "Cmd": spec.cmd}));
        config.insert(
            "rootfs".into(),
            json!({"type": "layers", "diff_ids": diff_ids}),
        );
        config.insert("history".into(), history_json.into());
        let config = serde_json::to_vec(&config).expect("serialize an image config");
        let config = self.blob(spec.repository, config_type, config);

        let manifest = json!({
            "schemaVersion": 2,
            "mediaType": manifest_type,
            "config": config.to_json(),
            "layers": layers.iter().map(Descriptor::to_json).collect::<Vec<_>>(),
        });
        // A single manifest is pushed by its tags only, like an index.
        let manifest = if spec.format.is_multi_platform() {
            self.manifest_by_digest(spec.repository, manifest_type, &manifest)
        } else {
            serde_json::to_vec_pretty(&manifest).expect("serialize a manifest")
        };
        let pushed = PushedPlatform {
            platform: platform.to_owned(),
            digest: sha256_digest(&manifest),
            media_type: manifest_type.to_owned(),
            compressed_size: config.size + layers.iter().map(|layer| layer.size).sum::<u64>(),
            layers: layers.len(),
            created: spec.created.to_owned(),
            history,
            config_digest: config.digest,
        };
        (pushed, manifest)
    }

    /// A BuildKit-style attestation manifest (an in-toto SBOM statement about the platform
    /// manifest); its bytes.
    fn attestation(&mut self, spec: &ImageSpec, platform: &PushedPlatform) -> Vec<u8> {
        let statement = json!({
            "_type": "https://in-toto.io/Statement/v0.1",
            "predicateType": "https://spdx.dev/Document",
            "subject": [{
                "name": format!(
                    "pkg:docker/{}@{}?platform={}",
                    spec.repository, spec.tags[0], platform.platform.replace('/', "%2F")
                ),
                "digest": {"sha256": platform.digest.trim_start_matches("sha256:")},
            }],
            "predicate": {"spdxVersion": "SPDX-2.3", "name": "sbom", "packages": []},
        });
        let statement = serde_json::to_vec(&statement).expect("serialize an in-toto statement");
        let diff_id = sha256_digest(&statement);
        let mut layer = self.blob(spec.repository, IN_TOTO, statement).to_json();
        layer.insert(
            "annotations".into(),
            json!({"in-toto.io/predicate-type": "https://spdx.dev/Document"}),
        );
        let config = json!({
            "architecture": "unknown",
            "os": "unknown",
            "config": {},
            "rootfs": {"type": "layers", "diff_ids": [diff_id]},
        });
        let config = serde_json::to_vec(&config).expect("serialize an attestation config");
        let config = self.blob(spec.repository, OCI_CONFIG, config);
        let manifest = json!({
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": config.to_json(),
            "layers": [layer],
        });
        self.manifest_by_digest(spec.repository, OCI_MANIFEST, &manifest)
    }
}

/// How many requests the pusher has in flight at once.
const CONCURRENT_PUSHES: usize = 8;

/// Pushes the fixture images straight to the registry (not through the proxy, so the proxy's
/// request log starts empty), several requests at a time.
pub struct Pusher {
    client: reqwest::Client,
    registry: String,
    token_url: String,
}

impl Pusher {
    pub fn new(client: reqwest::Client, registry: SocketAddr, token_server: SocketAddr) -> Pusher {
        Pusher {
            client,
            registry: format!("http://{registry}"),
            token_url: format!("http://{token_server}/token"),
        }
    }

    /// Pushes every image; returns them by `repository:tag`.
    pub async fn push_all(&self) -> BTreeMap<String, PushedImage> {
        let plan = Plan::new();
        let repositories: BTreeSet<&str> = IMAGES.iter().map(|spec| spec.repository).collect();
        let tokens: HashMap<&str, String> = join_all(
            repositories
                .into_iter()
                .map(|repository| async move { (repository, self.token(repository).await) }),
        )
        .await
        .into_iter()
        .collect();

        stream::iter(&plan.blobs)
            .for_each_concurrent(CONCURRENT_PUSHES, |((repository, digest), bytes)| {
                self.push_blob(&tokens[repository], repository, digest, bytes)
            })
            .await;
        for manifests in [&plan.by_digest, &plan.by_tag] {
            stream::iter(manifests)
                .for_each_concurrent(CONCURRENT_PUSHES, |manifest| {
                    self.put_manifest(&tokens[manifest.repository], manifest)
                })
                .await;
        }
        plan.images
    }

    /// A token that may pull and push `repository`, from the token server.
    async fn token(&self, repository: &str) -> String {
        let (user, password) = PUSH_USER;
        let mut url = reqwest::Url::parse(&self.token_url).expect("the token server's URL");
        url.query_pairs_mut()
            .append_pair("service", SERVICE)
            .append_pair("scope", &format!("repository:{repository}:pull,push"));
        let response = self
            .client
            .get(url)
            .basic_auth(user, Some(password))
            .send()
            .await
            .expect("ask the token server for a push token");
        let status = response.status();
        let body = response
            .bytes()
            .await
            .expect("read the token server's answer");
        let body: Value = serde_json::from_slice(&body)
            .unwrap_or_else(|e| panic!("the token server's answer is not JSON ({e}): {body:?}"));
        assert_eq!(
            status,
            StatusCode::OK,
            "push token for {repository}: {body}"
        );
        body["token"]
            .as_str()
            .unwrap_or_else(|| panic!("no token in {body}"))
            .to_owned()
    }

    /// Uploads a blob: `POST` an upload, `PUT` it whole with `?digest=`.
    async fn push_blob(&self, token: &str, repository: &str, digest: &str, bytes: &[u8]) {
        let start = self
            .client
            .post(format!("{}/v2/{repository}/blobs/uploads/", self.registry))
            .bearer_auth(token)
            .send()
            .await
            .expect("start a blob upload");
        let location = start
            .headers()
            .get(LOCATION)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned);
        let status = start.status();
        let Some(location) = location.filter(|_| status == StatusCode::ACCEPTED) else {
            let body = start.text().await.unwrap_or_default();
            panic!("starting a blob upload to {repository}: {status} {body}");
        };
        let mut url = reqwest::Url::parse(&self.registry)
            .and_then(|base| base.join(&location))
            .unwrap_or_else(|e| panic!("upload location {location:?}: {e}"));
        url.query_pairs_mut().append_pair("digest", digest);
        let finish = self
            .client
            .put(url)
            .bearer_auth(token)
            .header(CONTENT_TYPE, "application/octet-stream")
            .body(bytes.to_vec())
            .send()
            .await
            .expect("upload a blob");
        let status = finish.status();
        if status != StatusCode::CREATED {
            let body = finish.text().await.unwrap_or_default();
            panic!("uploading {digest} to {repository}: {status} {body}");
        }
    }

    /// `PUT /v2/<repository>/manifests/<reference>`; checks the digest the registry computed.
    async fn put_manifest(&self, token: &str, manifest: &ManifestPut) {
        let ManifestPut {
            repository,
            reference,
            media_type,
            bytes,
        } = manifest;
        let response = self
            .client
            .put(format!(
                "{}/v2/{repository}/manifests/{reference}",
                self.registry
            ))
            .bearer_auth(token)
            .header(CONTENT_TYPE, *media_type)
            .body(bytes.clone())
            .send()
            .await
            .expect("push a manifest");
        let status = response.status();
        let digest = response
            .headers()
            .get("docker-content-digest")
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned);
        if status != StatusCode::CREATED {
            let body = response.text().await.unwrap_or_default();
            panic!("pushing the manifest {repository}:{reference}: {status} {body}");
        }
        assert_eq!(
            digest.as_deref(),
            Some(sha256_digest(bytes).as_str()),
            "the registry's digest of {repository}:{reference}"
        );
    }
}
