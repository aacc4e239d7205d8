FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends curl
COPY entrypoint.sh /usr/local/bin/
RUN rm -rf /var/lib/apt/lists/*
USER nobody
ENTRYPOINT ["/usr/local/bin/entrypoint.sh"]
