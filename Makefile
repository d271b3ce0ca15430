# transferd build entry points. Every target finds a JDK >= 21 by itself: the machine's default
# java may be older, so we look under /usr/lib/jvm (and JAVA_HOME, if it is new enough).
SHELL := /bin/bash

JAVA_HOME := $(shell \
  for d in "$$JAVA_HOME" /usr/lib/jvm/*; do \
    [ -x "$$d/bin/javac" ] || continue; \
    v=$$("$$d/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p'); \
    [ -n "$$v" ] && [ "$${v%%.*}" -ge 21 ] 2>/dev/null && { echo "$$d"; break; }; \
  done)
ifeq ($(JAVA_HOME),)
$(error no JDK >= 21 found in JAVA_HOME or /usr/lib/jvm; install one, e.g. openjdk-21-jdk)
endif
export JAVA_HOME
export PATH := $(JAVA_HOME)/bin:$(PATH)

MVN := mvn -B -q -e
.PHONY: build format run dist test interop fuzz bench bench-ttrpc bench-streams bench-store bench-archives bench-cli bench-registry bench-unpack clean

build:
	$(MVN) -DskipTests install

## format: rewrite the Java sources in Google Java Style (the build only checks it).
format:
	$(MVN) spotless:apply

## run: start transferd on its default store and socket (it logs where); RUN_ARGS adds flags.
run: dist
	@echo "transferd: store and socket are logged below; stop with Ctrl-C"
	dist/bin/transferd $(RUN_ARGS)

## dist: dist/bin/{transferd,transferctl}, their jars in dist/lib, a trained AOT cache (JDK 25+;
## a CDS archive before) for the CLI, and the sample config and systemd unit in dist/share/transferd.
## Rebuilt only when a source, pom or packaging file is newer than the last build.
DIST_SOURCES := $(shell find pom.xml ttrpc proto streams plugin cli packaging -type f \
  -not -path '*/target/*' 2>/dev/null)
dist: dist/.built
dist/.built: $(DIST_SOURCES)
	$(MVN) -DskipTests package -pl plugin,cli -am
	rm -rf dist && mkdir -p dist/bin dist/lib dist/share/transferd
	cp packaging/bin/transferd packaging/bin/transferctl dist/bin/
	cp packaging/config.toml packaging/transferd.service dist/share/transferd/
	cp plugin/target/lib/*.jar dist/lib/
	cp cli/target/lib/*.jar dist/lib/
	cp plugin/target/plugin-*[0-9T].jar dist/lib/transferd-plugin.jar
	cp cli/target/cli-*[0-9T].jar dist/lib/transferctl.jar
	{ echo transferd-plugin.jar; ls plugin/target/lib; } > dist/lib/transferd.classpath
	{ echo transferctl.jar; ls cli/target/lib; } > dist/lib/transferctl.classpath
	echo "$(JAVA_HOME)" > dist/lib/java-home
	@# picocli is Java 5 bytecode, which neither CDS nor the AOT cache keeps linked: rewrite it as
	@# Java 21 class files (needs JDK 24+'s java.lang.classfile; older JDKs keep the jar as it is).
	if [ "$$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$(JAVA_HOME)/release")" -ge 24 ]; then \
	  for jar in dist/lib/picocli-*.jar; do \
	    java packaging/ModernizeJar.java "$$jar" "$$jar.new" && mv "$$jar.new" "$$jar"; \
	  done; \
	fi
	packaging/train-cds dist
	touch dist/.built

## bench-cli: wall time of `transferctl images ls` against a running daemon, with the trained cache.
bench-cli: dist
	packaging/bench-cli dist

## test: every unit, contract and interop test (needs golang-go + golang-github-containerd-ttrpc-dev),
## and the dist commands test, which drives dist/bin/transferd and transferctl as processes.
test: dist
	TRANSFERD_DIST=$(CURDIR)/dist mvn -B verify

## interop: only the Go <-> Java ttrpc interop tests.
interop: build
	mvn -B -pl integration-tests verify -Dtest='GoInterop*' -Dsurefire.failIfNoSpecifiedTests=false

## fuzz: coverage-guided fuzzing (Jazzer) of each fuzz test for FUZZ_TIME; `make test` runs only
## their committed inputs. A finding is written next to those inputs as crash-<sha1> and fails the
## run; once fixed, keep it (renamed) as a regression input.
FUZZ_TIME ?= 2m
FUZZ_TARGETS := \
  ttrpc:TtrpcServerFuzzTest \
  plugin:ArchiveImporterFuzzTest \
  plugin:FilterFuzzTest \
  plugin:RegistryParsersFuzzTest\#referenceParsesToAFixedPointOrIsRefused \
  plugin:RegistryParsersFuzzTest\#anyChallengeHeaderParsesWithoutThrowing
fuzz: build
	set -e; for target in $(FUZZ_TARGETS); do \
	  echo "fuzz: $$target for $(FUZZ_TIME)"; \
	  JAZZER_FUZZ=1 mvn -B -q -pl "$${target%%:*}" test-compile surefire:test@fuzz-inputs \
	    -Dtest="$${target#*:}" \
	    -Dsurefire.failIfNoSpecifiedTests=false -Djunit.jupiter.execution.timeout.mode=disabled \
	    -Djazzer.max_duration=$(FUZZ_TIME) \
	    '-Djazzer.instrumentation_includes=dev.transferd.**:org.apache.commons.compress.**:com.fasterxml.jackson.**' \
	    -Djazzer.internal.arg.0=fuzz -Djazzer.internal.arg.1=-max_len=65536; \
	done

bench: bench-ttrpc bench-streams bench-store

## bench-ttrpc: ttrpc round trip, calls/s and streaming throughput, Java beside Go and raw sockets.
bench-ttrpc: build
	$(JAVA_HOME)/bin/java -cp "$$(cat integration-tests/target/classpath.txt):integration-tests/target/classes" \
	  dev.transferd.it.bench.TtrpcBench

## bench-streams: Transfer echo through flow-controlled byte streams, containerd's sizes and larger.
bench-streams: build
	$(JAVA_HOME)/bin/java -Xms512m -Xmx512m --enable-native-access=ALL-UNNAMED \
	  -cp "$$(cat plugin/target/bench-classpath.txt):plugin/target/test-classes:plugin/target/classes" \
	  dev.transferd.plugin.bench.StreamsBench $(BENCH_ARGS)

## bench-store: ingest of a 1 GiB blob into the embedded store (hash + write + commit) against
## openssl dgst -sha256 of the same file; the last line is their ratio (target >= 0.6).
bench-store: build
	$(JAVA_HOME)/bin/java -Xms256m -Xmx256m --enable-native-access=ALL-UNNAMED \
	  -cp "$$(cat plugin/target/bench-classpath.txt):plugin/target/test-classes:plugin/target/classes" \
	  dev.transferd.plugin.bench.StoreBench $(BENCH_ARGS)

## bench-unpack: the 1 GiB, 8-layer image unpacked by transferd, by umoci and by tar -xzf of each
## layer (the floor), interleaved rounds (run as root: umoci's rootless mode differs).
bench-unpack: build
	$(JAVA_HOME)/bin/java -Xms256m -Xmx256m --enable-native-access=ALL-UNNAMED \
	  -cp "$$(cat plugin/target/bench-classpath.txt):plugin/target/test-classes:plugin/target/classes" \
	  dev.transferd.plugin.bench.UnpackBench $(BENCH_ARGS)

## bench-archives: import/export of a 1 GiB docker-save archive, ours beside ctr 1.6 (needs root, containerd).
bench-archives: build
	$(JAVA_HOME)/bin/java -Xms512m -Xmx512m --enable-native-access=ALL-UNNAMED \
	  -cp "$$(cat plugin/target/bench-classpath.txt):plugin/target/test-classes:plugin/target/classes" \
	  dev.transferd.plugin.bench.ArchivesBench $(BENCH_ARGS)

## bench-registry: pull and push of a 1 GiB, 8-layer image with a local docker-registry, ours beside
## skopeo and ctr (needs docker-registry, skopeo, containerd; runs containerd, so as root; ~5 min).
bench-registry: build
	$(JAVA_HOME)/bin/java -Xms512m -Xmx512m --enable-native-access=ALL-UNNAMED \
	  -cp "$$(cat plugin/target/bench-classpath.txt):plugin/target/test-classes:plugin/target/classes" \
	  dev.transferd.plugin.bench.RegistryBench $(BENCH_ARGS)

## bench-serve: skopeo pulling a 1 GiB, 8-layer image from transferd's /v2/ beside docker-registry
## serving it, and a web upload of it (curl) beside transferctl import (needs docker-registry,
## skopeo, curl; ~10 min).
.PHONY: bench-serve
bench-serve: build dist
	$(JAVA_HOME)/bin/java -Xms512m -Xmx512m --enable-native-access=ALL-UNNAMED \
	  -cp "$$(cat plugin/target/bench-classpath.txt):plugin/target/test-classes:plugin/target/classes" \
	  dev.transferd.plugin.bench.ServeBench --transferctl dist/bin/transferctl $(BENCH_ARGS)

clean:
	mvn -B -q clean
