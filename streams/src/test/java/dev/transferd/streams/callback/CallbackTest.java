package dev.transferd.streams.callback;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Any;
import dev.transferd.proto.AnyCodec;
import dev.transferd.proto.types.transfer.AuthRequest;
import dev.transferd.proto.types.transfer.AuthType;
import dev.transferd.proto.types.transfer.Progress;
import dev.transferd.streams.AnyStream;
import dev.transferd.streams.StreamCreator;
import dev.transferd.streams.StreamIds;
import dev.transferd.streams.StreamingFixture;
import dev.transferd.ttrpc.StatusCode;
import dev.transferd.ttrpc.TtrpcClient;
import dev.transferd.ttrpc.TtrpcException;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The server's side of progress and credential callbacks, against a scripted client end. */
class CallbackTest {
  private static final String NS = "default";
  private StreamingFixture fixture;

  @BeforeEach
  void start() throws Exception {
    fixture = StreamingFixture.start();
  }

  @AfterEach
  void stop() throws Exception {
    fixture.close();
  }

  @Test
  void progressEventsArriveInOrderAndCloseEndsTheStreamCleanly() throws Exception {
    AnyStream client = fixture.creator(NS).create(StreamIds.PROGRESS);
    ProgressReporter reporter = ProgressReporter.on(fixture.manager.get(NS, client.id()));
    for (int i = 0; i < 300; i++) {
      reporter.report(Progress.newBuilder().setEvent("downloading").setProgress(i).build());
    }
    reporter.report("Completed import");
    reporter.close();
    for (int i = 0; i < 300; i++) {
      Any m = client.receive();
      assertEquals("containerd.types.transfer.Progress", m.getTypeUrl());
      assertEquals(i, AnyCodec.unpack(m, Progress.class).getProgress());
    }
    assertEquals("Completed import", AnyCodec.unpack(client.receive(), Progress.class).getEvent());
    assertNull(client.receive());
  }

  @Test
  void progressToAClientThatWentAwayIsDroppedWithoutFailingTheCaller() throws Exception {
    TtrpcClient other = fixture.newClient();
    AnyStream client = new StreamCreator(other, NS).create(StreamIds.PROGRESS);
    ProgressReporter reporter = ProgressReporter.on(fixture.manager.get(NS, client.id()));
    other.close();
    fixture.awaitNoStreams(); // the server has seen the client go
    assertDoesNotThrow(
        () -> {
          for (int i = 0; i < 10; i++) {
            reporter.report("still working");
          }
          reporter.close();
        });
    assertEquals(0, fixture.manager.size(), "no stream was registered again for the reports");
  }

  /** A client end that answers each AuthRequest with a scripted answer. */
  private AnyStream clientAnswering(java.util.function.Function<AuthRequest, Any> answers)
      throws Exception {
    AnyStream client = fixture.creator(NS).create(StreamIds.CREDENTIALS);
    Thread.ofVirtual()
        .start(
            () -> {
              try {
                Any m;
                while ((m = client.receive()) != null) {
                  client.send(answers.apply(AnyCodec.unpack(m, AuthRequest.class)));
                }
              } catch (Exception e) {
                // The test ended the stream.
              }
            });
    return client;
  }

  @Test
  void aCredentialRequestIsAnsweredWithTheClientsCredentials() throws Exception {
    AnyStream client =
        clientAnswering(
            r ->
                AnyCodec.pack(
                    dev.transferd.proto.types.transfer.AuthResponse.newBuilder()
                        .setAuthType(AuthType.CREDENTIALS)
                        .setUsername("user-for-" + r.getHost())
                        .setSecret("pw-for-" + r.getReference())
                        .build()));
    CredentialRequester requester =
        new CredentialRequester(fixture.manager.get(NS, client.id()), Duration.ofSeconds(5));
    for (String host : new String[] {"localhost:5000", "registry-1.docker.io"}) {
      RegistryCredentials c = requester.request(host, "localhost:5000/app:1");
      assertEquals(AuthType.CREDENTIALS, c.type());
      assertEquals("user-for-" + host, c.username());
      assertEquals("pw-for-localhost:5000/app:1", c.secret());
      assertFalse(c.toString().contains("pw-for"), "toString hides the secret");
    }
  }

  @Test
  void aClientThatNeverAnswersTimesOutWithAClearErrorAndLaterRequestsFailAtOnce() throws Exception {
    AnyStream client = fixture.creator(NS).create(StreamIds.CREDENTIALS); // never answers
    CredentialRequester requester =
        new CredentialRequester(fixture.manager.get(NS, client.id()), Duration.ofMillis(300));
    long start = System.nanoTime();
    TtrpcException e =
        assertThrows(TtrpcException.class, () -> requester.request("localhost:5000", "ref:1"));
    assertEquals(StatusCode.DEADLINE_EXCEEDED, e.code());
    assertTrue(e.getMessage().contains("localhost:5000"), e.getMessage());
    assertTrue(e.getMessage().contains(client.id()), e.getMessage());
    assertTrue(System.nanoTime() - start >= Duration.ofMillis(300).toNanos());
    // A late answer must not pair with the next request: the requester stays broken.
    long again = System.nanoTime();
    assertEquals(
        StatusCode.DEADLINE_EXCEEDED,
        assertThrows(TtrpcException.class, () -> requester.request("other", "ref:1")).code());
    assertTrue(System.nanoTime() - again < Duration.ofMillis(300).toNanos());
  }

  @Test
  void aClientThatGoesAwayFailsThePendingRequestPromptly() throws Exception {
    TtrpcClient other = fixture.newClient();
    AnyStream client = new StreamCreator(other, NS).create(StreamIds.CREDENTIALS);
    CredentialRequester requester =
        new CredentialRequester(fixture.manager.get(NS, client.id()), Duration.ofSeconds(30));
    Thread.ofVirtual()
        .start(
            () -> {
              try {
                client.receive(); // the request arrived; now the client dies
                other.close();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            });
    long start = System.nanoTime();
    TtrpcException e =
        assertThrows(TtrpcException.class, () -> requester.request("localhost:5000", "ref:1"));
    assertEquals(StatusCode.UNAVAILABLE, e.code());
    assertTrue(e.getMessage().contains("ended before the client sent"), e.getMessage());
    assertTrue(System.nanoTime() - start < Duration.ofSeconds(10).toNanos());
  }

  @Test
  void aClientWhoseHelperFailedFailsTheRequestWithItsMessage() throws Exception {
    AnyStream client =
        clientAnswering(
            r ->
                dev.transferd.streams.StreamingProtocol.abort(
                    dev.transferd.ttrpc.Status.of(
                        StatusCode.UNAUTHENTICATED, "credential helper failed: keychain locked")));
    CredentialRequester requester =
        new CredentialRequester(fixture.manager.get(NS, client.id()), Duration.ofSeconds(30));
    TtrpcException e =
        assertThrows(TtrpcException.class, () -> requester.request("localhost:5000", "ref:1"));
    assertEquals(StatusCode.UNAUTHENTICATED, e.code());
    assertTrue(e.getMessage().contains("keychain locked"), e.getMessage());
  }
}
