package dev.transferd.ttrpc;

import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioDomainSocketChannel;
import io.netty.channel.socket.nio.NioServerDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Path;
import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;

/**
 * Unix-domain transport selection: Netty's native epoll (with {@code SO_PEERCRED}) where it loads,
 * Netty's NIO domain sockets elsewhere. The only place that knows which one is in use.
 */
final class Transport {
  static final boolean EPOLL = !Boolean.getBoolean("ttrpc.nio") && Epoll.isAvailable();

  static {
    // Netty samples buffer stack traces by default, which costs measurable time per call. Our
    // tests turn it up to paranoid explicitly; in production it stays off unless asked for.
    if (System.getProperty("io.netty.leakDetection.level") == null
        && System.getProperty("io.netty.leakDetectionLevel") == null) {
      io.netty.util.ResourceLeakDetector.setLevel(
          io.netty.util.ResourceLeakDetector.Level.DISABLED);
    }
  }

  private Transport() {}

  static EventLoopGroup newEventLoopGroup(int threads, String name) {
    var factory = EPOLL ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
    return new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory(name, true), factory);
  }

  static Class<? extends ServerChannel> serverChannelType() {
    return EPOLL ? EpollServerDomainSocketChannel.class : NioServerDomainSocketChannel.class;
  }

  static Class<? extends Channel> channelType() {
    return EPOLL ? EpollDomainSocketChannel.class : NioDomainSocketChannel.class;
  }

  static SocketAddress address(Path socket) {
    return EPOLL ? new DomainSocketAddress(socket.toString()) : UnixDomainSocketAddress.of(socket);
  }

  /** The peer's effective uid and gid at connect time, or {@link PeerCredentials#UNKNOWN}. */
  static PeerCredentials peerCredentials(Channel channel) {
    try {
      if (channel instanceof EpollDomainSocketChannel epoll) {
        var creds = epoll.peerCredentials();
        int[] gids = creds.gids();
        return new PeerCredentials(creds.pid(), creds.uid(), gids.length > 0 ? gids[0] : -1);
      }
      if (channel instanceof NioDomainSocketChannel nio) {
        UnixDomainPrincipal p =
            nio.config()
                .getOption(
                    io.netty.channel.socket.nio.NioChannelOption.of(
                        ExtendedSocketOptions.SO_PEERCRED));
        return new PeerCredentials(
            -1, idOf(p.user().getName(), "/etc/passwd"), idOf(p.group().getName(), "/etc/group"));
      }
    } catch (IOException | RuntimeException e) {
      return PeerCredentials.UNKNOWN;
    }
    return PeerCredentials.UNKNOWN;
  }

  // The JDK names principals; map a name back to its number through the account databases. A
  // name we cannot map stays unknown (-1), which same-user and uid policies refuse.
  private static int idOf(String name, String database) {
    try {
      return Integer.parseInt(name);
    } catch (NumberFormatException e) {
      try (var lines = java.nio.file.Files.lines(java.nio.file.Path.of(database))) {
        return lines
            .map(line -> line.split(":"))
            .filter(f -> f.length > 2 && f[0].equals(name))
            .mapToInt(f -> Integer.parseInt(f[2]))
            .findFirst()
            .orElse(-1);
      } catch (IOException | RuntimeException unreadable) {
        return -1;
      }
    }
  }
}
