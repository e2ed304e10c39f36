# Dockerfile — the jobd container image. The build stage compiles jobd with
# the -dev packages; the runtime stage holds only the shared libraries (libpq
# and libcurl (libcrypto for webhook signatures) are loaded only when used: a postgres:// URL, the command line
# `docker exec <container> jobd ls`), the binary and the dashboard, runs as the unprivileged user "jobd", keeps its
# database in the /data volume and listens on 0.0.0.0:8080 (JOBD_LISTEN).
# Beyond loopback without JOBD_TOKEN, jobd makes a token at the first start,
# keeps it in /data/token (0600, in the volume) and logs it once: the API
# needs it (`docker exec <container> cat /data/token`); /healthz does not.
# No "# syntax=" line: it would make BuildKit pull a frontend image.
#   docker build -t jobd .    (add --network=host where only the host has a route)

FROM debian:bookworm-slim AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
        gcc libc6-dev make pkg-config \
        libmicrohttpd-dev libcjson-dev libsqlite3-dev libpq-dev libcurl4-openssl-dev libssl-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN make all && make install PREFIX=/usr/local DESTDIR=/out

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends libmicrohttpd12 libcjson1 libsqlite3-0 libpq5 \
        libcurl4 libssl3 \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/log/apt /var/log/dpkg.log \
 && useradd --system --user-group --home-dir /data --shell /usr/sbin/nologin jobd \
 && mkdir /data && chown jobd:jobd /data
# The health check speaks HTTP through bash's /dev/tcp so the image needs no
# curl; it reads the address from JOBD_LISTEN (0.0.0.0 and :: mean loopback).
RUN printf '%s\n' \
        '#!/bin/bash' \
        '# jobd-healthcheck: exit 0 when GET /healthz at $JOBD_LISTEN answers 200.' \
        'addr=${JOBD_LISTEN:-0.0.0.0:8080} host=${addr%:*} port=${addr##*:}' \
        'host=${host#[} host=${host%]}' \
        'case $host in ""|0.0.0.0) host=127.0.0.1 ;; ::) host=::1 ;; esac' \
        'exec 3<>"/dev/tcp/$host/$port" || exit 1' \
        'printf "GET /healthz HTTP/1.0\r\nHost: localhost\r\n\r\n" >&3' \
        'read -r -t 5 _ code _ <&3 && [ "$code" = 200 ]' \
        > /usr/local/bin/jobd-healthcheck \
 && chmod 755 /usr/local/bin/jobd-healthcheck
COPY --from=build /out/usr/local/bin/jobd /usr/local/bin/jobd
COPY --from=build /out/usr/local/share/jobd /usr/local/share/jobd

ENV JOBD_LISTEN=0.0.0.0:8080 \
    JOBD_DB=/data/jobd.db
USER jobd
WORKDIR /data
VOLUME /data
EXPOSE 8080
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=5s --timeout=5s --start-period=10s --retries=3 \
    CMD ["jobd-healthcheck"]
ENTRYPOINT ["jobd"]
