package dev.breakwater.simulator;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;

/** Deterministic Graph-like items: the same tenant always sees the same lists, so pagination is checkable. */
final class GraphData {

    private static final Instant BASE = Instant.parse("2024-01-01T09:00:00Z");
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder DECODER = Base64.getUrlDecoder();
    private static final String SKIP_PREFIX = "o1:";

    /** An item id taken apart. */
    record ItemRef(EndpointGroup group, int index, String tenant) {
    }

    private GraphData() {
    }

    /** Returns an opaque, URL-safe id that encodes group, index and tenant (so item GETs need no storage). */
    static String itemId(EndpointGroup group, String tenant, int index) {
        String raw = group.jsonName() + ":" + index + ":" + tenant;
        return ENCODER.encodeToString(raw.getBytes(StandardCharsets.UTF_8));
    }

    /** Decodes an id made by {@link #itemId}, or returns null if it is not one. */
    static ItemRef parseId(String id) {
        try {
            String raw = new String(DECODER.decode(id), StandardCharsets.UTF_8);
            int first = raw.indexOf(':');
            int second = raw.indexOf(':', first + 1);
            if (first <= 0 || second <= first + 1) {
                return null;
            }
            EndpointGroup group = EndpointGroup.parse(raw.substring(0, first));
            int index = Integer.parseInt(raw.substring(first + 1, second));
            return new ItemRef(group, index, raw.substring(second + 1));
        } catch (IllegalArgumentException e) { // bad base64, bad group, bad number
            return null;
        }
    }

    /** Returns the opaque {@code $skiptoken} for a page starting at {@code offset}. */
    static String skipToken(int offset) {
        return ENCODER.encodeToString((SKIP_PREFIX + offset).getBytes(StandardCharsets.UTF_8));
    }

    /** Decodes a {@code $skiptoken}; throws IllegalArgumentException for anything this server did not issue. */
    static int parseSkipToken(String token) {
        String raw;
        try {
            raw = new String(DECODER.decode(token), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("invalid $skiptoken");
        }
        if (!raw.startsWith(SKIP_PREFIX)) {
            throw new IllegalArgumentException("invalid $skiptoken");
        }
        try {
            int offset = Integer.parseInt(raw.substring(SKIP_PREFIX.length()));
            if (offset < 0) {
                throw new IllegalArgumentException("invalid $skiptoken");
            }
            return offset;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("invalid $skiptoken");
        }
    }

    /** Builds item {@code index} of {@code tenant}'s list for {@code group}. */
    static ObjectNode item(EndpointGroup group, String tenant, int index) {
        ObjectNode n = NODES.objectNode();
        n.put("id", itemId(group, tenant, index));
        Instant when = BASE.minus(Duration.ofMinutes(17L * index));
        switch (group) {
            case EVENTS -> {
                n.put("subject", "Event " + index);
                Instant start = BASE.plus(Duration.ofHours(index));
                n.putObject("start").put("dateTime", start.toString()).put("timeZone", "UTC");
                n.putObject("end").put("dateTime", start.plus(Duration.ofMinutes(30)).toString()).put("timeZone", "UTC");
                n.putObject("organizer").putObject("emailAddress")
                        .put("name", "Organizer " + (index % 7)).put("address", "organizer" + (index % 7) + "@example.com");
            }
            case DRIVE -> {
                boolean folder = index % 10 == 0;
                n.put("name", folder ? "Folder " + index : "Document " + index + ".docx");
                n.put("size", folder ? 0 : 1024L * (index + 1));
                n.put("lastModifiedDateTime", when.toString());
                if (folder) {
                    n.putObject("folder").put("childCount", index % 5);
                } else {
                    n.putObject("file").put("mimeType",
                            "application/vnd.openxmlformats-officedocument.wordprocessingml.document");
                }
            }
            default -> {
                n.put("subject", "Message " + index);
                n.put("receivedDateTime", when.toString());
                n.put("isRead", index % 3 == 0);
                n.putObject("from").putObject("emailAddress")
                        .put("name", "Sender " + (index % 11)).put("address", "sender" + (index % 11) + "@example.com");
                n.put("bodyPreview", "Simulated message " + index + " for tenant " + tenant);
            }
        }
        return n;
    }
}
