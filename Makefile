# resexp: `make demo` runs the plain-vs-residual comparison on MNIST and draws
# its figures; `make test` runs every test. See README.md.

GO      ?= go
BIN     := bin/resexp
DEMO    := runs/demo

.PHONY: build test fuzz data demo serve bench lint actionlint cross man slurm-test arm64-test clean

build:
	CGO_ENABLED=0 $(GO) build -buildvcs=auto -trimpath -o $(BIN) ./cmd/resexp

test:
	$(GO) test ./...

# fuzz runs every native fuzz target (func FuzzX in a *_test.go file) for
# FUZZTIME each, one after the other: go test takes one -fuzz target per
# run. Seed corpora are in each package's testdata/fuzz; a crasher is
# written there too and fails `make test` until it is fixed. Minimizing a
# new input is capped at FUZZMINIMIZE runs: with the default (60 s per
# input) minimizing the kilobyte inputs of most targets took the whole
# FUZZTIME, leaving a handful of executions. Go 1.26's fuzz coordinator can
# fail a target with a bare "context deadline exceeded" as FUZZTIME ends
# (golang/go#75804, fixed in Go 1.27); such a run wrote no failing input, so
# it is reported and not counted as a finding. Any other failure fails.
FUZZTIME ?= 10s
FUZZMINIMIZE ?= 100x
fuzz:
	@set -e; out=$$(mktemp); trap 'rm -f $$out' EXIT; \
	for dir in $$(grep -rl --include='*_test.go' '^func Fuzz' cmd internal | xargs -n1 dirname | sort -u); do \
		for t in $$(grep -ho '^func Fuzz[A-Za-z0-9_]*' $$dir/*_test.go | cut -c6-); do \
			printf '%s ' "fuzz ./$$dir $$t:"; \
			if $(GO) test -run '^$$' -fuzz "^$$t\$$" -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZE) ./$$dir >$$out 2>&1; then \
				grep 'execs:' $$out | tail -1 | grep . || echo 'no executions after the seed corpus'; \
			elif grep -q 'context deadline exceeded' $$out && ! grep -q 'Failing input written' $$out; then \
				echo "$$(grep 'execs:' $$out | tail -1) -- ended by the fuzz engine's deadline race (golang/go#75804), no failing input"; \
			else cat $$out; exit 1; fi; \
		done; \
	done

data: build
	$(BIN) data download mnist

# demo trains plain and residual nets of depth 20 and 56 on MNIST
# (configs/demo.yaml, a sweep) into runs/demo and draws the figures into
# plots/demo. Finished runs are kept: run it again to resume or redraw.
demo: data
	$(BIN) sweep configs/demo.yaml
	$(BIN) plot $(DEMO) --out plots/demo
	@echo "open plots/demo/index.html"

# serve shows runs/ (the demo's runs among them) live in a browser at
# http://127.0.0.1:8080/ until Ctrl-C; see README.md, "Watching runs live".
serve: build
	$(BIN) serve

# bench runs the kernel benchmarks (GEMM shapes; BenchmarkWinograd:
# Winograd against direct convolution, output and dx, at the three CIFAR
# stages, batch 128) and the whole-network throughput with the default
# (each layer's faster method) and with RESEXP_CONV=direct.
bench: build
	$(GO) test -run '^$$' -bench . -count 5 ./internal/nn/kernels/
	$(BIN) bench --depth 20
	$(BIN) bench --depth 56
	RESEXP_CONV=direct $(BIN) bench --depth 20
	RESEXP_CONV=direct $(BIN) bench --depth 56

# arm64-test cross-compiles the kernel, layer and model tests (gradient
# checks included) for linux/arm64 and runs them under qemu user emulation
# (Debian's qemu-user-static; .ci/run installs it): the kernel tests in
# full (every Conv3x3 test runs the NEON implicit-GEMM kind too), the layer
# and model tests with -short, with the NEON kernel (3×3 convolutions as
# NEON implicit GEMMs) and again with RESEXP_KERNEL=go (im2col and the Go
# GEMM). Emulation checks results only, never speed.
QEMU_ARM64 ?= qemu-aarch64-static
ARM64_BIN  := bin/arm64
arm64-test:
	@command -v $(QEMU_ARM64) >/dev/null || { echo "arm64-test: $(QEMU_ARM64) not found; install Debian's qemu-user-static (apt-get install qemu-user-static)"; exit 1; }
	mkdir -p $(ARM64_BIN)
	GOARCH=arm64 $(GO) test -c -o $(ARM64_BIN)/kernels.test ./internal/nn/kernels
	GOARCH=arm64 $(GO) test -c -o $(ARM64_BIN)/nn.test ./internal/nn
	GOARCH=arm64 $(GO) test -c -o $(ARM64_BIN)/models.test ./internal/nn/models
	cd internal/nn/kernels && $(QEMU_ARM64) $(CURDIR)/$(ARM64_BIN)/kernels.test
	for k in neon go; do \
		(cd internal/nn && RESEXP_KERNEL=$$k $(QEMU_ARM64) $(CURDIR)/$(ARM64_BIN)/nn.test -test.short) && \
		(cd internal/nn/models && RESEXP_KERNEL=$$k $(QEMU_ARM64) $(CURDIR)/$(ARM64_BIN)/models.test -test.short) || exit 1; \
	done

lint:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "gofmt: run gofmt -w on the files above"; exit 1; }
	$(GO) vet ./...
	GOARCH=arm64 $(GO) vet ./...

# actionlint checks the GitHub Actions workflows (.github/workflows).
ACTIONLINT := github.com/rhysd/actionlint/cmd/actionlint@v1.7.12
actionlint:
	$(GO) run $(ACTIONLINT)

# cross checks that resexp builds for the other platforms users run it on.
CROSS := darwin/arm64 linux/arm64 windows/amd64
cross:
	@for t in $(CROSS); do \
		echo "go build $$t"; \
		CGO_ENABLED=0 GOOS=$${t%/*} GOARCH=$${t#*/} $(GO) build -trimpath -o /dev/null ./cmd/resexp || exit 1; \
	done

# man writes one man page per command into man/ (man man/resexp.1).
man: build
	$(BIN) man man

# slurm-test starts a one-node Slurm cluster on this machine (as root;
# installs Debian's slurm-wlm and munge if missing), runs the smoke sweep as
# a job array and checks requeue and exact resume (deploy/slurm/ci-test.sh).
slurm-test: build
	deploy/slurm/ci-test.sh

clean:
	rm -rf bin man
