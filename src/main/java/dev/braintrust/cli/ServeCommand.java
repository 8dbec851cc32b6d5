package dev.braintrust.cli;

import dev.braintrust.BrainTrust;
import dev.braintrust.Config;
import dev.braintrust.mcp.BrainTrustMcp;
import dev.braintrust.openai.OpenAiEndpoint;
import dev.braintrust.server.ApiServer;
import dev.braintrust.workflow.ModelStatus;
import dev.braintrust.server.ServerRecord;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.time.Instant;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Start the HTTP API (default http://127.0.0.1:8000) and keep serving until Ctrl-C or SIGTERM.",
                "On stop, requests in flight finish first. Without BRAIN_TRUST_API_KEY it listens on loopback only;",
                "with it, every /api/v1 request needs the header X-API-Key. A missing home is created with examples.",
                "Also serves MCP (Streamable HTTP) at /mcp and an OpenAI-compatible /v1 (models, chat completions).",
                "While it runs, state/server.json says where (URL, pid, mode, start), for 'sync' and 'status';",
                "a second server on the same home refuses to start."})
final class ServeCommand extends BaseCommand {
    @Option(names = "--host", paramLabel = "<address>",
            description = "Address to listen on (default BRAIN_TRUST_HOST, else 127.0.0.1). Any address but loopback needs BRAIN_TRUST_API_KEY.")
    String host;

    @Option(names = "--port", paramLabel = "<port>",
            description = "Port to listen on (default BRAIN_TRUST_PORT, else 8000; 0 picks a free port).")
    Integer port;

    @Override
    public Integer call() throws InterruptedException {
        Config base = config();
        Config config = base.withListen(host != null ? host : base.host(), port != null ? port : base.port());
        ApiServer.checkListenAddress(config);
        CountDownLatch stopRequested = new CountDownLatch(1);
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            stopRequested.countDown();
            try {
                stopped.await(ApiServer.CLOSE_TIMEOUT_MS + 5_000, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "brain-trust-shutdown");
        new dev.braintrust.home.PaiHome(config.home()).checkUsable();
        try (ServerRecord.Claim claim = ServerRecord.claim(config.home())) { // before anything touches the home
            try (BrainTrust bt = openCreatingHome(config); BrainTrustMcp mcp = BrainTrustMcp.over(bt)) {
                bt.watchForChanges(); // local mode: the file watcher; cloud mode: the first sync, then periodic ones
                bt.startAutomation(); // schedules, triggers, and the runs waiting for approval
                try (ApiServer server = new ApiServer(bt).withRoutes(mcp.httpRoutes()).withRoutes(new OpenAiEndpoint(bt)).start()) {
                    claim.publish(new ServerRecord(server.localUrl(), ProcessHandle.current().pid(),
                            bt.truth().mode(), Instant.now(), bt.sourceOfTruth()));
                    Runtime.getRuntime().addShutdownHook(hook);
                    out().println("Brain Trust is serving on " + server.url() + " (home " + bt.home().root()
                            + (config.apiKey() == null ? ", no API key: local clients only" : ", API key required") + ")");
                    out().flush();
                    // cloud mode, once /health answers: the first push is then as quick as the next
                    bt.warmUpPushPath(server::warmUp, server.pushRendering());
                    warnWhenTheDefaultModelCannotRun(bt.models());
                    stopRequested.await();
                    err().println("Stopping: no new requests; runs in progress end interrupted, then requests in flight finish...");
                    err().flush();
                }
            }
            err().println("Stopped.");
            err().flush();
        } finally {
            stopped.countDown(); // lets the shutdown hook return, and the JVM exit
        }
        return Main.OK;
    }

    private void warnWhenTheDefaultModelCannotRun(ModelStatus models) {
        if (models.defaultCanRun()) {
            return;
        }
        err().println("warning: agents that name no model cannot run: " + models.defaultProblem() + ". To fix it:");
        models.fixes().forEach(fix -> err().println("  - " + fix));
        err().flush();
    }

}
