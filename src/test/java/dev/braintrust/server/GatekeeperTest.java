package dev.braintrust.server;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import dev.braintrust.BrainTrustException;
import dev.braintrust.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;

import static dev.braintrust.server.ApiServerTest.assertError;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class GatekeeperTest {
    static final String KEY = "correct-horse-battery-staple-1234";
    static final String WEBHOOK = "/api/v1/webhook/sync-context";

    @TempDir
    Path home;

    @Test
    void without_a_key_local_clients_need_no_header() throws Exception {
        try (TestServer t = TestServer.start(home)) {
            assertThat(t.get("/api/v1/context").statusCode()).isEqualTo(200);
            assertThat(t.get("/api/v1/status").statusCode()).isEqualTo(200);
            assertThat(t.get("/metrics").statusCode()).isEqualTo(200);
        }
    }

    @Test
    void without_a_key_the_server_refuses_to_listen_beyond_loopback() {
        assertThatThrownBy(() -> TestServer.start(home, Map.of("BRAIN_TRUST_HOST", "0.0.0.0")))
                .isInstanceOf(BrainTrustException.BadConfig.class)
                .hasMessageContaining("0.0.0.0")
                .hasMessageContaining("BRAIN_TRUST_API_KEY");
    }

    @Test
    void with_a_key_it_may_listen_on_every_interface() throws Exception {
        try (TestServer t = TestServer.start(home, Map.of("BRAIN_TRUST_HOST", "0.0.0.0", "BRAIN_TRUST_API_KEY", KEY))) {
            assertThat(t.get("/api/v1/context", "X-API-Key", KEY).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void without_a_key_a_host_header_naming_another_host_is_refused() throws Exception {
        try (TestServer t = TestServer.start(home)) {
            TestServer.RawResponse rebound = t.raw("GET", "/api/v1/context", "Host", "attacker.example:" + t.server.port());
            assertThat(rebound.status()).isEqualTo(403);
            assertThat(Json.mapper().readTree(rebound.body()).path("detail").asText()).contains("BRAIN_TRUST_API_KEY");
            assertThat(t.raw("GET", "/api/v1/context", "Host", "localhost:" + t.server.port()).status()).isEqualTo(200);
            assertThat(t.raw("GET", "/api/v1/context", "Host", "[::1]:" + t.server.port()).status()).isEqualTo(200);
            assertThat(t.raw("GET", "/health", "Host", "attacker.example").status()).isEqualTo(200);
        }
    }

    @Test
    void a_request_from_a_foreign_web_page_is_refused_but_the_same_origin_passes() throws Exception {
        try (TestServer t = TestServer.start(home)) {
            HttpResponse<String> foreign = t.post("/api/v1/skills/current_time/run", "", "Origin", "https://evil.example");
            assertError(foreign, 403, "forbidden");
            assertThat(foreign.body()).contains("BRAIN_TRUST_CORS_ORIGINS");
            assertThat(t.brainTrust.skillRunner().runCount("ok")).isZero();
            String self = "http://127.0.0.1:" + t.server.port();
            assertThat(t.post("/api/v1/skills/current_time/run", "", "Origin", self).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void with_a_key_a_missing_header_is_401() throws Exception {
        try (TestServer t = TestServer.start(home, Map.of("BRAIN_TRUST_API_KEY", KEY))) {
            HttpResponse<String> r = t.get("/api/v1/context");
            assertError(r, 401, "unauthorized");
            assertThat(r.body()).contains("X-API-Key");
            assertError(t.post("/api/v1/context/invalidate", ""), 401, "unauthorized");
            assertError(t.get("/metrics"), 401, "unauthorized");
        }
    }

    @Test
    void with_a_key_a_wrong_key_is_403_and_the_right_key_passes() throws Exception {
        try (TestServer t = TestServer.start(home, Map.of("BRAIN_TRUST_API_KEY", KEY))) {
            assertError(t.get("/api/v1/context", "X-API-Key", "wrong"), 403, "forbidden");
            assertError(t.get("/api/v1/context", "X-API-Key", KEY + "x"), 403, "forbidden");
            assertError(t.get("/api/v1/context", "X-API-Key", KEY.substring(1)), 403, "forbidden");
            assertThat(t.get("/api/v1/context", "X-API-Key", KEY).statusCode()).isEqualTo(200);
            assertThat(t.get("/api/v1/skills", "X-API-Key", KEY).statusCode()).isEqualTo(200);
            assertThat(t.get("/metrics", "X-API-Key", KEY).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void health_ready_and_the_webhook_are_open_without_a_key() throws Exception {
        try (TestServer t = TestServer.start(home, Map.of("BRAIN_TRUST_API_KEY", KEY))) {
            assertThat(t.get("/health").statusCode()).isEqualTo(200);
            assertThat(t.get("/ready").statusCode()).isEqualTo(200);
            // The real webhook answers (503: no WEBHOOK_SECRET here), not the gatekeeper's 401 or 403.
            HttpResponse<String> hook = t.post(WEBHOOK, "{}");
            assertThat(hook.statusCode()).isEqualTo(503);
            assertThat(hook.body()).contains("webhook disabled");
            assertThat(t.post(WEBHOOK, "{}", "X-API-Key", "wrong").statusCode()).isEqualTo(503);
        }
    }

    @Test
    void unknown_routes_are_404_whether_or_not_a_key_is_sent() throws Exception {
        try (TestServer t = TestServer.start(home, Map.of("BRAIN_TRUST_API_KEY", KEY))) {
            assertError(t.get("/api/v1/nothing"), 404, "not_found");
            assertError(t.get("/api/v1/nothing", "X-API-Key", KEY), 404, "not_found");
        }
    }

    @Test
    void behind_a_trusted_proxy_a_guesser_is_blocked_by_its_forwarded_address_and_the_owner_is_not() throws Exception {
        try (TestServer t = TestServer.start(home, Map.of("BRAIN_TRUST_API_KEY", KEY, "BRAIN_TRUST_TRUSTED_PROXIES", "127.0.0.0/8, ::1"))) {
            for (int i = 0; i < WrongKeyLimiter.MAX_FAILURES; i++) {
                assertError(t.get("/api/v1/context", "X-API-Key", "guess-" + i, "X-Forwarded-For", "203.0.113.7"), 403, "forbidden");
            }
            assertError(t.get("/api/v1/context", "X-API-Key", KEY, "X-Forwarded-For", "203.0.113.7"), 429, "too_many_requests");
            assertThat(t.get("/api/v1/context", "X-API-Key", KEY, "X-Forwarded-For", "198.51.100.2").statusCode())
                    .as("the owner behind the same proxy").isEqualTo(200);
            assertError(t.get("/api/v1/context", "X-API-Key", KEY, "X-Forwarded-For", "1.2.3.4, 203.0.113.7"), 429,
                    "too_many_requests"); // what the client wrote on the left changes nothing
        }
    }

    @Test
    void without_trusted_proxies_a_forwarded_address_is_not_believed() throws Exception {
        try (TestServer t = TestServer.start(home, Map.of("BRAIN_TRUST_API_KEY", KEY))) {
            for (int i = 0; i < WrongKeyLimiter.MAX_FAILURES; i++) {
                t.get("/api/v1/context", "X-API-Key", "guess-" + i, "X-Forwarded-For", "203.0.113." + i);
            }
            assertError(t.get("/api/v1/context", "X-API-Key", KEY, "X-Forwarded-For", "198.51.100.2"), 429, "too_many_requests");
        }
    }

    @Test
    void a_trusted_proxy_that_is_not_an_address_is_a_configuration_error() {
        assertThatThrownBy(() -> TestServer.start(home, Map.of("BRAIN_TRUST_API_KEY", KEY, "BRAIN_TRUST_TRUSTED_PROXIES", "10.0.0.0/33")))
                .isInstanceOf(BrainTrustException.BadConfig.class).hasMessageContaining("BRAIN_TRUST_TRUSTED_PROXIES")
                .hasMessageContaining("10.0.0.0/33");
        assertThatThrownBy(() -> TestServer.start(home, Map.of("BRAIN_TRUST_API_KEY", KEY, "BRAIN_TRUST_TRUSTED_PROXIES", "proxy.example")))
                .isInstanceOf(BrainTrustException.BadConfig.class).hasMessageContaining("proxy.example");
    }

    @Test
    void repeated_wrong_keys_are_answered_429_even_with_the_right_key_and_logged_without_the_key() throws Exception {
        Logger gatekeeperLog = (Logger) LoggerFactory.getLogger(Gatekeeper.class);
        ListAppender<ILoggingEvent> logs = new ListAppender<>();
        logs.start();
        gatekeeperLog.addAppender(logs);
        try (TestServer t = TestServer.start(home, Map.of("BRAIN_TRUST_API_KEY", KEY))) {
            for (int i = 0; i < WrongKeyLimiter.MAX_FAILURES; i++) {
                assertError(t.get("/api/v1/context", "X-API-Key", "guess-" + i), 403, "forbidden");
            }
            HttpResponse<String> blocked = t.get("/api/v1/context", "X-API-Key", "guess-after");
            assertError(blocked, 429, "too_many_requests");
            assertThat(blocked.headers().firstValue("Retry-After")).hasValueSatisfying(
                    v -> assertThat(Integer.parseInt(v)).isBetween(1, 60));
            assertError(t.get("/api/v1/context", "X-API-Key", KEY), 429, "too_many_requests");
            assertThat(t.get("/health").statusCode()).isEqualTo(200);

            assertThat(logs.list).isNotEmpty();
            assertThat(logs.list).anySatisfy(e -> assertThat(e.getFormattedMessage()).contains("127.0.0.1").contains("refusing"));
            assertThat(logs.list).allSatisfy(e -> assertThat(e.getFormattedMessage()).doesNotContain("guess-").doesNotContain(KEY));
        } finally {
            gatekeeperLog.detachAppender(logs);
        }
    }

    @Test
    void cors_preflight_from_an_allowed_origin_is_answered_with_the_allow_headers() throws Exception {
        try (TestServer t = TestServer.start(home, Map.of("BRAIN_TRUST_API_KEY", KEY,
                "BRAIN_TRUST_CORS_ORIGINS", "https://app.example, http://localhost:5173"))) {
            TestServer.RawResponse r = t.raw("OPTIONS", "/api/v1/context", "Origin", "http://localhost:5173",
                    "Access-Control-Request-Method", "GET", "Access-Control-Request-Headers", "X-API-Key");
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.head()).containsIgnoringCase("Access-Control-Allow-Origin: http://localhost:5173")
                    .containsIgnoringCase("Access-Control-Allow-Headers: X-API-Key")
                    .containsIgnoringCase("Access-Control-Allow-Methods: GET");
            HttpResponse<String> get = t.get("/api/v1/context", "Origin", "https://app.example", "X-API-Key", KEY);
            assertThat(get.statusCode()).isEqualTo(200);
            assertThat(get.headers().firstValue("Access-Control-Allow-Origin")).hasValue("https://app.example");
            HttpResponse<String> unauthorised = t.get("/api/v1/context", "Origin", "https://app.example");
            assertThat(unauthorised.statusCode()).isEqualTo(401);
            assertThat(unauthorised.headers().firstValue("Access-Control-Allow-Origin")).hasValue("https://app.example");
        }
    }

    @Test
    void cors_preflight_from_another_origin_gets_no_allow_origin_and_its_requests_are_refused() throws Exception {
        try (TestServer t = TestServer.start(home, Map.of("BRAIN_TRUST_API_KEY", KEY, "BRAIN_TRUST_CORS_ORIGINS", "https://app.example"))) {
            TestServer.RawResponse r = t.raw("OPTIONS", "/api/v1/context", "Origin", "https://evil.example",
                    "Access-Control-Request-Method", "GET", "Access-Control-Request-Headers", "X-API-Key");
            assertThat(r.head()).doesNotContainIgnoringCase("Access-Control-Allow-Origin");
            HttpResponse<String> get = t.get("/api/v1/context", "Origin", "https://evil.example", "X-API-Key", KEY);
            assertError(get, 403, "forbidden");
            assertThat(get.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
            assertThat(get.body()).doesNotContain("revision");
        }
    }

    @Test
    void without_cors_origins_no_origin_is_allowed() throws Exception {
        try (TestServer t = TestServer.start(home)) {
            TestServer.RawResponse r = t.raw("OPTIONS", "/api/v1/context", "Origin", "https://app.example",
                    "Access-Control-Request-Method", "GET");
            assertThat(r.head()).doesNotContainIgnoringCase("Access-Control-Allow-Origin");
        }
    }

    @Test
    void invalid_cors_origins_are_refused_at_start_naming_the_variable() {
        assertThatThrownBy(() -> TestServer.start(home, Map.of("BRAIN_TRUST_CORS_ORIGINS", "https://*.*.example")))
                .isInstanceOf(BrainTrustException.BadConfig.class)
                .hasMessageContaining("BRAIN_TRUST_CORS_ORIGINS");
    }

    @Test
    void a_missing_header_json_names_the_header() throws Exception {
        try (TestServer t = TestServer.start(home, Map.of("BRAIN_TRUST_API_KEY", KEY))) {
            JsonNode body = Json.mapper().readTree(t.get("/api/v1/skills").body());
            assertThat(body.path("detail").asText()).contains("X-API-Key").doesNotContain(KEY);
        }
    }
}
