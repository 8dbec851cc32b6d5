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
}
