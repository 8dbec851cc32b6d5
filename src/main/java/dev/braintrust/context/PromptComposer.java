package dev.braintrust.context;

import java.util.List;
import java.util.Locale;

/**
 * Builds an agent's system prompt in the shape of ARCHITECTURE.md §4: the TELOS block (Mission,
 * Core Beliefs &amp; Constraints, Current Goals, Identity, then every other context file under its
 * own heading), a rule, then the agent block: {@code You are <role>.}, the backstory and
 * {@code Your personal goal is: <goal>}, as the original's framework (CrewAI) told every agent.
 * Sections whose file is absent or empty, and agent lines whose field is blank, are left out.
 */
public final class PromptComposer {
    private record Section(String file, String heading) {
    }

    /** The fields of an agent that go into its system prompt; any of them may be null or blank. */
    public record Agent(String role, String backstory, String goal) {
        /** An agent known only by its instructions (what {@code context --prompt} and the prompt preview show). */
        public static Agent withBackstory(String backstory) {
            return new Agent(null, backstory, null);
        }
    }

    private static final List<Section> TELOS_SECTIONS = List.of(
            new Section("MISSION.md", "Mission"),
            new Section("BELIEFS.md", "Core Beliefs & Constraints"),
            new Section("GOALS.md", "Current Goals"),
            new Section("IDENTITY.md", "Identity"));

    private PromptComposer() {
    }

    /** The system prompt of an agent whose only field is its backstory (instructions). */
    public static String compose(ContextSnapshot snapshot, String agentInstructions) {
        return compose(snapshot, Agent.withBackstory(agentInstructions));
    }

    public static String compose(ContextSnapshot snapshot, Agent agent) {
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
        if (!isBlank(agent.role())) {
            String role = agent.role().strip();
            out.append("You are ").append(role).append(role.endsWith(".") ? "" : ".").append('\n');
        }
        if (!isBlank(agent.backstory())) {
            out.append(agent.backstory().strip()).append('\n');
        }
        if (!isBlank(agent.goal())) {
            out.append("Your personal goal is: ").append(agent.goal().strip()).append('\n');
        }
        return out.toString();
    }

    private static boolean isBlank(String text) {
        return text == null || text.isBlank();
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
