package dev.braintrust.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.braintrust.BrainTrust;
import dev.braintrust.BrainTrustException;
import dev.braintrust.Config;
import dev.braintrust.Json;
import dev.braintrust.context.ContextService;
import dev.braintrust.context.ContextSnapshot;
import dev.braintrust.sync.PushRendering;
import dev.braintrust.workflow.Workflow;
import io.javalin.Javalin;
import io.javalin.config.JavalinConfig;
import io.javalin.json.JavalinJackson;
import io.javalin.router.Endpoint;
import io.javalin.util.JavalinBindException;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The HTTP face of Brain Trust (ARCHITECTURE.md §6): Javalin on {@code BRAIN_TRUST_HOST:BRAIN_TRUST_PORT},
 * built from a {@link BrainTrust}. {@link #start()} listens, {@link #close()} stops accepting
 * connections and lets in-flight requests finish (up to {@link #STOP_TIMEOUT_MS}).
 *
 * <p>Routes are grouped per capability in small {@link Routes} classes, all listed in
 * {@link #capabilities()}. To add a capability (sync, webhook, runs, chat, the UI), write a
 * {@code XyzRoutes implements Routes} and add one line there; it gets the API-key gatekeeper, the
 * JSON error mapping, CORS and request metrics with no further wiring. A route that must be open
 * without a key is marked {@link Access#OPEN} where it is registered; a service outside {@link BrainTrust}
 * can bring its routes with {@link #withRoutes(Routes)} and its readiness with {@link #readiness()}.
 * Static files (a UI at {@code /}) are routes too ({@link Dashboard}): the gatekeeper asks a key for every match
 * that is not marked open, so whoever adds a route decides there whether it is.
 */
public final class ApiServer implements AutoCloseable {
    /** How long {@link #close()} waits for in-flight requests, once runs and event streams have ended. */
    public static final long STOP_TIMEOUT_MS = Config.DEFAULT_STOP_TIMEOUT.toMillis();
    /** How long {@link #close()} lets event streams send the end of their runs before closing them. */
    static final long STREAM_GRACE_MS = Config.DEFAULT_STREAM_GRACE.toMillis();
    /** The longest {@link #close()} takes: runs, then event streams, then requests in flight (within a 45 s grace period). */
    public static final long CLOSE_TIMEOUT_MS = Config.DEFAULT_RUN_SHUTDOWN_GRACE.toMillis() + STREAM_GRACE_MS
            + STOP_TIMEOUT_MS;
    private static final long SHUTDOWN_IDLE_TIMEOUT_MS = 100;
    private static final long RUN_DATABASE_WAIT_MS = 5_000;
    private static final String JETTY_REFERENCES_PER_CACHE_LINE = "org.eclipse.jetty.util.referencesPerCacheLine";
    private static final Logger log = LoggerFactory.getLogger(ApiServer.class);

    private final BrainTrust brainTrust;
    private final Config config;
    private final ObjectMapper mapper = Json.mapper();
    private final JavalinJackson jsonMapper = new JavalinJackson(mapper, false);
    private final JsonBodies bodies = new JsonBodies(mapper);
    private final Readiness readiness = new Readiness();
    private final ServerMetrics metrics;
    private final Gatekeeper gatekeeper;
    private final List<Routes> extraRoutes = new ArrayList<>();
    private final RunRoutes runRoutes;
    private volatile Javalin app;
    private volatile Thread runDatabaseOpener;
    private final GracefulHandler graceful = new GracefulHandler();
    private final List<ServerConnector> connectors = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** Marks this process's requests to itself ({@link HttpWarmUp}), which {@code /metrics} leaves out. */
    private final dev.braintrust.Secret warmUpMarker = dev.braintrust.Secret.ofNullable(java.util.UUID.randomUUID().toString());
    /** Rounds of {@link HttpWarmUp} requests each time the sync's warm-up asks; 0 turns them off (bench/sync.sh's baseline). */
    static final int WARM_UP_ROUNDS = Integer.getInteger("brain-trust.http.warm-up-rounds", 2);
    private final HttpWarmUp httpWarmUp = new HttpWarmUp();

    public ApiServer(BrainTrust brainTrust) {
        this.brainTrust = brainTrust;
        this.config = brainTrust.config();
        this.metrics = new ServerMetrics(brainTrust.context(), brainTrust.skillRunner());
        brainTrust.onModelCall(metrics::recordModelCall);
        this.gatekeeper = new Gatekeeper(config.apiKey(), config.corsOrigins(), new WrongKeyLimiter(),
                new ClientAddress(config.trustedProxies()));
        ContextService context = brainTrust.context();
        readiness.require("context", () -> firstSnapshotProblem(context, brainTrust));
        readiness.require("run database", this::runDatabaseProblem);
        this.runRoutes = new RunRoutes(brainTrust::runs, bodies, mapper, config.limits().eventHeartbeat());
        brainTrust.truth().addReadiness(readiness);
    }

    /**
     * Refuses, before anything is created, a configuration that would listen beyond loopback without an API key.
     *
     * @throws BrainTrustException.BadConfig saying how to set a key
     */
    public static void checkListenAddress(Config config) {
        Gatekeeper.checkListenAddress(config.host(), config.apiKey());
    }

    /** Every capability's routes, registered together. */
    private List<Routes> capabilities() {
        List<Routes> all = new ArrayList<>(List.of(
                new HealthRoutes(readiness, gatekeeper::mayReadDetails),
                new StatusRoutes(brainTrust, mapper),
                new ContextRoutes(brainTrust.context(), brainTrust.history(), mapper),
                new SkillRoutes(brainTrust.skills(), brainTrust.skillRunner(), bodies),
                new LogRoutes(brainTrust.journal()),
                runRoutes,
                new UsageRoutes(brainTrust::runs),
                new SyncRoutes(brainTrust, bodies),
                new HistoryRoutes(brainTrust.history(), bodies),
                new MetricsRoutes(metrics),
                new DashboardRoutes(brainTrust.context(), brainTrust.workflows(), brainTrust.truth()::whyReadOnly, bodies,
                        workflow -> brainTrust.runs().plan(Workflow.fromJson(workflow, "workflow"))),
                new Dashboard(),
                new AutomationRoutes(brainTrust, bodies)));
        all.addAll(extraRoutes);
        return all;
    }

    /**
     * Adds routes from a service outside {@link BrainTrust}; call before {@link #start()}. Routes that
     * are {@link AutoCloseable} are closed when the server stops, before it waits for the requests in
     * flight: that is where they end the streams they hold open.
     */
    public ApiServer withRoutes(Routes routes) {
        if (app != null) {
            throw new IllegalStateException("routes must be added before the server starts");
        }
        extraRoutes.add(routes);
        return this;
    }

    public Readiness readiness() {
        return readiness;
    }

    public ServerMetrics metrics() {
        return metrics;
    }

    /**
     * Loads the first context snapshot (a failure is reported by {@code /ready}, not thrown) and listens.
     *
     * @throws BrainTrustException.BadConfig when asked to listen beyond loopback without an API key, or CORS origins are invalid
     * @throws BrainTrustException.Unavailable when the port cannot be bound
     */
    public ApiServer start() {
        Gatekeeper.checkListenAddress(config.host(), config.apiKey());
        firstSnapshotProblem(brainTrust.context(), brainTrust);
        spareJettyTheJmxLookup();
        app = Javalin.create(this::configure);
        try {
            app.start();
        } catch (JavalinBindException e) {
            app = null;
            throw new BrainTrustException.Unavailable("cannot listen on " + config.host() + ":" + config.port()
                    + " (" + e.getMessage() + "); stop the other server or choose another port with --port or BRAIN_TRUST_PORT", e);
        }
        openRunDatabaseInBackground();
        return this;
    }

    private void configure(JavalinConfig cfg) {
        cfg.startup.showJavalinBanner = false;
        cfg.startup.showOldJavalinVersionWarning = false;
        cfg.jsonMapper(jsonMapper);
        cfg.http.prefer405over404 = true;
        cfg.http.maxRequestSize = config.limits().jsonBodyBytes();
        cfg.jetty.modifyServer(server -> {
            server.insertHandler(graceful);
            server.setStopTimeout(config.limits().stopTimeout().toMillis());
            server.setErrorHandler(new JettyErrorHandler());
        });
        cfg.jetty.addConnector((server, http) -> {
            ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(http));
            connector.setHost(config.host());
            connector.setPort(config.port());
            connector.setShutdownIdleTimeout(SHUTDOWN_IDLE_TIMEOUT_MS); // idle keep-alive connections do not hold up a stop
            connectors.add(connector);
            return connector;
        });
        if (!config.corsOrigins().isEmpty()) {
            enableCors(cfg, config.corsOrigins());
        }
        cfg.requestLogger.http((ctx, ms) -> {
            if (warmUpMarker.matches(ctx.header(HttpWarmUp.HEADER))) {
                return; // the server's own warm-up: not traffic
            }
            Endpoint endpoint = ctx.endpoints().matchedHttpEndpoint();
            metrics.recordRequest(ctx.method().name(), endpoint == null ? "unmatched" : endpoint.path, ctx.statusCode(),
                    (long) (ms * 1_000_000));
        });
        cfg.routes.beforeMatched(gatekeeper::check);
        cfg.routes.after(UnreadBody::drain);
        ErrorMapper.addTo(cfg.routes);
        capabilities().forEach(r -> r.addTo(cfg.routes));
    }

    private static void enableCors(JavalinConfig cfg, List<String> origins) {
        cfg.bundledPlugins.enableCors(cors -> cors.addRule(rule -> {
            for (String origin : origins) {
                try {
                    rule.allowHost(origin);
                } catch (IllegalArgumentException e) {
                    throw new BrainTrustException.BadConfig("BRAIN_TRUST_CORS_ORIGINS has '" + origin
                            + "', which is not an origin; use values such as https://app.example.com, comma-separated");
                }
            }
            rule.exposeHeader("X-Context-Revision");
            rule.maxAge = 600;
        }));
    }

    /**
     * Without this property Jetty starts the JMX platform server only to ask whether object
     * references are compressed (a tenth of a second of start-up on a small machine); the answer
     * follows from the heap size, and a wrong one would only change padding.
     */
    private static void spareJettyTheJmxLookup() {
        if (System.getProperty(JETTY_REFERENCES_PER_CACHE_LINE) == null) {
            boolean compressedReferences = Runtime.getRuntime().maxMemory() < (32L << 30);
            System.setProperty(JETTY_REFERENCES_PER_CACHE_LINE, compressedReferences ? "16" : "8");
        }
    }

    /**
     * Opens the run database once the server listens, so {@code /health} answers without waiting for
     * migrations, and runs a crash left running are marked interrupted at start.
     */
    private void openRunDatabaseInBackground() {
        Thread opener = new Thread(() -> {
            try {
                brainTrust.runs();
            } catch (BrainTrustException e) {
                log.warn("the run database is not available yet: {}", e.getMessage());
            }
        }, "run-database-open");
        opener.setDaemon(true);
        runDatabaseOpener = opener;
        opener.start();
    }

    /**
     * Null once the run database is open; else tries to open it and says why it cannot. While the
     * opening started at start-up is under way, waits for it (a fraction of a second) rather than
     * answer "not ready" to the first probe.
     */
    private String runDatabaseProblem() {
        Thread opener = runDatabaseOpener;
        if (opener != null && opener.isAlive()) {
            try {
                opener.join(RUN_DATABASE_WAIT_MS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (opener.isAlive()) {
                return "still opening the run database";
            }
        }
        try {
            brainTrust.runs();
            return null;
        } catch (BrainTrustException e) {
            return e.getMessage();
        }
    }

    private void closeExtraRoutes() {
        for (Routes routes : extraRoutes) {
            if (routes instanceof AutoCloseable closeable) {
                try {
                    closeable.close();
                } catch (Exception e) {
                    log.warn("closing {}: {}", routes, e.toString());
                }
            }
        }
    }

    /** Null once a snapshot has loaded; else tries to load one and says why it cannot. */
    private static String firstSnapshotProblem(ContextService context, BrainTrust brainTrust) {
        if (context.loadCount() > 0) {
            return null;
        }
        try {
            context.snapshot();
            return null;
        } catch (BrainTrustException e) {
            if (!brainTrust.truth().startingUp()) {
                log.warn("context not loaded: {}", e.getMessage()); // a first clone under way is no problem: it logs itself
            }
            return "no context snapshot has loaded yet: " + e.getMessage();
        }
    }

    /** The port listened on (the real one when the configuration asked for 0). */
    public int port() {
        if (app == null) {
            throw new IllegalStateException("the server is not started");
        }
        return app.port();
    }

    /** The base URL clients use, e.g. {@code http://127.0.0.1:8000}. */
    public String url() {
        String host = config.host();
        String shown = host.contains(":") ? "[" + host + "]" : host;
        return "http://" + shown + ":" + port();
    }

    /** The URL a client on this machine uses: a server on every interface is reached on loopback. */
    public String localUrl() {
        return url().replace("://0.0.0.0:", "://127.0.0.1:").replace("://[::]:", "://[::1]:");
    }

    /**
     * Sends this server, over loopback, a round or two of the requests a push brings ({@link HttpWarmUp}): an ignored
     * webhook delivery and a context read, left out of {@code /metrics}. Blocks; the sync's warm-up runs it in the
     * background, beside its pushes.
     */
    public void warmUp() {
        if (app != null && WARM_UP_ROUNDS > 0) {
            httpWarmUp.run(localUrl(), config.apiKey(), config.webhookSecret(), warmUpMarker, WARM_UP_ROUNDS, () -> app == null);
        }
    }

    /**
     * This server's rendering of a push's answers ({@link PushRendering}): a webhook's answer as {@code ctx.json} renders
     * it, a context snapshot as {@code GET /api/v1/context} does, with this server's mappers.
     */
    public PushRendering pushRendering() {
        return new PushRendering() {
            @Override
            public void webhookAnswer(Map<String, Object> answer) {
                jsonMapper.toJsonString(answer, answer.getClass());
            }

            @Override
            public void context(ContextSnapshot snapshot) {
                ContextRoutes.render(mapper, snapshot);
            }
        };
    }

    /**
     * Stops, in an order that lets every part end cleanly (within {@link #CLOSE_TIMEOUT_MS}): stops
     * accepting connections and requests (new ones on open connections get 503); stops the runs of
     * this process, which end interrupted in the database and the journal; lets the event streams
     * send that end, then closes them; lets in-flight requests finish; then stops Jetty. Safe to
     * call twice.
     */
    @Override
    public void close() {
        Javalin running = app;
        app = null;
        if (running != null) {
            connectors.forEach(ServerConnector::shutdown); // no new connections
            graceful.shutdown(); // no new requests on the open ones
            brainTrust.openedRuns().ifPresent(runs -> {
                int stopped = runs.stopRuns(config.limits().runShutdownGrace());
                if (stopped > 0) {
                    log.info("stopped {} run(s) in progress; they are recorded as interrupted", stopped);
                }
            });
            runRoutes.endStreams(config.limits().streamGrace().toMillis());
            closeExtraRoutes(); // their long-lived streams end first, so the stop does not wait for them
            running.stop();
        }
        Thread opener = runDatabaseOpener;
        if (opener != null) {
            try {
                opener.join(config.limits().stopTimeout().toMillis()); // never close the services under a migration in progress
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        runRoutes.close();
        metrics.close();
    }
}
