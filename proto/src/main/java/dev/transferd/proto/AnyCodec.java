package dev.transferd.proto;

import com.google.protobuf.Any;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Internal;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import java.util.Objects;

/**
 * Packs and unpacks {@link Any} the way containerd does: the type URL is the message's bare full
 * name, e.g. {@code containerd.types.transfer.Data}, with no {@code type.googleapis.com/} prefix.
 *
 * <p>Go peers resolve several of these URLs by exact string match (StreamInit, AuthRequest,
 * AuthResponse and every transfer endpoint), so a prefixed URL from {@code Any.pack} makes them
 * fail. {@code Any.unpack} and {@code Any.is} fail in the other direction: they expect a {@code /}
 * in the URL. Use this class for every {@code Any} that crosses the wire; never {@code Any.pack}.
 *
 * <p>Decoding is lenient like Go's {@code typeurl.UnmarshalAny}: everything up to the last {@code
 * /} is ignored, so {@code type.googleapis.com/containerd.types.transfer.Data} is accepted too.
 *
 * <p>Stateless and thread-safe.
 */
public final class AnyCodec {

  /** Default instances by class, so {@link #unpack(Any, Class)} reflects once per type. */
  private static final ClassValue<Message> DEFAULT_INSTANCES =
      new ClassValue<>() {
        @Override
        @SuppressWarnings("unchecked")
        protected Message computeValue(Class<?> type) {
          return Internal.getDefaultInstance((Class<? extends Message>) type);
        }
      };

  private AnyCodec() {}

  /** Wraps {@code message} with its bare full name as the type URL. */
  public static Any pack(Message message) {
    return Any.newBuilder()
        .setTypeUrl(message.getDescriptorForType().getFullName())
        .setValue(message.toByteString())
        .build();
  }

  /**
   * Decodes {@code any} as a {@code type}.
   *
   * @throws IllegalArgumentException if the type URL names another message, or the value is not a
   *     valid encoding of {@code type}
   */
  public static <T extends Message> T unpack(Any any, Class<T> type) {
    return type.cast(unpack(any, DEFAULT_INSTANCES.get(type)));
  }

  /**
   * Decodes {@code any} as the type of {@code defaultInstance}.
   *
   * @throws IllegalArgumentException if the type URL names another message, or the value is not a
   *     valid encoding of that type
   */
  @SuppressWarnings("unchecked")
  public static <T extends Message> T unpack(Any any, T defaultInstance) {
    Descriptor expected = defaultInstance.getDescriptorForType();
    if (!is(any, expected)) {
      throw new IllegalArgumentException(
          "expected an Any holding "
              + expected.getFullName()
              + " but its type URL is \""
              + any.getTypeUrl()
              + "\"");
    }
    try {
      return (T) defaultInstance.getParserForType().parseFrom(any.getValue());
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalArgumentException(
          "malformed " + expected.getFullName() + " in Any: " + e.getMessage(), e);
    }
  }

  /** Whether {@code any} holds a {@code type}, by bare or prefixed type URL. */
  public static boolean is(Any any, Class<? extends Message> type) {
    return is(any, DEFAULT_INSTANCES.get(type).getDescriptorForType());
  }

  /** Whether {@code any} holds a message of type {@code descriptor}, by bare or prefixed URL. */
  public static boolean is(Any any, Descriptor descriptor) {
    return namesType(any.getTypeUrl(), descriptor.getFullName());
  }

  /**
   * The full message name that {@code any} claims to hold: its type URL without anything up to the
   * last {@code /}. Empty when the type URL is.
   */
  public static String typeName(Any any) {
    return typeName(any.getTypeUrl());
  }

  /** {@code typeUrl} without anything up to its last {@code /}. */
  public static String typeName(String typeUrl) {
    Objects.requireNonNull(typeUrl, "typeUrl");
    return typeUrl.substring(typeUrl.lastIndexOf('/') + 1);
  }

  /** Same as {@code typeName(typeUrl).equals(fullName)}, without allocating on the hot path. */
  private static boolean namesType(String typeUrl, String fullName) {
    int prefixLength = typeUrl.length() - fullName.length();
    if (prefixLength < 0 || !typeUrl.endsWith(fullName)) {
      return false;
    }
    return prefixLength == 0 || typeUrl.charAt(prefixLength - 1) == '/';
  }
}
