package dev.transferd.plugin.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URI;
import org.junit.jupiter.api.Test;

/** What the HTTP debug output shows of URLs and headers that carry secrets. */
class HttpDebugLogTest {
  @Test
  void queryTokensSignaturesAndUserInformationAreRedacted() {
    assertEquals(
        "https://<redacted>@s3.example:8443/bucket/blob?X-Amz-Credential=<redacted>"
            + "&X-Amz-Signature=<redacted>&X-Amz-Expires=300&access_token=<redacted>",
        HttpDebugLog.redact(
            URI.create(
                "https://user:pw@s3.example:8443/bucket/blob?X-Amz-Credential=AKIA%2Fx"
                    + "&X-Amz-Signature=abc123&X-Amz-Expires=300&access_token=t0k")));
    assertEquals(
        "http://r:5000/v2/a/blobs/uploads/u?_state=<redacted>&digest=sha256:ab",
        HttpDebugLog.redact(
            URI.create("http://r:5000/v2/a/blobs/uploads/u?_state=c2VjcmV0&digest=sha256:ab")));
  }

  @Test
  void credentialHeadersKeepOnlyTheirScheme() {
    assertEquals("Bearer <redacted>", HttpDebugLog.redactHeader("Authorization", "Bearer eyJ.x.y"));
    assertEquals("<redacted>", HttpDebugLog.redactHeader("cookie", "session=abc"));
    assertEquals("<redacted>", HttpDebugLog.redactHeader("X-Registry-Token", "abc"));
    assertEquals(
        "Bearer realm=\"https://auth\",service=\"r\"",
        HttpDebugLog.redactHeader(
            "WWW-Authenticate", "Bearer realm=\"https://auth\",service=\"r\""));
    assertEquals(
        "/v2/a/blobs/uploads/u?_state=<redacted>",
        HttpDebugLog.redactHeader("location", "/v2/a/blobs/uploads/u?_state=c2VjcmV0"));
    assertEquals("application/json", HttpDebugLog.redactHeader("Content-Type", "application/json"));
  }
}
