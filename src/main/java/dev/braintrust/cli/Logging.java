package dev.braintrust.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.Writer;
import java.util.List;
import java.util.Set;

/** Log output settings chosen at start: quieter for one-shot commands, JSON lines on request. */
final class Logging {
    /** Commands run as services, whose standard output is status lines rather than data. */
    private static final Set<String> SERVICE_COMMANDS = Set.of("serve", "sync");
    private static final List<String> HELP = List.of("-h", "--help", "-V", "--version", "help");

    private Logging() {
    }

    /** One-shot commands print their own output; only warnings from the libraries belong on stderr. */
    static void quiet() {
        root().setLevel(Level.WARN);
        // sync, clone and the start of run/chat print a failed sync's reason themselves: the service's warning would repeat it
        ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger("dev.braintrust.sync.SyncService")).setLevel(Level.ERROR);
    }

    /**
     * Switches to one JSON object per line ({@code BRAIN_TRUST_LOG_FORMAT=json}, see {@link JsonLineEncoder})
     * for log collectors: the log on standard error, and what the command itself prints there (its
     * messages, "error: ..." as an ERROR event). {@code serve} and {@code sync} print status lines, not
     * data, so their standard output ("Brain Trust is serving on ...") becomes JSON too, still on
     * standard output; other commands keep theirs as it is ({@code status --json}, {@code context}...).
     */
    static void json(CommandLine cli, String[] args) {
        ch.qos.logback.classic.Logger root = root();
        ConsoleAppender<ILoggingEvent> stderr = jsonAppender(root.getLoggerContext(), "JSON", "System.err");
        root.detachAndStopAllAppenders();
        root.addAppender(stderr);
        cli.setErr(lines("dev.braintrust.cli.stderr"));

        boolean help = List.of(args).stream().anyMatch(HELP::contains);
        if (args.length > 0 && SERVICE_COMMANDS.contains(args[0]) && !help) {
            ch.qos.logback.classic.Logger stdout = (ch.qos.logback.classic.Logger) LoggerFactory.getLogger("dev.braintrust.cli.stdout");
            stdout.addAppender(jsonAppender(root.getLoggerContext(), "JSON-STDOUT", "System.out"));
            stdout.setAdditive(false);
            cli.setOut(lines(stdout.getName()));
        }
    }

    private static ConsoleAppender<ILoggingEvent> jsonAppender(LoggerContext context, String name, String target) {
        JsonLineEncoder encoder = new JsonLineEncoder();
        encoder.setContext(context);
        encoder.start();
        ConsoleAppender<ILoggingEvent> appender = new ConsoleAppender<>();
        appender.setContext(context);
        appender.setName(name);
        appender.setTarget(target);
        appender.setEncoder(encoder);
        appender.start();
        return appender;
    }

    /** A print writer whose every line is one INFO event of that logger, whatever the root's level. */
    private static PrintWriter lines(String loggerName) {
        ch.qos.logback.classic.Logger logger = (ch.qos.logback.classic.Logger) LoggerFactory.getLogger(loggerName);
        logger.setLevel(Level.INFO);
        return new PrintWriter(new LineLogger(logger), true);
    }

    private static ch.qos.logback.classic.Logger root() {
        return (ch.qos.logback.classic.Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME);
    }

    /**
     * Turns each line written into one log event: "error: ..." an ERROR, "warning: ..." a WARN (without
     * the prefix, which the level now says), anything else INFO. A line without its end is logged when
     * the writer is flushed, so nothing printed is lost.
     */
    static final class LineLogger extends Writer {
        private final Logger logger;
        private final StringBuilder line = new StringBuilder();

        LineLogger(Logger logger) {
            this.logger = logger;
        }

        @Override
        public void write(char[] chars, int offset, int length) {
            synchronized (lock) {
                for (int i = offset; i < offset + length; i++) {
                    char c = chars[i];
                    if (c == '\n') {
                        emit();
                    } else if (c != '\r') {
                        line.append(c);
                    }
                }
            }
        }

        @Override
        public void flush() {
            synchronized (lock) {
                emit();
            }
        }

        @Override
        public void close() {
            flush();
        }

        private void emit() {
            String text = line.toString();
            line.setLength(0);
            if (text.isBlank()) {
                return;
            }
            if (text.startsWith("error: ")) {
                logger.error(text.substring("error: ".length()));
            } else if (text.startsWith("warning: ")) {
                logger.warn(text.substring("warning: ".length()));
            } else {
                logger.info(text);
            }
        }
    }
}
