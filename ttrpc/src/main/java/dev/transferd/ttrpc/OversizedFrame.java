package dev.transferd.ttrpc;

/**
 * A frame whose declared length was over the limit. Its data has been read and discarded, so the
 * connection stays in sync; only its stream fails.
 */
record OversizedFrame(int streamId, byte type, byte flags, long length, int limit) {
  Status status() {
    return Status.of(StatusCode.RESOURCE_EXHAUSTED, Protocol.oversizeMessage(length, limit));
  }
}
