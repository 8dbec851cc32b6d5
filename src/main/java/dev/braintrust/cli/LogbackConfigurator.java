package dev.braintrust.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.spi.FilterReply;
import ch.qos.logback.core.spi.ContextAwareBase;

import org.slf4j.Marker;

import java.util.List;

/**
 * The logging set-up, in code (found by logback through {@code META-INF/services}): one line per
 * event on standard error, INFO for Brain Trust, WARN for chatty libraries. Done in code because
 * parsing an XML configuration took a fifth of the server's start-up; {@link Logging} switches to
 * JSON lines on request.
 */
public final class LogbackConfigurator extends ContextAwareBase implements Configurator {
    static final String PATTERN = "%d{HH:mm:ss.SSS} %-5level %logger{0} - %msg%n";
    private static final List<String> QUIET = List.of(
            "org.eclipse.jetty", "io.javalin", "org.eclipse.jgit", "org.flywaydb", "com.zaxxer.hikari",
            "io.modelcontextprotocol");
    /** The SSH client warns of every refused host or key on its own; the sync's failure says it once, with what to do. */
    private static final List<String> SSH_CLIENT = List.of("org.apache.sshd", "org.eclipse.jgit.internal.transport.sshd");

    @Override
    public ExecutionStatus configure(LoggerContext context) {
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern(PATTERN);
        encoder.start();
        ConsoleAppender<ILoggingEvent> appender = new ConsoleAppender<>();
        appender.setContext(context);
        appender.setName("STDERR");
        appender.setTarget("System.err");
        appender.setEncoder(encoder);
        appender.start();
        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.INFO);
        root.addAppender(appender);
        QUIET.forEach(name -> context.getLogger(name).setLevel(Level.WARN));
        context.addTurboFilter(new DropJavalinStartFailure());
        SSH_CLIENT.forEach(name -> context.getLogger(name).setLevel(Level.ERROR));
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }

    /**
     * Javalin logs "Failed to start Javalin" at ERROR, without the cause, just before it throws; the
     * exception reaches the user with the cause and what to do ({@code ApiServer.start}), so the bare
     * line only alarms.
     */
    static final class DropJavalinStartFailure extends TurboFilter {
        static final String LOGGER = "io.javalin.Javalin";
        static final String MESSAGE = "Failed to start Javalin";

        @Override
        public FilterReply decide(Marker marker, Logger logger, Level level, String format, Object[] params, Throwable t) {
            return logger != null && LOGGER.equals(logger.getName()) && MESSAGE.equals(format) ? FilterReply.DENY : FilterReply.NEUTRAL;
        }
    }
}
