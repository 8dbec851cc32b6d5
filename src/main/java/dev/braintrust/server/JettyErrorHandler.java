package dev.braintrust.server;

import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

import java.nio.ByteBuffer;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Errors Jetty answers itself, before a request reaches a route (a NUL or a malformed escape in the
 * path, a request line or headers it cannot parse), written as the same JSON {@code {"error","detail"}}
 * as every other error instead of Jetty's HTML page.
 */
final class JettyErrorHandler extends ErrorHandler {
    private static final String JSON = "application/json";

    @Override
    protected boolean generateAcceptableResponse(Request request, Response response, Callback callback, String contentType,
                                                 List<Charset> charsets, int code, String message, Throwable cause) {
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, JSON);
        // A request refused before routing may still have an unread body, after which Jetty drops the
        // connection: say so, or a client that keeps connections alive sends its next request into it.
        response.getHeaders().put(HttpHeader.CONNECTION, "close");
        response.write(true, ByteBuffer.wrap(body(code, message)), callback);
        return true;
    }

    @Override
    public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
        fields.put(HttpHeader.CONTENT_TYPE, JSON);
        return ByteBuffer.wrap(body(status, reason));
    }

    private static byte[] body(int code, String message) {
        String detail = "the request was refused before routing" + (message == null || message.isBlank() ? "" : ": " + message);
        return ("{\"error\":\"" + ErrorMapper.errorName(code) + "\",\"detail\":\"" + jsonEscape(detail) + "\"}")
                .getBytes(StandardCharsets.UTF_8);
    }

    private static String jsonEscape(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (char c : text.toCharArray()) {
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c < 0x20) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
