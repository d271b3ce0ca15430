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
SOCKET ?= $(if $(XDG_RUNTIME_DIR),$(XDG_RUNTIME_DIR),/tmp)/transferd/echo.sock

.PHONY: build run test interop bench bench-ttrpc bench-streams bench-registry clean

build:
	$(MVN) -DskipTests install

## run: start the daemon on its embedded default store (for now: the ttrpc echo/health server).
run: build
	$(JAVA_HOME)/bin/java -cp "$$(cat integration-tests/target/classpath.txt):integration-tests/target/classes" \
	  dev.transferd.it.EchoServerMain $(SOCKET)

## test: every unit, contract and interop test (needs golang-go + golang-github-containerd-ttrpc-dev).
test:
	mvn -B verify

## interop: only the Go <-> Java ttrpc interop tests.
interop: build
	mvn -B -pl integration-tests verify -Dtest='GoInterop*' -Dsurefire.failIfNoSpecifiedTests=false

bench: bench-ttrpc bench-streams

## bench-ttrpc: ttrpc round trip, calls/s and streaming throughput, Java beside Go and raw sockets.
bench-ttrpc: build
	$(JAVA_HOME)/bin/java -cp "$$(cat integration-tests/target/classpath.txt):integration-tests/target/classes" \
	  dev.transferd.it.bench.TtrpcBench

## bench-streams: Transfer echo through flow-controlled byte streams, containerd's sizes and larger.
bench-streams: build
	$(JAVA_HOME)/bin/java -Xms512m -Xmx512m -XX:+UseParallelGC --enable-native-access=ALL-UNNAMED \
	  -cp "$$(cat plugin/target/bench-classpath.txt):plugin/target/test-classes:plugin/target/classes" \
	  dev.transferd.plugin.bench.StreamsBench $(BENCH_ARGS)

## bench-registry: pull and push of a 1 GiB, 8-layer image with a local docker-registry, ours beside
## skopeo and ctr (needs docker-registry, skopeo, containerd; runs containerd, so as root; ~5 min).
bench-registry: build
	$(JAVA_HOME)/bin/java -Xms512m -Xmx512m -XX:+UseParallelGC --enable-native-access=ALL-UNNAMED \
	  -cp "$$(cat plugin/target/bench-classpath.txt):plugin/target/test-classes:plugin/target/classes" \
	  dev.transferd.plugin.bench.RegistryBench $(BENCH_ARGS)

clean:
	mvn -B -q clean
