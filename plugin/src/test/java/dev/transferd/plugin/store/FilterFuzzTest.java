package dev.transferd.plugin.store;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.transferd.ttrpc.StatusCode;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A containerd filter from a client is either refused as INVALID_ARGUMENT naming it, or evaluated
 * against a record without any other exception. The committed inputs run with the tests; {@code
 * make fuzz} mutates them.
 */
class FilterFuzzTest {
  /** Input: the record's name (and label value) on the first line, one filter per further line. */
  @FuzzTest
  void anyFilterParsesOrIsRefusedAndMatchesSafely(byte[] input) {
    List<String> lines = List.of(new String(input, StandardCharsets.UTF_8).split("\n", -1));
    String value = lines.get(0);
    List<String> filters = lines.subList(1, lines.size());
    Map<String, String> labels = Map.of("a.b", value, "io.containerd.image.name", value + value);
    Filter filter;
    try {
      filter = Filter.parseAny(filters);
    } catch (StoreException refused) {
      assertEquals(StatusCode.INVALID_ARGUMENT, refused.code(), refused.getMessage());
      return;
    }
    filter.matches(
        path ->
            switch (path.get(0)) {
              case "name" -> Optional.of(value);
              case "labels" -> Filter.Fields.label(labels, path.subList(1, path.size()));
              default -> Optional.empty();
            });
  }
}
