package dev.transferd.ttrpc;

/** The four call shapes ttrpc carries. */
public enum MethodType {
  /** One request, one response. */
  UNARY(false, false),
  /** One request, a stream of responses. */
  SERVER_STREAMING(false, true),
  /** A stream of requests, one response. */
  CLIENT_STREAMING(true, false),
  /** Streams both ways. */
  BIDI_STREAMING(true, true);

  private final boolean clientStreams;
  private final boolean serverStreams;

  MethodType(boolean clientStreams, boolean serverStreams) {
    this.clientStreams = clientStreams;
    this.serverStreams = serverStreams;
  }

  /** Whether the client sends Data frames. */
  public boolean clientStreams() {
    return clientStreams;
  }

  /** Whether the server sends Data frames. */
  public boolean serverStreams() {
    return serverStreams;
  }
}
