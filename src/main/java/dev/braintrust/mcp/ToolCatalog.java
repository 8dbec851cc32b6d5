package dev.braintrust.mcp;

import dev.braintrust.BrainTrust;
import dev.braintrust.BrainTrustException;
import dev.braintrust.context.ContextFile;
import dev.braintrust.context.ContextSelection;
import dev.braintrust.context.ContextSnapshot;
import dev.braintrust.journal.Journal;
import dev.braintrust.journal.RunRecord;
import dev.braintrust.skills.Skill;
import dev.braintrust.skills.SkillParam;
import dev.braintrust.skills.SkillResult;
import dev.braintrust.workflow.RunEvent;
import dev.braintrust.workflow.SavedWorkflow;
import dev.braintrust.workflow.Workflow;
import io.modelcontextprotocol.server.McpServerFeatures.SyncToolSpecification;
import io.modelcontextprotocol.server.McpSyncServerExchange;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpSchema.CallToolRequest;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import io.modelcontextprotocol.spec.McpSchema.Tool;
import io.modelcontextprotocol.spec.McpSchema.ToolAnnotations;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;
import java.util.function.Consumer;

/**
 * The MCP tools: every skill (run by the same {@link dev.braintrust.skills.SkillRunner} as agents use:
 * argv, timeout, capped output), {@code run_workflow}, and, for clients that support tools only, one
 * tool per kind of resource: {@code get_context}, {@code read_journal}, {@code get_workflow}. Every
 * call is journaled and recorded (see {@link ToolRecorder}); a workflow run is recorded as the run it is.
 */
final class ToolCatalog implements AutoCloseable {
    static final String RUN_WORKFLOW = "run_workflow";
    static final String GET_CONTEXT = "get_context";
    static final String READ_JOURNAL = "read_journal";
    static final String GET_WORKFLOW = "get_workflow";
    static final Set<String> BUILT_IN = Set.of(RUN_WORKFLOW, GET_CONTEXT, READ_JOURNAL, GET_WORKFLOW);
    /** A skill named like a built-in tool is offered under this prefix. */
    static final String SKILL_PREFIX = "skill_";
    /** The longest range {@code read_journal} reads at once, and the most text it returns. */
    static final int MAX_JOURNAL_DAYS = 31;
    static final int MAX_JOURNAL_CHARS = 256 * 1024;

