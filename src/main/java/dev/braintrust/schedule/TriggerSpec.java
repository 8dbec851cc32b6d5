package dev.braintrust.schedule;

import java.util.List;
import java.util.Objects;

/**
 * One trigger of a saved workflow, from its {@code "on"} list: {@code {"context-changed": ["GOALS.md"]}} (an empty
 * list means any context file) or {@code {"webhook": "inbox"}}.
 *
 * @param id      {@code <workflow>~context} or {@code <workflow>~webhook:<name>}
 * @param files   for context-changed: the context files watched; empty for every file
 * @param webhook for webhook triggers: the name in {@code POST /api/v1/triggers/<name>}
 */
record TriggerSpec(String id, String workflow, Type type, List<String> files, String webhook) {
    enum Type {
        CONTEXT_CHANGED("context-changed"), WEBHOOK("webhook");

        final String label;

        Type(String label) {
            this.label = label;
        }
    }

    TriggerSpec {
        Objects.requireNonNull(id);
        Objects.requireNonNull(workflow);
        Objects.requireNonNull(type);
        files = List.copyOf(files);
    }

    boolean watches(String file) {
        return files.isEmpty() || files.contains(file);
    }
}
