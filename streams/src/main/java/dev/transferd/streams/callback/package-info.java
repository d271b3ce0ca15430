/**
 * The server's side of the transfer callbacks: progress events ({@link
 * dev.transferd.streams.callback.ProgressReporter}) and registry credential requests ({@link
 * dev.transferd.streams.callback.CredentialRequester}). The client's side lives in {@link
 * dev.transferd.streams.client}.
 */
package dev.transferd.streams.callback;
