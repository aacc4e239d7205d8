FROM alpine:3.20
RUN apk update \
    && apk add curl jq \
    && rm -rf /var/cache/apk/*
USER nobody
CMD ["jq", "--version"]
