package dev.braintrust.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** A repository's signed push webhook pointed at a server that is in local mode. */
class LocalModeWebhookTest {
    private static final String PUSH = "{\"ref\":\"refs/heads/main\",\"after\":\"0123456789abcdef0123456789abcdef01234567\"}";

    @Test
    void a_signed_delivery_to_a_local_mode_server_says_the_server_is_in_local_mode(@TempDir Path home) throws Exception {
        try (TestServer t = TestServer.start(home, Map.of())) {
            HttpResponse<String> r = t.post(GatekeeperTest.WEBHOOK, PUSH, "X-GitHub-Event", "push", "X-GitHub-Delivery", "d-1",
                    "X-Hub-Signature-256", "sha256=" + hmac("the-secret-on-github", PUSH));
            assertThat(r.statusCode()).isEqualTo(503);
            JsonNode body = new ObjectMapper().readTree(r.body());
            assertThat(body.path("detail").asText()).startsWith("this server is in local mode (no BRAIN_TRUST_GIT_URL)")
                    .contains("nothing was done").contains("BRAIN_TRUST_GIT_URL and WEBHOOK_SECRET")
                    .doesNotContain("restart the server; until then");
        }
    }

    static String hmac(String secret, String body) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return HexFormat.of().formatHex(mac.doFinal(body.getBytes(StandardCharsets.UTF_8)));
    }
}
