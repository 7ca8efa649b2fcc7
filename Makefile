# HWGen — see README.md. Every target runs from a clean checkout.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c

CONFIG  ?= debug
HWGEN   := .build/$(CONFIG)/hwgen
SPECS   := $(sort $(wildcard designs/*.yaml designs/*.json))
# Designs `make synth` reports (the 64x64 array and the 16x16 GEMM engine, whose 2x192 K-word buffers
# would become flip-flops, are left out: synthesis would take too long).
SYNTH_SPECS := $(filter-out designs/systolic_os_64x64% designs/gemm_os_16x16%,$(SPECS))
APT_PACKAGES := iverilog verilator yosys opensta make g++ python3 python3-numpy python3-venv git time nextpnr-ice40 fpga-icestorm

.PHONY: setup build rtl lint sim test bench synth example clean

setup:
	@missing=""; for p in $(APT_PACKAGES) qflow-tech-osu018; do \
	  dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; apt-get update -qq; \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; fi
	scripts/install-pypi.sh
	$(MAKE) build

build:
	swift build -c $(CONFIG) --product hwgen

$(HWGEN):
	$(MAKE) build

# Regenerate the checked-in rtl/ and testbenches/ from designs/.
rtl: $(HWGEN)
	rm -rf rtl testbenches
	$(HWGEN) emit $(SPECS) -o . --no-vectors

# Zero warnings from verilator -Wall, iverilog -g2005 and yosys on every checked-in design.
# Yosys reads and checks every module in one run (reading all of rtl/ once per design took minutes).
lint:
	@yosys -q -p "read_verilog rtl/*.v; hierarchy -check; proc; check -assert" >/dev/null && echo "yosys ok: every module in rtl/"
	@for s in $(SPECS); do t=$$(basename $${s%.*}); \
	  verilator --lint-only -Wall --top-module $$t rtl/*.v; \
	  iverilog -g2005 -o /dev/null -s $$t rtl/*.v; \
	  echo "lint ok: $$t"; done

# Every design, both simulators, against the golden model.
sim: $(HWGEN)
	@for s in $(SPECS); do $(HWGEN) sim $$s --simulator both --seed 7; done

synth: $(HWGEN)
	$(HWGEN) synth $(SYNTH_SPECS) --clock 10 --json build/synth/report.json
	@for s in $(filter-out $(SYNTH_SPECS),$(SPECS)); do \
	  echo "not synthesized: $$s (a 64x64 array takes hours in this flow; a 16x16 GEMM engine's 2x192K buffer words would be flip-flops, not SRAM macros)"; done

# The README's user example: a custom PE in its own package, emitted and simulated.
example:
	swift build --package-path Examples/CustomPE --scratch-path .build-example
	.build-example/debug/custom-pe build/example

test: build
	swift test
	$(MAKE) rtl
	@git diff --exit-code --stat -- rtl testbenches || { echo "rtl/ or testbenches/ drifted from designs/: run make rtl and commit"; exit 1; }
	@test -z "$$(git status --porcelain -- rtl testbenches)" || { git status --short -- rtl testbenches; echo "untracked generated files: run make rtl and commit"; exit 1; }
	$(MAKE) lint
	$(MAKE) example

bench:
	swift build -c release --product hwgen
	@scripts/bench.sh .build/release/hwgen
	@scripts/utilization.sh .build/release/hwgen
	@scripts/gemmsim.sh .build/release/hwgen
	@scripts/bigsim.sh .build/release/hwgen
	@scripts/qor.sh .build/release/hwgen
	@scripts/qor_engines.sh .build/release/hwgen
	@scripts/qor_quant.sh .build/release/hwgen
	@rm -rf build/sweep_os && /usr/bin/time -f "sweep cold: %e s" .build/release/hwgen sweep sweeps/os_kinds.yaml -o build/sweep_os
	@/usr/bin/time -f "sweep again (cached): %e s" .build/release/hwgen sweep sweeps/os_kinds.yaml -o build/sweep_os

clean:
	rm -rf .build .build-example build out
