package dev.braintrust.server;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;

/**
 * The conditions {@code GET /ready} reports. A required check answers null when its part is ready,
 * or one line saying what is not (the server is then not ready, 503). A degradation check answers
 * null, or what is failing while the server still serves (cloud mode: syncs fail, an older snapshot
 * is served): the server stays ready and the check reads {@code failing}. Local mode requires a first
 * context snapshot and the run database; cloud mode adds its own, for example
 * {@code server.readiness().require("sync", mirror::problem)}.
 */
public final class Readiness {
    /** How one part stands, as strangers may see it (the reasons are for the key holder). */
    public enum State {
        OK("ok"), PINNED("pinned"), FAILING("failing"), NOT_READY("not ready");

        private final String label;

        State(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    /** One part's state and, unless it is ok, why (which may name URLs, revisions and errors). */
    public record Result(String name, State state, String reason) {
    }

    private record Check(String name, Supplier<String> problem, Supplier<String> failure, Supplier<String> heldBack) {
        Check(String name, Supplier<String> problem, Supplier<String> failure) {
            this(name, problem, failure, () -> null);
        }
    }

    private record Report(String name, Supplier<Object> facts) {
    }

    private final List<Check> checks = new CopyOnWriteArrayList<>();
    private final List<Report> reports = new CopyOnWriteArrayList<>();

    /** Adds facts {@code /ready} shows the key holder whatever the checks say (cloud mode: the last sync and its error). */
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

    /** Adds a condition the server needs to be ready; may be called before or after the server starts. */
    public void require(String name, Supplier<String> problemOrNull) {
        checks.add(new Check(name, problemOrNull, () -> null));
    }

    /**
     * Adds a condition under which the server is ready but a part of it is failing; when the same
     * name is also {@link #require required}, the two are one check (not ready wins over failing).
     */
    public void degradedWhen(String name, Supplier<String> failureOrNull) {
        checks.add(new Check(name, () -> null, failureOrNull));
    }

    /**
     * Adds a condition under which the server is ready and its part works, but deliberately serves something older
     * than it could (cloud mode: pinned to a commit): the check reads {@code pinned}, never a false {@code ok}.
     */
    public void heldBackWhen(String name, Supplier<String> noteOrNull) {
        checks.add(new Check(name, () -> null, () -> null, noteOrNull));
    }

    /** Every check, in the order the names were first added; a check that throws is not ready. */
    public List<Result> evaluate() {
        Map<String, Result> results = new LinkedHashMap<>();
        for (Check check : checks) {
            Result result = evaluate(check);
            results.merge(check.name, result, (a, b) -> a.state.compareTo(b.state) >= 0 ? a : b);
        }
        return new ArrayList<>(results.values());
    }

    private static Result evaluate(Check check) {
        try {
            String problem = check.problem.get();
            if (problem != null) {
                return new Result(check.name, State.NOT_READY, problem);
            }
            String failure = check.failure.get();
            if (failure != null) {
                return new Result(check.name, State.FAILING, failure);
            }
            String heldBack = check.heldBack.get();
            return heldBack == null ? new Result(check.name, State.OK, null) : new Result(check.name, State.PINNED, heldBack);
        } catch (RuntimeException e) {
            return new Result(check.name, State.NOT_READY, e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
        }
    }

    public static boolean ready(List<Result> results) {
        return results.stream().noneMatch(r -> r.state == State.NOT_READY);
    }
}
