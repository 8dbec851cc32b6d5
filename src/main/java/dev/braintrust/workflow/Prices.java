package dev.braintrust.workflow;

import com.fasterxml.jackson.databind.JsonNode;
import dev.braintrust.Json;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The price table in {@code PAI_HOME/prices.json}: per model, the price of a million input and a
 * million output tokens, in the currency the file names.
 *
 * <pre>{"currency": "EUR", "models": {"gpt-4o-mini": {"input": 0.14, "output": 0.55},
 *   "claude-sonnet-4*": {"input": 2.8, "output": 14}, "ollama:*": {"input": 0, "output": 0}}}</pre>
 *
 * A model name is looked up as written in the workflow, case-insensitively: an exact entry first,
 * else the longest entry ending in {@code *} that it starts with. A file that is missing or wrong
 * gives no prices (costs are unknown, never zero) and a warning that says what to fix.
 */
public final class Prices {
    static final long MAX_BYTES = 1024 * 1024;
    public static final String FILE = "prices.json";

    /** Per million tokens. */
    public record Price(double input, double output) {
        double cost(long inputTokens, long outputTokens) {
            return (inputTokens * input + outputTokens * output) / 1_000_000.0;
        }
    }

    private static final Prices NONE = new Prices(null, Map.of(), List.of(), List.of());

    private final String currency;
    private final Map<String, Price> exact;
    private final List<Map.Entry<String, Price>> prefixes;
    private final List<String> problems;

    private Prices(String currency, Map<String, Price> exact, List<Map.Entry<String, Price>> prefixes, List<String> problems) {
        this.currency = currency;
        this.exact = exact;
        this.prefixes = prefixes;
        this.problems = List.copyOf(problems);
    }

    /** The currency of every price; null when the table has none. */
    public String currency() {
        return currency;
    }

    /** What is wrong with the file, one line each; empty when it is fine or absent. */
    public List<String> problems() {
        return problems;
    }

    public boolean isEmpty() {
        return exact.isEmpty() && prefixes.isEmpty();
    }

    public Optional<Price> priceOf(String model) {
        String name = model.strip().toLowerCase(Locale.ROOT);
        Price price = exact.get(name);
        if (price != null) {
            return Optional.of(price);
        }
        for (Map.Entry<String, Price> prefix : prefixes) {
            if (name.startsWith(prefix.getKey())) {
                return Optional.of(prefix.getValue());
            }
        }
        return Optional.empty();
    }

    /**
     * The name a route's calls are priced by: the model as written when the table prices it, else the
     * model an alias stands for ({@code claude-3-5-sonnet} is priced as {@code claude-sonnet-4-5}).
     */
    public String nameFor(ModelRoute route) {
        return route.aliasOf() == null || priceOf(route.model()).isPresent() ? route.model() : route.aliasOf();
    }

    /** The cost of a call, or null when the model has no price or a count is unknown. */
    public Double cost(String model, Integer inputTokens, Integer outputTokens) {
        if (inputTokens == null || outputTokens == null) {
            return null;
        }
        return priceOf(model).map(p -> p.cost(inputTokens, outputTokens)).orElse(null);
    }

    /** The cost of this many tokens, or null when the model has no price. */
    public Double estimate(String model, long inputTokens, long outputTokens) {
        return priceOf(model).map(p -> p.cost(inputTokens, outputTokens)).orElse(null);
    }

    /** Reads a price table; a missing file is an empty table without problems. */
    public static Prices read(Path file) {
        byte[] bytes;
        try {
            if (Files.size(file) > MAX_BYTES) {
                return problem(file + " is over 1 MiB; a price table is a small JSON file");
            }
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return NONE;
        } catch (IOException e) {
            return problem(file + " cannot be read (" + e.getClass().getSimpleName() + "); costs are unknown until it can");
        }
        JsonNode root;
        try {
            root = Json.mapper().readTree(bytes);
        } catch (IOException e) {
            return problem(file + " is not valid JSON; costs are unknown until it is fixed ('brain-trust init' writes an example "
                    + "when the file is absent)");
        }
        List<String> problems = new ArrayList<>();
        if (root == null || !root.isObject() || !root.path("models").isObject()) {
            return problem(file + " needs {\"currency\": \"USD\", \"models\": {\"<model>\": {\"input\": <price>, \"output\": <price>}}}, "
                    + "prices per million tokens");
        }
        String currency = root.path("currency").isTextual() && !root.path("currency").asText().isBlank()
                ? root.path("currency").asText().strip() : null;
        if (currency == null) {
            problems.add(file + " has no \"currency\"; costs are shown without one");
        }
        Map<String, Price> exact = new HashMap<>();
        List<Map.Entry<String, Price>> prefixes = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.path("models").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            JsonNode in = entry.getValue().path("input");
            JsonNode out = entry.getValue().path("output");
            if (!in.isNumber() || !out.isNumber() || in.asDouble() < 0 || out.asDouble() < 0) {
                problems.add(file + ": model '" + entry.getKey() + "' needs \"input\" and \"output\" prices (numbers, 0 or more, "
                        + "per million tokens); it is left out");
                continue;
            }
            Price price = new Price(in.asDouble(), out.asDouble());
            String key = entry.getKey().strip().toLowerCase(Locale.ROOT);
            if (key.endsWith("*")) {
                prefixes.add(Map.entry(key.substring(0, key.length() - 1), price));
            } else {
                exact.put(key, price);
            }
        }
        prefixes.sort(Comparator.comparingInt((Map.Entry<String, Price> e) -> e.getKey().length()).reversed());
        return new Prices(currency, exact, prefixes, problems);
    }

    private static Prices problem(String line) {
        return new Prices(null, Map.of(), List.of(), List.of(line));
    }

    /**
     * The table of one file, read again only when the file changed (size or modification time), so
     * each run can ask for the current prices without reading the file every time.
     */
    static final class Cached {
        private final Path file;
        private volatile Stamp stamp;

        private record Stamp(long size, long modified, Prices prices) {
        }

        Cached(Path file) {
            this.file = file;
        }

        Prices get() {
            long size;
            long modified;
            try {
                BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
                size = a.size();
                modified = a.lastModifiedTime().toMillis();
            } catch (IOException e) {
                size = -1;
                modified = -1;
            }
            Stamp s = stamp;
            if (s == null || s.size != size || s.modified != modified) {
                s = new Stamp(size, modified, read(file));
                stamp = s;
            }
            return s.prices;
        }
    }
}
