package dev.braintrust.deploy;

import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.DeserializationConfig;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.deser.BeanDeserializerBuilder;
import com.fasterxml.jackson.databind.deser.BeanDeserializerModifier;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.braintrust.Config;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The deployment files read as text and as the Kubernetes API's own model: non-root, no secret in a
 * build argument or layer, probes on the right paths, the init container, volumes, versioned images.
 * The image itself is built and run by {@code deploy/test-image.sh} (called from {@code .ci/run}).
 */
class DeploymentFilesTest {
    private static final Path ROOT = Path.of("").toAbsolutePath();
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final Pattern SECRETISH = Pattern.compile("(?i).*(TOKEN|SECRET|API_KEY|PASSWORD).*");

    private static String read(String file) throws IOException {
        return Files.readString(ROOT.resolve(file));
    }

    private static JsonNode yaml(String file) throws IOException {
        return YAML.readTree(ROOT.resolve(file).toFile());
    }

    /** Dockerfile instructions with continuation lines joined. */
    private static List<String> instructions() throws IOException {
        List<String> result = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String line : read("Dockerfile").lines().toList()) {
            String stripped = line.strip();
            if (stripped.startsWith("#") || stripped.isEmpty()) {
                continue;
            }
            if (stripped.endsWith("\\")) {
                current.append(stripped, 0, stripped.length() - 1).append(' ');
            } else {
                result.add(current.append(stripped).toString());
                current.setLength(0);
            }
        }
        return result;
    }

    private static List<String> finalStage(List<String> all) {
        int last = 0;
        for (int i = 0; i < all.size(); i++) {
            if (all.get(i).toUpperCase(Locale.ROOT).startsWith("FROM ")) {
                last = i;
            }
        }
        return all.subList(last, all.size());
    }

    /** The build arguments declared before the first FROM, with their defaults. */
    private static Map<String, String> globalArguments() throws IOException {
        Map<String, String> args = new LinkedHashMap<>();
        for (String i : instructions()) {
            if (i.startsWith("FROM ")) {
                break;
            }
            if (i.startsWith("ARG ")) {
                String[] nameAndDefault = i.substring(4).strip().split("=", 2);
                args.put(nameAndDefault[0], nameAndDefault.length > 1 ? nameAndDefault[1] : "");
            }
        }
        return args;
    }

    /** A FROM line's image with its build arguments replaced by their defaults. */
    private static String baseImage(String from) throws IOException {
        String image = from.substring(5).strip().split("\\s+")[0];
        for (Map.Entry<String, String> arg : globalArguments().entrySet()) {
            image = image.replace("${" + arg.getKey() + "}", arg.getValue());
        }
        return image;
    }

    @Test
    void the_dockerfile_builds_with_maven_then_runs_on_a_jre() throws Exception {
        List<String> froms = instructions().stream().filter(i -> i.startsWith("FROM ")).toList();
        assertThat(froms).hasSize(2);
        assertThat(froms.get(0)).containsIgnoringCase(" AS build");
        assertThat(baseImage(froms.get(0))).isEqualTo("eclipse-temurin:17-jdk");
        assertThat(baseImage(froms.get(1))).isEqualTo("eclipse-temurin:17-jre");
        assertThat(instructions()).anySatisfy(i -> assertThat(i).startsWith("RUN ./mvnw").contains("package"));
        assertThat(finalStage(instructions())).anySatisfy(i -> assertThat(i).startsWith("COPY --from=build").contains("brain-trust.jar"));
    }

    @Test
    void the_base_images_are_build_arguments_so_mirrored_and_offline_builds_need_no_retagging() throws Exception {
        List<String> froms = instructions().stream().filter(i -> i.startsWith("FROM ")).toList();
        assertThat(froms.get(0)).startsWith("FROM ${JDK_IMAGE} ");
        assertThat(froms.get(1)).isEqualTo("FROM ${JRE_IMAGE}");
        assertThat(globalArguments()).containsOnlyKeys("JDK_IMAGE", "JRE_IMAGE");
    }

    @Test
    void extra_ca_certificates_reach_the_build_stage_only() throws Exception {
        List<String> all = instructions();
        List<String> buildStage = all.subList(0, all.indexOf(finalStage(all).get(0)));
        assertThat(buildStage).contains("ARG EXTRA_CA_CERTS=\"\"").anySatisfy(i -> assertThat(i).startsWith("RUN trust-extra-cas"));
        assertThat(buildStage.indexOf("RUN trust-extra-cas")).as("trusted before ./mvnw downloads")
                .isLessThan(buildStage.indexOf("RUN ./mvnw -B -q dependency:go-offline"));
        assertThat(String.join("\n", finalStage(all))).doesNotContain("EXTRA_CA_CERTS").doesNotContain("trust-extra-cas");
        assertThat(ROOT.resolve("deploy/trust-extra-cas.sh")).isExecutable();
    }

    @Test
    void the_runtime_stage_leaves_no_apt_cache_behind() throws Exception {
        List<String> installs = finalStage(instructions()).stream().filter(i -> i.contains("apt-get install")).toList();
        assertThat(installs).isNotEmpty().allSatisfy(i -> assertThat(i)
                .contains("apt-get clean").contains("rm -rf /var/lib/apt/lists/* /var/cache/apt/*"));
    }

    @Test
    void sqlite_loads_its_native_library_from_the_image_not_from_tmp() throws Exception {
        List<String> stage = finalStage(instructions());
        String entrypoint = stage.stream().filter(i -> i.startsWith("ENTRYPOINT ")).findFirst().orElseThrow();
        Matcher path = Pattern.compile("\"-Dorg\\.sqlite\\.lib\\.path=([^\"]+)\"").matcher(entrypoint);
        Matcher name = Pattern.compile("\"-Dorg\\.sqlite\\.lib\\.name=([^\"]+)\"").matcher(entrypoint);
        assertThat(path.find() && name.find()).as(entrypoint).isTrue();
        assertThat(stage).anySatisfy(i -> assertThat(i).startsWith("COPY --from=build ")
                .endsWith(" " + path.group(1) + "/" + name.group(1)));
    }

    @Test
    void the_image_runs_as_a_non_root_user() throws Exception {
        List<String> users = finalStage(instructions()).stream().filter(i -> i.startsWith("USER ")).toList();
        assertThat(users).hasSize(1);
        String user = users.get(0).substring(5).strip().split(":")[0];
        assertThat(user).isNotIn("0", "root");
        assertThat(instructions()).anySatisfy(i -> assertThat(i).contains("useradd").contains("--uid " + user));
    }

    @Test
    void no_credential_is_a_build_argument_or_baked_into_a_layer() throws Exception {
        for (String instruction : instructions()) {
            String upper = instruction.toUpperCase(Locale.ROOT);
            if (upper.startsWith("ARG ")) {
                assertThat(instruction).as("build argument").doesNotMatch(SECRETISH);
            }
            if (upper.startsWith("ENV ")) {
                for (String secret : Config.SECRET_VARIABLES) {
                    assertThat(instruction).as("ENV").doesNotContain(secret);
                }
                assertThat(instruction).doesNotContainIgnoringCase("_API_KEY").doesNotContainIgnoringCase("TOKEN");
            }
            if (upper.startsWith("COPY ") || upper.startsWith("ADD ")) {
                assertThat(instruction).doesNotContain(".env").doesNotContain("/root/.pai");
            }
        }
        assertThat(read(".dockerignore").lines()).contains(".env", ".git/");
    }

    @Test
    void the_container_syncs_itself_with_jgit_and_never_shells_out_to_git() throws Exception {
        String dockerfile = read("Dockerfile");
        assertThat(dockerfile).doesNotContain("git pull").doesNotContain("git clone").doesNotContain("apt-get install -y --no-install-recommends git");
        assertThat(finalStage(instructions())).contains("CMD [\"serve\"]")
                .anySatisfy(i -> assertThat(i).startsWith("ENTRYPOINT").contains("java").contains("-jar"));
    }

    @Test
    void the_image_listens_on_all_interfaces_with_home_on_a_volume_and_a_healthcheck() throws Exception {
        List<String> stage = finalStage(instructions());
        String env = String.join(" ", stage.stream().filter(i -> i.startsWith("ENV ")).toList());
        assertThat(env).contains("BRAIN_TRUST_HOST=0.0.0.0").contains("BRAIN_TRUST_PORT=8000").contains("PAI_HOME=/data/pai");
        assertThat(stage).contains("VOLUME [\"/data\"]", "EXPOSE 8000");
        assertThat(stage).anySatisfy(i -> assertThat(i).startsWith("HEALTHCHECK")
                .as("healthy means ready: context loaded and run database open").contains("http://127.0.0.1:${BRAIN_TRUST_PORT:-8000}/ready"));
    }

    @Test
    void compose_runs_one_server_in_cloud_mode_with_secrets_from_the_env_file() throws Exception {
        JsonNode service = yaml("docker-compose.yml").path("services").path("brain-trust");
        assertThat(service.path("env_file").asText()).isEqualTo(".env");
        assertThat(service.path("volumes").get(0).asText()).endsWith(":/data");
        assertThat(service.path("healthcheck").path("test").toString()).contains("http://127.0.0.1:8000/ready");
        assertThat(service.path("read_only").asBoolean()).isTrue();
        assertThat(service.path("tmpfs").get(0).asText()).as("the server runs with Docker's noexec /tmp").startsWith("/tmp:").contains("noexec");
        assertThat(service.path("ports").get(0).asText()).as("loopback unless told otherwise").startsWith("${BRAIN_TRUST_PUBLISH:-127.0.0.1:");
        assertThat(service.path("image").asText()).isEqualTo("brain-trust:" + version());
        service.path("environment").fieldNames().forEachRemaining(name -> assertThat(name).doesNotMatch(SECRETISH));

        String example = read(".env.example");
        assertThat(example).contains("BRAIN_TRUST_GIT_URL=");
        for (String secret : List.of("BRAIN_TRUST_GIT_TOKEN", "BRAIN_TRUST_API_KEY", "WEBHOOK_SECRET", "OPENAI_API_KEY")) {
            Matcher m = Pattern.compile("(?m)^" + secret + "=(.*)$").matcher(example);
            assertThat(m.find()).as(secret + " in .env.example").isTrue();
            assertThat(m.group(1)).as("example value of " + secret).isEmpty();
        }
    }

    /** The project's version without -SNAPSHOT: the tag the compose file and the manifests use. */
    private static String version() throws IOException {
        Matcher m = Pattern.compile("(?m)^  <version>([^<]+)</version>").matcher(read("pom.xml"));
        assertThat(m.find()).isTrue();
        return m.group(1).replace("-SNAPSHOT", "");
    }

    private static JsonNode podSpec() throws IOException {
        return yaml("deploy/kubernetes/deployment.yaml").path("spec").path("template").path("spec");
    }

    private static List<JsonNode> allContainers() throws IOException {
        List<JsonNode> all = new ArrayList<>();
        podSpec().path("initContainers").forEach(all::add);
        podSpec().path("containers").forEach(all::add);
        return all;
    }

    @Test
    void kubernetes_runs_non_root_on_a_read_only_root_file_system() throws Exception {
        JsonNode pod = podSpec().path("securityContext");
        assertThat(pod.path("runAsNonRoot").asBoolean()).isTrue();
        assertThat(pod.path("runAsUser").asInt()).isPositive();
        for (JsonNode c : allContainers()) {
            JsonNode sc = c.path("securityContext");
            assertThat(sc.path("readOnlyRootFilesystem").asBoolean()).as(c.path("name").asText()).isTrue();
            assertThat(sc.path("allowPrivilegeEscalation").asBoolean(true)).isFalse();
            assertThat(c.path("resources").path("limits").path("memory").asText()).isNotEmpty();
            assertThat(c.path("resources").path("requests").path("cpu").asText()).isNotEmpty();
        }
    }

    @Test
    void kubernetes_probes_readiness_on_ready_and_liveness_on_health() throws Exception {
        JsonNode server = podSpec().path("containers").get(0);
        assertThat(server.path("readinessProbe").path("httpGet").path("path").asText()).isEqualTo("/ready");
        assertThat(server.path("livenessProbe").path("httpGet").path("path").asText()).isEqualTo("/health");
        assertThat(server.path("args").toString()).isEqualTo("[\"serve\"]");
        assertThat(podSpec().path("terminationGracePeriodSeconds").asLong() * 1000)
                .as("the grace period covers the server's drain of requests in flight")
                .isGreaterThan(dev.braintrust.server.ApiServer.STOP_TIMEOUT_MS);
    }

    @Test
    void the_init_container_syncs_once_into_the_volume_the_server_uses() throws Exception {
        JsonNode init = podSpec().path("initContainers").get(0);
        JsonNode server = podSpec().path("containers").get(0);
        assertThat(init.path("args").toString()).isEqualTo("[\"sync\",\"--once\"]");
        assertThat(init.path("image").asText()).isEqualTo(server.path("image").asText());
        assertThat(mount(init, "data")).isEqualTo(mount(server, "data")).isEqualTo("/data");

        String claim = yaml("deploy/kubernetes/pvc.yaml").path("metadata").path("name").asText();
        JsonNode volumes = podSpec().path("volumes");
        assertThat(volumes).anySatisfy(v -> {
            assertThat(v.path("name").asText()).isEqualTo("data");
            assertThat(v.path("persistentVolumeClaim").path("claimName").asText()).isEqualTo(claim);
        });
        assertThat(volumes).anySatisfy(v -> assertThat(v.path("emptyDir").isObject()).isTrue());
    }

    private static String mount(JsonNode container, String volume) {
        for (JsonNode m : container.path("volumeMounts")) {
            if (m.path("name").asText().equals(volume)) {
                return m.path("mountPath").asText();
            }
        }
        return null;
    }

    @Test
    void kubernetes_secrets_reach_the_pods_as_files_never_as_values() throws Exception {
        String secretName = yaml("deploy/kubernetes/secret.example.yaml").path("metadata").path("name").asText();
        assertThat(podSpec().path("volumes")).anySatisfy(v ->
                assertThat(v.path("secret").path("secretName").asText()).isEqualTo(secretName));
        for (JsonNode c : allContainers()) {
            for (JsonNode env : c.path("env")) {
                String name = env.path("name").asText();
                if (name.matches(SECRETISH.pattern())) {
                    assertThat(name).as("secret variable in the pod").endsWith("_FILE");
                    assertThat(env.path("value").asText()).startsWith("/run/secrets/");
                }
            }
        }
        JsonNode config = yaml("deploy/kubernetes/configmap.yaml").path("data");
        config.fieldNames().forEachRemaining(name -> assertThat(name).doesNotMatch(SECRETISH));
        assertThat(config.path("BRAIN_TRUST_HOST").asText()).isEqualTo("0.0.0.0");
    }

    @Test
    void kubernetes_runs_a_versioned_image_that_the_kustomization_lets_users_point_at_their_registry() throws Exception {
        JsonNode images = yaml("deploy/kubernetes/kustomization.yaml").path("images");
        assertThat(images).hasSize(1);
        for (JsonNode c : allContainers()) {
            String image = c.path("image").asText();
            assertThat(image).as(c.path("name").asText()).isEqualTo("brain-trust:" + version()).doesNotEndWith(":latest");
            assertThat(c.path("imagePullPolicy").asText()).isEqualTo("IfNotPresent");
            assertThat(images.get(0).path("name").asText()).isEqualTo(image.substring(0, image.indexOf(':')));
        }
        assertThat(images.get(0).path("newTag").asText()).isEqualTo(version());
    }

    private static final Map<String, Class<?>> KINDS = Map.of(
            "Deployment", io.fabric8.kubernetes.api.model.apps.Deployment.class,
            "Service", io.fabric8.kubernetes.api.model.Service.class,
            "ConfigMap", io.fabric8.kubernetes.api.model.ConfigMap.class,
            "PersistentVolumeClaim", io.fabric8.kubernetes.api.model.PersistentVolumeClaim.class,
            "Secret", io.fabric8.kubernetes.api.model.Secret.class);

    /**
     * Jackson reading into fabric8's Kubernetes model (generated from the API's OpenAPI schema), with
     * the model's catch-all for unknown fields taken away: a misspelled or misplaced field fails.
     */
    private static final ObjectMapper STRICT = new ObjectMapper(new YAMLFactory())
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .registerModule(new SimpleModule().setDeserializerModifier(new BeanDeserializerModifier() {
                @Override
                public BeanDeserializerBuilder updateBuilder(DeserializationConfig config, BeanDescription bean,
                                                             BeanDeserializerBuilder builder) {
                    builder.setAnySetter(null);
                    return builder;
                }
            }));

    private static Object readStrictly(String yamlText) throws IOException {
        String kind = YAML.readTree(yamlText).path("kind").asText();
        assertThat(KINDS).as("a model for kind " + kind).containsKey(kind);
        return STRICT.readValue(yamlText, KINDS.get(kind));
    }

    @Test
    void every_kubernetes_manifest_fits_the_api_schema() throws Exception {
        for (JsonNode resource : yaml("deploy/kubernetes/kustomization.yaml").path("resources")) {
            String file = "deploy/kubernetes/" + resource.asText();
            assertThat(readStrictly(read(file))).as(file).isNotNull();
        }
        assertThat(readStrictly(read("deploy/kubernetes/secret.example.yaml"))).isNotNull();
    }

    @Test
    void the_schema_check_catches_a_misspelled_field() throws Exception {
        String deployment = read("deploy/kubernetes/deployment.yaml");
        assertThat(deployment).contains("imagePullPolicy:");
        assertThatThrownBy(() -> readStrictly(deployment.replace("imagePullPolicy:", "imagePulPolicy:")))
                .hasMessageContaining("imagePulPolicy");
        assertThatThrownBy(() -> readStrictly(deployment.replace("  strategy:", "  strategyy:")))
                .hasMessageContaining("strategyy");
    }

    @Test
    void the_service_and_kustomization_fit_the_deployment() throws Exception {
        JsonNode service = yaml("deploy/kubernetes/service.yaml");
        JsonNode labels = yaml("deploy/kubernetes/deployment.yaml").path("spec").path("template").path("metadata").path("labels");
        service.path("spec").path("selector").fields().forEachRemaining(e ->
                assertThat(labels.path(e.getKey()).asText()).isEqualTo(e.getValue().asText()));
        assertThat(service.path("spec").path("ports").get(0).path("targetPort").asText()).isEqualTo("http");
        for (JsonNode resource : yaml("deploy/kubernetes/kustomization.yaml").path("resources")) {
            assertThat(ROOT.resolve("deploy/kubernetes").resolve(resource.asText())).exists();
        }
    }
}
