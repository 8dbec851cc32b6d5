package dev.braintrust.home;

import dev.braintrust.BrainTrustException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PaiHomeTest {
    @TempDir
    Path dir;

    @Test
    void init_creates_the_layout_and_the_examples() throws Exception {
        PaiHome home = new PaiHome(dir.resolve("pai"));
        InitReport report = home.init();

        for (String folder : new String[]{"context", "skills", "workflows", "logs", "state"}) {
            assertThat(home.root().resolve(folder)).isDirectory();
        }
        assertThat(home.context().resolve("MISSION.md")).content().containsIgnoringCase("mission");
        assertThat(home.context().resolve("GOALS.md")).content().containsIgnoringCase("goals");
        assertThat(home.context().resolve("BELIEFS.md")).content().containsIgnoringCase("beliefs");
        assertThat(home.context().resolve("IDENTITY.md")).content().containsIgnoringCase("who I am");
        try (var skills = Files.list(home.skills())) {
            assertThat(skills.filter(Files::isExecutable).count()).isGreaterThanOrEqualTo(2);
        }
        try (var workflows = Files.list(home.workflows())) {
            assertThat(workflows.filter(p -> p.toString().endsWith(".json")).count()).isGreaterThanOrEqualTo(1);
        }
        assertThat(report.created()).contains(home.context().resolve("MISSION.md"));
        assertThat(home.isInitialized()).isTrue();
    }

    @Test
    void init_never_overwrites_a_file_the_user_has() throws Exception {
        PaiHome home = new PaiHome(dir);
        Files.createDirectories(home.context());
        Files.writeString(home.context().resolve("MISSION.md"), "my own mission");

        InitReport report = home.init();

        assertThat(home.context().resolve("MISSION.md")).hasContent("my own mission");
        assertThat(report.kept()).containsExactly(home.context().resolve("MISSION.md"));
        assertThat(home.context().resolve("GOALS.md")).exists();
    }

    @Test
    void a_second_init_creates_nothing_and_restores_a_deleted_example() throws Exception {
        PaiHome home = new PaiHome(dir);
        home.init();
        assertThat(home.init().createdAnything()).isFalse();

        Files.delete(home.context().resolve("GOALS.md"));
        assertThat(home.init().created()).containsExactly(home.context().resolve("GOALS.md"));
    }

    @Test
    void a_home_that_is_a_file_is_refused_with_what_to_do() throws Exception {
        Path file = Files.writeString(dir.resolve("pai"), "not a folder");
        assertThatThrownBy(() -> new PaiHome(file).init())
                .isInstanceOf(BrainTrustException.BadConfig.class)
                .hasMessageContaining("is a file")
                .hasMessageContaining("PAI_HOME");
    }

    @Test
    void a_layout_folder_that_is_a_file_is_refused() throws Exception {
        Files.writeString(dir.resolve("skills"), "oops");
        assertThatThrownBy(() -> new PaiHome(dir).init())
                .isInstanceOf(BrainTrustException.BadConfig.class)
                .hasMessageContaining("skills");
    }
}
