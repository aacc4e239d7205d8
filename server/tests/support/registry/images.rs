//! The images pushed into the test registry: their formats, platforms, configs and layer sizes.
//!
//! Sizes are those of the amd64 layers; other platforms' layers are a tenth smaller per
//! position in `platforms`, so that no two platforms have the same size. `{arch}` in a
//! `created_by` line is replaced by the platform's architecture.

pub const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
pub const DOCKER_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";
pub const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
pub const OCI_CONFIG: &str = "application/vnd.oci.image.config.v1+json";
pub const OCI_LAYER: &str = "application/vnd.oci.image.layer.v1.tar+gzip";
pub const DOCKER_CONFIG: &str = "application/vnd.docker.container.image.v1+json";
pub const DOCKER_LAYER: &str = "application/vnd.docker.image.rootfs.diff.tar.gzip";
pub const IN_TOTO: &str = "application/vnd.in-toto+json";

/// How an image is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// An OCI image index of OCI manifests.
    OciIndex,
    /// A Docker manifest list of Docker v2 manifests.
    DockerList,
    /// A single Docker v2 manifest.
    DockerManifest,
    /// A single OCI image manifest.
    OciManifest,
}

impl Format {
    pub fn top_media_type(self) -> &'static str {
        match self {
            Format::OciIndex => OCI_INDEX,
            Format::DockerList => DOCKER_LIST,
            Format::DockerManifest => DOCKER_MANIFEST,
            Format::OciManifest => OCI_MANIFEST,
        }
    }

    /// Media types of the platform manifest, its config and its layers.
    pub fn image_media_types(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Format::OciIndex | Format::OciManifest => (OCI_MANIFEST, OCI_CONFIG, OCI_LAYER),
            Format::DockerList | Format::DockerManifest => {
                (DOCKER_MANIFEST, DOCKER_CONFIG, DOCKER_LAYER)
            }
        }
    }

    pub fn is_multi_platform(self) -> bool {
        matches!(self, Format::OciIndex | Format::DockerList)
    }
}

/// An image to push: every tag points at the same bytes.
pub struct ImageSpec {
    pub repository: &'static str,
    pub tags: &'static [&'static str],
    pub format: Format,
    /// Whether the index holds an attestation manifest per platform, like BuildKit's.
    pub attestations: bool,
    pub platforms: &'static [&'static str],
    pub created: &'static str,
    pub env: &'static [&'static str],
    pub cmd: &'static [&'static str],
    /// `created_by` (`{arch}` is replaced) and the amd64 layer size; 0 is an empty layer.
    pub steps: &'static [(&'static str, u64)],
}

const AMD64: &str = "linux/amd64";
const ARM64: &str = "linux/arm64/v8";
const PATH: &str =
    "PATH=/usr/local/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
const DEBIAN_ROOTFS: &str = "# debian.sh --arch '{arch}' out/ 'bookworm' '@1736726400'";
const PYTHON_LINKS: &str = "RUN /bin/sh -c set -eux; for src in idle3 pip3 pydoc3 python3 python3-config; do \
     dst=\"$(echo \"$src\" | tr -d 3)\"; [ -s \"/usr/local/bin/$src\" ]; [ ! -e \"/usr/local/bin/$dst\" ]; \
     ln -svT \"$src\" \"/usr/local/bin/$dst\"; done # buildkit";
const PYTHON_ENV: &[&str] = &[
    PATH,
    "LANG=C.UTF-8",
    "GPG_KEY=7169605F62C751356D054A26A821E680E5FA6305",
    "PYTHON_VERSION=3.12.8",
];
const PYTHON_SLIM: &[(&str, u64)] = &[
    (DEBIAN_ROOTFS, 750_000),
    (
        "ENV PATH=/usr/local/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        0,
    ),
    ("ENV LANG=C.UTF-8", 0),
    (
        "RUN /bin/sh -c set -eux; apt-get update; apt-get install -y --no-install-recommends ca-certificates \
         netbase tzdata; rm -rf /var/lib/apt/lists/* # buildkit",
        110_000,
    ),
    ("ENV GPG_KEY=7169605F62C751356D054A26A821E680E5FA6305", 0),
    ("ENV PYTHON_VERSION=3.12.8", 0),
    (
        "RUN /bin/sh -c set -eux; savedAptMark=\"$(apt-mark showmanual)\"; apt-get update; apt-get install -y \
         --no-install-recommends dpkg-dev gcc gnupg libbluetooth-dev libbz2-dev libc6-dev libdb-dev libffi-dev \
         libgdbm-dev liblzma-dev libncursesw5-dev libreadline-dev libsqlite3-dev libssl-dev make tk-dev uuid-dev \
         wget xz-utils zlib1g-dev; wget -O python.tar.xz \"https://www.python.org/ftp/python/$PYTHON_VERSION/Python-$PYTHON_VERSION.tar.xz\"; \
         ./configure --enable-optimizations --enable-shared --with-lto; make -j \"$(nproc)\"; make install; \
         apt-mark auto '.*' > /dev/null; apt-get purge -y --auto-remove; rm -rf /var/lib/apt/lists/*; \
         python3 --version # buildkit",
        700_000,
    ),
    (PYTHON_LINKS, 52_000),
    ("CMD [\"python3\"]", 0),
];
const NODE_ENV: &[&str] = &[PATH, "NODE_VERSION=20.18.1", "YARN_VERSION=1.22.22"];
const ALPINE_APP: &[(&str, u64)] = &[
    (
        "ADD alpine-minirootfs-3.20.3-{arch}.tar.gz / # buildkit",
        380_000,
    ),
    ("RUN /bin/sh -c apk add --no-cache tini # buildkit", 60_000),
    ("COPY app /usr/local/bin/app # buildkit", 250_000),
    ("USER 65532:65532", 0),
    ("ENTRYPOINT [\"tini\", \"--\", \"/usr/local/bin/app\"]", 0),
];

