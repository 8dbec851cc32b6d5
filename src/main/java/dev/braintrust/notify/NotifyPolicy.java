package dev.braintrust.notify;

import com.fasterxml.jackson.databind.JsonNode;
import dev.braintrust.BrainTrustException;
import dev.braintrust.workflow.SavedWorkflow;
import dev.braintrust.workflow.WorkflowLibrary;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Which notifications a workflow's runs send, and where: the server's BRAIN_TRUST_NOTIFY_WEBHOOK and
 * BRAIN_TRUST_NOTIFY_NTFY, overridden by the saved workflow's {@code "notify"}:
 * {@code false} (none), or {@code {"on": ["failed", "waiting"], "webhook": "<url>" | false, "ntfy": "<url>" | false}}.
 * A run's workflow is matched to the saved one by its file stem or its {@code name}.
 *
 * @param events  of finished, failed, waiting
 * @param webhook where the signed JSON goes; null for none
 * @param ntfy    the ntfy topic URL; null for none
 */
record NotifyPolicy(List<String> events, String webhook, String ntfy) {
    static final List<String> ALL = List.of(Notifier.FINISHED, Notifier.FAILED, Notifier.WAITING);

    static NotifyPolicy of(WorkflowLibrary workflows, String workflow, String webhook, String ntfy) {
        JsonNode notify = savedNotify(workflows, workflow);
        if (notify == null || notify.isNull() || notify.isMissingNode()) {
            return new NotifyPolicy(ALL, webhook, ntfy);
        }
        if (notify.isBoolean()) {
            return notify.asBoolean() ? new NotifyPolicy(ALL, webhook, ntfy) : new NotifyPolicy(List.of(), null, null);
        }
        List<String> events = new ArrayList<>();
        if (notify.path("on").isArray()) {
            notify.path("on").forEach(e -> {
                String event = e.asText().toLowerCase(Locale.ROOT);
                if (ALL.contains(event)) {
                    events.add(event);
                }
            });
        } else {
            events.addAll(ALL);
        }
        return new NotifyPolicy(events, channel(notify.get("webhook"), webhook), channel(notify.get("ntfy"), ntfy));
    }

    private static String channel(JsonNode override, String fallback) {
        if (override == null || override.isNull()) {
            return fallback;
        }
        if (override.isBoolean()) {
            return override.asBoolean() ? fallback : null;
        }
        String url = override.asText().strip();
        return url.matches("(?i)https?://\\S+") ? url : fallback;
    }

    private static JsonNode savedNotify(WorkflowLibrary workflows, String workflow) {
        try {
            for (SavedWorkflow saved : workflows.list()) {
                if (saved.usable() && (saved.name().equals(workflow) || saved.title().equals(workflow))) {
                    return workflows.read(saved.name()).get("notify");
                }
            }
        } catch (BrainTrustException e) {
            return null;
        }
        return null;
    }
}
