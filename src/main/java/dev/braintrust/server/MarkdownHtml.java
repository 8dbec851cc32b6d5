package dev.braintrust.server;

import io.javalin.http.Context;
import org.commonmark.node.Image;
import org.commonmark.node.Link;
import org.commonmark.node.Node;
import org.commonmark.parser.Parser;
import org.commonmark.renderer.NodeRenderer;
import org.commonmark.renderer.html.HtmlNodeRendererContext;
import org.commonmark.renderer.html.HtmlRenderer;
import org.commonmark.renderer.html.HtmlWriter;
import org.commonmark.renderer.html.UrlSanitizer;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Markdown to an HTML fragment that is safe to insert into the dashboard, although the Markdown
 * (context files, the journal) is untrusted text: raw HTML is escaped (shown as text, never
 * interpreted), link targets are limited to http, https, mailto and relative ones, and images are
 * rendered as links, so a file cannot make the browser load anything from another host.
 */
final class MarkdownHtml {
    static final String CONTENT_TYPE = "text/html; charset=utf-8";
    /** Sent with every rendered fragment: opened directly, it can run nothing and load nothing. */
    static final String FRAGMENT_POLICY = "default-src 'none'; style-src 'self'; sandbox";

    private static final Parser PARSER = Parser.builder().build();
    private static final HtmlRenderer RENDERER = HtmlRenderer.builder()
            .escapeHtml(true)
            .sanitizeUrls(true)
            .urlSanitizer(new SafeUrls())
            .nodeRendererFactory(ImageAsLink::new)
            .attributeProviderFactory(context -> (node, tag, attributes) -> {
                if (node instanceof Link) {
                    if (attributes.getOrDefault("href", "").isEmpty()) {
                        attributes.remove("href"); // its URL was unsafe: plain text that looks like a link, going nowhere
                        attributes.put("class", "md-removed-link");
                    } else {
                        attributes.put("rel", "noopener noreferrer nofollow");
                        attributes.put("target", "_blank");
                    }
                }
            })
            .build();

    private MarkdownHtml() {
    }

    /** True when the request asks for HTML ({@code ?format=html}) rather than the Markdown itself. */
    static boolean wanted(Context ctx) {
        return "html".equals(ctx.queryParam("format"));
    }

    /** Answers with the rendered fragment, under a policy that keeps it inert when opened on its own. */
    static void answer(Context ctx, String markdown) {
        ctx.header("Content-Security-Policy", FRAGMENT_POLICY).header("X-Content-Type-Options", "nosniff")
                .contentType(CONTENT_TYPE).result(render(markdown));
    }

    static String render(String markdown) {
        return RENDERER.render(PARSER.parse(markdown == null ? "" : markdown));
    }

    /** Keeps http, https, mailto, fragment and relative URLs; anything else (javascript:, data:, vbscript:) becomes empty. */
    static final class SafeUrls implements UrlSanitizer {
        private static final Set<String> SCHEMES = Set.of("http", "https", "mailto");

        @Override
        public String sanitizeLinkUrl(String url) {
            return safe(url);
        }

        @Override
        public String sanitizeImageUrl(String url) {
            return safe(url);
        }

        static String safe(String url) {
            String u = url.strip();
            int colon = u.indexOf(':');
            int firstSeparator = firstOf(u, "/?#");
            if (colon < 0 || (firstSeparator >= 0 && firstSeparator < colon)) {
                return u; // relative: no scheme
            }
            String scheme = u.substring(0, colon).toLowerCase(Locale.ROOT);
            return SCHEMES.contains(scheme) ? u : "";
        }

        private static int firstOf(String s, String chars) {
            for (int i = 0; i < s.length(); i++) {
                if (chars.indexOf(s.charAt(i)) >= 0) {
                    return i;
                }
            }
            return -1;
        }
    }

    /** {@code ![alt](url)} becomes a link to the image saying "image: alt": nothing is loaded by itself. */
    private static final class ImageAsLink implements NodeRenderer {
        private final HtmlNodeRendererContext context;
        private final HtmlWriter html;

        ImageAsLink(HtmlNodeRendererContext context) {
            this.context = context;
            this.html = context.getWriter();
        }

        @Override
        public Set<Class<? extends Node>> getNodeTypes() {
            return Set.of(Image.class);
        }

        @Override
        public void render(Node node) {
            Image image = (Image) node;
            Map<String, String> attributes = new LinkedHashMap<>();
            String url = SafeUrls.safe(image.getDestination());
            if (!url.isEmpty()) {
                attributes.put("href", context.encodeUrl(url));
                attributes.put("rel", "noopener noreferrer nofollow");
                attributes.put("target", "_blank");
            }
            attributes.put("class", "md-image");
            html.tag("a", attributes);
            html.text("image: ");
            for (Node child = image.getFirstChild(); child != null; child = child.getNext()) {
                context.render(child);
            }
            html.tag("/a");
        }
    }
}
