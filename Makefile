# Every target installs what it needs (scripts/install-deps is idempotent)
# and builds what it uses. The release binary is build/cordon.
JOBS ?= 2
BUILD ?= build
FUZZ_SECONDS ?= 20
FUZZ_STRICT ?= 1
FUZZ_JOBS ?= $(JOBS)
CMAKE_FLAGS ?=
# The sanitizers and the fuzzers share one clang build (clang 16: clang 14
# cannot emit debug information for the coroutines of src/net/http_server.cc).
CLANG_BUILD ?= build-clang
CLANG_VERSION ?= 16
# The scenarios the sanitized run skips (the release run, `make test`, runs
# every one): exchange_matrix runs the server under libfaketime, whose
# LD_PRELOAD clock hooks and ASan's allocator crash each other (a double
# free inside libfaketime); web_ui and ui_demo spend their time in Chromium,
# postgres_source and pushdown in a PostgreSQL cluster of their own — under
# ASan they would add minutes to CI and exercise little more of cordon than
# the unit tests and the other scenarios do. demo runs `make run`'s whole
# story twice (about a minute under ASan), which the other scenarios cover
# piece by piece. Every unit test runs.
SANITIZE_SKIP ?= ^scenario\.(exchange_matrix|web_ui|ui_demo|postgres_source|pushdown|demo)$$
# Release tests at once: more than the cores, since the scenarios spend
# much of their time waiting (servers starting, a TOTP code's next step,
# peers). The sanitized run keeps one per core: under ASan the work is CPU,
# and the tests with deadlines of a second or two need their share of it.
CTEST_JOBS ?= 4

.PHONY: all deps configure build build-cordon run ui-demo test fuzz bench lint sanitize clang-build clean

all: build

deps:
	@./scripts/install-deps

configure: deps
	@cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS) >/dev/null

build: configure
	@cmake --build $(BUILD) -j $(JOBS)

# Only the binary: what `make run` needs (the test and fuzz targets are for
# `make test`; a newcomer should not wait for them to see the story).
build-cordon: configure
	@cmake --build $(BUILD) -j $(JOBS) --target cordon

# The main job on embedded defaults: the CNIL migration done right, end to end.
run: build-cordon
	@./scripts/demo $(BUILD)/cordon

# The web pages with a DPO's order and an approver's request in them, on
# https://localhost:8443 until Ctrl-C (which removes everything).
ui-demo: build-cordon
	@./scripts/ui-demo $(BUILD)/cordon

test: build
	@cd $(BUILD) && ctest -j $(CTEST_JOBS) --output-on-failure

# Each libFuzzer target for FUZZ_SECONDS, FUZZ_JOBS at a time (each is
# single-threaded), seeded from the test vectors.
fuzz: clang-build
	@FUZZ_STRICT=$(FUZZ_STRICT) FUZZ_JOBS=$(FUZZ_JOBS) FUZZ_BUILD=$(CLANG_BUILD) ./scripts/fuzz $(FUZZ_SECONDS)

# Side by side with the age CLI, extract with DuckDB + age (npm
# @duckdb/node-api, installed into bench/node_modules), scan with ripgrep,
# remote maintenance against plain OpenSSH (as root: test users and sshd),
# `cordon trace` against 100 packages' provenance, PostgreSQL extract and
# open --into against psql + age (as root: its own cluster);
# figures go to bench/RESULTS.md with the commands that produced them.
bench: build
	@./bench/age_vs_cordon.sh $(BUILD)/cordon
	@./bench/extract_vs_duckdb.sh $(BUILD)/cordon
	@./bench/scan_vs_ripgrep.sh $(BUILD)/cordon
	@./bench/scan_watchlist.sh $(BUILD)/cordon
	@./bench/matcher_vs_vectorscan.sh $(BUILD)/cordon
	@./bench/pseudonymize_vs_duckdb.sh $(BUILD)/cordon
	@./bench/ledger_vs_sqlite.sh $(BUILD)/cordon
	@./bench/exchange_vs_nginx.sh $(BUILD)/cordon
	@./bench/package_check_vs_sha256sum.sh $(BUILD)/cordon
	@./bench/ssh_sign_vs_ssh_keygen.sh $(BUILD)/cordon
	@./bench/remote_maintenance.sh $(BUILD)/cordon
	@./bench/trace.sh $(BUILD)/cordon
	@./bench/postgres_vs_psql.sh $(BUILD)/cordon
	@./bench/web_ui_render.sh $(BUILD)/cordon
	@./bench/sshsig_verify_vs_ssh_keygen.sh $(BUILD)/cordon

# clang-format on every file; clang-tidy on the .cc files changed since the
# merge base with LINT_BASE (default main; see scripts/lint).
# Its own tree, configured only (clang-tidy needs the compile commands and
# the generated files, not a build), without precompiled headers.
LINT_BUILD ?= build-lint
lint: deps
	@cmake -S . -B $(LINT_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release -DCORDON_PCH=OFF >/dev/null
	@./scripts/lint $(LINT_BUILD)

clean:
	rm -rf $(BUILD) $(CLANG_BUILD) $(LINT_BUILD) build-fuzz build-asan

# Configures (and builds) the shared clang build: ASan + UBSan, libFuzzer's
# coverage, tests and fuzz targets. `fuzz` builds only its targets in it.
clang-build: deps
	@CC=clang-$(CLANG_VERSION) CXX=clang++-$(CLANG_VERSION) cmake -S . -B $(CLANG_BUILD) -G Ninja \
	  -DCMAKE_BUILD_TYPE=Debug -DCORDON_SANITIZE=ON -DCORDON_FUZZ=ON -DCORDON_TESTS=ON >/dev/null

# Unit and scenario tests under AddressSanitizer and UBSan (clang).
sanitize: clang-build
	@cmake --build $(CLANG_BUILD) -j $(JOBS)
	@cd $(CLANG_BUILD) && ctest -j $(JOBS) --output-on-failure -E '$(SANITIZE_SKIP)'
