package dev.transferd.plugin.registry;

import java.io.IOException;
import java.net.Socket;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * TLS settings of a registry host (hosts.toml {@code ca}, {@code client}, {@code skip_verify};
 * Docker-style {@code *.crt}, {@code *.cert}/{@code *.key}): extra CAs are trusted on top of the
 * JDK's, client pairs are a PEM certificate and a PEM key ({@link PemFiles}). A value, so equal
 * configurations share one HTTP client and its connections.
 */
record TlsConfig(List<Path> caFiles, List<ClientPair> clients, boolean skipVerify) {
  static final TlsConfig DEFAULT = new TlsConfig(List.of(), List.of(), false);
  static final TlsConfig INSECURE = new TlsConfig(List.of(), List.of(), true);

  record ClientPair(Path certificate, Path key) {}

  TlsConfig {
    caFiles = List.copyOf(caFiles);
    clients = List.copyOf(clients);
  }

  /**
   * Builds the SSL context.
   *
   * @throws RegistryException INVALID_ARGUMENT naming the file that could not be read
   */
  SSLContext sslContext() {
    try {
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(keyManagers(), trustManagers(), null);
      return context;
    } catch (GeneralSecurityException e) {
      throw new RegistryException(
          dev.transferd.ttrpc.StatusCode.INVALID_ARGUMENT, "TLS configuration: " + e.getMessage());
    }
  }

  private TrustManager[] trustManagers() throws GeneralSecurityException {
    if (skipVerify) {
      return new TrustManager[] {new TrustEverything()};
    }
    if (caFiles.isEmpty()) {
      return null;
    }
    TrustManagerFactory system =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    system.init((KeyStore) null);
    KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
    try {
      store.load(null, null);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    int n = 0;
    for (TrustManager tm : system.getTrustManagers()) {
      if (tm instanceof X509TrustManager x) {
        for (X509Certificate c : x.getAcceptedIssuers()) {
          store.setCertificateEntry("system-" + n++, c);
        }
      }
    }
    for (Path ca : caFiles) {
      for (Certificate c : PemFiles.certificates(ca)) {
        store.setCertificateEntry("ca-" + n++, c);
      }
    }
    TrustManagerFactory factory =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    factory.init(store);
    return factory.getTrustManagers();
  }

  private javax.net.ssl.KeyManager[] keyManagers() throws GeneralSecurityException {
    if (clients.isEmpty()) {
      return null;
    }
    KeyStore store = KeyStore.getInstance("PKCS12");
    try {
      store.load(null, null);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    int n = 0;
    for (ClientPair pair : clients) {
      Collection<? extends Certificate> chain = PemFiles.certificates(pair.certificate());
      store.setKeyEntry(
          "client-" + n++,
          PemFiles.privateKey(pair.key()),
          new char[0],
          chain.toArray(new Certificate[0]));
    }
    KeyManagerFactory factory =
        KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    factory.init(store, new char[0]);
    return factory.getKeyManagers();
  }

  /**
   * skip_verify: accepts any chain and skips host name checks (the JDK checks names inside the
   * extended trust manager, so not delegating is what skips them).
   */
  private static final class TrustEverything extends X509ExtendedTrustManager {
    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {}

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }
}
