package dev.braintrust.schedule;

import com.fasterxml.jackson.databind.JsonNode;
import dev.braintrust.BrainTrustException;
import dev.braintrust.workflow.SavedWorkflow;
import dev.braintrust.workflow.WorkflowLibrary;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The schedules and triggers the saved workflows declare, read from their files:
 * <pre>
 * "schedule": {"cron": "0 7 * * 1-5", "timezone": "Europe/Berlin", "missed": "run-once", "overlap": "skip", "input": "..."}
 *             (or a list of them, each with an optional "id"),
 * "on": [{"context-changed": ["GOALS.md"]}, {"webhook": "inbox"}]
 * </pre>
 * A declaration that is wrong is a problem naming the workflow (shown in status and on the Schedules page),
 * never a silent no-op; the workflow's other schedules and triggers still work.
 */
record Automations(List<ScheduleSpec> schedules, List<TriggerSpec> triggers, List<String> problems) {
    static final Pattern WEBHOOK_NAME = Pattern.compile("[a-z0-9][a-z0-9_-]{0,63}");
    static final Pattern SCHEDULE_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,63}");
    static final int MAX_INPUT_CHARS = 100_000;
    static final int MAX_PER_WORKFLOW = 20;

    Automations {
        schedules = List.copyOf(schedules);
        triggers = List.copyOf(triggers);
        problems = List.copyOf(problems);
    }

    static Automations read(WorkflowLibrary library) {
        List<ScheduleSpec> schedules = new ArrayList<>();
        List<TriggerSpec> triggers = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        for (SavedWorkflow saved : library.list()) {
            if (!saved.usable()) {
                continue; // status reports the file already
            }
            JsonNode root;
            try {
                root = library.read(saved.name());
            } catch (BrainTrustException e) {
                continue;
            }
            parse(saved.name(), root, schedules, triggers, problems);
        }
        return new Automations(schedules, triggers, problems);
    }

    static void parse(String workflow, JsonNode root, List<ScheduleSpec> schedules, List<TriggerSpec> triggers,
                      List<String> problems) {
        String where = "workflows/" + workflow + ".json";
        JsonNode schedule = root.get("schedule");
        if (schedule != null && !schedule.isNull()) {
            List<JsonNode> entries = new ArrayList<>();
            if (schedule.isArray()) {
                schedule.forEach(entries::add);
            } else if (schedule.isObject()) {
                entries.add(schedule);
            } else {
                problems.add(where + ": \"schedule\" must be an object {\"cron\", \"timezone\", ...} or a list of them");
            }
            if (entries.size() > MAX_PER_WORKFLOW) {
                problems.add(where + ": " + entries.size() + " schedules; at most " + MAX_PER_WORKFLOW + " are read");
                entries = entries.subList(0, MAX_PER_WORKFLOW);
            }
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < entries.size(); i++) {
                JsonNode entry = entries.get(i);
                String label = entries.size() == 1 ? "schedule" : "schedule " + (i + 1);
                try {
                    ScheduleSpec spec = schedule(workflow, entry, entries.size() == 1 ? null : i + 1);
                    if (ids.contains(spec.id())) {
                        throw new IllegalArgumentException("its id '" + spec.id() + "' is used twice");
                    }
                    ids.add(spec.id());
                    schedules.add(spec);
                } catch (IllegalArgumentException e) {
                    problems.add(where + ": " + label + ": " + e.getMessage());
                }
            }
        }
        JsonNode on = root.get("on");
        if (on != null && !on.isNull()) {
            if (!on.isArray()) {
                problems.add(where + ": \"on\" must be a list such as [{\"context-changed\": [\"GOALS.md\"]}, {\"webhook\": \"inbox\"}]");
                return;
            }
            boolean context = false;
            for (JsonNode entry : on) {
                try {
                    TriggerSpec trigger = trigger(workflow, entry);
                    if (trigger.type() == TriggerSpec.Type.CONTEXT_CHANGED) {
                        if (context) {
                            throw new IllegalArgumentException("\"context-changed\" is given twice; list every file in one");
                        }
                        context = true;
                    }
                    triggers.add(trigger);
                } catch (IllegalArgumentException e) {
                    problems.add(where + ": \"on\": " + e.getMessage());
                }
            }
        }
    }

    private static ScheduleSpec schedule(String workflow, JsonNode entry, Integer position) {
        if (!entry.isObject()) {
            throw new IllegalArgumentException("must be an object {\"cron\": \"0 7 * * 1-5\", \"timezone\": \"Europe/Berlin\"}");
        }
        CronSchedule cron = CronSchedule.parse(text(entry, "cron"), text(entry, "timezone"));
        String missed = choice(entry, "missed", ScheduleSpec.RUN_ONCE, ScheduleSpec.RUN_ONCE, ScheduleSpec.SKIP);
        String overlap = choice(entry, "overlap", ScheduleSpec.SKIP, ScheduleSpec.SKIP, ScheduleSpec.QUEUE);
        JsonNode inputNode = entry.get("input");
        String input = inputNode == null || inputNode.isNull() ? null : inputNode.isTextual() ? inputNode.asText() : inputNode.toString();
        if (input != null && input.length() > MAX_INPUT_CHARS) {
            throw new IllegalArgumentException("its input is " + input.length() + " characters; at most " + MAX_INPUT_CHARS);
        }
        String given = text(entry, "id");
        if (given != null && !SCHEDULE_ID.matcher(given).matches()) {
            throw new IllegalArgumentException("its id '" + given + "' must be letters, digits, '_' or '-'");
        }
        String id = given != null ? workflow + "." + given : position == null ? workflow : workflow + "." + position;
        return new ScheduleSpec(id, workflow, cron, missed, overlap, input);
    }

    private static TriggerSpec trigger(String workflow, JsonNode entry) {
        if (entry.isObject() && entry.has("context-changed")) {
            JsonNode files = entry.get("context-changed");
            List<String> names = new ArrayList<>();
            if (files.isArray()) {
                for (JsonNode f : files) {
                    if (!f.isTextual() || !f.asText().endsWith(".md") || f.asText().contains("/")) {
                        throw new IllegalArgumentException("\"context-changed\" lists context file names such as \"GOALS.md\", not "
                                + f);
                    }
                    names.add(f.asText());
                }
            } else if (!files.isNull() && !(files.isTextual() && files.asText().equals("*"))) {
                throw new IllegalArgumentException("\"context-changed\" takes a list of context files, such as [\"GOALS.md\"] "
                        + "(an empty list, or \"*\", for any)");
            }
            return new TriggerSpec(workflow + "~context", workflow, TriggerSpec.Type.CONTEXT_CHANGED, names, null);
        }
        if (entry.isObject() && entry.has("webhook")) {
            String name = entry.get("webhook").asText("").strip().toLowerCase(Locale.ROOT);
            if (!WEBHOOK_NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("webhook name '" + entry.get("webhook").asText()
                        + "' must be lower-case letters, digits, '_' or '-'");
            }
            return new TriggerSpec(workflow + "~webhook:" + name, workflow, TriggerSpec.Type.WEBHOOK, List.of(), name);
        }
        throw new IllegalArgumentException("each entry is {\"context-changed\": [\"GOALS.md\"]} or {\"webhook\": \"name\"}, not " + entry);
    }

    private static String text(JsonNode entry, String field) {
        JsonNode value = entry.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isTextual()) {
            throw new IllegalArgumentException("\"" + field + "\" must be text");
        }
        return value.asText();
    }

    private static String choice(JsonNode entry, String field, String fallback, String... allowed) {
        String value = text(entry, field);
        if (value == null) {
            return fallback;
        }
        String v = value.strip().toLowerCase(Locale.ROOT);
        if (!List.of(allowed).contains(v)) {
            throw new IllegalArgumentException("\"" + field + "\" must be " + String.join(" or ", allowed) + ", not '" + value + "'");
        }
        return v;
    }
}
