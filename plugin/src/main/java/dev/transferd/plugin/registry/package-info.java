/**
 * The registry client: everything HTTP between the daemon and OCI distribution registries
 * (docs/protocol/transfer.md §7, §8.1, §8.2). {@link dev.transferd.plugin.registry.RegistryClient}
 * is the facade the transfer operations use; behind it one caller, {@code RegistryHttp}, owns hosts
 * and mirrors, TLS, redirects, authentication and retries, and one class per registry endpoint
 * (manifest resolver, blob fetcher, blob pusher, manifest pusher) builds its requests.
 *
 * <p>Secrets (passwords, tokens, Authorization headers) never appear in exception messages, logs or
 * progress events.
 */
package dev.transferd.plugin.registry;
