/**
 * containerd's companion services over the store: {@code Images}, {@code Content}, {@code Leases}
 * and {@code Introspection}, same wire as containerd's. {@link
 * dev.transferd.plugin.services.StoreServices#definitions} gives them all.
 */
package dev.transferd.plugin.services;
