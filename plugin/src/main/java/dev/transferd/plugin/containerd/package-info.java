/**
 * transferd next to containerd: {@link dev.transferd.plugin.containerd.ContentProxy}, the Content
 * service containerd uses as its {@code content} proxy plugin over gRPC (a namespace-less view of
 * the store), and {@link dev.transferd.plugin.containerd.ProxyNamespaceGuard}, which keeps ttrpc
 * clients from changing what containerd owns.
 */
package dev.transferd.plugin.containerd;
