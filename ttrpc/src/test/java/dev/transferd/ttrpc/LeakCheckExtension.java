package dev.transferd.ttrpc;

import io.netty.buffer.ByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import io.netty.util.ResourceLeakDetectorFactory;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test class when Netty reports a leaked buffer. Registered for every test class through
 * JUnit's extension auto-detection; its static initializer installs a leak listener before any
 * buffer class is loaded, and after each class it forces collection so leaks are reported then.
 */
public final class LeakCheckExtension implements AfterAllCallback {
  private static final List<String> LEAKS = new CopyOnWriteArrayList<>();

  static {
    ResourceLeakDetectorFactory delegate = ResourceLeakDetectorFactory.instance();
    ResourceLeakDetectorFactory.setResourceLeakDetectorFactory(
        new ResourceLeakDetectorFactory() {
          @Override
          public <T> ResourceLeakDetector<T> newResourceLeakDetector(
              Class<T> resource, int samplingInterval, long maxActive) {
            ResourceLeakDetector<T> detector =
                delegate.newResourceLeakDetector(resource, samplingInterval, maxActive);
            detector.setLeakListener((type, records) -> LEAKS.add(type + "\n" + records));
            return detector;
          }
        });
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    for (int i = 0; i < 4 && LEAKS.isEmpty(); i++) {
      System.gc();
      Thread.sleep(20);
      // Leaks are reported when a new buffer is tracked.
      ByteBufAllocator.DEFAULT.buffer(1).release();
      ByteBufAllocator.DEFAULT.directBuffer(1).release();
    }
    if (!LEAKS.isEmpty()) {
      String report = String.join("\n----\n", LEAKS);
      LEAKS.clear();
      throw new AssertionError(
          "Netty reported leaked buffers in " + context.getDisplayName() + ":\n" + report);
    }
  }
}
