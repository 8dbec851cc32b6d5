package dev.braintrust.server;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

class ExploreTest {
    @TempDir
    Path home;

    @Test
    void explore() throws Exception {
        try (TestServer t = TestServer.start(home, Map.of("BRAIN_TRUST_CORS_ORIGINS", "https://good.example"))) {
            for (String p : new String[]{"/health", "/ready", "/api/v1/context", "/api/v1/context/MISSION", "/nope", "/api/v1/context/..%2F..%2Fetc%2Fpasswd",
                    "/api/v1/context/%2e%2e", "/api/v1/context/../../etc/passwd", "/api/v1/context/%00", "/api/v1/context/MISSION.md%00",
                    "/api/v1/logs/..%2F..%2Fetc%2Fpasswd", "/api/v1/logs/%2Fetc%2Fpasswd", "/api/v1/context//etc/passwd", "/api/v1/context/%5C..%5Cx",
                    "/api/v1/logs/2026-13-01", "/health/", "//health", "/api/v1/status"}) {
                var r = t.raw("GET", p);
                System.out.println("GET " + p + " -> " + r.status() + " " + r.body().replace("\n", " ").substring(0, Math.min(200, r.body().length())));
            }
            var r = t.raw("POST", "/api/v1/context");
            System.out.println("POST ctx -> " + r.status() + " " + r.head().replace("\r\n", " | ") + " " + r.body());
            r = t.raw("OPTIONS", "/api/v1/context", "Origin", "https://good.example", "Access-Control-Request-Method", "GET", "Access-Control-Request-Headers", "X-API-Key");
            System.out.println("OPTIONS good -> " + r.status() + " " + r.head().replace("\r\n", " | ") + " " + r.body());
            r = t.raw("OPTIONS", "/api/v1/context", "Origin", "https://evil.example", "Access-Control-Request-Method", "GET");
            System.out.println("OPTIONS evil -> " + r.status() + " " + r.head().replace("\r\n", " | ") + " " + r.body());
            r = t.raw("GET", "/api/v1/context", "Origin", "https://evil.example");
            System.out.println("GET evil -> " + r.status() + " " + r.head().replace("\r\n", " | ") + " " + r.body());
            var h = t.post("/api/v1/skills/word_count/run", "{bad");
            System.out.println("bad json -> " + h.statusCode() + " " + h.body());
            h = t.post("/api/v1/skills/word_count/run", "{\"args\":{\"text\":\"" + "a".repeat(2 * 1024 * 1024) + "\"}}");
            System.out.println("big -> " + h.statusCode() + " " + h.body());
            h = t.post("/api/v1/skills/current_time/run", "");
            System.out.println("run -> " + h.statusCode() + " " + h.body());
            System.out.println(t.get("/metrics").body().lines().filter(l -> l.contains("http_server") || l.contains("braintrust")).toList());
        }
    }
}
