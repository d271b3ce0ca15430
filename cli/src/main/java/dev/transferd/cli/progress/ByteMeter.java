package dev.transferd.cli.progress;

import java.util.function.LongSupplier;

/**
 * Bytes of an archive moving through this process (an import read from a file or stdin, an export
 * written out), counted here since the daemon reports no per-blob progress for a byte stream.
 *
 * @param label what moves, e.g. {@code app.tar}
 * @param state what is happening to it, e.g. {@code sending} or {@code receiving}
 * @param count bytes so far; read from the drawing thread, so it must be safe to call from any
 * @param total the size when known in advance (a regular file being imported), else -1
 */
public record ByteMeter(String label, String state, LongSupplier count, long total) {}
