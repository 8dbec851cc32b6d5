package dev.braintrust.server;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

class MetricsTest {
    @TempDir
    Path home;

    static double value(String metrics, String series) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(metrics);
        assertThat(m.find()).as("series %s in%n%s", series, metrics).isTrue();
        return Double.parseDouble(m.group(1));
    }

    @Test
    void metrics_count_requests_by_route_and_status_context_loads_and_hits_skill_outcomes_and_jvm_memory() throws Exception {
        try (TestServer t = TestServer.start(home)) {
            Path fails = home.resolve("skills/fails.sh");
            Files.writeString(fails, "#!/bin/sh\n# NAME: fails\nexit 1\n");
            Files.setPosixFilePermissions(fails, PosixFilePermissions.fromString("rwxr-xr-x"));
            t.brainTrust.skills().invalidate();
            for (int i = 0; i < 3; i++) {
                assertThat(t.get("/api/v1/context").statusCode()).isEqualTo(200);
            }
            t.get("/api/v1/context/NOPE");
            t.get("/api/v1/no-such-route");
            t.post("/api/v1/skills/current_time/run", "");
            t.post("/api/v1/skills/fails/run", "");

            HttpResponse<String> r = t.get("/metrics");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/plain"));
            String m = r.body();
            assertThat(value(m, "http_server_requests_seconds_count{method=\"GET\",route=\"/api/v1/context\",status=\"200\"}")).isEqualTo(3);
            assertThat(value(m, "http_server_requests_seconds_count{method=\"GET\",route=\"/api/v1/context/{name}\",status=\"404\"}")).isEqualTo(1);
            assertThat(value(m, "http_server_requests_seconds_count{method=\"GET\",route=\"unmatched\",status=\"404\"}")).isEqualTo(1);
            assertThat(value(m, "http_server_requests_seconds_count{method=\"POST\",route=\"/api/v1/skills/{name}/run\",status=\"200\"}")).isEqualTo(2);
            assertThat(value(m, "braintrust_context_loads_total")).isEqualTo(t.brainTrust.context().loadCount()).isGreaterThanOrEqualTo(1);
            assertThat(value(m, "braintrust_context_cache_hits_total")).isGreaterThanOrEqualTo(4);
            assertThat(value(m, "braintrust_skill_runs_total{outcome=\"ok\"}")).isEqualTo(1);
            assertThat(value(m, "braintrust_skill_runs_total{outcome=\"failed\"}")).isEqualTo(1);
            assertThat(value(m, "braintrust_skill_runs_total{outcome=\"timeout\"}")).isZero();
            assertThat(m).containsPattern("(?m)^jvm_memory_used_bytes\\{area=\"heap\",id=\"[^\"]+\"\\} [0-9.E]+$");
            assertThat(m).contains("jvm_gc_").contains("process_uptime_seconds");
        }
    }
}
