package dev.breakwater.simulator;

/** A monotonic nanosecond time source, injectable so throttling and scheduled windows are testable without sleeping. */
@FunctionalInterface
public interface Ticker {

    /** Returns the current time in nanoseconds from an arbitrary origin; only differences are meaningful. */
    long nanoTime();

    /** Returns the ticker backed by {@link System#nanoTime()}. */
    static Ticker system() {
        return System::nanoTime;
    }
}
