/**
 * containerd's Streaming service and the streams it carries, on ttrpc.
 *
 * <p>Server side: {@link dev.transferd.streams.StreamingService} registers each Streaming call with
 * the {@link dev.transferd.streams.StreamManager}, where services find it by id. Client side:
 * {@link dev.transferd.streams.StreamCreator} opens them. Either way the result is an {@link
 * dev.transferd.streams.AnyStream}; the wire contract is drawn in {@link
 * dev.transferd.streams.StreamingProtocol}.
 */
package dev.transferd.streams;