pub const IMAGES: &[ImageSpec] = &[
    ImageSpec {
        repository: "library/python",
        tags: &["3.12"],
        format: Format::OciIndex,
        attestations: true,
        platforms: &[AMD64, ARM64],
        created: "2025-01-14T03:15:42Z",
        env: PYTHON_ENV,
        cmd: &["python3"],
        steps: &[
            (DEBIAN_ROOTFS, 1_200_000),
            (
                "RUN /bin/sh -c set -eux; apt-get update; apt-get install -y --no-install-recommends ca-certificates \
                 curl gnupg netbase sq wget; rm -rf /var/lib/apt/lists/* # buildkit",
                450_000,
            ),
            (
                "RUN /bin/sh -c set -eux; apt-get update; apt-get install -y --no-install-recommends git mercurial \
                 openssh-client subversion procps; rm -rf /var/lib/apt/lists/* # buildkit",
                550_000,
            ),
            (
                "RUN /bin/sh -c set -ex; apt-get update; apt-get install -y --no-install-recommends autoconf automake \
                 bzip2 default-libmysqlclient-dev dpkg-dev file g++ gcc imagemagick libbz2-dev libc6-dev \
                 libcurl4-openssl-dev libffi-dev libssl-dev make patch unzip xz-utils zlib1g-dev; \
                 rm -rf /var/lib/apt/lists/* # buildkit",
                1_800_000,
            ),
            (
                "ENV PATH=/usr/local/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                0,
            ),
            ("ENV LANG=C.UTF-8", 0),
            (
                "RUN /bin/sh -c set -eux; apt-get update; apt-get install -y --no-install-recommends libbluetooth-dev \
                 tk-dev uuid-dev; rm -rf /var/lib/apt/lists/* # buildkit",
                55_000,
            ),
            ("ENV GPG_KEY=7169605F62C751356D054A26A821E680E5FA6305", 0),
            ("ENV PYTHON_VERSION=3.12.8", 0),
            (
                "RUN /bin/sh -c set -eux; wget -O python.tar.xz \"https://www.python.org/ftp/python/$PYTHON_VERSION/Python-$PYTHON_VERSION.tar.xz\"; \
                 mkdir -p /usr/src/python; tar --extract --directory /usr/src/python --strip-components=1 --file python.tar.xz; \
                 cd /usr/src/python; ./configure --enable-loadable-sqlite-extensions --enable-optimizations \
                 --enable-option-checking=fatal --enable-shared --with-lto --with-ensurepip; make -j \"$(nproc)\"; \
                 make install; ldconfig; python3 --version # buildkit",
                950_000,
            ),
            (PYTHON_LINKS, 52_000),
            ("CMD [\"python3\"]", 0),
        ],
    },
    ImageSpec {
        repository: "library/python",
        tags: &["3.12-slim", "3.12-slim-bookworm"],
        format: Format::OciIndex,
        attestations: false,
        platforms: &[AMD64, ARM64],
        created: "2025-01-14T03:09:27Z",
        env: PYTHON_ENV,
        cmd: &["python3"],
        steps: PYTHON_SLIM,
    },
    ImageSpec {
        repository: "library/node",
        tags: &["20"],
        format: Format::DockerList,
        attestations: false,
        platforms: &[AMD64, ARM64],
        created: "2024-12-03T19:48:10Z",
        env: NODE_ENV,
        cmd: &["node"],
        steps: &[
            (DEBIAN_ROOTFS, 800_000),
            (
                "RUN /bin/sh -c set -eux; apt-get update; apt-get install -y --no-install-recommends ca-certificates \
                 curl gnupg netbase sq wget; rm -rf /var/lib/apt/lists/* # buildkit",
                400_000,
            ),
            (
                "RUN /bin/sh -c groupadd --gid 1000 node && useradd --uid 1000 --gid node --shell /bin/bash \
                 --create-home node # buildkit",
                50_000,
            ),
            ("ENV NODE_VERSION=20.18.1", 0),
            (
                "RUN /bin/sh -c ARCH= && dpkgArch=\"$(dpkg --print-architecture)\" && case \"${dpkgArch##*-}\" in \
                 amd64) ARCH='x64';; arm64) ARCH='arm64';; *) echo \"unsupported architecture\"; exit 1 ;; esac \
                 && curl -fsSLO --compressed \"https://nodejs.org/dist/v$NODE_VERSION/node-v$NODE_VERSION-linux-$ARCH.tar.xz\" \
                 && tar -xJf \"node-v$NODE_VERSION-linux-$ARCH.tar.xz\" -C /usr/local --strip-components=1 --no-same-owner \
                 && node --version && npm --version # buildkit",
                1_100_000,
            ),
            ("ENV YARN_VERSION=1.22.22", 0),
            (
                "RUN /bin/sh -c set -ex && curl -fsSLO --compressed \"https://yarnpkg.com/downloads/$YARN_VERSION/yarn-v$YARN_VERSION.tar.gz\" \
                 && mkdir -p /opt && tar -xzf yarn-v$YARN_VERSION.tar.gz -C /opt/ \
                 && ln -s /opt/yarn-v$YARN_VERSION/bin/yarn /usr/local/bin/yarn && yarn --version # buildkit",
                300_000,
            ),
            (
                "COPY docker-entrypoint.sh /usr/local/bin/ # buildkit",
                50_000,
            ),
            ("ENTRYPOINT [\"docker-entrypoint.sh\"]", 0),
            ("CMD [\"node\"]", 0),
        ],
    },
    ImageSpec {
        repository: "library/node",
        tags: &["20-alpine"],
        format: Format::DockerList,
        attestations: false,
        platforms: &[AMD64, ARM64],
        created: "2024-12-03T19:51:36Z",
        env: NODE_ENV,
        cmd: &["node"],
        steps: &[
            (
                "ADD alpine-minirootfs-3.20.3-{arch}.tar.gz / # buildkit",
                350_000,
            ),
            ("CMD [\"/bin/sh\"]", 0),
            ("ENV NODE_VERSION=20.18.1", 0),
            (
                "RUN /bin/sh -c addgroup -g 1000 node && adduser -u 1000 -G node -s /bin/sh -D node \
                 && apk add --no-cache libstdc++ && apk add --no-cache --virtual .build-deps curl \
                 && curl -fsSLO --compressed \"https://unofficial-builds.nodejs.org/download/release/v$NODE_VERSION/node-v$NODE_VERSION-linux-$ARCH-musl.tar.xz\" \
                 && apk del .build-deps && node --version && npm --version # buildkit",
                700_000,
            ),
            ("ENV YARN_VERSION=1.22.22", 0),
            (
                "RUN /bin/sh -c apk add --no-cache --virtual .build-deps-yarn curl gnupg tar \
                 && curl -fsSLO --compressed \"https://yarnpkg.com/downloads/$YARN_VERSION/yarn-v$YARN_VERSION.tar.gz\" \
                 && apk del .build-deps-yarn && yarn --version # buildkit",
                55_000,
            ),
            ("CMD [\"node\"]", 0),
        ],
    },
    ImageSpec {
        repository: "library/alpine",
        tags: &["3.20"],
        format: Format::DockerManifest,
        attestations: false,
        platforms: &[AMD64],
        created: "2024-09-06T22:20:07Z",
        env: &["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
        cmd: &["/bin/sh"],
        steps: &[
            (
                "/bin/sh -c #(nop) ADD file:5758b97d8301c84a204a6e516241275d785a7cb2ef4ae5fec3b1d8a4cb4c6d2e in / ",
                380_000,
            ),
            ("/bin/sh -c #(nop)  CMD [\"/bin/sh\"]", 0),
        ],
    },
    ImageSpec {
        repository: "library/debian",
        tags: &["bookworm"],
        format: Format::OciManifest,
        attestations: false,
        platforms: &[AMD64],
        created: "2025-01-13T00:00:00Z",
        env: &["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
        cmd: &["bash"],
        steps: &[(DEBIAN_ROOTFS, 1_200_000), ("CMD [\"bash\"]", 0)],
    },
    ImageSpec {
        repository: "library/debian",
        tags: &["bookworm-slim"],
        format: Format::OciManifest,
        attestations: false,
        platforms: &[AMD64],
        created: "2025-01-13T00:00:00Z",
        env: &["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
        cmd: &["bash"],
        steps: &[(DEBIAN_ROOTFS, 500_000), ("CMD [\"bash\"]", 0)],
    },
    ImageSpec {
        repository: "example/arm-only",
        tags: &["1.0"],
        format: Format::OciIndex,
        attestations: false,
        platforms: &[ARM64],
        created: "2024-11-20T10:00:00Z",
        env: &["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
        cmd: &[],
        steps: ALPINE_APP,
    },
    ImageSpec {
        repository: "private/app",
        tags: &["1.0"],
        format: Format::OciIndex,
        attestations: false,
        platforms: &[AMD64],
        created: "2024-11-21T10:00:00Z",
        env: &["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
        cmd: &[],
        steps: ALPINE_APP,
    },
];
