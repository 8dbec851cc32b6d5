package dev.braintrust.context;

import java.util.List;
import java.util.Locale;

/**
 * Builds an agent's system prompt in the shape of ARCHITECTURE.md §4: the TELOS block (Mission,
 * Core Beliefs &amp; Constraints, Current Goals, Identity, then every other context file under its
 * own heading), a rule, then the agent's instructions. Sections whose file is absent or empty
 * are left out.
 */
public final class PromptComposer {
    private record Section(String file, String heading) {
    }

    private static final List<Section> TELOS_SECTIONS = List.of(
            new Section("MISSION.md", "Mission"),
            new Section("BELIEFS.md", "Core Beliefs & Constraints"),
            new Section("GOALS.md", "Current Goals"),
            new Section("IDENTITY.md", "Identity"));

    private PromptComposer() {
    }

    public static String compose(ContextSnapshot snapshot, String agentInstructions) {
        StringBuilder out = new StringBuilder("# USER CONTEXT (TELOS LAYER)\n");
        for (Section section : TELOS_SECTIONS) {
            appendSection(out, section.heading, snapshot.text(section.file));
        }
        for (ContextFile file : snapshot.files()) {
            if (!ContextAssembler.TELOS.contains(file.name())) {
                appendSection(out, headingFor(file.stem()), file.content());
            }
        }
        out.append("\n---\n\n# AGENT INSTRUCTIONS\n");
        if (agentInstructions != null && !agentInstructions.isBlank()) {
            out.append(agentInstructions.strip()).append('\n');
        }
        return out.toString();
    }

    private static void appendSection(StringBuilder out, String heading, String text) {
        if (text.equals(ContextSelection.WITHHELD_NOTICE)) {
            out.append('\n').append(text).append('\n'); // no heading: a heading would name what was withheld
        } else if (!text.isEmpty()) {
            out.append("\n## ").append(heading).append('\n').append(text).append('\n');
        }
    }

    /** RESEARCH → Research, reading-list → Reading List, Travel_Plans → Travel Plans. */
    static String headingFor(String stem) {
        StringBuilder heading = new StringBuilder();
        for (String word : stem.split("[-_ ]+")) {
            if (word.isEmpty()) {
                continue;
            }
            if (heading.length() > 0) {
                heading.append(' ');
            }
            heading.append(word.substring(0, 1).toUpperCase(Locale.ROOT));
            String rest = word.substring(1);
            heading.append(word.equals(word.toUpperCase(Locale.ROOT)) ? rest.toLowerCase(Locale.ROOT) : rest);
        }
        return heading.length() == 0 ? stem : heading.toString();
    }

    /** Where the agent block starts in a composed prompt. */
    static final String AGENT_BLOCK = "\n---\n\n# AGENT INSTRUCTIONS\n";

    /**
     * The TELOS block alone ({@code # USER CONTEXT (TELOS LAYER)} and its sections, without the
     * agent block): what a client that is not an agent (MCP, the OpenAI-compatible endpoint) is
     * given. Pass a snapshot already narrowed by {@link ContextSelection}.
     */
    public static String telosBlock(ContextSnapshot snapshot) {
        String prompt = compose(snapshot, (String) null);
        int agent = prompt.lastIndexOf(AGENT_BLOCK);
        return agent < 0 ? prompt : prompt.substring(0, agent);
    }
}