    private final BrainTrust bt;
    private final ToolRecorder recorder;
    private final ClientContext context;
    /** Sends run_workflow's progress notifications off the agents' threads. */
    private final ExecutorService progress = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "mcp-progress");
        t.setDaemon(true);
        return t;
    });

    ToolCatalog(BrainTrust bt, ToolRecorder recorder) {
        this.bt = bt;
        this.recorder = recorder;
        this.context = new ClientContext(bt);
    }

    /** The tools there are now, by name: the built-in ones, then one per skill. */
    Map<String, SyncToolSpecification> current() {
        Map<String, SyncToolSpecification> all = new LinkedHashMap<>();
        List<String> saved = bt.workflows().list().stream().filter(SavedWorkflow::usable).map(SavedWorkflow::name).toList();
        Map<String, Object> workflowName = saved.isEmpty() ? Map.of("type", "string", "description", "a saved workflow's name")
                : Map.of("type", "string", "enum", saved, "description", "the saved workflow to run");
        add(all, Tool.builder().name(RUN_WORKFLOW).title("Run a workflow")
                        .description("Runs one of your saved workflows (its agents get your context and your skills) and "
                                + "returns its final output, the run's id and the context revision it used")
                        .inputSchema(schema(Map.of("name", workflowName,
                                "input", Map.of("type", "string", "description", "what the workflow works on, given to its first agents")),
                                List.of("name")))
                        .outputSchema(schema(Map.of("runId", Map.of("type", "string"), "revision", Map.of("type", List.of("string", "null")),
                                "status", Map.of("type", "string"), "output", Map.of("type", "string")), List.of("runId", "status", "output")))
                        .build(),
                this::runWorkflow);
        add(all, readOnly(GET_CONTEXT, "Get my context",
                        "Your TELOS context composed into one block (mission, beliefs, goals, identity, other files), or one "
                                + "context file when 'file' is given",
                        Map.of("file", Map.of("type", "string", "description", "one context file, e.g. MISSION.md; leave out for the whole block")),
                        List.of()),
                this::getContext);
        add(all, readOnly(READ_JOURNAL, "Read my journal",
                        "The journal of what the agents did: one day ('date'), or the days from 'from' to 'to' (at most "
                                + MAX_JOURNAL_DAYS + "); the latest day when neither is given",
                        Map.of("date", Map.of("type", "string", "description", "YYYY-MM-DD"),
                                "from", Map.of("type", "string", "description", "YYYY-MM-DD, the first day of a range"),
                                "to", Map.of("type", "string", "description", "YYYY-MM-DD, the last day of a range (default today)")),
                        List.of()),
                this::readJournal);
        add(all, readOnly(GET_WORKFLOW, "Get a saved workflow", "The JSON of one of your saved workflows",
                        Map.of("name", workflowName), List.of("name")),
                this::getWorkflow);
        for (Skill skill : bt.skills().list()) {
            String name = BUILT_IN.contains(skill.name()) ? SKILL_PREFIX + skill.name() : skill.name();
            add(all, Tool.builder().name(name).title("Skill: " + skill.name())
                            .description(skill.description().isBlank() ? "Runs your skill " + skill.name() : skill.description())
                            .inputSchema(skillSchema(skill)).build(),
                    (exchange, request) -> runSkill(exchange, request, skill.name()));
        }
        return all;
    }

    private static void add(Map<String, SyncToolSpecification> all, Tool tool,
                            BiFunction<McpSyncServerExchange, CallToolRequest, CallToolResult> handler) {
        all.put(tool.name(), new SyncToolSpecification(tool, handler));
    }

    private static Tool readOnly(String name, String title, String description, Map<String, Object> properties,
                                 List<String> required) {
        return Tool.builder().name(name).title(title).description(description).inputSchema(schema(properties, required))
                .annotations(new ToolAnnotations(title, true, false, true, false, null)).build();
    }

    private static Map<String, Object> schema(Map<String, Object> properties, List<String> required) {
        Map<String, Object> schema = new LinkedHashMap<>();
        schema.put("type", "object");
        schema.put("properties", properties);
        schema.put("required", required);
        return schema;
    }

    static Map<String, Object> skillSchema(Skill skill) {
        Map<String, Object> properties = new LinkedHashMap<>();
        for (SkillParam p : skill.params()) {
            String type = switch (p.type().toLowerCase(Locale.ROOT)) {
                case "int", "integer" -> "integer";
                case "float", "number" -> "number";
                case "bool", "boolean" -> "boolean";
                default -> "string";
            };
            properties.put(p.name(), Map.of("type", type, "description", p.description()));
        }
        return schema(properties, skill.params().stream().filter(SkillParam::required).map(SkillParam::name).toList());
    }

    // ---- handlers ----------------------------------------------------------------------------

    private CallToolResult runSkill(McpSyncServerExchange exchange, CallToolRequest request, String skillName) {
        long start = System.nanoTime();
        String revision = revision();
        String output;
        String error = null;
        try {
            Skill skill = bt.skills().find(skillName);
            SkillResult result = bt.skillRunner().run(skill, skillArguments(request.arguments()));
            output = result.output() + (result.truncated() ? "\n[output truncated]" : "");
            if (!result.ok()) {
                error = result.failureSummary();
            }
        } catch (BrainTrustException e) {
            output = "";
            error = e.getMessage();
        }
        recorder.record(exchange, request.name(), request.arguments(), revision, millisSince(start), output, error);
        if (error != null) {
            return failure(error + (output.isBlank() ? "" : "\noutput:\n" + output));
        }
        return CallToolResult.builder().addTextContent(output.isEmpty() ? "(the skill printed nothing)" : output).build();
    }

    private CallToolResult runWorkflow(McpSyncServerExchange exchange, CallToolRequest request) {
        String name = PromptCatalog.argument(request.arguments(), "name");
        if (name == null || name.isBlank()) {
            return failure("run_workflow needs 'name': one of " + savedNames());
        }
        Workflow workflow;
        RunRecord run;
        try {
            workflow = bt.runs().loadSaved(name).withInput(PromptCatalog.argument(request.arguments(), "input"));
            run = bt.runs().run(workflow, ToolRecorder.source(exchange), progressReporter(exchange, request, workflow));
        } catch (BrainTrustException e) {
            return failure(e.getMessage());
        }
        String output = run.finalOutput() == null ? "" : run.finalOutput();
        Map<String, Object> structured = new LinkedHashMap<>();
        structured.put("runId", run.id());
        structured.put("revision", run.revision());
        structured.put("status", run.status().label());
        structured.put("output", run.succeeded() ? output : run.error() == null ? "" : run.error());
        if (!run.succeeded()) {
            return CallToolResult.builder().addTextContent("the run " + run.id() + " " + run.status().label() + ": " + run.error())
                    .isError(true).build();
        }
        return CallToolResult.builder().addTextContent(output).structuredContent(structured)
                .meta(Map.of("runId", run.id(), "revision", String.valueOf(run.revision()))).build();
    }

    /** Sends a progress notification as each agent finishes, when the client asked for progress. */
    private Consumer<RunEvent> progressReporter(McpSyncServerExchange exchange, CallToolRequest request, Workflow workflow) {
        Object token = request.progressToken();
        if (token == null) {
            return null;
        }
        double total = workflow.agents().size();
        AtomicInteger done = new AtomicInteger();
        return event -> {
            if (event.type() == RunEvent.Type.NODE_FINISHED) {
                double count = done.incrementAndGet();
                String message = event.agent() + " " + event.status();
                progress.execute(() -> {
                    try {
                        exchange.progressNotification(new McpSchema.ProgressNotification(token, count, total, message));
                    } catch (RuntimeException e) {
                        // the client went away; the run goes on
                    }
                });
            }
        };
    }

    private CallToolResult getContext(McpSyncServerExchange exchange, CallToolRequest request) {
        long start = System.nanoTime();
        ContextSelection selection = context.now();
        ContextSnapshot snapshot = selection.snapshot();
        String file = PromptCatalog.argument(request.arguments(), "file");
        String text;
        String error = null;
        if (file == null || file.isBlank()) {
            text = ResourceCatalog.telosBlock(snapshot);
        } else {
            text = ClientContext.file(selection, file.strip()).map(ContextFile::content).orElse(null);
            if (text == null) {
                error = ClientContext.refusal(selection, file.strip()).orElse("no context file '" + file + "'; the files are: "
                        + String.join(", ", selection.receivedNames()));
            }
        }
        recorder.record(exchange, request.name(), request.arguments(), snapshot.revision(), millisSince(start),
                text == null ? "" : text, error);
        if (error != null) {
            return failure(error);
        }
        return CallToolResult.builder().addTextContent(text).meta(Map.of("revision", String.valueOf(snapshot.revision()))).build();
    }

    private CallToolResult readJournal(McpSyncServerExchange exchange, CallToolRequest request) {
        long start = System.nanoTime();
        String text;
        String error = null;
        try {
            text = journalText(PromptCatalog.argument(request.arguments(), "date"), PromptCatalog.argument(request.arguments(), "from"),
                    PromptCatalog.argument(request.arguments(), "to"));
        } catch (BrainTrustException e) {
            text = "";
            error = e.getMessage();
        }
        recorder.record(exchange, request.name(), request.arguments(), null, millisSince(start), text, error);
        return error != null ? failure(error) : CallToolResult.builder().addTextContent(text).build();
    }

    /** One day, a range of days (oldest first, days without a journal left out), or the latest day. */
    String journalText(String date, String from, String to) {
        Journal journal = bt.journal();
        if (date != null && !date.isBlank()) {
            return journal.read(date.strip());
        }
        if (from == null || from.isBlank()) {
            List<LocalDate> days = journal.days();
            if (days.isEmpty()) {
                return "(the journal is empty: nothing has run yet)";
            }
            return journal.read(days.get(0).toString());
        }
        LocalDate first = Journal.parseDay(from.strip());
        LocalDate last = to == null || to.isBlank() ? journal.today() : Journal.parseDay(to.strip());
        if (last.isBefore(first)) {
            throw new BrainTrustException.BadInput("'to' (" + last + ") is before 'from' (" + first + ")");
        }
        if (first.plusDays(MAX_JOURNAL_DAYS - 1).isBefore(last)) {
            throw new BrainTrustException.BadInput("at most " + MAX_JOURNAL_DAYS + " days at once; ask for a shorter range");
        }
        Set<LocalDate> present = Set.copyOf(journal.days());
        StringBuilder out = new StringBuilder();
        for (LocalDate day = first; !day.isAfter(last); day = day.plusDays(1)) {
            if (present.contains(day)) {
                out.append(journal.read(day.toString())).append('\n');
                if (out.length() > MAX_JOURNAL_CHARS) {
                    out.setLength(MAX_JOURNAL_CHARS);
                    out.append("\n[cut at ").append(MAX_JOURNAL_CHARS / 1024).append(" KiB: ask for fewer days]\n");
                    break;
                }
            }
        }
        return out.length() == 0 ? "(no journal between " + first + " and " + last + ")" : out.toString();
    }

    private CallToolResult getWorkflow(McpSyncServerExchange exchange, CallToolRequest request) {
        long start = System.nanoTime();
        String name = PromptCatalog.argument(request.arguments(), "name");
        String text = "";
        String error = null;
        try {
            if (name == null || name.isBlank()) {
                throw new BrainTrustException.BadInput("get_workflow needs 'name': one of " + savedNames());
            }
            text = bt.workflows().read(name.strip()).toPrettyString();
        } catch (BrainTrustException e) {
            error = e.getMessage();
        }
        recorder.record(exchange, request.name(), request.arguments(), revision(), millisSince(start), text, error);
        return error != null ? failure(error) : CallToolResult.builder().addTextContent(text).build();
    }

    // ---- helpers -----------------------------------------------------------------------------

    /** The model's JSON arguments as the text values a skill takes on its command line. */
    static Map<String, String> skillArguments(Map<String, Object> arguments) {
        Map<String, String> args = new LinkedHashMap<>();
        if (arguments == null) {
            return args;
        }
        arguments.forEach((name, value) -> {
            if (value == null) {
                return;
            }
            if (value instanceof Map<?, ?> || value instanceof List<?>) {
                args.put(name, ToolRecorder.json(value));
            } else if (value instanceof Double d && d == Math.rint(d) && !Double.isInfinite(d)) {
                args.put(name, Long.toString(d.longValue()));
            } else {
                args.put(name, value.toString());
            }
        });
        return args;
    }

    private String revision() {
        try {
            return bt.context().snapshot().revision();
        } catch (BrainTrustException e) {
            return null;
        }
    }

    private String savedNames() {
        List<String> names = new ArrayList<>(bt.workflows().list().stream().filter(SavedWorkflow::usable).map(SavedWorkflow::name).toList());
        return names.isEmpty() ? "(none saved)" : String.join(", ", names);
    }

    private static CallToolResult failure(String message) {
        return CallToolResult.builder().addTextContent(message).isError(true).build();
    }

    private static long millisSince(long start) {
        return (System.nanoTime() - start) / 1_000_000;
    }

    @Override
    public void close() {
        progress.shutdownNow();
    }
}
