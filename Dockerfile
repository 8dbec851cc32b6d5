# Brain Trust container image: build with Maven, run on a JRE as a non-root user.
# No credential is ever a build argument or part of a layer: the git token, webhook secret, API key
# and model keys are given at run time (environment variables, or *_FILE variables pointing at
# mounted secret files). In cloud mode the server clones and syncs PAI_HOME itself with JGit.

FROM eclipse-temurin:17-jdk AS build
WORKDIR /src
COPY .mvn/ .mvn/
COPY mvnw pom.xml ./
RUN ./mvnw -B -q dependency:go-offline
COPY src/ src/
RUN ./mvnw -B -q -DskipTests package

FROM eclipse-temurin:17-jre
RUN apt-get update \
 && apt-get install -y --no-install-recommends curl python3 \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 braintrust \
 && useradd --system --uid 10001 --gid 10001 --home-dir /data --no-create-home braintrust \
 && mkdir -p /data/pai \
 && chown -R 10001:10001 /data
COPY --from=build /src/target/brain-trust.jar /opt/brain-trust/brain-trust.jar

ENV PAI_HOME=/data/pai \
    HOME=/data \
    BRAIN_TRUST_HOST=0.0.0.0 \
    BRAIN_TRUST_PORT=8000
VOLUME ["/data"]
USER 10001:10001
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD curl -fsS http://127.0.0.1:8000/health || exit 1
ENTRYPOINT ["java", "-XX:+UseSerialGC", "-XX:MaxRAMPercentage=75", "-XX:+ExitOnOutOfMemoryError", "-jar", "/opt/brain-trust/brain-trust.jar"]
CMD ["serve"]
