package dev.braintrust.sync;

/**
 * Switches for the speed-ups of issue 19, all on unless a system property turns one off, so that
 * {@code bench/sync.sh} can measure the sync as it was beside the sync as it is, in the same run
 * ({@code BENCH_BASELINE=1}). Not a setting: the defaults are what the product runs.
 */
final class SyncTuning {
    /** A remote on this machine is read directly ({@link LocalSource}) instead of through JGit's local transport. */
    static final boolean DIRECT_LOCAL_READ = !"false".equals(System.getProperty("brain-trust.sync.direct-local-read"));
    /** A loose object of a remote on this machine is hard-linked into the mirror ({@link LooseObjects}), not written again. */
    static final boolean LINK_LOOSE_OBJECTS = !"false".equals(System.getProperty("brain-trust.sync.link-loose-objects"));
    /** A webhook's sync is answered once the new commit is served; the working tree and refs follow. */
    static final boolean SETTLE_AFTER_ANSWER = !"false".equals(System.getProperty("brain-trust.sync.settle-after-answer"));
    /** A webhook's sync writes the new commit's checkout (skills run from it) after its answer, before the working tree. */
    static final boolean CHECKOUT_AFTER_ANSWER = !"false".equals(System.getProperty("brain-trust.sync.checkout-after-answer"));
    /** The new context snapshot is loaded right after a sync's answer ({@link SyncService#whenAnswered}). */
    static final boolean LOAD_AFTER_ANSWER = !"false".equals(System.getProperty("brain-trust.sync.load-after-answer"));
    /**
     * Pushes {@link WarmUp} runs at start; 0 turns it off. Five, not more: a push that comes while the warm-up still
     * runs shares the two cores with it, and with eight the bench's first push right after start met the warm-up's
     * last pushes nearly every time; five end ~0.4 s after the start, before it comes. Three end sooner but seemed to
     * leave the next pushes a little slower (counted p95 up to 1 ms higher, within the noise of the runs).
     */
    static final int WARM_UP_PUSHES = Integer.getInteger("brain-trust.sync.warm-up-pushes", 5);
    /** Times the server's requests to itself are sent beside {@link WarmUp}'s pushes (each time, a round or two). */
    static final int WARM_UP_REQUEST_ROUNDS = Integer.getInteger("brain-trust.sync.warm-up-request-rounds", 5);

    /** Each sync's steps after its answer are logged at info level (bench/sync.sh reads them from the server's log). */
    static final boolean LOG_STEPS = Boolean.getBoolean("brain-trust.sync.log-steps");

    private SyncTuning() {
    }
}
