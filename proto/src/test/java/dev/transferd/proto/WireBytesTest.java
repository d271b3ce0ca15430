package dev.transferd.proto;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Timestamp;
import dev.transferd.proto.content.v1.WriteAction;
import dev.transferd.proto.content.v1.WriteContentRequest;
import dev.transferd.proto.images.v1.Image;
import dev.transferd.proto.introspection.v1.Plugin;
import dev.transferd.proto.introspection.v1.ServerResponse;
import dev.transferd.proto.leases.v1.CreateRequest;
import dev.transferd.proto.rpc.Status;
import dev.transferd.proto.streaming.v1.StreamInit;
import dev.transferd.proto.transfer.v1.TransferOptions;
import dev.transferd.proto.transfer.v1.TransferRequest;
import dev.transferd.proto.types.Descriptor;
import dev.transferd.proto.types.Platform;
import dev.transferd.proto.types.transfer.AuthRequest;
import dev.transferd.proto.types.transfer.AuthResponse;
import dev.transferd.proto.types.transfer.AuthType;
import dev.transferd.proto.types.transfer.Data;
import dev.transferd.proto.types.transfer.HTTPDebug;
import dev.transferd.proto.types.transfer.ImageExportStream;
import dev.transferd.proto.types.transfer.ImageImportStream;
import dev.transferd.proto.types.transfer.ImageReference;
import dev.transferd.proto.types.transfer.ImageStore;
import dev.transferd.proto.types.transfer.OCIRegistry;
import dev.transferd.proto.types.transfer.Progress;
import dev.transferd.proto.types.transfer.RegistryResolver;
import dev.transferd.proto.types.transfer.UnpackConfiguration;
import dev.transferd.proto.types.transfer.WindowUpdate;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/**
 * Pins field numbers and types against containerd's protos. Every expected byte string is worked
 * out by hand from the spec: a tag byte is {@code field_number << 3 | wire_type} (0 varint, 2
 * length-delimited), so a wrong number or a wrong scalar type changes the bytes. Each case is also
 * decoded back, so the mapping holds in both directions.
 *
 * <p>Single letters keep the hex short: "a" = 61, "b" = 62, … ; a map entry {"k": "v"} is the
 * nested message {@code 0a 01 6b 12 01 76}.
 */
class WireBytesTest {

  private static final String KV_ENTRY = "0a016b120176";

  @Test
  void transferRequestCarriesSourceDestinationAndOptions() {
    TransferRequest request =
        TransferRequest.newBuilder()
            .setSource(Any.newBuilder().setTypeUrl("x"))
            .setDestination(
                Any.newBuilder().setTypeUrl("y").setValue(ByteString.copyFrom(new byte[] {1})))
            .setOptions(TransferOptions.newBuilder().setProgressStream("p"))
            .build();

    assertWire(request, "0a03" + "0a0178" + "1206" + "0a0179120101" + "1a03" + "0a0170");
  }

  @Test
  void streamInitCarriesTheId() {
    assertWire(StreamInit.newBuilder().setId("s").build(), "0a0173");
  }

  @Test
  void dataIsBytesInFieldOne() {
    assertWire(
        Data.newBuilder().setData(ByteString.copyFrom(new byte[] {0, -1})).build(), "0a0200ff");
  }

  @Test
  void windowUpdateIsAPlainInt32() {
    // 65536 as a varint; an sint32 or fixed32 would encode differently.
    assertWire(WindowUpdate.newBuilder().setUpdate(65536).build(), "08808004");
    // int32 sign-extends negatives to ten bytes.
    assertWire(WindowUpdate.newBuilder().setUpdate(-1).build(), "08ffffffffffffffffff01");
  }

  @Test
  void progressCarriesEveryField() {
    Progress progress =
        Progress.newBuilder()
            .setEvent("e")
            .setName("n")
            .addParents("a")
            .addParents("b")
            .setProgress(5)
            .setTotal(300)
            .setDesc(Descriptor.newBuilder().setDigest("d"))
            .build();

    assertWire(
        progress,
        "0a0165" + "12016e" + "1a0161" + "1a0162" + "2005" + "28ac02" + "3203" + "120164");
  }

  @Test
  void authRequestCarriesHostReferenceAndChallenges() {
    AuthRequest request =
        AuthRequest.newBuilder().setHost("h").setReference("r").addWwwauthenticate("w").build();

    assertWire(request, "0a0168" + "120172" + "1a0177");
  }

  @Test
  void authResponseCarriesTypeSecretUsernameAndExpiry() {
    AuthResponse response =
        AuthResponse.newBuilder()
            .setAuthType(AuthType.REFRESH)
            .setSecret("s")
            .setUsername("u")
            .setExpireAt(Timestamp.newBuilder().setSeconds(1))
            .build();

    assertWire(response, "0802" + "120173" + "1a0175" + "2202" + "0801");
  }

  @Test
  void authTypeAndHttpDebugHaveContainerdsNumbers() {
    assertEquals(0, AuthType.NONE.getNumber());
    assertEquals(1, AuthType.CREDENTIALS.getNumber());
    assertEquals(2, AuthType.REFRESH.getNumber());
    assertEquals(3, AuthType.HEADER.getNumber());
    assertEquals(0, HTTPDebug.DISABLED.getNumber());
    assertEquals(1, HTTPDebug.DEBUG.getNumber());
    assertEquals(2, HTTPDebug.TRACE.getNumber());
    assertEquals(3, HTTPDebug.BOTH.getNumber());
  }

