package dev.braintrust.workflow;

import dev.braintrust.BrainTrust;
import dev.braintrust.Config;
import dev.braintrust.journal.RunStatus;

import java.util.List;
import java.util.Map;

/**
 * A child process for {@link ApprovalTest}: starts a run whose first agent needs approval, prints
 * {@code waiting <id>} once the run waits, then keeps running until killed (or until the run ends, when it
 * prints {@code finished <status>}). Usage: WaitingRun <home> <openai base url>
 */
public final class WaitingRun {
    public static void main(String[] args) throws Exception {
        Config config = Config.fromEnv(Map.of("PAI_HOME", args[0], "HOME", args[0],
                "OPENAI_API_KEY", "sk-test", "OPENAI_BASE_URL", args[1]));
        BrainTrust bt = BrainTrust.open(config);
        RunHandle handle = bt.runs().start(ApprovalTest.approvalBefore(Graphs.of("Gated", List.of("a", "b"), "a>b"), "a"),
                "test", null);
        while (bt.runs().get(handle.id()).status() != RunStatus.WAITING) {
            Thread.sleep(5);
        }
        System.out.println("waiting " + handle.id());
        System.out.flush();
        System.out.println("finished " + handle.result().get().status().label());
        System.out.flush();
        Thread.sleep(60_000);
    }
}
