package dev.braintrust.deploy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What a new user meets first: the launcher {@code ./brain-trust} (putting it on the PATH, the first
 * build's progress), the README's first lines (the run and test commands) in step with {@code .ci/run},
 * and the README's way in for users of the original Brain Trust.
 */
class GettingStartedTest {
    private static final Path ROOT = Path.of("").toAbsolutePath();
    private static final Path LAUNCHER = ROOT.resolve("brain-trust");

    record Finished(int exitCode, String out, String err) {
    }

    static Finished bash(Map<String, String> env, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("bash"));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).directory(ROOT.toFile());
        pb.environment().putAll(env);
        Path out = Files.createTempFile("launcher-", ".out");
        Path err = Files.createTempFile("launcher-", ".err");
        Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        try {
            return new Finished(p.exitValue(), Files.readString(out), Files.readString(err));
        } finally {
            Files.delete(out);
            Files.delete(err);
        }
    }

    @Test
    void install_path_links_the_launcher_into_a_folder_and_says_whether_it_is_on_the_path(@TempDir Path dir) throws Exception {
        Path bin = dir.resolve("bin");
        Finished first = bash(Map.of("HOME", dir.toString(), "PATH", "/usr/bin:/bin"), LAUNCHER.toString(), "install-path", bin.toString());
        assertThat(first.exitCode()).as(first.err()).isZero();
        assertThat(Files.readSymbolicLink(bin.resolve("brain-trust"))).isEqualTo(LAUNCHER);
        assertThat(first.out()).contains("Linked " + bin.resolve("brain-trust"))
                .contains(bin + " is not on your PATH yet").contains("export PATH=\"" + bin + ":$PATH\"");

        Finished onPath = bash(Map.of("HOME", dir.toString(), "PATH", bin + ":/usr/bin:/bin"), LAUNCHER.toString(), "install-path",
                bin.toString());
        assertThat(onPath.out()).contains("already points to " + LAUNCHER).contains("is on your PATH: run 'brain-trust' from anywhere");

        Finished defaultFolder = bash(Map.of("HOME", dir.toString(), "PATH", "/usr/bin:/bin"), LAUNCHER.toString(), "install-path");
        assertThat(defaultFolder.exitCode()).isZero();
        assertThat(Files.readSymbolicLink(dir.resolve(".local/bin/brain-trust"))).isEqualTo(LAUNCHER);

        Path mine = Files.createDirectories(dir.resolve("mine"));
        Files.writeString(mine.resolve("brain-trust"), "#!/bin/sh\necho my own script\n");
        Finished refused = bash(Map.of("HOME", dir.toString()), LAUNCHER.toString(), "install-path", mine.toString());
        assertThat(refused.exitCode()).isEqualTo(2);
        assertThat(refused.err()).contains("already exists and is not this launcher; it was left as it is");
        assertThat(Files.readString(mine.resolve("brain-trust"))).contains("my own script");
        unlink(bin.resolve("brain-trust"), dir.resolve(".local/bin/brain-trust"));
    }

    /** Removes the links before JUnit cleans the folder up (it warns about links that lead out of it). */
    private static void unlink(Path... links) throws java.io.IOException {
        for (Path link : links) {
            Files.deleteIfExists(link);
        }
    }

    @Test
    void the_link_on_the_path_runs_the_checkouts_launcher(@TempDir Path dir) throws Exception {
        Path bin = dir.resolve("bin");
        bash(Map.of("HOME", dir.toString()), LAUNCHER.toString(), "install-path", bin.toString());
        // Sourcing stops before any build: what matters is where the link says the checkout is.
        Finished where = bash(Map.of("HOME", dir.toString()), "-c", "source \"$1\" && echo \"$here\"", "bash",
                bin.resolve("brain-trust").toString());
        assertThat(where.exitCode()).as(where.err()).isZero();
        assertThat(where.out().strip()).isEqualTo(ROOT.toString());
        unlink(bin.resolve("brain-trust"));
    }

    @Test
    void the_first_build_shows_each_step_and_its_downloads_instead_of_a_minute_of_silence(@TempDir Path dir) throws Exception {
        // Maven's real output of a first build of this project into an empty local repository (the
        // repository-checksum warnings of that capture are left out).
        Path mavenOutput = ROOT.resolve("src/test/resources/launcher/first-build.log");
        Path log = dir.resolve("build.log");
        Finished r = bash(Map.of("HOME", dir.toString()), "-c", "source \"$1\" && build_progress \"$2\" < \"$3\"",
                "bash", LAUNCHER.toString(), log.toString(), mavenOutput.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).isEmpty();
        List<String> lines = r.err().lines().toList();
        assertThat(lines).first().asString().startsWith("  downloading libraries .").endsWith(" so far)");
        assertThat(lines).contains("  unpacking the picocli sources", "  copying resources", "  compiling", "  making the jar",
                "  packing the libraries into the jar");
        assertThat(r.err()).doesNotContain("testCompile").doesNotContain("surefire");
        long downloads = Files.readString(mavenOutput).lines().filter(l -> l.contains("Downloaded from ")).count();
        Matcher counts = Pattern.compile("\\((\\d+)(?: so far)?\\)").matcher(r.err());
        long shown = 0;
        while (counts.find()) {
            shown += Long.parseLong(counts.group(1));
        }
        assertThat(shown).as("every download is counted").isEqualTo(downloads);
        assertThat(Files.readString(log)).as("Maven's whole output is kept").isEqualTo(Files.readString(mavenOutput));
    }

    @Test
    void the_launcher_says_what_the_first_build_downloads_and_where_its_output_goes() throws Exception {
        String launcher = Files.readString(LAUNCHER, StandardCharsets.UTF_8);
        assertThat(launcher).contains("Maven downloads about 130 MB of libraries once (into ~/.m2)")
                .contains("./mvnw -B -DskipTests package 2>&1) | build_progress \"$log\"")
                .doesNotContain("./mvnw -q");
    }

    @Test
    void the_readme_opens_with_the_run_and_test_commands_and_the_test_command_is_ci_run() throws Exception {
        List<String> readme = Files.readString(ROOT.resolve("README.md")).lines().toList();
        assertThat(readme.get(2)).startsWith("**Run it**").endsWith("`./brain-trust serve`");
        assertThat(readme.get(3)).startsWith("**Test it**").endsWith("`.ci/run`");
        String ci = Files.readString(ROOT.resolve(".ci/run"));
        assertThat(ci.strip().lines().reduce((a, b) -> b).orElseThrow()).isEqualTo("exec ./mvnw -B verify");
        String opening = String.join("\n", readme.subList(0, 16));
        assertThat(opening).contains("runs `./mvnw -B verify`");
        Matcher installs = Pattern.compile("apt_install ([a-z0-9 -]+)").matcher(ci);
        List<String> packages = new ArrayList<>();
        while (installs.find()) {
            packages.addAll(List.of(installs.group(1).strip().split(" ")));
        }
        assertThat(packages).isNotEmpty().allSatisfy(pkg -> assertThat(opening).as("the README names what .ci/run installs")
                .contains("`" + pkg + "`"));
        assertThat(String.join("\n", readme)).contains("./brain-trust install-path");
    }

    @Test
    void the_readme_says_how_to_come_from_the_original_brain_trust() throws Exception {
        String readme = Files.readString(ROOT.resolve("README.md"));
        int start = readme.indexOf("## Coming from the original Brain Trust");
        assertThat(start).isPositive();
        String section = readme.substring(start, readme.indexOf("\n## ", start + 1));
        assertThat(section).contains("BRAIN_TRUST_CORS_ORIGINS=http://localhost:3000", "NEXT_PUBLIC_BRAIN_TRUST_API_KEY", "X-API-Key",
                "POST /api/v1/run-workflow", "POST /api/v1/chat", "Google Drive", "/api/v2", "/ws/{client_id}");
    }
}
