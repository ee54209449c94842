# onetrip — the two commands a newcomer needs are `make run` and `make test`.
# Both install what is missing first (Debian packages only when absent).

# GO is Go 1.26 from PATH, or the pinned toolchain that scripts/need-go fetches
# with Debian's golang-go into .toolchain/ on a machine without it.
GO      ?= $(shell ./scripts/need-go)
BIN     := bin/onetrip
VERSION := $(shell git describe --tags --always --dirty 2>/dev/null || echo unknown)
COMMIT  := $(shell git rev-parse HEAD 2>/dev/null || echo unknown)
BUILT   := $(shell date -u +%Y-%m-%dT%H:%M:%SZ)
LDFLAGS := -X main.version=$(VERSION) -X main.commit=$(COMMIT) -X main.built=$(BUILT)
PKG     := ./firmware/cmd/onetrip
# cgo needs these to build the GLFW window; Mesa draws it.
BUILD_DEBS := gcc pkg-config libx11-dev libxcursor-dev libxrandr-dev libxinerama-dev \
              libxi-dev libxxf86vm-dev libgl-dev libgl1-mesa-dri
# The window tests run against a real X server and click with xdotool; the
# phone page is tested in headless Chromium.
TEST_DEBS  := xvfb xauth xdotool x11-utils x11-apps chromium \
              qemu-user-static qemu-system-x86 linux-image-amd64 mtools e2fsprogs xz-utils \
              passwd busybox-static

# The packages whose goroutines share state run once more under the race detector.
RACE_PKGS := ./firmware/kiosk/ ./firmware/terminal/ ./firmware/hallqueue/ ./firmware/control/ \
             ./firmware/audit/ ./hal/gpio/... ./hal/serial/... ./hal/idcard/... ./hal/escpos/...

.PHONY: all build kiosk run test bench deps test-deps clean screenshot

all: build

# deps installs the Debian packages that are missing (only those).
deps:
	@./scripts/need-debs $(BUILD_DEBS)

# test-deps adds the arm64 cross toolchain: tools/mkrelease's test builds the
# rpi4-kiosk release and runs it under qemu-user.
test-deps: deps cross-deps-arm64
	@./scripts/need-debs $(TEST_DEBS)

build: deps
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) $(PKG)

# kiosk builds what a kiosk board runs: everything but the hall controller,
# whose embedded NATS server would wake an idle kiosk every second.
kiosk: deps
	$(GO) build -tags kiosk -ldflags "$(LDFLAGS)" -o bin/onetrip-kiosk $(PKG)

# run opens the kiosk window on the simulated board with the sample hall.
run: build
	@if [ -z "$$DISPLAY" ] && [ -z "$$WAYLAND_DISPLAY" ]; then \
	  echo "No display found (DISPLAY is not set): try '$(BIN) run --headless --control 127.0.0.1:8765'."; exit 1; fi
	$(BIN) run --board sim --control 127.0.0.1:8765

# test runs every test, the real window under Xvfb included.
test: test-deps
	@unformatted=$$("$$($(GO) env GOROOT)/bin/gofmt" -l $$(git ls-files '*.go')); \
	  if [ -n "$$unformatted" ]; then echo "not gofmt-formatted:"; echo "$$unformatted"; exit 1; fi
	$(GO) mod tidy -diff
	$(GO) vet ./...
	$(GO) vet -tags kiosk $(PKG)
	./scripts/with-x $(GO) test -count=1 -timeout 15m ./...
	$(GO) test -race -count=1 -timeout 10m $(RACE_PKGS)

# bench measures the budgets in DESIGN.md and prints the figures.
bench: test-deps build
	./scripts/with-x $(GO) test -run '^$$' -bench . -benchmem -count=1 -timeout 20m ./... | tee bench.out | grep -E '^(Benchmark|ok|FAIL|---)' 

clean:
	rm -rf bin bench.out .toolchain

# ---- Releases ----------------------------------------------------------------
# make release BOARD=NAME [KEY=FILE] cross-builds onetrip with cgo for the
# board file's arch and writes dist/onetrip-VERSION-BOARD.tar, signed with
# KEY. Without KEY it signs with a development key made once in .keys/, which
# no terminal in a hall accepts.
BOARD   ?=
DEV_KEY := .keys/update.key
KEY     ?= $(DEV_KEY)
BOARDS  := $(basename $(notdir $(filter-out boards/detect.toml,$(wildcard boards/*.toml))))
# What cgo links the window against, as each foreign architecture's package,
# and the cross compiler for each (the names are dpkg's architectures).
CROSS_LIBS     := libc6-dev libx11-dev libxcursor-dev libxrandr-dev libxinerama-dev \
                  libxi-dev libxxf86vm-dev libgl-dev
CROSS_CC_arm64 := gcc-aarch64-linux-gnu
CROSS_CC_armhf := gcc-arm-linux-gnueabihf
CROSS_CC_amd64 := gcc-x86-64-linux-gnu
SUDO           := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)

.PHONY: release

release: deps
	@test -n "$(BOARD)" || { echo "usage: make release BOARD=NAME [KEY=FILE]   (boards: $(BOARDS))"; exit 2; }
	@arch=$$($(GO) run ./tools/mkrelease -board $(BOARD) -debian-arch) && \
	  $(MAKE) --no-print-directory cross-deps-$$arch
	@if [ "$(KEY)" = "$(DEV_KEY)" ] && [ ! -f $(DEV_KEY) ]; then $(GO) run $(PKG) keygen --out $(dir $(DEV_KEY)); fi
	$(GO) run ./tools/mkrelease -go $(GO) -board $(BOARD) -key $(KEY) -version $(VERSION) -commit $(COMMIT) -built $(BUILT)
	@if [ "$(KEY)" = "$(DEV_KEY)" ]; then \
	  echo "*** DEVELOPMENT KEY: this bundle is signed with $(DEV_KEY), made on this machine."; \
	  echo "*** Terminals provisioned with a hall's update key refuse it. Sign releases for a"; \
	  echo "*** hall with KEY=FILE (a key pair from: onetrip keygen --out DIR)."; fi

# cross-deps-ARCH installs the cross compiler and ARCH's -dev packages, first
# adding ARCH to dpkg's architectures (and reading its package lists) when it
# is missing. Nothing is needed for this machine's own architecture.
cross-deps-%:
	@if [ "$*" != "$$(dpkg --print-architecture)" ]; then \
	  if ! dpkg --print-foreign-architectures | grep -qx '$*'; then \
	    echo "Adding the $* architecture to dpkg"; \
	    $(SUDO) dpkg --add-architecture $* && $(SUDO) apt-get update -qq; fi; \
	  ./scripts/need-debs $(CROSS_CC_$*) $(addsuffix :$*,$(CROSS_LIBS)); fi

# ---- Debian package ------------------------------------------------------------
# make deb packages bin/onetrip (built first), or BIN=FILE (a release build for
# arm64 or armhf), as dist/onetrip_VERSION_ARCH.deb with the binary's own arch
# and version. On a board: sudo apt install ./onetrip_VERSION_ARCH.deb
.PHONY: deb
deb: $(if $(filter command line,$(origin BIN)),,build)
	$(GO) run ./tools/mkdeb -bin $(BIN) -out dist
