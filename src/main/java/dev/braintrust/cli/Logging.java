package dev.braintrust.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Log output settings chosen at start: quieter for one-shot commands, JSON lines on request. */
final class Logging {
    private Logging() {
    }

    /** One-shot commands print their own output; only warnings from the libraries belong on stderr. */
    static void quiet() {
        root().setLevel(Level.WARN);
        // sync, clone and the start of run/chat print a failed sync's reason themselves: the service's warning would repeat it
        ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger("dev.braintrust.sync.SyncService")).setLevel(Level.ERROR);
    }

    /**
     * Switches the console to one JSON object per line ({@code BRAIN_TRUST_LOG_FORMAT=json}), for log
     * collectors. Uses logback's own JSON encoder.
     */
    static void json() {
        ch.qos.logback.classic.Logger root = root();
        LoggerContext context = root.getLoggerContext();
        JsonEncoder encoder = new JsonEncoder();
        encoder.setContext(context);
        encoder.setWithSequenceNumber(false);
        encoder.setWithNanoseconds(false);
        encoder.setWithContext(false);
        encoder.start();
        ConsoleAppender<ILoggingEvent> appender = new ConsoleAppender<>();
        appender.setContext(context);
        appender.setName("JSON");
        appender.setTarget("System.err");
        appender.setEncoder(encoder);
        appender.start();
        root.detachAndStopAllAppenders();
        root.addAppender(appender);
    }

    private static ch.qos.logback.classic.Logger root() {
        return (ch.qos.logback.classic.Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME);
    }
}
