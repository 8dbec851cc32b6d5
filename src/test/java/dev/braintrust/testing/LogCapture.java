package dev.braintrust.testing;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.AppenderBase;
import ch.qos.logback.core.read.ListAppender;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Captures every log event of the process, at DEBUG for every logger (JGit and Jetty included),
 * while it is open: what a test can search for a leaked secret. The appenders that were there (the
 * console) go on getting only what they got before, at the root's former level or above, so the
 * captured DEBUG events do not flood the build's output.
 */
public final class LogCapture implements AutoCloseable {
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
    private final Map<Logger, Level> levels = new HashMap<>();
    private final List<Appender<ILoggingEvent>> others = new ArrayList<>();
    private final Appender<ILoggingEvent> othersAtTheirLevel;
    private final Logger root;

    public LogCapture() {
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        Level before = root.getLevel() == null ? Level.INFO : root.getLevel();
        root.iteratorForAppenders().forEachRemaining(others::add);
        others.forEach(root::detachAppender);
        othersAtTheirLevel = new AppenderBase<>() {
            @Override
            protected void append(ILoggingEvent event) {
                if (event.getLevel().isGreaterOrEqual(before)) {
                    others.forEach(a -> a.doAppend(event));
                }
            }
        };
        othersAtTheirLevel.setContext(context);
        othersAtTheirLevel.start();
        root.addAppender(othersAtTheirLevel);
        for (Logger logger : context.getLoggerList()) {
            levels.put(logger, logger.getLevel());
            if (logger != root && logger.getLevel() != null) {
                logger.setLevel(Level.DEBUG);
            }
        }
        root.setLevel(Level.DEBUG);
        appender.setContext(context);
        appender.start();
        root.addAppender(appender);
    }

    /** Every event as text: the formatted message, then any exception with its causes and stack. */
    public synchronized List<String> lines() {
        List<String> lines = new ArrayList<>();
        for (ILoggingEvent e : List.copyOf(appender.list)) {
            lines.add(e.getLevel() + " " + e.getLoggerName() + " - " + e.getFormattedMessage()
                    + (e.getThrowableProxy() == null ? "" : "\n" + ThrowableProxyUtil.asString(e.getThrowableProxy())));
        }
        return lines;
    }

    public String all() {
        return String.join("\n", lines());
    }

    @Override
    public void close() {
        root.detachAppender(appender);
        appender.stop();
        levels.forEach(Logger::setLevel);
        root.detachAppender(othersAtTheirLevel);
        othersAtTheirLevel.stop();
        others.forEach(root::addAppender);
    }
}
