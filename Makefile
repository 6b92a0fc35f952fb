# pencil's entry points. `make test` is what CI runs on a fresh machine (.ci/run): extend its one
# recipe when the suite needs more (browsers, reference data), so CI and people run the same thing.

CARGO ?= cargo
PREFIX ?= /usr/local
DESTDIR ?=
# The host target, named explicitly so RUSTFLAGS reach only pencil and not build scripts or
# proc macros, which must stay dynamic to be loadable by the compiler.
STATIC_TARGET := x86_64-unknown-linux-gnu
STATIC_BIN := target/$(STATIC_TARGET)/release/pencil

.PHONY: all build release static test bench check install conformance gallery ui-test ui-deps fuzz

all: build

build:
	$(CARGO) build

release:
	$(CARGO) build --release

static:
	RUSTFLAGS='-C target-feature=+crt-static' $(CARGO) build --release --target $(STATIC_TARGET)
	@out=$$(ldd $(STATIC_BIN) 2>&1 || true); \
	case "$$out" in \
	  *"not a dynamic executable"*|*"statically linked"*) ;; \
	  *) echo "$(STATIC_BIN) is not static; ldd says:"; echo "$$out"; exit 1 ;; \
	esac
	cp $(STATIC_BIN) target/pencil-static
	@echo "target/pencil-static: static binary ready"

test:
	$(CARGO) test --release --all-targets
	$(MAKE) ui-test

# Browser tests of the web UI (tests/ui/): Debian's chromium driven by playwright-core against the
# release binary; screenshots land in target/ui/. ui-deps installs what is missing, once.
ui-test: release ui-deps
	node tests/ui/ui_test.js target/release/pencil

SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
APT_INSTALL = { $(SUDO) apt-get install -y $(1) || { $(SUDO) apt-get update && $(SUDO) apt-get install -y $(1); }; }

ui-deps:
	@test -x /usr/bin/chromium || $(call APT_INSTALL,chromium)
	@command -v npm >/dev/null || $(call APT_INSTALL,nodejs npm)
	@test -f tests/ui/node_modules/playwright-core/package.json || (cd tests/ui && npm ci --no-audit --no-fund)

bench:
	$(CARGO) bench

# Differential test against the real graphite-web (needs ../shared/reference installed: run its
# `install` once as root). UPDATE=1 also rewrites the golden answers under tests/golden/conformance/.
conformance: release
	python3 tools/conformance.py $(if $(UPDATE),--update,)

# Each cargo-fuzz target for FUZZ_SECONDS, one after another (needs `cargo install cargo-fuzz` and
# a nightly toolchain; without one, FUZZ_TOOLCHAIN= RUSTC_BOOTSTRAP=1 uses stable). Every run
# first replays the crashers kept under fuzz/regressions/<target>/ and the seeds; new corpus
# entries go to fuzz/corpus/<target>/ (not committed), a crash stops the loop with its file
# under fuzz/artifacts/<target>/.
FUZZ_TARGETS := feed parse eval time http events glob snapshot
FUZZ_SECONDS ?= 20
FUZZ_TOOLCHAIN ?= +nightly

fuzz:
	@cd fuzz && for t in $(FUZZ_TARGETS); do \
	  case $$t in parse|eval) d=target;; http) d=http;; events) d=json;; *) d=;; esac; \
	  mkdir -p corpus/$$t; \
	  echo "== fuzz $$t for $(FUZZ_SECONDS)s"; \
	  $(CARGO) $(FUZZ_TOOLCHAIN) fuzz run $$t corpus/$$t seeds/$$t regressions/$$t -- \
	    -max_total_time=$(FUZZ_SECONDS) -timeout=10 $${d:+-dict=dicts/$$d.dict} || exit 1; \
	done

check:
	$(CARGO) fmt --check
	$(CARGO) clippy --all-targets -- -D warnings
	$(MAKE) test

# Does not build: install usually runs under sudo, where cargo is often not on PATH.
install:
	@test -x target/release/pencil || { echo "target/release/pencil is missing: run 'make release' first"; exit 1; }
	install -D -m 0755 target/release/pencil $(DESTDIR)$(PREFIX)/bin/pencil
	install -d $(DESTDIR)$(PREFIX)/lib/systemd/system
	sed 's|/usr/local/bin/pencil|$(PREFIX)/bin/pencil|' systemd/pencil.service > $(DESTDIR)$(PREFIX)/lib/systemd/system/pencil.service
	chmod 0644 $(DESTDIR)$(PREFIX)/lib/systemd/system/pencil.service

# pencil's PNG beside graphite-web's for 34 graph option cases (needs ../shared/reference installed;
# uses the instance in GRAPHITE_REF_DIR, else starts its own):
# writes target/gallery/index.html.
gallery:
	python3 tools/gallery.py
