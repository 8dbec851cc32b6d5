package dev.braintrust.workflow;

/**
 * One HTTP request a model call put on the wire.
 *
 * @param host      the server it went to, {@code host} or {@code host:port}
 * @param bodyBytes the bytes of its body, as sent (UTF-8); headers (which hold the key) are not counted
 * @param delivered false when the connection could not be made, so nothing left the machine
 */
public record WireRequest(String host, long bodyBytes, boolean delivered) {
}
