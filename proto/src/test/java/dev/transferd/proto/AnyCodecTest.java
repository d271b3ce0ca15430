package dev.transferd.proto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.Empty;
import dev.transferd.proto.streaming.v1.StreamInit;
import dev.transferd.proto.types.transfer.Data;
import dev.transferd.proto.types.transfer.WindowUpdate;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class AnyCodecTest {

  private static final Data DATA =
      Data.newBuilder().setData(ByteString.copyFrom(new byte[] {1})).build();

  @Test
  void packEmitsTheBareFullNameAsTypeUrl() {
    Any any = AnyCodec.pack(DATA);

    assertEquals("containerd.types.transfer.Data", any.getTypeUrl());
    assertEquals(DATA.toByteString(), any.getValue());
  }

  @Test
  void packedAnyHasTheExactWireBytesGoExpects() {
    // type_url (1) = 30 bytes of "containerd.types.transfer.Data", value (2) = Data{data=0x01}.
    String expected =
        "0a1e"
            + HexFormat.of().formatHex("containerd.types.transfer.Data".getBytes())
            + "1203"
            + "0a0101";

    assertEquals(expected, HexFormat.of().formatHex(AnyCodec.pack(DATA).toByteArray()));
  }

  @Test
  void theStreamingAckIsAnEmptyUnderItsBareName() {
    Any ack = AnyCodec.pack(Empty.getDefaultInstance());

    assertEquals("google.protobuf.Empty", ack.getTypeUrl());
    assertTrue(ack.getValue().isEmpty());
  }

  @Test
  void unpackAcceptsBareUrls() {
    Any any =
        Any.newBuilder()
            .setTypeUrl("containerd.types.transfer.Data")
            .setValue(DATA.toByteString())
            .build();

    assertEquals(DATA, AnyCodec.unpack(any, Data.class));
    assertEquals(DATA, AnyCodec.unpack(any, Data.getDefaultInstance()));
  }

  @Test
  void unpackAcceptsPrefixedUrls() {
    for (String url :
        new String[] {
          "type.googleapis.com/containerd.types.transfer.Data",
          "/containerd.types.transfer.Data",
          "example.com/a/b/containerd.types.transfer.Data"
        }) {
      Any any = Any.newBuilder().setTypeUrl(url).setValue(DATA.toByteString()).build();

      assertEquals(DATA, AnyCodec.unpack(any, Data.class), url);
    }
  }

  @Test
  void unpackAcceptsTheUrlJavasOwnPackProduces() {
    // Built by hand: the project never calls Java's Any packing (its URLs are rejected by Go).
    Any javaStyle =
        Any.newBuilder()
            .setTypeUrl("type.googleapis.com/" + Data.getDescriptor().getFullName())
            .setValue(DATA.toByteString())
            .build();
    assertEquals(DATA, AnyCodec.unpack(javaStyle, Data.class));
  }

  @Test
  void unpackOfAnotherTypeNamesExpectedAndActual() {
    Any any = AnyCodec.pack(WindowUpdate.newBuilder().setUpdate(1).build());

    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> AnyCodec.unpack(any, Data.class));

    assertTrue(e.getMessage().contains("containerd.types.transfer.Data"), e.getMessage());
    assertTrue(
        e.getMessage().contains("\"containerd.types.transfer.WindowUpdate\""), e.getMessage());
  }

  @Test
  void unpackOfAnEmptyTypeUrlFails() {
    Any any = Any.newBuilder().setValue(DATA.toByteString()).build();

    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> AnyCodec.unpack(any, Data.class));

    assertTrue(e.getMessage().contains("\"\""), e.getMessage());
  }

  @Test
  void unpackOfAMalformedValueNamesTheType() {
    // A length-delimited field 1 claiming 5 bytes with only 1 present.
    Any any =
        Any.newBuilder()
            .setTypeUrl("containerd.services.streaming.v1.StreamInit")
            .setValue(ByteString.copyFrom(new byte[] {0x0a, 0x05, 0x78}))
            .build();

    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> AnyCodec.unpack(any, StreamInit.class));

    assertTrue(
        e.getMessage().contains("containerd.services.streaming.v1.StreamInit"), e.getMessage());
  }

  @Test
  void isMatchesBareAndPrefixedUrlsOnly() {
    assertTrue(AnyCodec.is(url("containerd.types.transfer.Data"), Data.class));
    assertTrue(AnyCodec.is(url("type.googleapis.com/containerd.types.transfer.Data"), Data.class));
    assertTrue(AnyCodec.is(url("containerd.types.transfer.Data"), Data.getDescriptor()));

    assertFalse(AnyCodec.is(url("xcontainerd.types.transfer.Data"), Data.class));
    assertFalse(AnyCodec.is(url("containerd.types.transfer.Data/"), Data.class));
    assertFalse(AnyCodec.is(url("types.transfer.Data"), Data.class));
    assertFalse(AnyCodec.is(url(""), Data.class));
    assertFalse(AnyCodec.is(url("containerd.types.transfer.WindowUpdate"), Data.class));
  }

  @Test
  void typeNameStripsAnyPrefix() {
    assertEquals(
        "containerd.types.transfer.Data", AnyCodec.typeName(url("containerd.types.transfer.Data")));
    assertEquals(
        "containerd.types.transfer.Data",
        AnyCodec.typeName(url("type.googleapis.com/containerd.types.transfer.Data")));
    assertEquals("", AnyCodec.typeName(url("")));
    assertEquals("", AnyCodec.typeName(url("type.googleapis.com/")));
  }

  private static Any url(String typeUrl) {
    return Any.newBuilder().setTypeUrl(typeUrl).build();
  }
}