  @Test
  void ociRegistryCarriesReferenceAndResolver() {
    OCIRegistry registry =
        OCIRegistry.newBuilder()
            .setReference("r")
            .setResolver(
                RegistryResolver.newBuilder()
                    .setAuthStream("a")
                    .putHeaders("k", "v")
                    .setHostDir("h")
                    .setDefaultScheme("s")
                    .setHttpDebug(HTTPDebug.TRACE)
                    .setLogsStream("l"))
            .build();

    String resolver = "0a0161" + "1206" + KV_ENTRY + "1a0168" + "220173" + "2802" + "32016c";
    assertWire(registry, "0a0172" + "1216" + resolver);
  }

  @Test
  void imageStoreCarriesEveryFieldIncludingUnpacksAtTen() {
    ImageStore store =
        ImageStore.newBuilder()
            .setName("n")
            .putLabels("k", "v")
            .addPlatforms(Platform.newBuilder().setOs("l"))
            .setAllMetadata(true)
            .setManifestLimit(1)
            .addExtraReferences(ImageReference.newBuilder().setName("x").setIsPrefix(true))
            .addUnpacks(
                UnpackConfiguration.newBuilder()
                    .setPlatform(Platform.newBuilder().setArchitecture("a"))
                    .setSnapshotter("s"))
            .build();

    assertWire(
        store,
        "0a016e"
            + "1206"
            + KV_ENTRY
            + "1a03"
            + "0a016c"
            + "2001"
            + "2801"
            + "3205"
            + "0a01781001"
            + "5208"
            + "0a03120161"
            + "120173");
  }

  @Test
  void imageReferenceCarriesItsFlags() {
    ImageReference reference =
        ImageReference.newBuilder()
            .setName("x")
            .setIsPrefix(true)
            .setAllowOverwrite(true)
            .setAddDigest(true)
            .setSkipNamedDigest(true)
            .build();

    assertWire(reference, "0a0178" + "1001" + "1801" + "2001" + "2801");
  }

  @Test
  void imageImportStreamCarriesStreamMediaTypeAndCompression() {
    ImageImportStream stream =
        ImageImportStream.newBuilder()
            .setStream("s")
            .setMediaType("m")
            .setForceCompress(true)
            .build();

    assertWire(stream, "0a0173" + "12016d" + "1801");
  }

  @Test
  void imageExportStreamCarriesEveryField() {
    ImageExportStream stream =
        ImageExportStream.newBuilder()
            .setStream("s")
            .setMediaType("m")
            .addPlatforms(Platform.newBuilder().setOs("l"))
            .setAllPlatforms(true)
            .setSkipCompatibilityManifest(true)
            .setSkipNonDistributable(true)
            .build();

    assertWire(stream, "0a0173" + "12016d" + "1a03" + "0a016c" + "2001" + "2801" + "3001");
  }

  @Test
  void descriptorSkipsFieldFour() {
    Descriptor descriptor =
        Descriptor.newBuilder()
            .setMediaType("m")
            .setDigest("d")
            .setSize(3)
            .putAnnotations("k", "v")
            .build();

    assertWire(descriptor, "0a016d" + "120164" + "1803" + "2a06" + KV_ENTRY);
  }

  @Test
  void platformCarriesEveryField() {
    Platform platform =
        Platform.newBuilder()
            .setOs("o")
            .setArchitecture("a")
            .setVariant("v")
            .setOsVersion("w")
            .addOsFeatures("f")
            .build();

    assertWire(platform, "0a016f" + "120161" + "1a0176" + "220177" + "2a0166");
  }

  @Test
  void imageKeepsItsTimestampsAtSevenAndEight() {
    Image image =
        Image.newBuilder()
            .setName("n")
            .setTarget(Descriptor.newBuilder().setSize(1))
            .setCreatedAt(Timestamp.newBuilder().setSeconds(1))
            .setUpdatedAt(Timestamp.newBuilder().setSeconds(2))
            .build();

    assertWire(image, "0a016e" + "1a02" + "1801" + "3a02" + "0801" + "4202" + "0802");
  }

  @Test
  void writeContentRequestCarriesEveryField() {
    WriteContentRequest request =
        WriteContentRequest.newBuilder()
            .setAction(WriteAction.COMMIT)
            .setRef("r")
            .setTotal(1)
            .setExpected("e")
            .setOffset(2)
            .setData(ByteString.copyFrom(new byte[] {9}))
            .putLabels("k", "v")
            .build();

    assertWire(
        request, "0802" + "120172" + "1801" + "220165" + "2802" + "320109" + "3a06" + KV_ENTRY);
  }

  @Test
  void leaseCreateRequestKeepsLabelsAtThree() {
    CreateRequest request = CreateRequest.newBuilder().setId("i").putLabels("k", "v").build();

    assertWire(request, "0a0169" + "1a06" + KV_ENTRY);
  }

  @Test
  void introspectionPluginCarriesInitErrorAtSeven() {
    Plugin plugin =
        Plugin.newBuilder().setInitErr(Status.newBuilder().setCode(5).setMessage("m")).build();

    assertWire(plugin, "3a05" + "0805" + "12016d");
  }

  @Test
  void serverResponseCarriesUuidPidAndPidNamespace() {
    ServerResponse response =
        ServerResponse.newBuilder().setUuid("u").setPid(7).setPidns(8).build();

    assertWire(response, "0a0175" + "1007" + "1808");
  }

  private static void assertWire(Message message, String expectedHex) {
    assertEquals(expectedHex, HexFormat.of().formatHex(message.toByteArray()), "encoding");
    try {
      Message decoded = message.getParserForType().parseFrom(HexFormat.of().parseHex(expectedHex));
      assertEquals(message, decoded, "decoding");
    } catch (InvalidProtocolBufferException e) {
      throw new AssertionError("decoding " + expectedHex, e);
    }
  }
}
