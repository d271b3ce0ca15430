package dev.transferd.plugin.store;

import java.time.Instant;

/**
 * An ingest in progress (containerd's {@code content.Status}): bytes written so far ({@code
 * offset}), the size expected ({@code total}, 0 if unknown) and the digest expected ({@code
 * expected}, empty if unknown).
 */
public record IngestStatus(
    String ref, long offset, long total, String expected, Instant startedAt, Instant updatedAt) {}
