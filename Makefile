# resexp: `make demo` runs the plain-vs-residual comparison on MNIST and draws
# its figures; `make test` runs every test. See README.md.

GO      ?= go
BIN     := bin/resexp
DEMO    := runs/demo

.PHONY: build test fuzz data demo bench lint clean

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
# FUZZTIME, leaving a handful of executions.
FUZZTIME ?= 10s
FUZZMINIMIZE ?= 100x
fuzz:
	@set -e; out=$$(mktemp); trap 'rm -f $$out' EXIT; \
	for dir in $$(grep -rl --include='*_test.go' '^func Fuzz' cmd internal | xargs -n1 dirname | sort -u); do \
		for t in $$(grep -ho '^func Fuzz[A-Za-z0-9_]*' $$dir/*_test.go | cut -c6-); do \
			printf '%s ' "fuzz ./$$dir $$t:"; \
			if $(GO) test -run '^$$' -fuzz "^$$t\$$" -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZE) ./$$dir >$$out 2>&1; then \
				grep 'execs:' $$out | tail -1 | grep . || echo 'no executions after the seed corpus'; \
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

# bench runs the GEMM kernel benchmarks and the whole-network throughput.
bench: build
	$(GO) test -run '^$$' -bench . -count 5 ./internal/nn/kernels/
	$(BIN) bench --depth 20
	$(BIN) bench --depth 56

lint:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "gofmt: run gofmt -w on the files above"; exit 1; }
	$(GO) vet ./...
	GOARCH=arm64 $(GO) vet ./...

clean:
	rm -rf bin
