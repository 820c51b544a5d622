# jvisor: `make` builds everything (C and Java), `make test` runs every test,
# `make demo` runs a real program under the sandbox, `make bench` runs the benchmarks,
# `make matrix` runs the real-program matrix, `make fuzz` runs the differential fuzzer, `make conformance` compares the probe suite under the sentry with Linux (jvisor conform),
# `make redteam` runs the hostile probes of every boundary route (integration-tests/redteam/run).
# `make dist` builds target/dist/jvisor-VERSION-linux-x86_64.tar.gz, a tree with its own Java
# runtime; `make install PREFIX=DIR` installs that tree in DIR/lib and links DIR/bin/jvisor.

JDK := $(shell scripts/find-jdk 2>/dev/null)
JDK_FEATURE := $(shell test -n "$(JDK)" && "$(JDK)/bin/java" -XshowSettings:properties -version 2>&1 \
	| sed -n 's/^ *java.specification.version = //p')
# Maven's own libraries call sun.misc.Unsafe, which JDK 24 and later warn about at length.
MAVEN_OPTS := $(if $(filter-out 22 23,$(JDK_FEATURE)),--sun-misc-unsafe-memory-access=allow)
MVN := JAVA_HOME=$(JDK) MAVEN_OPTS="$(MAVEN_OPTS)" mvn -B -ntp -Dstyle.color=never
JVISOR := bin/jvisor

all: build

jdk:
	@test -n "$(JDK)" || { scripts/find-jdk >/dev/null; exit 1; }

build: jdk
	$(MVN) -q -DskipTests package

test: jdk
	$(MVN) verify

demo: build
	@demo/run

PREFIX ?= /usr/local
dist: build
	@scripts/make-dist

install: build
	@scripts/make-dist --install "$(PREFIX)"

bench: dist
	@integration-tests/bench/run

# The compatibility matrix alone (integration-tests/matrix): real programs, natively and sandboxed.
matrix: jdk
	$(MVN) verify -Dtest=CompatibilityMatrixTest -Dsurefire.failIfNoSpecifiedTests=false

# The load test five times larger: 400 clients x 5000 round trips, 50,000 sockets.
stress: jdk
	$(MVN) verify -Dtest=LoadTest -Djvisor.stress=true -Dsurefire.failIfNoSpecifiedTests=false

conformance: build
	@integration-tests/conformance/run

# The differential fuzzer's long mode (FuzzTest): unix-fuzz natively and under jvisor, seed by
# seed; FUZZ_SEEDS seeds x FUZZ_ITERATIONS calls, or FUZZ_MINUTES of seeds. Prints the report
# (integration-tests/target/fuzz-report.txt).
FUZZ_SEEDS ?= 200
FUZZ_ITERATIONS ?= 5000
FUZZ_MINUTES ?= 0
fuzz: jdk
	$(MVN) -q verify -Dtest=FuzzTest#longRun -Dsurefire.failIfNoSpecifiedTests=false \
		-Djvisor.fuzz.seeds=$(FUZZ_SEEDS) -Djvisor.fuzz.iterations=$(FUZZ_ITERATIONS) \
		-Djvisor.fuzz.minutes=$(FUZZ_MINUTES); status=$$?; \
		cat integration-tests/target/fuzz-report.txt 2>/dev/null; exit $$status

# The red team (issue 15): every route out of and into the sandbox attacked, under jvisor and
# natively, as root and as uid 65534; prints route, attempts and arrivals, fails on any arrival.
redteam: build
	@integration-tests/redteam/run

clean:
	$(MAKE) -s -C native-stubs clean
	rm -rf */target target

.PHONY: all jdk build test demo dist install bench matrix stress conformance fuzz redteam clean
