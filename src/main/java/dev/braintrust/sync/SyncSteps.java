package dev.braintrust.sync;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where the time of one sync went: each step's duration in microseconds, in the order the steps ran
 * (a step that ran twice is summed). The webhook's answer carries them in milliseconds
 * ({@link #toMillis()}), so a slow push can be explained from the delivery log of the git host, and
 * {@code bench/sync.sh} prints them per step.
 */
public record SyncSteps(Map<String, Long> micros) {
    public SyncSteps {
        micros = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(micros));
    }

    static final SyncSteps NONE = new SyncSteps(Map.of());

    /** These steps, then {@code more}'s. */
    SyncSteps plus(SyncSteps more) {
        if (more == null || more.micros.isEmpty()) {
            return this;
        }
        Map<String, Long> all = new LinkedHashMap<>(micros);
        more.micros.forEach((k, v) -> all.merge(k, v, Long::sum));
        return new SyncSteps(all);
    }

    /** Each step in milliseconds, to the microsecond. */
    public Map<String, Double> toMillis() {
        Map<String, Double> ms = new LinkedHashMap<>();
        micros.forEach((k, v) -> ms.put(k, v / 1000.0));
        return ms;
    }

    /** Times consecutive steps: each {@link #lap} closes the step that ran since the previous one. */
    static final class Timer {
        private final Map<String, Long> nanos = new LinkedHashMap<>();
        private long mark = System.nanoTime();

        /** Ends step {@code name} now, counting the time since the last lap (or the start). */
        void lap(String name) {
            long now = System.nanoTime();
            nanos.merge(name, now - mark, Long::sum);
            mark = now;
        }

        SyncSteps steps() {
            Map<String, Long> micros = new LinkedHashMap<>();
            nanos.forEach((k, v) -> micros.put(k, v / 1000));
            return new SyncSteps(micros);
        }
    }
}
