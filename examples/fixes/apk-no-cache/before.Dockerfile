FROM alpine:3.20
RUN apk update \
    && apk add curl jq
USER nobody
CMD ["jq", "--version"]
