# syntax=docker/dockerfile:1
# One image, two roles: the operator (`schemaguard operator`, the default) and the runner of the
# backup Jobs (command `schemaguard`, args `backup ...`), which needs pg_dump. Build with
#   docker build -t ghcr.io/schemaguard/schemaguard:0.1.0 .
# A newer pg_dump dumps older servers, so the release image carries the newest PostgreSQL major's client
# from PGDG. Without a registry or PGDG (CI here), scripts/build-image.sh builds this same file with base
# images made locally and Debian's client:
#   --build-arg BUILD_IMAGE=... --build-arg DEBIAN_IMAGE=... --build-arg PG_CLIENT=debian --build-arg PG_MAJOR=15
ARG BUILD_IMAGE=eclipse-temurin:17-jdk
ARG DEBIAN_IMAGE=debian:bookworm-slim

# --- build: the Quarkus fast-jar --------------------------------------------------------------------
FROM ${BUILD_IMAGE} AS build
ARG DEBIAN_FRONTEND=noninteractive
# The Maven wrapper downloads Maven with curl (or wget) and unpacks it with unzip.
RUN apt-get update \
 && apt-get install -y --no-install-recommends curl unzip \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY mvnw pom.xml ./
COPY .mvn .mvn
# Only the main sources: tests do not go into the image (and scripts/build-image.sh keys its cache on these).
COPY src/main src/main
RUN --mount=type=cache,target=/root/.m2 ./mvnw -B package -Dmaven.test.skip=true

# --- pg-query: libpg_query, PostgreSQL 18's parser as a C library, for the migration lint -----------
# Debian only has PostgreSQL 15's. The same script as on a developer's machine downloads the Rust
# crate pg_query (it bundles libpg_query's C sources), checks its pinned SHA-256 and builds the
# library; HOME points its cache into this stage. gcc only recommends libc's headers (libc6-dev).
FROM ${DEBIAN_IMAGE} AS pg-query
ARG DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
 && apt-get install -y --no-install-recommends gcc libc6-dev make curl ca-certificates \
 && rm -rf /var/lib/apt/lists/*
COPY --chmod=0755 scripts/build-pg-query.sh /usr/local/bin/build-pg-query.sh
RUN set -eu; \
    lib="$(HOME=/build build-pg-query.sh)"; \
    install -D -m 0644 "$lib" /out/libpg_query.so

# --- runtime -----------------------------------------------------------------------------------------
FROM ${DEBIAN_IMAGE}
# pgdg: the PostgreSQL project's apt repository (PGDG), which has every supported major (release builds).
# debian: Debian's own client, which is major 15 on bookworm (PG_MAJOR=15), for builds that cannot reach PGDG.
ARG PG_CLIENT=pgdg
ARG PG_MAJOR=19
ARG DEBIAN_FRONTEND=noninteractive
# The JRE from Debian; pg_dump, pg_restore and psql from PG_CLIENT. curl and gnupg only fetch PGDG's key
# and are removed after. openjdk's postinst links man pages into /usr/share/man/man1, which the slim
# image leaves out. JNA, which the migration lint calls libpg_query through, and zstd-jni unpack their
# native stubs into java.io.tmpdir (/tmp, an emptyDir under a read-only root filesystem); libpg_query
# itself comes from the pg-query stage.
RUN set -eux; \
    apt-get update; \
    case "$PG_CLIENT" in \
      pgdg) \
        apt-get install -y --no-install-recommends ca-certificates curl gnupg; \
        curl -fsSL -o /tmp/pgdg.asc https://www.postgresql.org/media/keys/ACCC4CF8.asc; \
        gpg --dearmor -o /usr/share/keyrings/postgresql.gpg /tmp/pgdg.asc; \
        echo "deb [signed-by=/usr/share/keyrings/postgresql.gpg] https://apt.postgresql.org/pub/repos/apt bookworm-pgdg main" \
          > /etc/apt/sources.list.d/pgdg.list; \
        apt-get update; \
        apt-get purge -y --auto-remove curl gnupg ;; \
      debian) apt-get install -y --no-install-recommends ca-certificates ;; \
      *) echo "PG_CLIENT must be pgdg or debian, not $PG_CLIENT" >&2; exit 1 ;; \
    esac; \
    mkdir -p /usr/share/man/man1; \
    apt-get install -y --no-install-recommends openjdk-17-jre-headless "postgresql-client-${PG_MAJOR}"; \
    rm -rf /var/lib/apt/lists/* /tmp/pgdg.asc /root/.gnupg; \
    "/usr/lib/postgresql/${PG_MAJOR}/bin/pg_dump" --version; \
    java -version

# Matches the runAsUser of the Deployment and of the Jobs (schemaguard.runner.run-as-user).
RUN groupadd --gid 65532 schemaguard \
 && useradd --uid 65532 --gid 65532 --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin schemaguard

COPY --from=build /src/target/quarkus-app /opt/schemaguard/quarkus-app
# Where PgQueryParser looks first when SCHEMAGUARD_PG_QUERY_LIB is not set.
COPY --from=pg-query /out/libpg_query.so /usr/lib/schemaguard/libpg_query.so
COPY --chmod=0755 src/main/scripts/schemaguard /usr/local/bin/schemaguard
# The kubectl plugin, from this same build (it finds /opt/schemaguard/quarkus-app): copy it out with
#   docker run --rm --entrypoint cat IMAGE /usr/local/bin/kubectl-schemaguard
COPY --chmod=0755 src/main/scripts/kubectl-schemaguard /usr/local/bin/kubectl-schemaguard

# SCHEMAGUARD_PG_BIN pins the runner to this major's tools; HOME and /tmp are the writable emptyDir
# of a read-only root filesystem.
ENV SCHEMAGUARD_HOME=/opt/schemaguard \
    SCHEMAGUARD_PG_BIN=/usr/lib/postgresql/${PG_MAJOR}/bin \
    LANG=C.UTF-8 \
    HOME=/tmp

USER 65532:65532
EXPOSE 8080
ENTRYPOINT ["schemaguard"]
CMD ["operator"]
