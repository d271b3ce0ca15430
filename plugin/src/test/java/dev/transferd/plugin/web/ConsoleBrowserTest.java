package dev.transferd.plugin.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.transferd.plugin.daemon.WebDaemon;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;

/**
 * The console in a real headless chromium: uploads through the file picker, the images list, an
 * image's page with tag, export and delete. Each test leaves screenshots in {@code
 * target/screenshots/}.
 */
class ConsoleBrowserTest {
  @TempDir Path dir;
  private WebDaemon web;
  private Browser browser;

  @BeforeEach
  void start() throws Exception {
    web = WebDaemon.start(dir, "");
    browser = Browser.start(dir.resolve("downloads"));
  }

  @AfterEach
  void stop() {
    if (browser != null) {
      browser.close();
    }
    web.close();
  }

  /** Picks {@code archive} on the upload page and waits for the upload's outcome. */
  private WebElement uploadThroughThePage(Path archive) {
    browser.go(web.base + "/", "#/upload");
    int before = browser.driver.findElements(By.cssSelector(".upload")).size();
    browser.driver.findElement(By.id("file-input")).sendKeys(archive.toAbsolutePath().toString());
    return browser.waitUntil(
        d -> {
          List<WebElement> boxes = d.findElements(By.cssSelector(".upload"));
          if (boxes.size() <= before) {
            return null;
          }
          List<WebElement> done =
              boxes.get(0).findElements(By.cssSelector(".result-ok, .result-error"));
          return done.isEmpty() || done.get(0).getText().isEmpty() ? null : done.get(0);
        });
  }

  private List<String> listedNames() {
    browser.go(web.base + "/", "#/images");
    browser.waitUntil(
        d ->
            !d.findElements(By.id("images-table")).isEmpty()
                || !d.findElements(By.id("no-images")).isEmpty());
    return browser.driver.findElements(By.cssSelector("#images-table .image-name")).stream()
        .map(WebElement::getText)
        .toList();
  }

  @Test
  void anUploadedSkopeoArchiveIsListed() throws Exception {
    Path archive = TestArchives.dockerArchive(dir, 31, "localhost/app:v1", 20_000, 5000);
    browser.open(web.base + "/");
    WebElement result = uploadThroughThePage(archive);
    assertEquals("result result-ok", result.getAttribute("class"));
    assertEquals("Stored localhost/app:v1", result.getText());
    browser.screenshot("upload-done");
    assertEquals(List.of("localhost/app:v1"), listedNames());
    String row = browser.driver.findElement(By.cssSelector("#images-table tbody tr")).getText();
    assertTrue(row.contains("linux/amd64"), row);
    assertTrue(row.contains(web.targetDigest("localhost/app:v1").substring(7, 19)), row);
    browser.screenshot("images-list");
    browser.phoneSized();
    listedNames();
    browser.screenshot("images-list-phone");
  }

  @Test
  void aHostileArchiveShowsItsSentenceAndTheListIsUnchanged() throws Exception {
    Path good = TestArchives.dockerArchive(dir, 32, "localhost/app:v1", 1000);
    web.importArchive(good, TestArchives.AS_NAMED);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (TarArchiveInputStream in = new TarArchiveInputStream(Files.newInputStream(good));
        TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
      TarArchiveEntry e;
      while ((e = in.getNextEntry()) != null) {
        tar.putArchiveEntry(e);
        in.transferTo(tar);
        tar.closeArchiveEntry();
      }
      tar.putArchiveEntry(new TarArchiveEntry("pipe", TarArchiveEntry.LF_FIFO));
      tar.closeArchiveEntry();
    }
    Path hostile = dir.resolve("evil.tar");
    Files.write(hostile, out.toByteArray());
    browser.open(web.base + "/");
    WebElement result = uploadThroughThePage(hostile);
    assertEquals("result result-error", result.getAttribute("class"));
    assertEquals(
        "evil.tar was refused (pipe: FIFO not allowed in an image archive); an image"
            + " archive may hold only regular files, directories and symlinks, so re-create it"
            + " with docker save or skopeo copy.",
        result.getText());
    browser.screenshot("upload-hostile");
    assertEquals(List.of("localhost/app:v1"), listedNames());
  }

  @Test
  void anUntaggedArchiveIsRefusedThenAcceptedWithATypedName() throws Exception {
    Path untagged = TestArchives.dockerArchive(dir, 33, null, 1000);
    browser.open(web.base + "/");
    WebElement refused = uploadThroughThePage(untagged);
    assertEquals("result result-error", refused.getAttribute("class"));
    assertTrue(refused.getText().contains("has no repository:tag"), refused.getText());
    browser.screenshot("upload-untagged-refused");
    assertEquals(List.of(), web.imageNames());
    browser.driver.findElement(By.id("image-name")).sendKeys("localhost/typed:v1");
    browser.driver.findElement(By.id("file-input")).sendKeys(untagged.toAbsolutePath().toString());
    WebElement accepted = browser.waitFor(By.cssSelector(".upload:first-child .result-ok"));
    assertEquals("Stored localhost/typed:v1", accepted.getText());
    browser.screenshot("upload-untagged-named");
    assertEquals(List.of("localhost/typed:v1"), listedNames());
  }

