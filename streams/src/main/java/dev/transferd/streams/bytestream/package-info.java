/**
 * Byte streams over an {@link dev.transferd.streams.AnyStream} with containerd's credit-based flow
 * control (docs/protocol/transfer.md §5): {@link
 * dev.transferd.streams.bytestream.ByteStreamReceiver} is an {@code InputStream} that grants
 * credit, {@link dev.transferd.streams.bytestream.ByteStreamSender} an {@code OutputStream} that
 * never sends more than it was granted. Both work on either end.
 */
package dev.transferd.streams.bytestream;
