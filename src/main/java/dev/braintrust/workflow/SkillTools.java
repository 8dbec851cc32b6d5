package dev.braintrust.workflow;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.braintrust.BrainTrustException;
import dev.braintrust.Json;
import dev.braintrust.journal.ToolCallRecord;
import dev.braintrust.skills.Skill;
import dev.braintrust.skills.SkillParam;
import dev.braintrust.skills.SkillRegistry;
import dev.braintrust.skills.SkillResult;
import dev.braintrust.skills.SkillRunner;
import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.model.chat.request.json.JsonObjectSchema;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The bridge between skills and function calling: every skill becomes a tool with its
 * parameters (typed from the {@code # PARAM:} headers), and a tool call the model makes runs the
 * skill through the {@link SkillRunner} (argv, timeout, capped output). Whatever happens — bad
 * arguments, unknown tool, non-zero exit, timeout — the model gets a result it can read.
 */
final class SkillTools {
    private static final ObjectMapper JSON = Json.mapper();

    /** What the model receives back and what is recorded. */
    record Call(String result, ToolCallRecord record) {
    }

    private final SkillRegistry registry;
    private final SkillRunner runner;

    SkillTools(SkillRegistry registry, SkillRunner runner) {
        this.registry = registry;
        this.runner = runner;
    }

    /** The skills there are now, as tool specifications. */
    List<ToolSpecification> specifications() {
        return registry.list().stream().map(SkillTools::specification).toList();
    }

    static ToolSpecification specification(Skill skill) {
        ToolSpecification.Builder tool = ToolSpecification.builder()
                .name(skill.name())
                .description(skill.description().isBlank() ? "Runs the skill " + skill.name() : skill.description());
        JsonObjectSchema.Builder schema = JsonObjectSchema.builder();
        for (SkillParam p : skill.params()) {
            switch (p.type().toLowerCase(Locale.ROOT)) {
                case "int", "integer" -> schema.addIntegerProperty(p.name(), p.description());
                case "float", "number" -> schema.addNumberProperty(p.name(), p.description());
                case "bool", "boolean" -> schema.addBooleanProperty(p.name(), p.description());
                default -> schema.addStringProperty(p.name(), p.description());
            }
        }
        schema.required(skill.params().stream().filter(SkillParam::required).map(SkillParam::name).toList());
        return tool.parameters(schema.build()).build();
    }

    /** True when the skill the model asked for has {@code # APPROVAL: required}: a human approves the call first. */
    boolean needsApproval(ToolExecutionRequest request) {
        return registry.list().stream().anyMatch(s -> s.name().equals(request.name()) && s.approvalRequired());
    }

    /** What a human is asked to approve: the skill and its arguments, {@code word_count({"text": "..."})}. */
    static String describe(ToolExecutionRequest request) {
        String args = request.arguments() == null || request.arguments().isBlank() ? "{}" : request.arguments();
        return request.name() + "(" + args + ")";
    }

    /** The answer to a call a human rejected: the model reads why, and the note. */
    static Call rejectedByHuman(ToolExecutionRequest request, String note) {
        String text = "error: a human rejected this call to " + request.name()
                + (note == null || note.isBlank() ? "" : ", with the note: " + note.strip());
        return new Call(text, record(request, System.nanoTime(), text, "rejected"));
    }

    /** Runs the skill the model asked for. Never throws for anything the model got wrong. */
    Call execute(ToolExecutionRequest request) {
        long start = System.nanoTime();
        String name = request.name();
        Optional<Skill> skill = registry.list().stream().filter(s -> s.name().equals(name)).findFirst();
        if (skill.isEmpty()) {
            String available = String.join(", ", registry.list().stream().map(Skill::name).toList());
            return rejected(request, start, "there is no tool named '" + name + "'; the tools are: "
                    + (available.isEmpty() ? "(none)" : available));
        }
        Map<String, String> args;
        try {
            args = arguments(request.arguments());
        } catch (IllegalArgumentException e) {
            return rejected(request, start, e.getMessage());
        }
        SkillResult result;
        try {
            result = runner.run(skill.get(), args);
        } catch (BrainTrustException.BadInput e) {
            return rejected(request, start, e.getMessage());
        } catch (BrainTrustException e) {
            return new Call("error: " + e.getMessage(), record(request, start, e.getMessage(), "failed"));
        }
        String text;
        String outcome;
        if (result.ok()) {
            text = result.output().isEmpty() ? "(the tool printed nothing)" : result.output();
            if (result.truncated()) {
                text += "\n[output truncated]";
            }
            outcome = "ok";
        } else {
            text = "error: " + result.failureSummary() + (result.output().isBlank() ? "" : "\noutput:\n" + result.output());
            outcome = result.timedOut() ? "timed_out" : "failed";
        }
        return new Call(text, record(request, start, text, outcome));
    }

    private static Call rejected(ToolExecutionRequest request, long start, String why) {
        String text = "error: " + why;
        return new Call(text, record(request, start, text, "rejected"));
    }

    private static ToolCallRecord record(ToolExecutionRequest request, long start, String output, String outcome) {
        return new ToolCallRecord(request.name() == null ? "" : request.name(), request.arguments(), output,
                (System.nanoTime() - start) / 1_000_000, outcome);
    }

    /** The model's JSON arguments as the name=value strings a skill takes on its command line. */
    static Map<String, String> arguments(String json) {
        Map<String, String> args = new LinkedHashMap<>();
        if (json == null || json.isBlank()) {
            return args;
        }
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("the arguments are not valid JSON: send an object such as {\"name\": \"value\"}");
        }
        if (root == null || root.isNull()) {
            return args;
        }
        if (!root.isObject()) {
            throw new IllegalArgumentException("the arguments must be a JSON object of parameter names to values");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            JsonNode value = field.getValue();
            if (value.isNull()) {
                continue;
            }
            args.put(field.getKey(), value.isValueNode() ? value.asText() : value.toString());
        }
        return args;
    }
}
