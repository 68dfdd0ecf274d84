# Every target installs what it needs (scripts/install-deps is idempotent)
# and builds what it uses. The release binary is build/cordon.
JOBS ?= 2
BUILD ?= build
FUZZ_SECONDS ?= 20
FUZZ_STRICT ?= 1
CMAKE_FLAGS ?=

.PHONY: all deps build run test fuzz bench lint sanitize clean

all: build

deps:
	@./scripts/install-deps

build: deps
	@cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

# The main job on embedded defaults: the CNIL migration done right, end to end.
run: build
	@./scripts/demo $(BUILD)/cordon

test: build
	@cd $(BUILD) && ctest -j $(JOBS) --output-on-failure

# Each libFuzzer target for FUZZ_SECONDS, seeded from the test vectors.
fuzz: deps
	@FUZZ_STRICT=$(FUZZ_STRICT) ./scripts/fuzz $(FUZZ_SECONDS)

# Side by side with the age CLI, extract with DuckDB + age (npm
# @duckdb/node-api, installed into bench/node_modules), scan with ripgrep;
# figures go to
# bench/RESULTS.md with the commands that produced them.
bench: build
	@./bench/age_vs_cordon.sh $(BUILD)/cordon
	@./bench/extract_vs_duckdb.sh $(BUILD)/cordon
	@./bench/scan_vs_ripgrep.sh $(BUILD)/cordon
	@./bench/matcher_vs_vectorscan.sh $(BUILD)/cordon
	@./bench/pseudonymize_vs_duckdb.sh $(BUILD)/cordon
	@./bench/ledger_vs_sqlite.sh $(BUILD)/cordon
	@./bench/exchange_vs_nginx.sh $(BUILD)/cordon

lint: deps
	@cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
	@./scripts/lint $(BUILD)

clean:
	rm -rf $(BUILD) build-fuzz build-asan

# Unit and scenario tests under AddressSanitizer and UBSan (clang).
sanitize: deps
	@CC=clang CXX=clang++ cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug \
	  -DCMAKE_CXX_FLAGS="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" >/dev/null
	@cmake --build build-asan -j $(JOBS)
	@cd build-asan && ctest -j $(JOBS) --output-on-failure
