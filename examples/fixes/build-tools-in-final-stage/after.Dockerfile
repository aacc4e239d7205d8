FROM debian:bookworm-slim AS build
RUN apt-get update \
    && apt-get install -y --no-install-recommends gcc libc6-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY probe.c .
RUN gcc -O2 -Wall -o /usr/local/bin/probe probe.c

FROM debian:bookworm-slim
WORKDIR /src
COPY --from=build /usr/local/bin/probe /usr/local/bin/probe
USER nobody
ENTRYPOINT ["/usr/local/bin/probe"]
