package dev.breakwater.simulator;

/** The Graph-like endpoint groups that can be given their own latency distribution. */
public enum EndpointGroup {
    /** {@code GET /v1.0/me/messages} and {@code GET /v1.0/me/messages/{id}}. */
    MESSAGES("messages"),
    /** {@code GET /v1.0/me/events}. */
    EVENTS("events"),
    /** {@code GET /v1.0/me/drive/root/children}. */
    DRIVE("drive"),
    /** {@code POST /v1.0/me/sendMail}. */
    SEND_MAIL("sendMail");

    private final String jsonName;

    EndpointGroup(String jsonName) {
        this.jsonName = jsonName;
    }

    /** Returns the name used in JSON configuration and counters (e.g. {@code "sendMail"}). */
    public String jsonName() {
        return jsonName;
    }

    /** Parses a JSON name (or the enum constant name, case-insensitively). */
    public static EndpointGroup parse(String name) {
        for (EndpointGroup g : values()) {
            if (g.jsonName.equalsIgnoreCase(name) || g.name().equalsIgnoreCase(name)) {
                return g;
            }
        }
        throw new IllegalArgumentException("unknown endpoint group '" + name + "' (known: messages, events, drive, sendMail)");
    }

    /** Returns the JSON name, so log lines and error messages match what the control endpoint accepts. */
    @Override
    public String toString() {
        return jsonName;
    }
}
