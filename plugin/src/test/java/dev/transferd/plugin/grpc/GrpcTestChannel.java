package dev.transferd.plugin.grpc;

import com.google.protobuf.ByteString;
import com.google.protobuf.MessageLite;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.protobuf.lite.ProtoLiteUtils;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.DomainSocketAddress;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A grpc-java client channel to a unix socket, as Go's {@code grpc.Dial("unix://...")} makes one;
 * the tests' one place that names Netty types.
 */
public final class GrpcTestChannel implements AutoCloseable {
  private final EventLoopGroup group;
  private final ManagedChannel channel;

  private GrpcTestChannel(EventLoopGroup group, ManagedChannel channel) {
    this.group = group;
    this.channel = channel;
  }

  public static GrpcTestChannel connect(Path socket) {
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    ManagedChannel channel =
        NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toString()))
            .channelType(EpollDomainSocketChannel.class)
            .eventLoopGroup(group)
            .withOption(ChannelOption.SO_KEEPALIVE, null)
            .usePlaintext()
            .maxInboundMessageSize(GrpcServer.MAX_MESSAGE_SIZE)
            .build();
    return new GrpcTestChannel(group, channel);
  }

  /** The gRPC form of a ttrpc method, as a generated Go or Java client would describe it. */
  public static <Q extends MessageLite, R extends MessageLite> MethodDescriptor<Q, R> method(
      dev.transferd.ttrpc.MethodDescriptor<Q, R> m) throws Exception {
    return MethodDescriptor.<Q, R>newBuilder()
        .setType(GrpcServiceBridge.typeOf(m.type()))
        .setFullMethodName(MethodDescriptor.generateFullMethodName(m.service(), m.method()))
        .setRequestMarshaller(
            ProtoLiteUtils.marshaller(m.requestParser().parseFrom(ByteString.EMPTY)))
        .setResponseMarshaller(
            ProtoLiteUtils.marshaller(m.responseParser().parseFrom(ByteString.EMPTY)))
        .build();
  }

  public ManagedChannel channel() {
    return channel;
  }

  @Override
  public void close() throws InterruptedException {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    group.shutdownGracefully(0, 0, TimeUnit.SECONDS).sync();
  }
}
