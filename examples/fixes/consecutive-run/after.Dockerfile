FROM alpine:3.20
RUN mkdir -p /srv/app && addgroup -S app && adduser -S app -G app
RUN chown app:app /srv/app
USER app
CMD ["sh"]
