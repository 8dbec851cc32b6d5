package dev.braintrust.cli;

import dev.braintrust.testing.Launcher;
import dev.braintrust.testing.TestHome;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A timeout of zero or less stops the server before it starts, naming the variable: through the real launcher
 * ({@code ./brain-trust serve}, its JVM options and its handing over of the environment), not a parsed map.
 */
class TimeoutsAtStartTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @CsvSource({
            "BRAIN_TRUST_MODEL_TIMEOUT, 0",
            "BRAIN_TRUST_RUN_TIMEOUT, -5m",
            "BRAIN_TRUST_SKILL_TIMEOUT, 0s",
            "BRAIN_TRUST_APPROVAL_TIMEOUT, 0ms"})
    void a_timeout_of_zero_or_less_is_refused_at_start_naming_its_variable(String variable, String value) throws Exception {
        Path home = TestHome.create(dir.resolve("home"));
        Process serve = Launcher.install(dir).command(dir, Map.of("PAI_HOME", home.toString(), variable, value),
                "serve", "--port", "0").redirectErrorStream(true).start();
        assertThat(serve.waitFor(60, TimeUnit.SECONDS)).as("the server refuses to start, it does not serve").isTrue();
        String output = new String(serve.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(serve.exitValue()).as(output).isEqualTo(Main.BAD_INPUT);
        assertThat(output).contains(variable + " must be a positive duration").contains("'" + value + "'")
                .doesNotContain("Brain Trust is serving").doesNotContain("Exception");
    }
}
