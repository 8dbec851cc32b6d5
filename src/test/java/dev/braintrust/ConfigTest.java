package dev.braintrust;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConfigTest {
    @TempDir
    Path dir;

    @Test
    void defaults_are_the_documented_ones() {
        Config c = Config.fromEnv(Map.of("HOME", "/home/me"));
        assertThat(c.home()).isEqualTo(Path.of("/home/me/.pai"));
        assertThat(c.host()).isEqualTo("127.0.0.1");
        assertThat(c.port()).isEqualTo(8000);
        assertThat(c.cloudMode()).isFalse();
        assertThat(c.gitBranch()).isEqualTo("main");
        assertThat(c.syncInterval()).isEqualTo(Duration.ofMinutes(5));
        assertThat(c.contextTtl()).isEqualTo(Duration.ofSeconds(60));
        assertThat(c.skillTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(c.skillOutputCap()).isEqualTo(64 * 1024);
        assertThat(c.maxParallel()).isEqualTo(4);
        assertThat(c.apiKey()).isNull();
        assertThat(c.models().ollamaBaseUrl()).isEqualTo("http://localhost:11434");
    }

    @Test
    void durations_accept_units() {
        assertThat(Config.parseDuration("X", "90")).isEqualTo(Duration.ofSeconds(90));
        assertThat(Config.parseDuration("X", "500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(Config.parseDuration("X", "5m")).isEqualTo(Duration.ofMinutes(5));
        assertThat(Config.parseDuration("X", "0")).isEqualTo(Duration.ZERO);
        assertThatThrownBy(() -> Config.parseDuration("BRAIN_TRUST_SYNC_INTERVAL", "soon"))
                .isInstanceOf(BrainTrustException.BadConfig.class).hasMessageContaining("BRAIN_TRUST_SYNC_INTERVAL");
    }

    @Test
    void a_git_url_selects_cloud_mode() {
        assertThat(Config.fromEnv(Map.of("BRAIN_TRUST_GIT_URL", "https://example.com/me/telos.git")).cloudMode()).isTrue();
    }

    @Test
    void secrets_can_come_from_files_and_never_print() throws Exception {
        Path file = Files.writeString(dir.resolve("key"), "from-file-secret\n");
        Config c = Config.fromEnv(Map.of("BRAIN_TRUST_API_KEY_FILE", file.toString(), "WEBHOOK_SECRET", "direct"));
        assertThat(c.apiKey().reveal()).isEqualTo("from-file-secret");
        assertThat(c.webhookSecret().matches("direct")).isTrue();
        assertThat(c.toString()).doesNotContain("from-file-secret").doesNotContain("direct");
    }

    @Test
    void an_unreadable_secret_file_is_a_clear_error() {
        assertThatThrownBy(() -> Config.fromEnv(Map.of("BRAIN_TRUST_GIT_TOKEN_FILE", "/no/such/file")))
                .isInstanceOf(BrainTrustException.BadConfig.class)
                .hasMessageContaining("BRAIN_TRUST_GIT_TOKEN_FILE").hasMessageContaining("/no/such/file");
    }

    @Test
    void bad_numbers_name_the_variable() {
        assertThatThrownBy(() -> Config.fromEnv(Map.of("BRAIN_TRUST_PORT", "eighty")))
                .isInstanceOf(BrainTrustException.BadConfig.class).hasMessageContaining("BRAIN_TRUST_PORT");
        assertThatThrownBy(() -> Config.fromEnv(Map.of("BRAIN_TRUST_MAX_PARALLEL", "0")))
                .isInstanceOf(BrainTrustException.BadConfig.class).hasMessageContaining("at least 1");
        assertThatThrownBy(() -> Config.fromEnv(Map.of("BRAIN_TRUST_LOG_FORMAT", "xml")))
                .isInstanceOf(BrainTrustException.BadConfig.class).hasMessageContaining("text, json");
    }

    @Test
    void secret_comparison_is_exact() {
        Secret s = Secret.ofNullable("abc");
        assertThat(s.matches("abc")).isTrue();
        assertThat(s.matches("abcd")).isFalse();
        assertThat(s.matches("ab")).isFalse();
        assertThat(s.matches(null)).isFalse();
        assertThat(Secret.ofNullable("  ")).isNull();
    }

    @Test
    void egress_settings_have_safe_defaults_and_are_checked() {
        Config c = Config.fromEnv(Map.of("HOME", "/home/me"));
        assertThat(c.egress().localModelHosts()).isEmpty();
        assertThat(c.egress().mcpPrivacy()).isEqualTo(dev.braintrust.context.Privacy.PUBLIC);
        assertThat(c.egress().dailyBudget()).isNull();

        Config set = Config.fromEnv(Map.of("HOME", "/home/me", "BRAIN_TRUST_LOCAL_MODEL_HOSTS", "GPU-Box.lan, 10.0.0.5:8080",
                "BRAIN_TRUST_MCP_PRIVACY", "local", "BRAIN_TRUST_DAILY_BUDGET", "2.50, 500000 tokens"));
        assertThat(set.egress().localModelHosts()).containsExactly("gpu-box.lan", "10.0.0.5:8080");
        assertThat(set.egress().mcpPrivacy()).isEqualTo(dev.braintrust.context.Privacy.LOCAL);
        assertThat(set.egress().dailyBudget()).isEqualTo(new Config.DailyBudget(2.5, 500_000L));
        assertThat(Config.fromEnv(Map.of("HOME", "/h", "BRAIN_TRUST_DAILY_BUDGET", "5")).egress().dailyBudget())
                .isEqualTo(new Config.DailyBudget(5.0, null));

        assertThatThrownBy(() -> Config.fromEnv(Map.of("HOME", "/h", "BRAIN_TRUST_MCP_PRIVACY", "never")))
                .hasMessageContaining("BRAIN_TRUST_MCP_PRIVACY must be one of public, local");
        assertThatThrownBy(() -> Config.fromEnv(Map.of("HOME", "/h", "BRAIN_TRUST_DAILY_BUDGET", "five dollars")))
                .hasMessageContaining("BRAIN_TRUST_DAILY_BUDGET must be an amount");
        assertThat(set.withHome(dir).egress()).isEqualTo(set.egress());
    }

    @Test
    void content_limits_time_zone_and_skill_isolation_have_documented_defaults_and_accept_units() {
        Config defaults = Config.fromEnv(Map.of("HOME", "/home/me"));
        assertThat(defaults.contextLimits()).isEqualTo(new dev.braintrust.context.ContextLimits(1024 * 1024, 8 * 1024 * 1024));
        assertThat(defaults.timeZone()).isEqualTo(java.time.ZoneId.systemDefault());
        assertThat(defaults.skillIsolation()).isEqualTo("auto");

        Config set = Config.fromEnv(Map.of("BRAIN_TRUST_CONTEXT_FILE_LIMIT", "512KiB", "BRAIN_TRUST_CONTEXT_LIMIT", "2m",
                "BRAIN_TRUST_TIMEZONE", "Europe/Berlin", "BRAIN_TRUST_SKILL_ISOLATION", "session"));
        assertThat(set.contextLimits().fileBytes()).isEqualTo(512 * 1024);
        assertThat(set.contextLimits().totalBytes()).isEqualTo(2 * 1024 * 1024);
        assertThat(set.timeZone()).isEqualTo(java.time.ZoneId.of("Europe/Berlin"));
        assertThat(Config.fromEnv(Map.of("BRAIN_TRUST_CONTEXT_FILE_LIMIT", "1048576")).contextLimits().fileBytes()).isEqualTo(1048576);

        assertThatThrownBy(() -> Config.fromEnv(Map.of("BRAIN_TRUST_CONTEXT_LIMIT", "lots")))
                .isInstanceOf(BrainTrustException.BadConfig.class).hasMessageContaining("BRAIN_TRUST_CONTEXT_LIMIT");
        assertThatThrownBy(() -> Config.fromEnv(Map.of("BRAIN_TRUST_TIMEZONE", "Mars/Base")))
                .isInstanceOf(BrainTrustException.BadConfig.class).hasMessageContaining("BRAIN_TRUST_TIMEZONE")
                .hasMessageContaining("Mars/Base");
        assertThatThrownBy(() -> Config.fromEnv(Map.of("BRAIN_TRUST_SKILL_ISOLATION", "none")))
                .isInstanceOf(BrainTrustException.BadConfig.class).hasMessageContaining("auto, namespace, session");
    }

    @Test
    void the_journal_of_a_home_follows_the_configured_time_zone() {
        Config config = Config.fromEnv(Map.of("PAI_HOME", dir.resolve("home").toString(), "BRAIN_TRUST_TIMEZONE", "Asia/Tokyo"));
        new dev.braintrust.home.PaiHome(config.home()).init();
        try (BrainTrust bt = BrainTrust.open(config)) {
            assertThat(bt.clock().getZone()).isEqualTo(java.time.ZoneId.of("Asia/Tokyo"));
            java.time.Instant lateUtc = java.time.Instant.parse("2026-05-01T20:00:00Z"); // May 2nd, 05:00 in Tokyo
            bt.journal().append(new dev.braintrust.journal.JournalEntry(lateUtc, "t", "succeeded", Duration.ZERO, null,
                    java.util.List.of(), null, ""));
            assertThat(bt.journal().read("2026-05-02")).contains("## 05:00:00+09:00 — t — succeeded");
        }
    }

    @Test
    void the_environment_never_prints_a_value() {
        Config c = Config.fromEnv(Map.of("SERPAPI_API_KEY", "never-printed"));
        assertThat(c.environment().get("SERPAPI_API_KEY")).isEqualTo("never-printed");
        assertThat(c.toString()).doesNotContain("never-printed");
    }

    @Test
    void the_launchers_handover_is_read_as_nul_separated_variables() throws Exception {
        Path pipe = Files.write(dir.resolve("handover"), "WEBHOOK_SECRET=a=b\0OPENAI_API_KEY=k\nwith a line break\0"
                .getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertThat(Environment.readHandover(pipe)).containsEntry("WEBHOOK_SECRET", "a=b")
                .containsEntry("OPENAI_API_KEY", "k\nwith a line break").hasSize(2);
    }
}
