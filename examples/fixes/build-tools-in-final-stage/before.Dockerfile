FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends gcc libc6-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY probe.c .
RUN gcc -O2 -Wall -o /usr/local/bin/probe probe.c
USER nobody
ENTRYPOINT ["/usr/local/bin/probe"]
