package dev.braintrust.server;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** A route is open without the key when it is marked {@link Access#OPEN} where it is registered, and only then. */
class OpenRoutesTest {
    static final String KEY = "correct-horse-battery-staple-1234";

    @TempDir
    Path home;

    @Test
    void a_route_marked_open_needs_no_key_and_the_same_route_unmarked_does() throws Exception {
        Routes extra = routes -> {
            routes.get("/extra/open", ctx -> ctx.result("open"), Access.OPEN);
            routes.get("/extra/closed", ctx -> ctx.result("closed"));
        };
        try (TestServer t = TestServer.start(home, Map.of("BRAIN_TRUST_API_KEY", KEY), extra)) {
            assertThat(t.get("/extra/open").statusCode()).isEqualTo(200);
            assertThat(t.get("/extra/open").body()).isEqualTo("open");
            assertThat(t.get("/extra/closed").statusCode()).isEqualTo(401);
            assertThat(t.get("/extra/closed", "X-API-Key", KEY).body()).isEqualTo("closed");
        }
    }

    @Test
    void the_servers_open_routes_are_health_readiness_the_webhooks_and_the_dashboards_files() throws Exception {
        try (TestServer t = TestServer.start(home, Map.of("BRAIN_TRUST_API_KEY", KEY))) {
            for (String open : List.of("/health", "/ready", "/", "/index.html", "/app.css", "/favicon.svg", "/js/app.js",
                    "/js/pages/history.js")) {
                assertThat(t.get(open).statusCode()).as(open).isEqualTo(200);
            }
            // the webhook and a trigger check their own signature or secret: not the key's 401
            assertThat(t.post(GatekeeperTest.WEBHOOK, "{}").body()).doesNotContain("X-API-Key");
            assertThat(t.post("/api/v1/triggers/inbox", "{}").body()).doesNotContain("X-API-Key");
            assertThat(t.get("/api/v1/status").body()).as("the gatekeeper's refusal names the header").contains("X-API-Key");
            for (String closed : List.of("/api/v1/status", "/api/v1/context", "/api/v1/history", "/api/v1/runs", "/metrics",
                    "/api/v1/prompt?role=a&instructions=b&goal=c")) {
                assertThat(t.get(closed).statusCode()).as(closed).isEqualTo(401);
            }
        }
    }
}
