package dev.transferd.plugin.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.transferd.ttrpc.StatusCode;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class FilterTest {
  private static final Map<String, String> LABELS =
      Map.of("containerd.io/gc.root", "2024", "env", "prod", "a.b", "dotted");

  private static boolean matches(String... filters) {
    return Filter.parseAny(List.of(filters))
        .matches(
            path ->
                switch (path.getFirst()) {
                  case "name" -> Optional.of("docker.io/library/alpine:3.19");
                  case "labels" -> Filter.Fields.label(LABELS, path.subList(1, path.size()));
                  default -> Optional.empty();
                });
  }

  @Test
  void selectorsCompareQuoteAndMatch() {
    assertTrue(matches("name==docker.io/library/alpine:3.19"));
    assertFalse(matches("name==docker.io/library/alpine"));
    assertTrue(matches("name!=busybox"));
    assertTrue(matches("name~=alpine:3\\.1[0-9]$"));
    assertTrue(matches("labels.\"containerd.io/gc.root\""));
    assertTrue(matches("labels.\"containerd.io/gc.root\"==\"2024\""));
    assertTrue(matches("labels.a.b==dotted"), "unquoted dots join back into the key");
    assertFalse(matches("labels.missing"));
    assertTrue(matches("labels.missing!=x"), "!= holds for an absent field");
    assertFalse(matches("unknown==x"));
  }

  @Test
  void commasAreAndAndSeparateFiltersAreOr() {
    assertTrue(matches("name~=alpine, labels.env==prod"));
    assertFalse(matches("name~=alpine,labels.env==dev"));
    assertTrue(matches("name~=busybox", "labels.env==prod"));
    assertFalse(matches("name~=busybox", "labels.env==dev"));
    assertTrue(matches(), "no filter matches everything");
  }

  @Test
  void malformedFiltersNameTheFilterAndPosition() {
    for (String bad :
        List.of("name=x", "labels.\"open", "name~=[", "==x", "name==", "name==a,,labels.x")) {
      StoreException e = assertThrows(StoreException.class, () -> matches(bad));
      assertEquals(StatusCode.INVALID_ARGUMENT, e.code());
      assertTrue(e.getMessage().contains(bad), e.getMessage());
    }
  }

  @Test
  void patternsAreGoRegularExpressionsAsInContainerd() {
    // Go's RE2 syntax: named groups are (?P<name>...), and \C or back-references do not exist.
    assertTrue(matches("name~=^docker\\.io/(?P<repo>library)/"));
    for (String goRefuses : List.of("name~=(a)\\1", "name~=a++")) {
      StoreException e = assertThrows(StoreException.class, () -> matches(goRefuses));
      assertEquals(StatusCode.INVALID_ARGUMENT, e.code(), goRefuses);
    }
  }
}
