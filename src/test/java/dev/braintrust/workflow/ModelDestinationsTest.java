package dev.braintrust.workflow;

import dev.braintrust.Config;
import dev.braintrust.context.Privacy;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Which servers count as the user's own, so they may receive local files. */
public class ModelDestinationsTest {
    private static Destination of(String model, Map<String, String> env, String... localHosts) {
        Map<String, String> vars = new HashMap<>(env);
        vars.put("HOME", "/tmp");
        Config config = Config.fromEnv(vars);
        return new ModelDestinations(config.models(), List.of(localHosts)).of(ModelRouter.route(model).orElseThrow());
    }

    @Test
    void ollama_on_loopback_is_local_and_the_cloud_providers_are_not() {
        assertThat(of("ollama:llama3.2", Map.of())).isEqualTo(new Destination("localhost:11434", Privacy.LOCAL));
        assertThat(of("ollama:llama3.2", Map.of("OLLAMA_BASE_URL", "http://127.0.0.1:9999/")).local()).isTrue();
        assertThat(of("ollama:llama3.2", Map.of("OLLAMA_BASE_URL", "http://[::1]:11434")).local()).isTrue();
        assertThat(of("gpt-4o-mini", Map.of())).isEqualTo(new Destination("api.openai.com", Privacy.PUBLIC));
        assertThat(of("claude-sonnet-4-5", Map.of())).isEqualTo(new Destination("api.anthropic.com", Privacy.PUBLIC));
        assertThat(of("gemini-2.0-flash", Map.of())).isEqualTo(new Destination("generativelanguage.googleapis.com", Privacy.PUBLIC));
    }

    @Test
    void an_ollama_elsewhere_is_local_only_when_its_host_is_listed() {
        Map<String, String> remote = Map.of("OLLAMA_BASE_URL", "http://gpu-box.lan:11434");
        assertThat(of("ollama:llama3.2", remote).local()).isFalse();
        assertThat(of("ollama:llama3.2", remote, "gpu-box.lan").local()).isTrue();
        assertThat(of("ollama:llama3.2", remote, "gpu-box.lan:11434").local()).isTrue();
        assertThat(of("ollama:llama3.2", remote, "gpu-box.lan:8080").local()).isFalse();
    }

    @Test
    void an_openai_compatible_server_is_local_only_when_listed_even_on_loopback() {
        Map<String, String> proxy = Map.of("OPENAI_BASE_URL", "http://localhost:4000/v1");
        assertThat(of("gpt-4o-mini", proxy)).isEqualTo(new Destination("localhost:4000", Privacy.PUBLIC));
        assertThat(of("gpt-4o-mini", proxy, "localhost:4000").local()).isTrue();
        assertThat(of("gpt-4o-mini", Map.of(), "api.openai.com").local()).isFalse(); // only a base URL the user set
        assertThat(of("claude-sonnet-4-5", Map.of("ANTHROPIC_BASE_URL", "http://localhost:5000"), "localhost").local()).isFalse();
    }

    /** The {@code host:port} a URL's calls go to, as the ledger and status name it. */
    public static String hostOf(String url) {
        return ModelDestinations.hostOf(url);
    }
}
