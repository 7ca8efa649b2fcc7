#!/usr/bin/env bash
# Regenerates Sources/HWGen/Workload/onnx.pb.swift (committed; generated once, not at build time):
# onnx.proto from PyPI's onnx (1.23.2 when generated), protoc from PyPI's grpcio-tools, and
# protoc-gen-swift built from swift-protobuf 1.39.0 (about 10 minutes the first time).
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet grpcio-tools onnx==1.23.2
git clone -q https://github.com/apple/swift-protobuf "$work/swift-protobuf"
git -C "$work/swift-protobuf" checkout -q 1.39.0
swift build -c release --package-path "$work/swift-protobuf" --product protoc-gen-swift
proto_dir=$("$work/venv/bin/python" -c 'import onnx, os; print(os.path.dirname(onnx.__file__))')
"$work/venv/bin/python" -m grpc_tools.protoc --plugin=protoc-gen-swift="$work/swift-protobuf/.build/release/protoc-gen-swift" \
  --swift_out=Sources/HWGen/Workload -I"$proto_dir" "$proto_dir/onnx.proto"
echo "wrote Sources/HWGen/Workload/onnx.pb.swift"
