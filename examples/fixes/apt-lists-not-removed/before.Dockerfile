FROM debian:bookworm-slim
RUN apt-get update && \
    apt-get install -y --no-install-recommends curl
USER nobody
CMD ["curl", "--version"]
