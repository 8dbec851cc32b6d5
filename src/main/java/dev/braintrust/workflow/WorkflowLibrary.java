package dev.braintrust.workflow;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.braintrust.BrainTrustException;
import dev.braintrust.context.ContextLimits;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * The saved workflows: every {@code *.json} file in {@code workflows/}, runnable by its file stem, but
 * {@code models.json}, which holds the model aliases ({@link ModelAliases}).
 */
public final class WorkflowLibrary {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,127}");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Supplier<Path> folder;
    private final long fileLimit;

    /** @param folder the workflows folder; a supplier because in cloud mode it is the mirror's current checkout */
    public WorkflowLibrary(Supplier<Path> folder) {
        this(folder, ContextLimits.DEFAULT.fileBytes());
    }

    /** @param fileLimit the largest workflow file read (BRAIN_TRUST_CONTEXT_FILE_LIMIT); larger ones are reported, never read */
    public WorkflowLibrary(Supplier<Path> folder, long fileLimit) {
        this.folder = folder;
        this.fileLimit = fileLimit;
    }

    /** The workflows folder now (in cloud mode, the current commit's checkout). */
    public Path folder() {
        return folder.get();
    }

    public List<SavedWorkflow> list() {
        Path dir = folder.get();
        List<SavedWorkflow> all = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.json")) {
            for (Path file : files) {
                String name = file.getFileName().toString();
                if (!name.startsWith(".") && !name.equals(ModelAliases.FILE) && !Files.isDirectory(file)) {
                    all.add(inspect(file));
                }
            }
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (IOException e) {
            throw new BrainTrustException.Unavailable("cannot list " + dir + ": " + e.getMessage(), e);
        }
        all.sort(Comparator.comparing(SavedWorkflow::name));
        return all;
    }

    /**
     * The JSON of a saved workflow.
     *
     * @throws BrainTrustException.BadInput when the name could not be a file in the folder, or the file is not JSON
     * @throws BrainTrustException.NotFound when there is no such workflow
     */
    public JsonNode read(String name) {
        Path file = fileFor(name);
        try {
            String problem = unreadable(file);
            if (problem != null) {
                throw new BrainTrustException.BadInput(problem);
            }
            return JSON.readTree(Files.readString(file));
        } catch (NoSuchFileException e) {
            throw new BrainTrustException.NotFound("no saved workflow named '" + name + "' in workflows/; "
                    + "'brain-trust run --list' shows the saved ones");
        } catch (JsonProcessingException e) {
            throw new BrainTrustException.BadInput("workflows/" + name + ".json is not valid JSON: "
                    + dev.braintrust.Json.problem(e) + "; fix or remove it");
        } catch (IOException e) {
            throw new BrainTrustException.Unavailable("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Writes a workflow to {@code workflows/<name>.json}, replacing the file if there is one. The
     * file is written beside it and moved into place, so a reader sees the old or the new file, never half.
     *
     * @throws BrainTrustException.BadInput when the name could not be a file in the folder, or the JSON is not an object
     * @throws BrainTrustException.Unavailable when the file cannot be written
     */
    public SavedWorkflow save(String name, JsonNode workflow) {
        Path file = fileFor(name);
        if (workflow == null || !workflow.isObject()) {
            throw new BrainTrustException.BadInput("a workflow is a JSON object with \"nodes\" and \"edges\"");
        }
        Path temp = null;
        try {
            Files.createDirectories(file.getParent());
            temp = Files.createTempFile(file.getParent(), ".saving-", ".tmp");
            Files.write(temp, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(workflow));
            Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return inspect(file);
        } catch (IOException e) {
            throw new BrainTrustException.Unavailable("cannot write " + file + ": " + e.getMessage(), e);
        } finally {
            if (temp != null) {
                try {
                    Files.deleteIfExists(temp);
                } catch (IOException ignored) {
                    // a leftover hidden temp file is not listed and is replaced by the next save
                }
            }
        }
    }

    /** The file a workflow of this name lives in; the name cannot reach outside the folder. */
    public Path fileFor(String name) {
        String stem = name != null && name.endsWith(".json") ? name.substring(0, name.length() - 5) : name;
        if (stem == null || !NAME.matcher(stem).matches() || stem.contains("..")) {
            throw new BrainTrustException.BadInput("'" + name + "' is not a workflow name: use letters, digits, '.', '_' and '-'");
        }
        if ((stem + ".json").equalsIgnoreCase(ModelAliases.FILE)) {
            throw new BrainTrustException.BadInput("'" + stem + "' cannot be a workflow name: " + ModelAliases.FILE_PATH
                    + " holds the model aliases; choose another name");
        }
        return folder.get().resolve(stem + ".json");
    }

    /**
     * Why a workflow file is not read, or null when it can be: only regular files (a named pipe would
     * block the read forever) within the size limit are.
     */
    private String unreadable(Path file) throws IOException {
        BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
        if (!attributes.isRegularFile()) {
            return "workflows/" + file.getFileName() + " is not a regular file (a folder, named pipe, socket or device); "
                    + "it is not read: remove it";
        }
        if (attributes.size() > fileLimit) {
            return "workflows/" + file.getFileName() + " is " + ContextLimits.describe(attributes.size()) + ", over the limit of "
                    + ContextLimits.describe(fileLimit) + " (BRAIN_TRUST_CONTEXT_FILE_LIMIT); it is not read: trim it";
        }
        return null;
    }

    private SavedWorkflow inspect(Path file) {
        String stem = file.getFileName().toString().replaceFirst("\\.json$", "");
        try {
            String problem = unreadable(file);
            if (problem != null) {
                return new SavedWorkflow(stem, stem, file, problem);
            }
            JsonNode root = JSON.readTree(Files.readString(file));
            if (root == null || !root.isObject()) {
                return new SavedWorkflow(stem, stem, file, "workflows/" + file.getFileName()
                        + " is not a JSON object with nodes and edges; fix or remove it");
            }
            String title = root.path("name").isTextual() ? root.get("name").asText() : stem;
            return new SavedWorkflow(stem, title, file, null);
        } catch (JsonProcessingException e) {
            return new SavedWorkflow(stem, stem, file, "workflows/" + file.getFileName() + " is not valid JSON: "
                    + dev.braintrust.Json.problem(e) + "; fix or remove it");
        } catch (IOException e) {
            return new SavedWorkflow(stem, stem, file, "workflows/" + file.getFileName() + " cannot be read ("
                    + e.getClass().getSimpleName() + ")");
        }
    }
}
