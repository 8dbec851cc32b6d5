package dev.braintrust;

import dev.braintrust.context.Privacy;

import dev.braintrust.context.ContextLimits;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.ZoneId;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Every setting of Brain Trust, read once from the environment (and command-line flags) at
 * start-up. Nothing else in the program reads environment variables. Each secret can also be
 * given as a file through the same name with {@code _FILE} appended (for container secrets).
 *
 * @param home            PAI_HOME, default {@code ~/.pai}
 * @param host            BRAIN_TRUST_HOST, default 127.0.0.1
 * @param port            BRAIN_TRUST_PORT, default 8000
 * @param apiKey          BRAIN_TRUST_API_KEY; null means loopback-only, no key asked
 * @param webhookSecret   WEBHOOK_SECRET; null disables the webhook (503)
 * @param gitUrl          BRAIN_TRUST_GIT_URL; set means cloud mode
 * @param gitBranch       BRAIN_TRUST_GIT_BRANCH, default main
 * @param gitToken        BRAIN_TRUST_GIT_TOKEN for HTTPS remotes
 * @param gitUsername     BRAIN_TRUST_GIT_USERNAME, default x-access-token
 * @param gitSshKey       BRAIN_TRUST_GIT_SSH_KEY, a private key file for SSH remotes
 * @param gitKnownHosts   BRAIN_TRUST_GIT_KNOWN_HOSTS, default ~/.ssh/known_hosts
 * @param syncInterval    BRAIN_TRUST_SYNC_INTERVAL, default 5 min; zero turns periodic sync off
 * @param contextTtl      BRAIN_TRUST_CONTEXT_TTL, default 60 s: the longest a cached snapshot lives
 * @param dbUrl           BRAIN_TRUST_DB_URL; null means SQLite at state/brain-trust.db
 * @param dbUser          BRAIN_TRUST_DB_USER
 * @param dbPassword      BRAIN_TRUST_DB_PASSWORD
 * @param defaultModel    BRAIN_TRUST_DEFAULT_MODEL, default gpt-4o-mini
 * @param models          model provider keys, endpoints and retry policy
 * @param maxParallel     BRAIN_TRUST_MAX_PARALLEL, default 4 agents at once
 * @param maxToolRounds   BRAIN_TRUST_MAX_TOOL_ROUNDS, default 5 tool-call rounds per agent
 * @param modelTimeout    BRAIN_TRUST_MODEL_TIMEOUT, default 120 s per model call
 * @param runTimeout      BRAIN_TRUST_RUN_TIMEOUT, default 30 min per workflow run
 * @param skillTimeout    BRAIN_TRUST_SKILL_TIMEOUT, default 30 s per skill run
 * @param skillOutputCap  BRAIN_TRUST_SKILL_OUTPUT_LIMIT, default 64 KiB of captured output
 * @param corsOrigins     BRAIN_TRUST_CORS_ORIGINS, comma-separated; default none
 * @param logFormat       BRAIN_TRUST_LOG_FORMAT: text (default) or json
 * @param automation      schedules, triggers, notifications and approvals (see {@link Automation})
 * @param trustedProxies  BRAIN_TRUST_TRUSTED_PROXIES, comma-separated addresses or CIDRs (e.g. 127.0.0.1, 10.0.0.0/8)
 *                        whose X-Forwarded-For is believed; default none (the peer address is the client)
 * @param contextLimits   BRAIN_TRUST_CONTEXT_FILE_LIMIT (default 1 MiB) and BRAIN_TRUST_CONTEXT_LIMIT (default 8 MiB):
 *                        the largest context or workflow file read, and the most context a snapshot holds
 * @param timeZone        BRAIN_TRUST_TIMEZONE, an IANA zone such as Europe/Berlin; default the system's zone.
 *                        The journal's days and times are in this zone
 * @param skillIsolation  BRAIN_TRUST_SKILL_ISOLATION: auto (default: a PID namespace when the system allows one,
 *                        else a session of its own), namespace (required) or session
 * @param environment     the variables the program was given, for the ones a skill's header declares ({@code # ENV:})
 * @param egress          what may leave the machine and what it may cost: local model hosts, the MCP
 *                        clients' privacy clearance, the daily budget
 * @param history         the history of the home (see {@link HistorySettings})
 */
