package dev.transferd.ttrpc;

/**
 * The ttrpc wire format, in one place.
 *
 * <pre>
 *  0               4               8       9       10
 * +---------------+---------------+-------+-------+---------------------------+
 * | length (u32)  | stream id     | type  | flags | data (length bytes)       |
 * +---------------+---------------+-------+-------+---------------------------+
 *   big-endian      big-endian
 * </pre>
 *
 * <p>{@code length} counts the data only, never the 10-byte header. Data is a protobuf {@code
 * ttrpc.Request} (type 1), {@code ttrpc.Response} (type 2) or the raw user message (type 3).
 *
 * <table>
 *   <caption>Flags, by message type</caption>
 *   <tr><th>bit</th><th>name</th><th>Request</th><th>Data</th></tr>
 *   <tr><td>0x01</td><td>remote closed</td><td>server-streaming open: the client sends no
 *       data</td><td>last frame from this side</td></tr>
 *   <tr><td>0x02</td><td>remote open</td><td>client-streaming or bidi open</td><td>-</td></tr>
 *   <tr><td>0x04</td><td>no data</td><td>no payload (Rust's rule; Go ignores it)</td>
 *       <td>the frame carries no message; {@code 0x05} ends a stream</td></tr>
 * </table>
 *
 * <p>Client stream ids are odd, start at 1 and strictly increase on the wire. Data length is
 * limited to {@link #DEFAULT_MAX_MESSAGE_SIZE} bytes inclusive, as in Go and Rust.
 */
public final class Protocol {
  /** Bytes in every frame header. */
  public static final int HEADER_LENGTH = 10;

  /** Go's and Rust's hard-coded limit on a frame's data length (4 MiB, inclusive). */
  public static final int DEFAULT_MAX_MESSAGE_SIZE = 4 << 20;

  static final byte TYPE_REQUEST = 0x01;
  static final byte TYPE_RESPONSE = 0x02;
  static final byte TYPE_DATA = 0x03;

  static final byte FLAG_REMOTE_CLOSED = 0x01;
  static final byte FLAG_REMOTE_OPEN = 0x02;
  static final byte FLAG_NO_DATA = 0x04;

  /** The close marker: remote closed and no data. */
  static final byte FLAGS_CLOSE = FLAG_REMOTE_CLOSED | FLAG_NO_DATA;

  /** The largest client stream id; a client opens a new connection before passing it. */
  static final int MAX_STREAM_ID = Integer.MAX_VALUE;

  /** Default depth of each stream's inbound message queue (Go's streamRecvBufferSize). */
  static final int DEFAULT_STREAM_QUEUE_CAPACITY = 64;

  /** How long a full stream queue may pause reading before its stream fails (Go: 1 s). */
  static final java.time.Duration DEFAULT_STREAM_QUEUE_GRACE = java.time.Duration.ofSeconds(1);

  private Protocol() {}

  static String oversizeMessage(long length, int max) {
    // Go's OversizedMessageErr text, so logs read the same on both sides.
    return "message length " + length + " exceed maximum message size of " + max;
  }
}
