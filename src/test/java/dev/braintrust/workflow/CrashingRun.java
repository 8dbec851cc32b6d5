package dev.braintrust.workflow;

import dev.braintrust.BrainTrust;
import dev.braintrust.Config;

import java.util.List;
import java.util.Map;

/**
 * A child process for {@link RunHistoryTest}: starts a run whose model never answers in time and
 * prints its id; the test then kills this process, as a crash would.
 * Usage: CrashingRun <home> <openai base url>
 */
public final class CrashingRun {
    public static void main(String[] args) throws Exception {
        Config config = Config.fromEnv(Map.of("PAI_HOME", args[0], "HOME", args[0],
                "OPENAI_API_KEY", "sk-test", "OPENAI_BASE_URL", args[1]));
        BrainTrust bt = BrainTrust.open(config);
        RunHandle handle = bt.runs().start(Graphs.of("Doomed", List.of("a", "b"), "a>b"), "test", null);
        System.out.println("started " + handle.id());
        System.out.flush();
        Thread.sleep(60_000);
    }
}
