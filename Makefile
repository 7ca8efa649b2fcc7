# HWGen — see README.md. Every target runs from a clean checkout.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c

CONFIG  ?= debug
HWGEN   := .build/$(CONFIG)/hwgen
SPECS   := $(sort $(wildcard designs/*.yaml designs/*.json))
# Designs `make synth` reports (the 64x64 array takes hours; the 16x16 GEMM engine's 8192-word banks
# would need OpenRAM layouts of that size, not run yet).
SYNTH_SPECS := $(filter-out designs/systolic_os_64x64% designs/gemm_os_16x16%,$(SPECS))
APT_PACKAGES := iverilog verilator yosys opensta make g++ python3 python3-numpy python3-venv git time nextpnr-ice40 fpga-icestorm slurm-wlm munge

PREFIX  ?= /usr/local
DESTDIR ?=
# make install builds a release binary unless CONFIG is given.
INSTALL_CONFIG := $(if $(filter command line,$(origin CONFIG)),$(CONFIG),release)

.PHONY: setup build rtl lint sim test bench fuzz synth example clean install uninstall

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
	@for s in $(SPECS); do basename $${s%.*}; done | xargs -P $$(nproc) -I{} sh -c \
	  'verilator --lint-only -Wall --top-module {} rtl/*.v && iverilog -g2005 -o /dev/null -s {} rtl/*.v && echo "lint ok: {}"'

# Every design, both simulators, against the golden model.
sim: $(HWGEN)
	@for s in $(SPECS); do $(HWGEN) sim $$s --simulator both --seed 7; done

synth: $(HWGEN)
	$(HWGEN) synth $(SYNTH_SPECS) --clock 10 --json build/synth/report.json
	@for s in $(filter-out $(SYNTH_SPECS),$(SPECS)); do \
	  echo "not synthesized: $$s (a 64x64 array takes hours in this flow; OpenRAM layouts of a 16x16 GEMM engine's 8192-word banks were not run)"; done

# The README's user examples: a custom PE in its own package, emitted and simulated; and a package
# that registers an engine kind and a MAC kind of its own and runs them through HWGen's flow (both
# simulators against the golden model).
example:
	swift build --package-path Examples/CustomPE --scratch-path .build-example
	.build-example/debug/custom-pe build/example
	swift build --package-path Examples/Extension --scratch-path .build-extension
	.build-extension/debug/hwgen-extension Examples/Extension/specs/*.yaml --seed 7

test: build
	swift test
	$(MAKE) rtl
	@git diff --exit-code --stat -- rtl testbenches || { echo "rtl/ or testbenches/ drifted from designs/: run make rtl and commit"; exit 1; }
	@test -z "$$(git status --porcelain -- rtl testbenches)" || { git status --short -- rtl testbenches; echo "untracked generated files: run make rtl and commit"; exit 1; }
	$(MAKE) lint
	$(MAKE) example
	@d=$$(mktemp -d) && $(MAKE) --no-print-directory install CONFIG=$(CONFIG) PREFIX=$$d >/dev/null && \
	  $$d/bin/hwgen --version | head -1 | grep -q '^hwgen ' && test -s $$d/share/bash-completion/completions/hwgen && \
	  $(MAKE) --no-print-directory uninstall PREFIX=$$d >/dev/null && test ! -e $$d/bin/hwgen && rm -rf $$d && \
	  echo "install ok: make install PREFIX=<tmp> put hwgen and its completions there, --version runs, uninstall removed them"

# Many more malformed inputs (N per family: specs, sweep files, .npy) than make test's 400, and
# PROPERTY_N random configurations co-simulated on both simulators (make test runs a few).
N ?= 2000
PROPERTY_N ?= 200
fuzz: build
	HWGEN_FUZZ_N=$(N) HWGEN_PROPERTY_N=$(PROPERTY_N) swift test --filter 'FuzzTests|PropertyTests'

bench:
	swift build -c release --product hwgen
	@scripts/bench.sh .build/release/hwgen
	@scripts/utilization.sh .build/release/hwgen
	@scripts/gemmsim.sh .build/release/hwgen
	@scripts/bigsim.sh .build/release/hwgen
	@scripts/bigmem.sh .build/release/hwgen
	@scripts/qor.sh .build/release/hwgen
	@scripts/qor_engines.sh .build/release/hwgen
	@scripts/qor_dataflow.sh .build/release/hwgen
	@scripts/anchors.sh .build/release/hwgen
	@scripts/energy.sh .build/release/hwgen
	@scripts/energy_big.sh .build/release/hwgen
	@scripts/scalesim_workloads.sh .build/release/hwgen
	@scripts/qor_quant.sh .build/release/hwgen
	@scripts/qor_float.sh .build/release/hwgen
	@scripts/sweep_backends.sh .build/release/hwgen
	@scripts/search_bench.sh .build/release/hwgen
	.build/release/hwgen accuracy

# The binary (self-contained: templates are compiled in) and its bash, zsh and fish completions.
install:
	swift build -c $(INSTALL_CONFIG) --product hwgen
	install -D -m 755 .build/$(INSTALL_CONFIG)/hwgen $(DESTDIR)$(PREFIX)/bin/hwgen
	mkdir -p $(DESTDIR)$(PREFIX)/share/bash-completion/completions $(DESTDIR)$(PREFIX)/share/zsh/site-functions $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d
	.build/$(INSTALL_CONFIG)/hwgen --generate-completion-script bash > $(DESTDIR)$(PREFIX)/share/bash-completion/completions/hwgen
	.build/$(INSTALL_CONFIG)/hwgen --generate-completion-script zsh > $(DESTDIR)$(PREFIX)/share/zsh/site-functions/_hwgen
	.build/$(INSTALL_CONFIG)/hwgen --generate-completion-script fish > $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/hwgen.fish
	@echo "installed $(DESTDIR)$(PREFIX)/bin/hwgen ($$($(DESTDIR)$(PREFIX)/bin/hwgen --version | head -1)) and its shell completions"

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/hwgen $(DESTDIR)$(PREFIX)/share/bash-completion/completions/hwgen \
	  $(DESTDIR)$(PREFIX)/share/zsh/site-functions/_hwgen $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/hwgen.fish

clean:
	rm -rf .build .build-example build out
