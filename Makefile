# jvisor: `make` builds everything (C and Java), `make test` runs every test,
# `make demo` runs a real program under the sandbox, `make bench` runs the benchmarks.

JDK := $(shell scripts/find-jdk 2>/dev/null)
MVN := JAVA_HOME=$(JDK) mvn -B -q -Dstyle.color=never
JVISOR := bin/jvisor

all: build

jdk:
	@test -n "$(JDK)" || { scripts/find-jdk >/dev/null; exit 1; }

build: jdk
	$(MVN) -DskipTests package

test: jdk
	$(MVN) verify

demo: build
	@demo/run

bench: build
	@integration-tests/bench/run

clean:
	$(MAKE) -s -C native-stubs clean
	rm -rf */target target

.PHONY: all jdk build test demo bench clean
