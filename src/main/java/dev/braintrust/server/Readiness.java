package dev.braintrust.server;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;

/**
 * The conditions {@code GET /ready} reports. Each check answers null when its part is ready, or
 * one line saying what is not. Local mode requires a first context snapshot; cloud mode adds its
 * own condition, for example {@code server.readiness().require("sync", mirror::problem)}.
 */
public final class Readiness {
    private record Check(String name, Supplier<String> problem) {
    }

    private record Report(String name, Supplier<Object> facts) {
    }

    private final List<Check> checks = new CopyOnWriteArrayList<>();
    private final List<Report> reports = new CopyOnWriteArrayList<>();

    /** Adds facts {@code /ready} shows whatever the checks say (cloud mode: the last sync and its error). */
    public void report(String name, Supplier<Object> facts) {
        reports.add(new Report(name, facts));
    }

    /** Each report's name to its facts, in the order they were added. */
    public Map<String, Object> reports() {
        Map<String, Object> results = new LinkedHashMap<>();
        for (Report report : reports) {
            try {
                results.put(report.name, report.facts.get());
            } catch (RuntimeException e) {
                results.put(report.name, e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
            }
        }
        return results;
    }

    /** Adds a condition; may be called before or after the server starts. */
    public void require(String name, Supplier<String> problemOrNull) {
        checks.add(new Check(name, problemOrNull));
    }

    /** Each check's name to "ok" or its problem, in the order they were added. A check that throws is not ready. */
    public Map<String, String> evaluate() {
        Map<String, String> results = new LinkedHashMap<>();
        for (Check check : checks) {
            String problem;
            try {
                problem = check.problem.get();
            } catch (RuntimeException e) {
                problem = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            }
            results.put(check.name, problem == null ? "ok" : problem);
        }
        return results;
    }

    public static boolean allOk(Map<String, String> results) {
        return results.values().stream().allMatch("ok"::equals);
    }
}
