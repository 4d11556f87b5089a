# gotensor: every command a developer or CI needs. Only Go is required; `make proto` also needs protoc.

GO       ?= go
BIN      := build/gotensor
PKGS     := ./...
# Generated code is left out of vet and lint.
LINTPKGS := $(shell $(GO) list ./... | grep -v -e '/api/' )

.PHONY: all build demo test test-386 proto bench lint clean

all: build

build:
	$(GO) build -o $(BIN) ./cmd/gotensor

## demo: run a whole gotensor network on this machine (ctrl-c stops it)
demo: build
	./$(BIN) localnet

## test: every test, then the consensus engine's determinism check on 32-bit x86. The axon's
## attack tests open thousands of loopback connections, whose ports the in-process chains of
## other packages could be handed between picking and binding their own: they run on their own.
test:
	$(GO) test $$($(GO) list $(PKGS) | grep -v '/sdk/axon$$')
	$(GO) test ./sdk/axon
	$(MAKE) test-386

## test-386: fixed/ and yuma/ must give the same bits on a 32-bit machine (GOARCH=386, or 32-bit
## ARM under qemu-arm where this host cannot run 386 binaries)
test-386:
	./scripts/test-32bit.sh

## proto: regenerate x/subnet/types and api/ from proto/ (needs protoc: apt-get install protobuf-compiler libprotobuf-dev)
proto:
	./scripts/protocgen.sh

## bench: the benchmarks behind BENCHMARKS.md
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./fixed/... ./yuma/... ./x/... ./app/... ./sdk/... ./subnets/... ./explorer/...

## lint: formatting and vet, generated code excluded
lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' | grep -v -e '\.pb\.go$$' -e '\.pb\.gw\.go$$' -e '\.pulsar\.go$$' -e '^api/')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet $(LINTPKGS)

clean:
	rm -rf build
