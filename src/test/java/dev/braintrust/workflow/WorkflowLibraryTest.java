package dev.braintrust.workflow;

import dev.braintrust.BrainTrustException;
import dev.braintrust.testing.Files2;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class WorkflowLibraryTest {
    @TempDir
    Path dir;

    @Test
    void lists_workflows_by_file_stem_with_a_problem_for_files_that_are_not_json() {
        Files2.write(dir.resolve("brief.json"), "{\"name\":\"Research brief\",\"nodes\":[],\"edges\":[]}");
        Files2.write(dir.resolve("broken.json"), "{\"nodes\": [");
        Files2.write(dir.resolve("list.json"), "[1,2]");
        Files2.write(dir.resolve("notes.txt"), "ignored");

        WorkflowLibrary library = new WorkflowLibrary(() -> dir);
        assertThat(library.list()).extracting(SavedWorkflow::name).containsExactly("brief", "broken", "list");
        assertThat(library.list().get(0).title()).isEqualTo("Research brief");
        assertThat(library.list().get(1).problem()).contains("broken.json is not valid JSON").contains("fix or remove");
        assertThat(library.list().get(2).problem()).contains("not a JSON object");
    }

    @Test
    void reads_by_name_and_refuses_names_that_leave_the_folder() {
        Files2.write(dir.resolve("brief.json"), "{\"nodes\":[]}");
        WorkflowLibrary library = new WorkflowLibrary(() -> dir.resolve("sub"));
        Files2.write(dir.resolve("sub/ok.json"), "{\"nodes\":[]}");
        assertThat(library.read("ok").has("nodes")).isTrue();
        assertThat(library.read("ok.json").has("nodes")).isTrue();
        for (String bad : new String[]{"../brief", "..", "a/b", "/etc/passwd", "x\0y"}) {
            assertThatThrownBy(() -> library.read(bad)).as(bad).isInstanceOf(BrainTrustException.BadInput.class);
        }
        assertThatThrownBy(() -> library.read("absent")).isInstanceOf(BrainTrustException.NotFound.class);
    }

    @Test
    void a_workflow_over_the_file_limit_or_not_a_file_is_reported_and_never_read() throws Exception {
        Files2.write(dir.resolve("ok.json"), "{\"nodes\":[],\"edges\":[]}");
        Files2.write(dir.resolve("huge.json"), "{\"nodes\":[" + " ".repeat(3000) + "]}");
        Path pipe = dir.resolve("pipe.json");
        assertThat(new ProcessBuilder("mkfifo", pipe.toString()).start().waitFor()).isZero();
        WorkflowLibrary library = new WorkflowLibrary(() -> dir, 2000);

        var listed = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(5), library::list);
        assertThat(listed).extracting(SavedWorkflow::name).containsExactly("huge", "ok", "pipe");
        assertThat(listed.get(0).problem()).contains("workflows/huge.json is 3012 bytes, over the limit of 2000 bytes")
                .contains("BRAIN_TRUST_CONTEXT_FILE_LIMIT");
        assertThat(listed.get(2).problem()).contains("workflows/pipe.json is not a regular file");
        assertThatThrownBy(() -> library.read("huge")).isInstanceOf(BrainTrustException.BadInput.class)
                .hasMessageContaining("over the limit");
        assertThatThrownBy(() -> library.read("pipe")).isInstanceOf(BrainTrustException.BadInput.class)
                .hasMessageContaining("not a regular file");
    }
}
