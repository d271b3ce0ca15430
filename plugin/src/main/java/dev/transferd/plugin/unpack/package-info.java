/**
 * Images to directories: {@link dev.transferd.plugin.unpack.ImageUnpacker} applies an image's
 * layers (found by {@link dev.transferd.plugin.unpack.ImageLayers}) into a directory, all or
 * nothing, with OCI whiteouts, every file type and the metadata a runtime needs, never writing
 * outside the directory. Independent of the Transfer service: layers come through a {@link
 * dev.transferd.plugin.unpack.LayerSource}.
 */
package dev.transferd.plugin.unpack;
