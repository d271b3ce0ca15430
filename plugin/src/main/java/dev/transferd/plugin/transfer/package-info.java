/**
 * containerd's Transfer service: {@link dev.transferd.plugin.transfer.TransferService} decodes the
 * endpoints (taking the side streams they name) and runs the operation its source × destination
 * table has for the pair: import, export, tag and echo here; every other pair is UNIMPLEMENTED.
 */
package dev.transferd.plugin.transfer;
