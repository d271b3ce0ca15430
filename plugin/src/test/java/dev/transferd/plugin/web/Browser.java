package dev.transferd.plugin.web;

import dev.transferd.ttrpc.testing.RealPeers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Debian's headless chromium driven through Debian's chromedriver (never a downloaded one), with
 * downloads going to a directory of the test's, and screenshots saved under {@code
 * target/screenshots/} for a reviewer to look at.
 */
final class Browser implements AutoCloseable {
  static final String CHROMIUM = "/usr/bin/chromium";
  static final String CHROMEDRIVER = "/usr/bin/chromedriver";
  static final Path SCREENSHOTS = Path.of("target", "screenshots");

  final ChromeDriver driver;
  final Path downloads;
  private final WebDriverWait wait;

  private Browser(ChromeDriver driver, Path downloads) {
    this.driver = driver;
    this.downloads = downloads;
    this.wait = new WebDriverWait(driver, Duration.ofSeconds(30));
  }

  static Browser start(Path downloads) throws IOException {
    RealPeers.requireExecutable(CHROMIUM, "chromium");
    RealPeers.requireExecutable(CHROMEDRIVER, "chromium-driver");
    Files.createDirectories(downloads);
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM);
    options.addArguments(
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--window-size=1280,900");
    options.setExperimentalOption(
        "prefs",
        Map.of(
            "download.default_directory",
            downloads.toAbsolutePath().toString(),
            "download.prompt_for_download",
            false));
    ChromeDriverService service =
        new ChromeDriverService.Builder()
            .usingDriverExecutable(Path.of(CHROMEDRIVER).toFile())
            .usingAnyFreePort()
            .build();
    return new Browser(new ChromeDriver(service, options), downloads);
  }

  void open(String url) {
    driver.get(url);
    waitFor(By.cssSelector("body[data-ready]"));
  }

  /** Follows an in-page link and waits until the page has rendered it. */
  void go(String url, String hash) {
    driver.get(url + hash);
    wait.until(d -> hash.equals(d.findElement(By.tagName("body")).getAttribute("data-ready")));
  }

  WebElement waitFor(By by) {
    return wait.until(ExpectedConditions.visibilityOfElementLocated(by));
  }

  void waitUntilGone(By by) {
    wait.until(ExpectedConditions.invisibilityOfElementLocated(by));
  }

  <T> T waitUntil(java.util.function.Function<ChromeDriver, T> condition) {
    return wait.until(d -> condition.apply((ChromeDriver) d));
  }

  void phoneSized() {
    driver.manage().window().setSize(new Dimension(390, 844));
  }

  void screenshot(String name) throws IOException {
    Files.createDirectories(SCREENSHOTS);
    Files.write(SCREENSHOTS.resolve(name + ".png"), driver.getScreenshotAs(OutputType.BYTES));
  }

  @Override
  public void close() {
    driver.quit();
  }
}
