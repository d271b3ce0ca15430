/**
 * The Java client of containerd's Transfer service, the twin of Go's {@code transfer/proxy}: {@link
 * dev.transferd.streams.client.TransferClient#transfer} between typed sources and destinations,
 * with the side streams opened, fed, drained and closed behind the call.
 */
package dev.transferd.streams.client;
