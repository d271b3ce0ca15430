/**
 * The embedded default store: blobs as files in containerd's layout, metadata in LMDB, a
 * mark-and-sweep garbage collector. {@link dev.transferd.plugin.store.embedded.EmbeddedStore} is
 * the only public entry point.
 */
package dev.transferd.plugin.store.embedded;