public record Config(
        Path home,
        String host,
        int port,
        Secret apiKey,
        Secret webhookSecret,
        String gitUrl,
        String gitBranch,
        Secret gitToken,
        String gitUsername,
        Path gitSshKey,
        Path gitKnownHosts,
        Duration syncInterval,
        Duration contextTtl,
        String dbUrl,
        String dbUser,
        Secret dbPassword,
        String defaultModel,
        ModelKeys models,
        int maxParallel,
        int maxToolRounds,
        Duration modelTimeout,
        Duration runTimeout,
        Duration skillTimeout,
        int skillOutputCap,
        List<String> corsOrigins,
        String logFormat,
        Automation automation,
        List<String> trustedProxies,
        ContextLimits contextLimits,
        ZoneId timeZone,
        String skillIsolation,
        Environment environment,
        Egress egress,
        HistorySettings history) {

    public static final String DEFAULT_HOST = "127.0.0.1";
    public static final int DEFAULT_PORT = 8000;
    public static final String DEFAULT_BRANCH = "main";
    public static final String DEFAULT_GIT_USERNAME = "x-access-token";
    public static final Duration DEFAULT_SYNC_INTERVAL = Duration.ofMinutes(5);
    public static final Duration DEFAULT_CONTEXT_TTL = Duration.ofSeconds(60);
    public static final String DEFAULT_MODEL = "gpt-4o-mini";
    public static final int DEFAULT_MAX_PARALLEL = 4;
    public static final int DEFAULT_MAX_TOOL_ROUNDS = 5;
    public static final Duration DEFAULT_MODEL_TIMEOUT = Duration.ofSeconds(120);
    public static final Duration DEFAULT_RUN_TIMEOUT = Duration.ofMinutes(30);
    public static final Duration DEFAULT_SKILL_TIMEOUT = Duration.ofSeconds(30);
    public static final int DEFAULT_SKILL_OUTPUT_CAP = 64 * 1024;
    public static final String DEFAULT_OLLAMA_BASE_URL = "http://localhost:11434";
    public static final int DEFAULT_MODEL_RETRIES = 2;
    public static final Duration DEFAULT_MODEL_RETRY_BACKOFF = Duration.ofSeconds(1);

    public static final Privacy DEFAULT_MCP_PRIVACY = Privacy.PUBLIC;

    /** The names of every variable that holds a secret; skills never see them. */
    public static final List<String> SECRET_VARIABLES = List.of(
            "BRAIN_TRUST_API_KEY", "WEBHOOK_SECRET", "BRAIN_TRUST_GIT_TOKEN", "BRAIN_TRUST_DB_PASSWORD",
            "OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GEMINI_API_KEY",
            "BRAIN_TRUST_NOTIFY_SECRET", "BRAIN_TRUST_NOTIFY_WEBHOOK", "BRAIN_TRUST_NOTIFY_NTFY", "BRAIN_TRUST_NOTIFY_NTFY_TOKEN");
    /** Every variable named with this prefix holds a webhook trigger's secret ({@code BRAIN_TRUST_TRIGGER_SECRET_INBOX}). */
    public static final String TRIGGER_SECRET_PREFIX = "BRAIN_TRUST_TRIGGER_SECRET_";
    public static final int DEFAULT_MAX_SCHEDULED_RUNS = 2;
    public static final Duration DEFAULT_APPROVAL_TIMEOUT = Duration.ofHours(24);
    public static final int DEFAULT_NOTIFY_RETRIES = 5;
    public static final Duration DEFAULT_NOTIFY_BACKOFF = Duration.ofSeconds(2);
    public static final Duration DEFAULT_TRIGGER_DEBOUNCE = Duration.ofSeconds(2);
    public static final Duration DEFAULT_HISTORY_KEEP = Duration.ofDays(90);
    public static final Duration DEFAULT_HISTORY_QUIET = Duration.ofSeconds(2);

    public Config {
        corsOrigins = List.copyOf(corsOrigins);
        trustedProxies = List.copyOf(trustedProxies);
        if (port < 0 || port > 65535) {
            throw new BrainTrustException.BadConfig("BRAIN_TRUST_PORT must be between 0 and 65535, not " + port);
        }
    }

    /**
     * Provider keys and endpoints, by the variables of ARCHITECTURE.md §4. The base URLs other
     * than Ollama's are optional and let any server speaking the provider's protocol stand in.
     * Also how model calls are retried: a call answered 429 or 5xx is tried again up to
     * {@code maxRetries} times (BRAIN_TRUST_MODEL_RETRIES, default 2), waiting
     * {@code retryBackoff} (BRAIN_TRUST_MODEL_RETRY_BACKOFF, default 1 s), then twice that, and so on.
     */
    public record ModelKeys(
            Secret openAiKey, String openAiBaseUrl,
            Secret anthropicKey, String anthropicBaseUrl,
            Secret geminiKey, String geminiBaseUrl,
            String ollamaBaseUrl,
            int maxRetries, Duration retryBackoff) {
    }

    /**
     * Always-on agents (issue 17): schedules, triggers, notifications and approvals.
     *
     * @param maxScheduledRuns BRAIN_TRUST_MAX_SCHEDULED_RUNS, default 2: scheduled and triggered runs at once
     *                         (per process); further fires wait their turn
     * @param approvalTimeout  BRAIN_TRUST_APPROVAL_TIMEOUT, default 24 h: an approval nobody decides is then rejected
     * @param notifyWebhook    BRAIN_TRUST_NOTIFY_WEBHOOK: a URL that receives a signed JSON POST per notification
     * @param notifySecret     BRAIN_TRUST_NOTIFY_SECRET: the signing key of those POSTs (required with the webhook)
     * @param notifyNtfy       BRAIN_TRUST_NOTIFY_NTFY: an ntfy topic URL (https://ntfy.sh/my-topic) for push notifications
     * @param notifyNtfyToken  BRAIN_TRUST_NOTIFY_NTFY_TOKEN: sent as a bearer token to the ntfy server, if set
     * @param notifyRetries    BRAIN_TRUST_NOTIFY_RETRIES, default 5: further attempts after a failed delivery
     * @param notifyBackoff    BRAIN_TRUST_NOTIFY_BACKOFF, default 2 s: the first wait between attempts, doubled each time
     * @param publicUrl        BRAIN_TRUST_PUBLIC_URL: the dashboard's address in notification links; default http://host:port
     * @param triggerDebounce  BRAIN_TRUST_TRIGGER_DEBOUNCE, default 2 s: quiet time after a context change before its trigger fires
     * @param triggerSecrets   BRAIN_TRUST_TRIGGER_SECRET_NAME: each webhook trigger's secret, by lower-case name
     *                         ({@code _} in the variable stands for {@code -} or {@code _} in the name)
     */
    public record Automation(int maxScheduledRuns, Duration approvalTimeout, String notifyWebhook, Secret notifySecret,
                             String notifyNtfy, Secret notifyNtfyToken, int notifyRetries, Duration notifyBackoff,
                             String publicUrl, Duration triggerDebounce, Map<String, Secret> triggerSecrets) {
        public Automation {
            triggerSecrets = Map.copyOf(triggerSecrets);
            if (notifyWebhook != null && notifySecret == null) {
                throw new BrainTrustException.BadConfig("BRAIN_TRUST_NOTIFY_WEBHOOK is set without BRAIN_TRUST_NOTIFY_SECRET: "
                        + "notifications are signed; set a secret (for example whsec_$(openssl rand -base64 32)) and give it to the receiver");
            }
            for (String url : new String[]{notifyWebhook, notifyNtfy, publicUrl}) {
                if (url != null && !url.matches("(?i)https?://\\S+")) {
                    throw new BrainTrustException.BadConfig("'" + url.replaceAll("//[^/@]*@", "//****@")
                            + "' is not an http(s) URL (BRAIN_TRUST_NOTIFY_WEBHOOK, BRAIN_TRUST_NOTIFY_NTFY, BRAIN_TRUST_PUBLIC_URL)");
                }
            }
        }

        /** The secret of the webhook trigger with this name, or null when none is configured. */
        public Secret triggerSecret(String name) {
            return triggerSecrets.get(triggerKey(name));
        }

        /** The variable that holds a trigger's secret: {@code inbox} → {@code BRAIN_TRUST_TRIGGER_SECRET_INBOX}. */
        public static String triggerVariable(String name) {
            return TRIGGER_SECRET_PREFIX + triggerKey(name).toUpperCase(Locale.ROOT);
        }

        static String triggerKey(String name) {
            return name.toLowerCase(Locale.ROOT).replace('-', '_');
        }
    }

    /**
     * The history of the home (issue 15). Local mode records a version of {@code context/ skills/ workflows/}
     * after every burst of changes; cloud mode shows the mirror's commits.
     *
     * @param keep  BRAIN_TRUST_HISTORY_KEEP, default 90 days ({@code 90d}): local versions older than this are pruned,
     *              except those a stored run used and the newest one
     * @param quiet BRAIN_TRUST_HISTORY_QUIET, default 2 s: how long the files must stay unchanged before a version
     *              is recorded (a burst of saves is one version)
     */
    public record HistorySettings(Duration keep, Duration quiet) {
        public HistorySettings {
            if (keep.isNegative() || keep.isZero()) {
                throw new BrainTrustException.BadConfig("BRAIN_TRUST_HISTORY_KEEP must be a positive duration such as 90d or 720h");
            }
            if (quiet.isNegative()) {
                throw new BrainTrustException.BadConfig("BRAIN_TRUST_HISTORY_QUIET must be 0 or a positive duration such as 2s");
            }
        }
    }

    /**
     * What may leave the machine, and what model calls may cost.
     *
     * @param localModelHosts BRAIN_TRUST_LOCAL_MODEL_HOSTS, comma-separated {@code host} or {@code host:port}:
     *                        the OPENAI_BASE_URL / OLLAMA_BASE_URL servers that count as the user's own, so
     *                        they receive {@code privacy: local} files (an Ollama on loopback always does);
     *                        lower-cased; default none
     * @param mcpPrivacy      BRAIN_TRUST_MCP_PRIVACY, {@code public} (default) or {@code local}: the files MCP
     *                        and OpenAI-compatible clients may receive ({@code never} files never go out)
     * @param dailyBudget     BRAIN_TRUST_DAILY_BUDGET; null when unset
     */
    public record Egress(List<String> localModelHosts, Privacy mcpPrivacy, DailyBudget dailyBudget) {
        public Egress {
            localModelHosts = List.copyOf(localModelHosts);
        }
    }

    /**
     * BRAIN_TRUST_DAILY_BUDGET: what the model calls of one day (local midnight to midnight) may cost,
     * all runs together: an amount in the currency of {@code prices.json} ({@code 5} or {@code 2.50}),
     * a token count ({@code 500000 tokens}), or both, comma-separated.
     *
     * @param cost   the most the day's calls may cost; null for no cost limit
     * @param tokens the most tokens (input + output) the day's calls may use; null for no token limit
     */
    public record DailyBudget(Double cost, Long tokens) {
        static DailyBudget parse(String name, String text) {
            Double cost = null;
            Long tokens = null;
            for (String part : text.split(",")) {
                String p = part.strip().toLowerCase(Locale.ROOT);
                Matcher t = BUDGET_TOKENS.matcher(p);
                if (t.matches() && tokens == null) {
                    tokens = Long.parseLong(t.group(1));
                } else if (BUDGET_COST.matcher(p).matches() && cost == null) {
                    cost = Double.parseDouble(p);
                } else {
                    throw new BrainTrustException.BadConfig(name + " must be an amount in the currency of prices.json (5 or "
                            + "2.50), a token count (500000 tokens), or both comma-separated, not '" + text + "'");
                }
            }
            return new DailyBudget(cost, tokens);
        }
    }

    private static final Pattern BUDGET_TOKENS = Pattern.compile("(\\d{1,15})\\s*tokens?");
    private static final Pattern BUDGET_COST = Pattern.compile("\\d{1,12}(\\.\\d{1,9})?");

    public boolean cloudMode() {
        return gitUrl != null;
    }

    /** Reads the configuration from the process environment. */
    public static Config fromEnvironment() {
        return fromEnv(Environment.ofProcess());
    }

    /**
     * Reads the configuration from a map of variables.
     *
     * @throws BrainTrustException.BadConfig naming the variable whose value is wrong
     */
    public static Config fromEnv(Map<String, String> env) {
        Vars v = new Vars(env);
        String userHome = v.get("HOME", System.getProperty("user.home"));
        Path home = Path.of(v.get("PAI_HOME", userHome + "/.pai")).toAbsolutePath().normalize();
        return new Config(
                home,
                v.get("BRAIN_TRUST_HOST", DEFAULT_HOST),
                v.integer("BRAIN_TRUST_PORT", DEFAULT_PORT),
                v.secret("BRAIN_TRUST_API_KEY"),
                v.secret("WEBHOOK_SECRET"),
                v.get("BRAIN_TRUST_GIT_URL", null),
                v.get("BRAIN_TRUST_GIT_BRANCH", DEFAULT_BRANCH),
                v.secret("BRAIN_TRUST_GIT_TOKEN"),
                v.get("BRAIN_TRUST_GIT_USERNAME", DEFAULT_GIT_USERNAME),
                v.path("BRAIN_TRUST_GIT_SSH_KEY"),
                Path.of(v.get("BRAIN_TRUST_GIT_KNOWN_HOSTS", userHome + "/.ssh/known_hosts")),
                v.duration("BRAIN_TRUST_SYNC_INTERVAL", DEFAULT_SYNC_INTERVAL),
                v.duration("BRAIN_TRUST_CONTEXT_TTL", DEFAULT_CONTEXT_TTL),
                v.get("BRAIN_TRUST_DB_URL", null),
                v.get("BRAIN_TRUST_DB_USER", null),
                v.secret("BRAIN_TRUST_DB_PASSWORD"),
                v.get("BRAIN_TRUST_DEFAULT_MODEL", DEFAULT_MODEL),
                new ModelKeys(
                        v.secret("OPENAI_API_KEY"), v.get("OPENAI_BASE_URL", null),
                        v.secret("ANTHROPIC_API_KEY"), v.get("ANTHROPIC_BASE_URL", null),
                        v.secret("GEMINI_API_KEY"), v.get("GEMINI_BASE_URL", null),
                        v.get("OLLAMA_BASE_URL", DEFAULT_OLLAMA_BASE_URL),
                        v.nonNegative("BRAIN_TRUST_MODEL_RETRIES", DEFAULT_MODEL_RETRIES),
                        v.duration("BRAIN_TRUST_MODEL_RETRY_BACKOFF", DEFAULT_MODEL_RETRY_BACKOFF)),
                v.positive("BRAIN_TRUST_MAX_PARALLEL", DEFAULT_MAX_PARALLEL),
                v.positive("BRAIN_TRUST_MAX_TOOL_ROUNDS", DEFAULT_MAX_TOOL_ROUNDS),
                v.duration("BRAIN_TRUST_MODEL_TIMEOUT", DEFAULT_MODEL_TIMEOUT),
                v.duration("BRAIN_TRUST_RUN_TIMEOUT", DEFAULT_RUN_TIMEOUT),
                v.duration("BRAIN_TRUST_SKILL_TIMEOUT", DEFAULT_SKILL_TIMEOUT),
                v.positive("BRAIN_TRUST_SKILL_OUTPUT_LIMIT", DEFAULT_SKILL_OUTPUT_CAP),
                v.list("BRAIN_TRUST_CORS_ORIGINS"),
                v.choice("BRAIN_TRUST_LOG_FORMAT", "text", "text", "json"),
                new Automation(
                        v.positive("BRAIN_TRUST_MAX_SCHEDULED_RUNS", DEFAULT_MAX_SCHEDULED_RUNS),
                        v.duration("BRAIN_TRUST_APPROVAL_TIMEOUT", DEFAULT_APPROVAL_TIMEOUT),
                        v.get("BRAIN_TRUST_NOTIFY_WEBHOOK", null),
                        v.secret("BRAIN_TRUST_NOTIFY_SECRET"),
                        v.get("BRAIN_TRUST_NOTIFY_NTFY", null),
                        v.secret("BRAIN_TRUST_NOTIFY_NTFY_TOKEN"),
                        v.nonNegative("BRAIN_TRUST_NOTIFY_RETRIES", DEFAULT_NOTIFY_RETRIES),
                        v.duration("BRAIN_TRUST_NOTIFY_BACKOFF", DEFAULT_NOTIFY_BACKOFF),
                        v.get("BRAIN_TRUST_PUBLIC_URL", null),
                        v.duration("BRAIN_TRUST_TRIGGER_DEBOUNCE", DEFAULT_TRIGGER_DEBOUNCE),
                        v.triggerSecrets()),
                v.list("BRAIN_TRUST_TRUSTED_PROXIES"),
                new ContextLimits(v.bytes("BRAIN_TRUST_CONTEXT_FILE_LIMIT", ContextLimits.DEFAULT.fileBytes()),
                        v.bytes("BRAIN_TRUST_CONTEXT_LIMIT", ContextLimits.DEFAULT.totalBytes())),
                v.zone("BRAIN_TRUST_TIMEZONE"),
                v.choice("BRAIN_TRUST_SKILL_ISOLATION", "auto", "auto", "namespace", "session"),
                Environment.of(env),
                new Egress(
                        v.list("BRAIN_TRUST_LOCAL_MODEL_HOSTS").stream().map(h -> h.toLowerCase(Locale.ROOT)).toList(),
                        Privacy.parse(v.choice("BRAIN_TRUST_MCP_PRIVACY", DEFAULT_MCP_PRIVACY.label(), "public", "local")).orElseThrow(),
                        Optional.ofNullable(v.get("BRAIN_TRUST_DAILY_BUDGET", null))
                                .map(b -> DailyBudget.parse("BRAIN_TRUST_DAILY_BUDGET", b)).orElse(null)),
                new HistorySettings(
                        v.duration("BRAIN_TRUST_HISTORY_KEEP", DEFAULT_HISTORY_KEEP),
                        v.duration("BRAIN_TRUST_HISTORY_QUIET", DEFAULT_HISTORY_QUIET)));
    }

    public Config withHome(Path newHome) {
        return new Config(newHome.toAbsolutePath().normalize(), host, port, apiKey, webhookSecret, gitUrl, gitBranch,
                gitToken, gitUsername, gitSshKey, gitKnownHosts, syncInterval, contextTtl, dbUrl, dbUser, dbPassword,
                defaultModel, models, maxParallel, maxToolRounds, modelTimeout, runTimeout, skillTimeout,
                skillOutputCap, corsOrigins, logFormat, automation, trustedProxies, contextLimits, timeZone, skillIsolation, environment,
                egress, history);
    }

    public Config withListen(String newHost, int newPort) {
        return new Config(home, newHost, newPort, apiKey, webhookSecret, gitUrl, gitBranch,
                gitToken, gitUsername, gitSshKey, gitKnownHosts, syncInterval, contextTtl, dbUrl, dbUser, dbPassword,
                defaultModel, models, maxParallel, maxToolRounds, modelTimeout, runTimeout, skillTimeout,
                skillOutputCap, corsOrigins, logFormat, automation, trustedProxies, contextLimits, timeZone, skillIsolation, environment,
                egress, history);
    }

    public Config withGit(String newGitUrl, String newBranch) {
        return new Config(home, host, port, apiKey, webhookSecret, newGitUrl, newBranch,
                gitToken, gitUsername, gitSshKey, gitKnownHosts, syncInterval, contextTtl, dbUrl, dbUser, dbPassword,
                defaultModel, models, maxParallel, maxToolRounds, modelTimeout, runTimeout, skillTimeout,
                skillOutputCap, corsOrigins, logFormat, automation, trustedProxies, contextLimits, timeZone, skillIsolation, environment,
                egress, history);
    }

    /** Parses "300", "300s", "5m", "1h", "90d", "500ms" and "0". */
    public static Duration parseDuration(String name, String text) {
        Matcher m = DURATION.matcher(text.strip().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new BrainTrustException.BadConfig(name + " must be a duration such as 30s, 5m, 1h, 90d or 500ms, not '" + text + "'");
        }
        long amount = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2);
        return switch (unit) {
            case "ms" -> Duration.ofMillis(amount);
            case "m" -> Duration.ofMinutes(amount);
            case "h" -> Duration.ofHours(amount);
            case "d" -> Duration.ofDays(amount);
            default -> Duration.ofSeconds(amount);
        };
    }

    private static final Pattern DURATION = Pattern.compile("(\\d{1,9})\\s*(ms|s|m|h|d)?");
    private static final Pattern BYTES = Pattern.compile("(\\d{1,12})\\s*(b|k|kb|kib|m|mb|mib|g|gb|gib)?");

    private record Vars(Map<String, String> env) {
        String get(String name, String fallback) {
            String value = env.get(name);
            return value == null || value.isBlank() ? fallback : value.strip();
        }

        Secret secret(String name) {
            String file = get(name + "_FILE", null);
            if (file == null) {
                return Secret.ofNullable(env.get(name));
            }
            try {
                return Secret.ofNullable(Files.readString(Path.of(file)));
            } catch (IOException | RuntimeException e) {
                throw new BrainTrustException.BadConfig(
                        name + "_FILE points to " + file + ", which cannot be read (" + e.getClass().getSimpleName()
                                + "); fix the path or the file's permissions", e);
            }
        }

        Path path(String name) {
            String value = get(name, null);
            return value == null ? null : Path.of(value);
        }

        int integer(String name, int fallback) {
            String value = get(name, null);
            if (value == null) {
                return fallback;
            }
            try {
                return Integer.parseInt(value);
            } catch (NumberFormatException e) {
                throw new BrainTrustException.BadConfig(name + " must be a whole number, not '" + value + "'");
            }
        }

        int nonNegative(String name, int fallback) {
            int value = integer(name, fallback);
            if (value < 0) {
                throw new BrainTrustException.BadConfig(name + " must be 0 or more, not " + value);
            }
            return value;
        }

        int positive(String name, int fallback) {
            int value = integer(name, fallback);
            if (value < 1) {
                throw new BrainTrustException.BadConfig(name + " must be at least 1, not " + value);
            }
            return value;
        }

        Duration duration(String name, Duration fallback) {
            String value = get(name, null);
            return value == null ? fallback : parseDuration(name, value);
        }

        Map<String, Secret> triggerSecrets() {
            Map<String, Secret> secrets = new java.util.HashMap<>();
            for (String name : env.keySet()) {
                String base = name.endsWith("_FILE") ? name.substring(0, name.length() - 5) : name;
                if (base.startsWith(TRIGGER_SECRET_PREFIX) && base.length() > TRIGGER_SECRET_PREFIX.length()) {
                    Secret secret = secret(base);
                    if (secret != null) {
                        secrets.put(base.substring(TRIGGER_SECRET_PREFIX.length()).toLowerCase(Locale.ROOT), secret);
                    }
                }
            }
            return secrets;
        }

        /** 1048576, 512k, 512KiB, 1m, 1MiB, 1g: multiples of 1024. */
        long bytes(String name, long fallback) {
            String value = get(name, null);
            if (value == null) {
                return fallback;
            }
            Matcher m = BYTES.matcher(value.toLowerCase(Locale.ROOT));
            if (!m.matches() || Long.parseLong(m.group(1)) < 1) {
                throw new BrainTrustException.BadConfig(name + " must be a size such as 1048576, 512KiB or 8MiB, not '" + value + "'");
            }
            long unit = switch (m.group(2) == null ? "b" : m.group(2).substring(0, 1)) {
                case "k" -> 1024L;
                case "m" -> 1024L * 1024;
                case "g" -> 1024L * 1024 * 1024;
                default -> 1L;
            };
            return Long.parseLong(m.group(1)) * unit;
        }

        ZoneId zone(String name) {
            String value = get(name, null);
            if (value == null) {
                return ZoneId.systemDefault();
            }
            try {
                return ZoneId.of(value);
            } catch (DateTimeException e) {
                throw new BrainTrustException.BadConfig(name + " must be a time zone such as Europe/Berlin, "
                        + "America/New_York or UTC, not '" + value + "'");
            }
        }

        List<String> list(String name) {
            String value = get(name, null);
            return value == null ? List.of()
                    : Arrays.stream(value.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();
        }

        String choice(String name, String fallback, String... allowed) {
            String value = Optional.ofNullable(get(name, null)).map(s -> s.toLowerCase(Locale.ROOT)).orElse(fallback);
            if (!List.of(allowed).contains(value)) {
                throw new BrainTrustException.BadConfig(name + " must be one of " + String.join(", ", allowed) + ", not '" + value + "'");
            }
            return value;
        }
    }
}
