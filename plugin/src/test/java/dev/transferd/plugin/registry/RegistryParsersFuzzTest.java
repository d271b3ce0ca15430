package dev.transferd.plugin.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * What registries and clients hand the registry code as text: references from Transfer requests and
 * {@code WWW-Authenticate} headers from registries. The committed inputs run with the tests; {@code
 * make fuzz} mutates them.
 */
class RegistryParsersFuzzTest {
  /**
   * A reference is refused with IllegalArgumentException naming the problem, or parsed into one
   * that reads back as itself (so what we log, label and push to is what we parsed).
   */
  @FuzzTest
  void referenceParsesToAFixedPointOrIsRefused(byte[] input) {
    String text = new String(input, StandardCharsets.UTF_8);
    ImageRef ref;
    try {
      ref = ImageRef.parse(text);
    } catch (IllegalArgumentException refused) {
      assertTrue(refused.getMessage() != null && !refused.getMessage().isEmpty());
      return;
    }
    assertEquals(ref, ImageRef.parse(ref.toString()), "re-parsing " + ref);
    assertTrue(ref.host() != null && !ref.host().isEmpty(), "a host for " + text);
  }

  /** Any header values (one per line) give challenges, skipping what does not parse. */
  @FuzzTest
  void anyChallengeHeaderParsesWithoutThrowing(byte[] input) {
    List<String> values = List.of(new String(input, StandardCharsets.UTF_8).split("\n", -1));
    for (AuthChallenge challenge : AuthChallenge.parse(values)) {
      assertEquals(challenge.scheme().toLowerCase(java.util.Locale.ROOT), challenge.scheme());
    }
  }
}
