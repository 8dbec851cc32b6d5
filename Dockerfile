# Brain Trust container image: build with Maven, run on a JRE as a non-root user.
# No credential is ever a build argument or part of a layer: the git token, webhook secret, API key
# and model keys are given at run time (environment variables, or *_FILE variables pointing at
# mounted secret files). In cloud mode the server clones and syncs PAI_HOME itself with JGit.
#
#   docker build -t brain-trust:0.1.0 .
#   podman build --format docker -t brain-trust:0.1.0 .     (podman's default OCI format drops HEALTHCHECK)
#
# Build arguments, all optional:
#   JDK_IMAGE, JRE_IMAGE  the base images of the two stages (a mirror, or images made offline)
#   EXTRA_CA_CERTS        PEM certificates the build stage trusts besides the usual ones, for a
#                         TLS-intercepting proxy in front of Maven Central:
#                         --build-arg EXTRA_CA_CERTS="$(cat /usr/local/share/ca-certificates/*.crt)"
#                         Only the build stage sees them; the image that runs never holds them.
# deploy/test-image.sh builds this file and runs the image the ways the README describes.

ARG JDK_IMAGE=eclipse-temurin:17-jdk
ARG JRE_IMAGE=eclipse-temurin:17-jre

FROM ${JDK_IMAGE} AS build
ARG EXTRA_CA_CERTS=""
COPY deploy/trust-extra-cas.sh /usr/local/bin/trust-extra-cas
RUN trust-extra-cas
WORKDIR /src
COPY .mvn/ .mvn/
COPY mvnw pom.xml ./
RUN ./mvnw -B -q dependency:go-offline
COPY src/main/ src/main/
# The SQLite driver unpacks its native library into /tmp and loads it from there by default, which
# fails where /tmp is mounted noexec (Docker's tmpfs) or read-only: the run database never opened.
# The library for this platform is taken out of the jar here and loaded from the image instead.
RUN ./mvnw -B -q -Dmaven.test.skip=true package \
 && lib="org/sqlite/native/$(java -cp target/brain-trust.jar org.sqlite.util.OSInfo)/libsqlitejdbc.so" \
 && mkdir -p target/native \
 && cd target/native \
 && jar xf ../brain-trust.jar "$lib" \
 && mv "$lib" . \
 && rm -r org

FROM ${JRE_IMAGE}
RUN apt-get update \
 && apt-get install -y --no-install-recommends curl python3 \
 && apt-get clean \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/* /var/log/apt /var/log/dpkg.log \
 && groupadd --system --gid 10001 braintrust \
 && useradd --system --uid 10001 --gid 10001 --home-dir /data --no-create-home braintrust \
 && mkdir -p /data/pai \
 && chown -R 10001:10001 /data
COPY --from=build /src/target/native/libsqlitejdbc.so /opt/brain-trust/native/libsqlitejdbc.so
COPY --from=build /src/target/brain-trust.jar /opt/brain-trust/brain-trust.jar
COPY deploy/hand-over-secrets.sh /opt/brain-trust/hand-over-secrets.sh

ENV PAI_HOME=/data/pai \
    HOME=/data \
    BRAIN_TRUST_HOST=0.0.0.0 \
    BRAIN_TRUST_PORT=8000
VOLUME ["/data"]
USER 10001:10001
EXPOSE 8000
# Healthy means ready to serve: a context snapshot is loaded and the run database is open (/ready).
# /health only says the process answers; Kubernetes uses it for liveness (deploy/kubernetes).
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD curl -fsS -o /dev/null "http://127.0.0.1:${BRAIN_TRUST_PORT:-8000}/ready" || exit 1
# Secrets given as plain variables (-e OPENAI_API_KEY=...) reach the server over a pipe, not in its environment,
# which a skill could read (/proc/1/environ) where the engine does not let it have a PID namespace of its own.
ENTRYPOINT ["/opt/brain-trust/hand-over-secrets.sh", "java", "-XX:+DisableAttachMechanism", "-XX:+UseSerialGC", "-XX:MaxRAMPercentage=75", "-XX:+ExitOnOutOfMemoryError", "-Dorg.sqlite.lib.path=/opt/brain-trust/native", "-Dorg.sqlite.lib.name=libsqlitejdbc.so", "-jar", "/opt/brain-trust/brain-trust.jar"]
CMD ["serve"]