  @Test
  void tagExportAndDeleteFromTheImagePage() throws Exception {
    web.importArchive(
        TestArchives.dockerArchive(dir, 34, "localhost/app:v1", 3000, 1000), TestArchives.AS_NAMED);
    browser.open(web.base + "/");
    listedNames();
    browser.driver.findElement(By.linkText("localhost/app:v1")).click();
    browser.waitFor(By.id("image-title"));
    assertEquals(
        "docker pull " + web.hostPort() + "/localhost/app:v1",
        browser.driver.findElement(By.id("pull-command")).getText());
    browser.screenshot("image-detail");

    WebElement target = browser.driver.findElement(By.id("tag-target"));
    target.sendKeys("localhost/app:stable");
    browser.driver.findElement(By.id("tag-button")).click();
    browser.waitUntil(d -> d.findElement(By.id("tag-result")).getText().startsWith("Tagged"));
    assertEquals(List.of("localhost/app:stable", "localhost/app:v1"), web.imageNames());

    browser.driver.findElement(By.id("export-docker")).click();
    Path exported =
        browser.waitUntil(
            d -> {
              try (var files = Files.list(browser.downloads)) {
                return files
                    .filter(f -> f.getFileName().toString().equals("localhost_app_v1.tar"))
                    .findFirst()
                    .orElse(null);
              } catch (java.io.IOException e) {
                return null;
              }
            });
    assertTrue(Files.size(exported) > 4000);

    // delete, by keyboard: the confirmation holds focus on Cancel; Tab to Delete, Enter
    browser.driver.findElement(By.id("delete-button")).click();
    browser.waitFor(By.id("confirm-yes"));
    browser.screenshot("delete-confirmation");
    browser.driver.switchTo().activeElement().sendKeys(Keys.chord(Keys.SHIFT, Keys.TAB));
    browser.driver.switchTo().activeElement().sendKeys(Keys.ENTER);
    browser.waitUntil(d -> web.imageNames().equals(List.of("localhost/app:stable")));
    assertEquals(List.of("localhost/app:stable"), listedNames());
    browser.screenshot("after-delete");
  }

  @Test
  void pullAndPushWithLiveProgress() throws Exception {
    Path sourceDir = dir.resolve("source");
    Files.createDirectories(sourceDir);
    try (WebDaemon source = WebDaemon.start(sourceDir, "");
        dev.transferd.plugin.registry.TestRegistry registry =
            dev.transferd.plugin.registry.TestRegistry.plain(dir.resolve("registry"))) {
      source.importArchive(
          TestArchives.dockerArchive(dir, 35, "localhost/big:v1", 3_000_000, 2_000_000),
          TestArchives.AS_NAMED);
      browser.open(web.base + "/");
      browser.go(web.base + "/", "#/registry");
      browser
          .driver
          .findElement(By.id("pull-ref"))
          .sendKeys(source.hostPort() + "/localhost/big:v1");
      browser.driver.findElement(By.id("pull-name")).sendKeys("localhost/big:v1");
      browser.driver.findElement(By.id("pull-plain")).click();
      browser.driver.findElement(By.id("pull-button")).click();
      WebElement pulled = browser.waitFor(By.cssSelector("#registry-progress .result-ok"));
      assertEquals("Stored localhost/big:v1", pulled.getText());
      WebElement box = browser.driver.findElement(By.cssSelector("#registry-progress .upload"));
      assertTrue(Integer.parseInt(box.getAttribute("data-updates")) >= 2, "progress events seen");
      assertTrue(Long.parseLong(box.getAttribute("data-max-bytes")) > 5_000_000, "bytes counted");
      assertEquals(source.targetDigest("localhost/big:v1"), web.targetDigest("localhost/big:v1"));
      browser.screenshot("pull-done");

      browser.driver.findElement(By.id("push-name")).sendKeys("localhost/big:v1");
      browser.driver.findElement(By.id("push-ref")).sendKeys(registry.host() + "/team/big:v1");
      browser.driver.findElement(By.id("push-plain")).click();
      browser.driver.findElement(By.id("push-button")).click();
      WebElement pushed =
          browser.waitUntil(
              d -> {
                var ok = d.findElements(By.cssSelector("#registry-progress .result-ok"));
                return ok.size() >= 2 ? ok.get(0) : null;
              });
      assertEquals("Pushed " + registry.host() + "/team/big:v1", pushed.getText());
      byte[] raw =
          dev.transferd.plugin.registry.Skopeo.run(
              "inspect",
              "--raw",
              "--tls-verify=false",
              "docker://" + registry.host() + "/team/big:v1");
      assertEquals(web.targetDigest("localhost/big:v1"), TestArchives.sha256(raw));
      browser.screenshot("push-done");

      browser.go(web.base + "/", "#/operations");
      List<WebElement> done =
          browser.waitUntil(
              d -> {
                var rows = d.findElements(By.cssSelector("#operations tr[data-state='done']"));
                return rows.size() >= 2 ? rows : null;
              });
      assertTrue(done.get(0).getText().startsWith("push"), done.get(0).getText());
      browser.screenshot("operations");
    }
  }
}
