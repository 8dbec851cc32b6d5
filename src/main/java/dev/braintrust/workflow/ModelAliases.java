package dev.braintrust.workflow;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * Model names that are not the names providers serve: those the original Brain Trust's UI and
 * examples use ({@code claude-3-5-sonnet}, {@code gemini-pro}, ...), built in, and the user's own
 * in {@code workflows/models.json}, which override the built-in ones:
 * <pre>{"claude-3-5-sonnet": "claude-sonnet-4-5", "fast": "ollama:llama3.2", "gemini-pro": null}</pre>
 * A value is a model name the naming rules route ({@link ModelRouter}); {@code null} removes a
 * built-in alias, so that name goes to the provider as written. Names match whatever their case.
 *
 * <p>The file sits beside the workflows, so in cloud mode it comes from the repository's commit like
 * them. It is read again whenever its size or modification time changes (a {@code stat} per look-up).
 */
public final class ModelAliases {
    public static final String FILE = "models.json";
    /** Where the file is, as the user sees it. */
    public static final String FILE_PATH = "workflows/" + FILE;
    static final long MAX_FILE_BYTES = 256 * 1024;

    /** The names of the original Brain Trust, and the models that stand for them now. */
    public static final Map<String, String> BUILT_IN = builtIn();

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Supplier<Path> folder;
    private volatile Loaded loaded;

    /**
     * The current alias table.
     *
     * @param aliases  every alias in effect, lower-case name → target as written
     * @param fromFile the ones {@code workflows/models.json} sets or removes (removed ones map to null)
     * @param problem  why the file cannot be used (then only the built-in aliases apply); null when it can
     */
    public record Table(Map<String, String> aliases, Map<String, String> fromFile, String problem) {
        public Table {
            aliases = Collections.unmodifiableMap(new LinkedHashMap<>(aliases));
            fromFile = Collections.unmodifiableMap(new LinkedHashMap<>(fromFile));
        }

        /** The target of a name, or null when it is no alias. */
        public String target(String model) {
            return model == null ? null : aliases.get(model.strip().toLowerCase(Locale.ROOT));
        }
    }

    private record Loaded(Path file, long size, long modified, Table table) {
    }

    /** @param folder the workflows folder (a supplier: in cloud mode it is the current commit's checkout) */
    public ModelAliases(Supplier<Path> folder) {
        this.folder = Objects.requireNonNull(folder);
    }

    /** The built-in aliases only, for code that has no home (tests, tools). */
    public static ModelAliases builtInOnly() {
        return new ModelAliases(() -> null);
    }

    public Table table() {
        Path dir = folder.get();
        if (dir == null) {
            return new Table(BUILT_IN, Map.of(), null);
        }
        Path file = dir.resolve(FILE);
        BasicFileAttributes attributes;
        try {
            attributes = Files.readAttributes(file, BasicFileAttributes.class);
        } catch (NoSuchFileException e) {
            return new Table(BUILT_IN, Map.of(), null);
        } catch (IOException e) {
            return new Table(BUILT_IN, Map.of(), FILE_PATH + " cannot be read (" + e.getClass().getSimpleName() + ")");
        }
        Loaded last = loaded;
        long modified = attributes.lastModifiedTime().toMillis();
        if (last != null && last.file.equals(file) && last.size == attributes.size() && last.modified == modified) {
            return last.table;
        }
        Table table = read(file, attributes);
        loaded = new Loaded(file, attributes.size(), modified, table);
        return table;
    }

    private static Table read(Path file, BasicFileAttributes attributes) {
        if (!attributes.isRegularFile()) {
            return problem(FILE_PATH + " is not a file; remove it or make it a JSON object of aliases");
        }
        if (attributes.size() > MAX_FILE_BYTES) {
            return problem(FILE_PATH + " is " + attributes.size() + " bytes; an alias table is at most " + MAX_FILE_BYTES / 1024 + " KiB");
        }
        JsonNode root;
        try {
            root = JSON.readTree(Files.readString(file));
        } catch (JsonProcessingException e) {
            return problem(FILE_PATH + " is not valid JSON (line " + e.getLocation().getLineNr() + ", column "
                    + e.getLocation().getColumnNr() + "); fix it or remove it");
        } catch (IOException e) {
            return problem(FILE_PATH + " cannot be read (" + e.getClass().getSimpleName() + ")");
        }
        if (root == null || !root.isObject()) {
            return problem(FILE_PATH + " must be a JSON object such as {\"claude-3-5-sonnet\": \"claude-sonnet-4-5\"}");
        }
        Map<String, String> fromFile = new LinkedHashMap<>();
        var fields = root.fields();
        while (fields.hasNext()) {
            var field = fields.next();
            String name = field.getKey().strip().toLowerCase(Locale.ROOT);
            JsonNode value = field.getValue();
            if (name.isEmpty()) {
                return problem(FILE_PATH + " has an empty model name");
            }
            if (value.isNull()) {
                fromFile.put(name, null);
            } else if (value.isTextual() && !value.asText().isBlank()) {
                fromFile.put(name, value.asText().strip());
            } else {
                return problem(FILE_PATH + ": the alias '" + field.getKey() + "' must map to a model name (text), or null to drop it");
            }
        }
        Map<String, String> aliases = new LinkedHashMap<>(BUILT_IN);
        fromFile.forEach((name, target) -> {
            if (target == null) {
                aliases.remove(name);
            } else {
                aliases.put(name, target);
            }
        });
        return new Table(aliases, fromFile, null);
    }

    private static Table problem(String problem) {
        return new Table(BUILT_IN, Map.of(), problem);
    }

    private static Map<String, String> builtIn() {
        Map<String, String> m = new LinkedHashMap<>();
        for (String name : new String[]{"claude-3-5-sonnet", "claude-3.5-sonnet", "claude-3-5-sonnet-latest",
                "claude-3-5-sonnet-20241022", "claude-3-5-sonnet-20240620", "claude-3-7-sonnet", "claude-3.7-sonnet",
                "claude-3-7-sonnet-latest", "claude-3-7-sonnet-20250219", "claude-3-sonnet", "claude-3-sonnet-20240229"}) {
            m.put(name, "claude-sonnet-4-5");
        }
        for (String name : new String[]{"claude-3-opus", "claude-3-opus-latest", "claude-3-opus-20240229"}) {
            m.put(name, "claude-opus-4-1");
        }
        for (String name : new String[]{"claude-3-5-haiku", "claude-3.5-haiku", "claude-3-haiku"}) {
            m.put(name, "claude-haiku-4-5");
        }
        for (String name : new String[]{"gemini-pro", "gemini-1.0-pro", "gemini-1.5-pro", "gemini-1.5-pro-latest",
                "models/gemini-pro", "models/gemini-1.5-pro"}) {
            m.put(name, "gemini-2.5-pro");
        }
        for (String name : new String[]{"gemini-1.5-flash", "gemini-1.5-flash-latest", "models/gemini-1.5-flash"}) {
            m.put(name, "gemini-2.5-flash");
        }
        return Collections.unmodifiableMap(m);
    }
}
