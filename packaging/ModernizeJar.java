import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassFileVersion;
import java.lang.classfile.ClassHierarchyResolver;
import java.lang.classfile.ClassModel;
import java.lang.classfile.ClassTransform;
import java.lang.classfile.CodeTransform;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * Rewrites the classes of a jar built for an old Java (picocli targets Java 5) as Java 21 class
 * files, with the stack map frames the modern verifier needs, and nothing else changed. Class-data
 * sharing and the JDK's AOT cache cannot keep old class files in their linked state, so each
 * {@code transferctl} run would otherwise load and verify them from the jar again.
 *
 * <p>Run with the JDK's source launcher (JDK 24 or later, for {@code java.lang.classfile}): {@code
 * java packaging/ModernizeJar.java IN.jar OUT.jar}. Other entries are copied as they are.
 */
final class ModernizeJar {
  private static final int JAVA_21 = ClassFile.JAVA_21_VERSION;

  public static void main(String[] args) throws IOException {
    if (args.length != 2) {
      System.err.println("usage: java ModernizeJar.java IN.jar OUT.jar");
      System.exit(2);
    }
    Path in = Path.of(args[0]);
    Path out = Path.of(args[1]);
    int rewritten = 0;
    try (URLClassLoader jarClasses = new URLClassLoader(new URL[] {in.toUri().toURL()}, null);
        InputStream source = Files.newInputStream(in);
        ZipInputStream entries = new ZipInputStream(source);
        OutputStream sink = Files.newOutputStream(out);
        ZipOutputStream target = new ZipOutputStream(sink)) {
      ClassFile classFiles =
          ClassFile.of(
              // Frames need the common superclass of two types: look in the jar, then the JDK.
              ClassFile.ClassHierarchyResolverOption.of(
                  ClassHierarchyResolver.defaultResolver()
                      .orElse(ClassHierarchyResolver.ofResourceParsing(jarClasses))),
              ClassFile.StackMapsOption.GENERATE_STACK_MAPS,
              ClassFile.ConstantPoolSharingOption.NEW_POOL);
      ZipEntry entry;
      while ((entry = entries.getNextEntry()) != null) {
        byte[] bytes = entries.readAllBytes();
        if (needsRewrite(entry.getName(), bytes)) {
          try {
            bytes = rewrite(classFiles, bytes);
            rewritten++;
          } catch (IllegalArgumentException | IllegalStateException e) {
            // e.g. jsr/ret, which frames cannot describe: the old class still runs as it was.
            System.err.println("modernize-jar: " + entry.getName() + " kept as it is: " + e);
          }
        }
        ZipEntry copy = new ZipEntry(entry.getName());
        copy.setTime(entry.getTime());
        target.putNextEntry(copy);
        target.write(bytes);
        target.closeEntry();
      }
    }
    System.out.println("modernize-jar: " + out.getFileName() + ": " + rewritten + " classes");
  }

  private static boolean needsRewrite(String name, byte[] bytes) {
    if (!name.endsWith(".class") || name.endsWith("module-info.class") || bytes.length < 8) {
      return false;
    }
    int major = ((bytes[6] & 0xff) << 8) | (bytes[7] & 0xff);
    return major < JAVA_21;
  }

  private static byte[] rewrite(ClassFile classFiles, byte[] bytes) {
    ClassModel model = classFiles.parse(bytes);
    ClassTransform version =
        (builder, element) -> {
          if (element instanceof ClassFileVersion) {
            builder.withVersion(JAVA_21, 0);
          } else {
            builder.with(element);
          }
        };
    // Passing every instruction through one by one makes the builder regenerate the code
    // attribute, and with it the stack map frames; copied code would keep the old (frameless) one.
    CodeTransform everyInstruction = (code, element) -> code.with(element);
    return classFiles.transformClass(
        model, version.andThen(ClassTransform.transformingMethodBodies(everyInstruction)));
  }
}
