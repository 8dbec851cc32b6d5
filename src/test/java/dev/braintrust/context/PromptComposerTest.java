package dev.braintrust.context;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class PromptComposerTest {
    private static ContextFile file(String name, String content) {
        return new ContextFile(name, content, content.length(), "0".repeat(64));
    }

    @Test
    void composes_the_telos_block_then_the_agent_instructions_in_the_documented_shape() {
        ContextSnapshot snapshot = new ContextSnapshot("r1", Instant.EPOCH, List.of(
                file("MISSION.md", "Own my data."),
                file("GOALS.md", "1. Ship."),
                file("BELIEFS.md", "Be honest."),
                file("IDENTITY.md", "An engineer."),
                file("RESEARCH.md", "Read papers."),
                file("reading-list.md", "Dune.")), List.of(), List.of());

        assertThat(PromptComposer.compose(snapshot, "You are a careful editor.")).isEqualTo("""
                # USER CONTEXT (TELOS LAYER)

                ## Mission
                Own my data.

                ## Core Beliefs & Constraints
                Be honest.

                ## Current Goals
                1. Ship.

                ## Identity
                An engineer.

                ## Research
                Read papers.

                ## Reading List
                Dune.

                ---

                # AGENT INSTRUCTIONS
                You are a careful editor.
                """);
    }

    @Test
    void leaves_out_sections_whose_file_is_absent_or_empty() {
        ContextSnapshot snapshot = new ContextSnapshot("r1", Instant.EPOCH,
                List.of(file("MISSION.md", "Own my data."), file("GOALS.md", "")), List.of("BELIEFS.md"), List.of());
        String prompt = PromptComposer.compose(snapshot, "");
        assertThat(prompt).contains("## Mission").doesNotContain("## Current Goals").doesNotContain("## Identity")
                .endsWith("---\n\n# AGENT INSTRUCTIONS\n");
    }

    @Test
    void headings_for_other_files_read_as_words() {
        assertThat(PromptComposer.headingFor("RESEARCH")).isEqualTo("Research");
        assertThat(PromptComposer.headingFor("travel_plans")).isEqualTo("Travel Plans");
        assertThat(PromptComposer.headingFor("OpenQuestions")).isEqualTo("OpenQuestions");
    }

    @Test
    void a_withheld_file_leaves_one_line_without_its_heading() {
        ContextSnapshot snapshot = new ContextSnapshot("r1", Instant.EPOCH, List.of(
                file("MISSION.md", "Own my data."),
                new ContextFile("BELIEFS.md", "Private beliefs.", 16, "0".repeat(64), Privacy.LOCAL),
                new ContextFile("DIARY.md", "Dear diary.", 11, "1".repeat(64), Privacy.NEVER)), List.of(), List.of());

        String cloud = PromptComposer.compose(ContextSelection.of(snapshot, Privacy.PUBLIC).snapshot(), "You edit.");

        assertThat(cloud).isEqualTo("# USER CONTEXT (TELOS LAYER)\n\n## Mission\nOwn my data.\n\n"
                + ContextSelection.WITHHELD_NOTICE + "\n\n---\n\n# AGENT INSTRUCTIONS\nYou edit.\n");
        assertThat(PromptComposer.compose(ContextSelection.of(snapshot, Privacy.LOCAL).snapshot(), "You edit."))
                .contains("## Core Beliefs & Constraints\nPrivate beliefs.").doesNotContain("Dear diary").doesNotContain("Diary");
    }

    @Test
    void ends_with_the_agent_block_you_are_role_backstory_and_personal_goal_as_the_original_framework_did() {
        ContextSnapshot snapshot = new ContextSnapshot("r1", Instant.EPOCH, List.of(file("MISSION.md", "Own my data.")), List.of(), List.of());
        String prompt = PromptComposer.compose(snapshot,
                new PromptComposer.Agent("Developmental Editor", "A critical editor focused on story arcs.", "Review the scene for pacing."));
        assertThat(prompt).endsWith("""
                ---

                # AGENT INSTRUCTIONS
                You are Developmental Editor.
                A critical editor focused on story arcs.
                Your personal goal is: Review the scene for pacing.
                """);
    }

    @Test
    void an_agent_line_whose_field_is_empty_is_left_out_not_sent_as_an_empty_line() {
        ContextSnapshot snapshot = new ContextSnapshot("r1", Instant.EPOCH, List.of(file("MISSION.md", "Own my data.")), List.of(), List.of());
        assertThat(PromptComposer.compose(snapshot, new PromptComposer.Agent("Editor.", "  ", "Cut filler")))
                .endsWith("# AGENT INSTRUCTIONS\nYou are Editor.\nYour personal goal is: Cut filler\n");
        assertThat(PromptComposer.compose(snapshot, new PromptComposer.Agent(null, "", null)))
                .endsWith("# AGENT INSTRUCTIONS\n");
        assertThat(PromptComposer.compose(snapshot, new PromptComposer.Agent(null, "Just a backstory.", " ")))
                .endsWith("# AGENT INSTRUCTIONS\nJust a backstory.\n");
    }
}
