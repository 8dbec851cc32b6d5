package dev.braintrust.mcp;

import dev.braintrust.BrainTrust;
import dev.braintrust.BrainTrustException;
import dev.braintrust.context.ContextFile;
import dev.braintrust.context.ContextSelection;
import dev.braintrust.context.ContextSnapshot;
import dev.braintrust.context.PromptComposer;
import dev.braintrust.journal.Journal;
import dev.braintrust.workflow.SavedWorkflow;
import io.modelcontextprotocol.server.McpServerFeatures.SyncResourceSpecification;
import io.modelcontextprotocol.server.McpServerFeatures.SyncResourceTemplateSpecification;
import io.modelcontextprotocol.spec.McpError;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpSchema.ReadResourceResult;
import io.modelcontextprotocol.spec.McpSchema.Resource;
import io.modelcontextprotocol.spec.McpSchema.TextResourceContents;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What Brain Trust offers as MCP resources: each context file, the composed TELOS block, each
 * journal day and each saved workflow's JSON. Every read takes one context snapshot and says its
 * revision in the contents' {@code _meta}. Context is what {@link ClientContext} clears clients for:
 * a withheld file is not listed, and reading it is refused saying why.
 *
 * <p>The listing is {@link #current()}: the resources there are now, each with a version (a hash,
 * a size and time) that changes when its content does, so {@link CatalogSync} can tell clients which
 * ones were updated.
 */
final class ResourceCatalog {
    static final String SCHEME = "brain-trust://";
    static final String CONTEXT = SCHEME + "context/";
    static final String TELOS = SCHEME + "telos";
    static final String JOURNAL = SCHEME + "journal/";
    static final String WORKFLOWS = SCHEME + "workflows/";
    /** The journal days listed; older ones are read through the journal template. */
    static final int LISTED_DAYS = 31;
    static final String MARKDOWN = "text/markdown";
    static final String JSON = "application/json";

    /** A resource as listed, with the version its content has now. */
    record Entry(Resource resource, String version) {
    }

    private final BrainTrust bt;
    private final ClientContext context;

    ResourceCatalog(BrainTrust bt) {
        this.bt = bt;
        this.context = new ClientContext(bt);
    }

    /** The resources there are now, by URI, in listing order. */
    Map<String, Entry> current() {
        Map<String, Entry> all = new LinkedHashMap<>();
        ContextSelection selection = context.now();
        all.put(TELOS, new Entry(Resource.builder(TELOS, "telos").title("Your TELOS context, composed")
                .description("Every context file composed into the block each agent's system prompt starts with")
                .mimeType(MARKDOWN).build(), selection.revision()));
        for (ContextFile file : selection.received()) {
            String uri = CONTEXT + file.name();
            all.put(uri, new Entry(Resource.builder(uri, file.name()).title("Context: " + file.stem())
                    .description("The context file " + file.name()).mimeType(MARKDOWN).build(), file.sha256()));
        }
        List<LocalDate> days = bt.journal().days();
        for (LocalDate day : days.subList(0, Math.min(LISTED_DAYS, days.size()))) {
            String uri = JOURNAL + day;
            all.put(uri, new Entry(Resource.builder(uri, "journal " + day).title("Journal of " + day)
                    .description("What the agents did on " + day).mimeType(MARKDOWN).build(), fileVersion(journalFile(day))));
        }
        for (SavedWorkflow saved : bt.workflows().list()) {
            String uri = WORKFLOWS + saved.name();
            all.put(uri, new Entry(Resource.builder(uri, saved.name() + ".json").title("Workflow: " + saved.title())
                    .description("The saved workflow workflows/" + saved.name() + ".json"
                            + (saved.usable() ? "" : " (" + saved.problem() + ")"))
                    .mimeType(JSON).build(), fileVersion(saved.file())));
        }
        return all;
    }

    /** The spec the SDK serves a listed resource with. */
    SyncResourceSpecification spec(Resource resource) {
        return new SyncResourceSpecification(resource, (exchange, request) -> read(request.uri()));
    }

    /** Journal days beyond the listed ones, and any context file, are still readable by URI. */
    List<SyncResourceTemplateSpecification> templates() {
        return List.of(
                new SyncResourceTemplateSpecification(McpSchema.ResourceTemplate.builder()
                        .uriTemplate(JOURNAL + "{date}").name("journal").title("Journal of a day")
                        .description("The journal of one day, YYYY-MM-DD").mimeType(MARKDOWN).build(),
                        (exchange, request) -> read(request.uri())),
                new SyncResourceTemplateSpecification(McpSchema.ResourceTemplate.builder()
                        .uriTemplate(CONTEXT + "{file}").name("context-file").title("A context file")
                        .description("One file of context/, e.g. MISSION.md").mimeType(MARKDOWN).build(),
                        (exchange, request) -> read(request.uri())));
    }

    /**
     * Reads a resource by URI.
     *
     * @throws McpError (resource not found) for a URI that names nothing here
     */
    ReadResourceResult read(String uri) {
        try {
            if (uri.equals(TELOS)) {
                ContextSelection selection = context.now();
                return text(uri, MARKDOWN, telosBlock(selection.snapshot()), selection.revision());
            }
            if (uri.startsWith(CONTEXT)) {
                ContextSelection selection = context.now();
                String name = uri.substring(CONTEXT.length());
                ContextFile file = ClientContext.file(selection, name).orElseThrow(() -> ClientContext.refusal(selection, name)
                        .map(why -> McpError.builder(McpSchema.ErrorCodes.RESOURCE_NOT_FOUND).message(why).data(Map.of("uri", uri)).build())
                        .orElseGet(() -> McpError.RESOURCE_NOT_FOUND.apply(uri)));
                return text(uri, MARKDOWN, file.content(), selection.revision());
            }
            if (uri.startsWith(JOURNAL)) {
                return text(uri, MARKDOWN, bt.journal().read(uri.substring(JOURNAL.length())), null);
            }
            if (uri.startsWith(WORKFLOWS)) {
                String name = uri.substring(WORKFLOWS.length());
                return text(uri, JSON, bt.workflows().read(name).toPrettyString(), bt.context().snapshot().revision());
            }
        } catch (BrainTrustException.NotFound | BrainTrustException.BadInput e) {
            throw McpError.RESOURCE_NOT_FOUND.apply(uri);
        }
        throw McpError.RESOURCE_NOT_FOUND.apply(uri);
    }

    /**
     * The TELOS block alone: the composed prompt without the agent part that follows its closing rule.
     * Pass the snapshot of a {@link ContextSelection} ({@link ClientContext#now()}), never the whole one.
     */
    static String telosBlock(ContextSnapshot snapshot) {
        String composed = PromptComposer.compose(snapshot, (String) null);
        int rule = composed.lastIndexOf("\n---\n");
        return (rule < 0 ? composed : composed.substring(0, rule)).strip() + "\n";
    }

    private static ReadResourceResult text(String uri, String mimeType, String text, String revision) {
        Map<String, Object> meta = revision == null ? null : Map.of("revision", revision);
        return new ReadResourceResult(List.of(new TextResourceContents(uri, mimeType, text, meta)), meta);
    }

    private Path journalFile(LocalDate day) {
        return bt.home().logs().resolve(day + ".md");
    }

    /** Size and modification time: enough to see that a file changed, without reading it. */
    private static String fileVersion(Path file) {
        try {
            return Files.size(file) + "@" + Files.getLastModifiedTime(file).toMillis();
        } catch (IOException e) {
            return "unreadable";
        }
    }
}
