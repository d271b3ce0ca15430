package dev.transferd.it;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The layering the modules are built on, checked on their compiled main classes, so a change that
 * breaks it fails the build instead of waiting for a review: Netty stays inside ttrpc, the CLI is a
 * client like any other, the store knows nothing of what uses it, and no package needs another that
 * needs it back.
 */
class LayeringTest {
  private static JavaClasses classes;

  @BeforeAll
  static void importMainClasses() {
    classes =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            // the modules' test-jars (fixtures this module's tests share) are not main code
            .withImportOption(location -> !location.contains("-tests.jar"))
            .importPackages("dev.transferd");
  }

  /**
   * The one exception is the gRPC transport's bootstrap ({@code plugin.grpc.GrpcServer}): grpc-java
   * must be handed a Netty event loop group, channel type and domain-socket address to listen on a
   * unix socket, and it runs on the project's own Netty rather than a second, shaded copy.
   */
  @Test
  void nettyIsUsedOnlyInsideTtrpc() {
    noClasses()
        .that()
        .resideOutsideOfPackage("dev.transferd.ttrpc..")
        .and()
        .doNotHaveFullyQualifiedName("dev.transferd.plugin.grpc.GrpcServer")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("io.netty..")
        .because("the ttrpc module is the only layer that sees the transport")
        .check(classes);
  }

  @Test
  void theCliNeverUsesTheDaemonsCode() {
    noClasses()
        .that()
        .resideInAPackage("dev.transferd.cli..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("dev.transferd.plugin..")
        .because("transferctl is a client like any other: it talks to the daemon over its socket")
        .check(classes);
  }

  @Test
  void theLibrariesNeverUseTheModulesAboveThem() {
    noClasses()
        .that()
        .resideInAnyPackage("dev.transferd.ttrpc..", "dev.transferd.proto..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "dev.transferd.streams..", "dev.transferd.plugin..", "dev.transferd.cli..")
        .check(classes);
    noClasses()
        .that()
        .resideInAPackage("dev.transferd.streams..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("dev.transferd.plugin..", "dev.transferd.cli..")
        .check(classes);
  }

  @Test
  void theStoreDependsOnNothingAboveIt() {
    noClasses()
        .that()
        .resideInAPackage("dev.transferd.plugin.store..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "dev.transferd.plugin.transfer..",
            "dev.transferd.plugin.services..",
            "dev.transferd.plugin.daemon..",
            "dev.transferd.plugin.registry..",
            "dev.transferd.plugin.archive..",
            "dev.transferd.streams..")
        .check(classes);
  }

  @Test
  void packagesHaveNoCycles() {
    slices().matching("dev.transferd.(**)").should().beFreeOfCycles().check(classes);
  }
}
