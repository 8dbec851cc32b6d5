package dev.braintrust.deploy;

import dev.braintrust.Environment;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code deploy/hand-over-secrets.sh}, the container image's entrypoint (and what the launcher sources): the command
 * it starts has only harmless variables in its environment, which other processes of its user can read
 * ({@code /proc/<pid>/environ}), and gets every other one over the pipe {@value Environment#HANDOVER_FD} names.
 */
class HandOverSecretsTest {
    private static final String SENTINEL = "sk-hand-over-sentinel-5d1e";

    /** Runs the script on a shell that prints its own /proc environ, a marker, then what the pipe holds. */
    private static String run(String... command) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().put("OPENAI_API_KEY", SENTINEL);
        pb.environment().put("HOME", "/home/someone");
        Process p = pb.start();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as(out).isZero();
        return out;
    }

    private static final String SHOW = "tr '\\0' '\\n' </proc/$$/environ; echo ---; cat /dev/fd/$" + Environment.HANDOVER_FD + " | tr '\\0' '\\n'";

    @Test
    void the_started_command_keeps_harmless_variables_and_gets_the_others_over_the_pipe() throws Exception {
        String out = run(Path.of("deploy/hand-over-secrets.sh").toAbsolutePath().toString(), "sh", "-c", SHOW);
        String environ = out.substring(0, out.indexOf("---"));
        String piped = out.substring(out.indexOf("---"));
        assertThat(environ).as("its own environment").contains("HOME=/home/someone").contains(Environment.HANDOVER_FD + "=")
                .doesNotContain(SENTINEL);
        assertThat(piped).as("the pipe").contains("OPENAI_API_KEY=" + SENTINEL);
    }

    @Test
    void the_launcher_sources_the_same_function() throws Exception {
        String out = run("bash", "-c", "source deploy/hand-over-secrets.sh && handing_secrets_over sh -c \"$0\"", SHOW);
        assertThat(out.substring(0, out.indexOf("---"))).doesNotContain(SENTINEL);
        assertThat(out.substring(out.indexOf("---"))).contains("OPENAI_API_KEY=" + SENTINEL);
        assertThat(Files.readString(Path.of("brain-trust"))).contains("source \"$here/deploy/hand-over-secrets.sh\"")
                .contains("handing_secrets_over java");
        List<String> lines = Files.readAllLines(Path.of("Dockerfile"));
        assertThat(lines).anySatisfy(l -> assertThat(l).startsWith("ENTRYPOINT [\"/opt/brain-trust/hand-over-secrets.sh\", \"java\""));
        assertThat(lines).contains("COPY deploy/hand-over-secrets.sh /opt/brain-trust/hand-over-secrets.sh");
    }
}
