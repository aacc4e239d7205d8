FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends curl \
    && rm -rf /var/lib/apt/lists/*
COPY entrypoint.sh /usr/local/bin/
USER nobody
ENTRYPOINT ["/usr/local/bin/entrypoint.sh"]
