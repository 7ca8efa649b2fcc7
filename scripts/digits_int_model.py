#!/usr/bin/env python3
"""A small integer network on scikit-learn's 8x8 digits, written with the onnx package, and its
outputs from ONNX Runtime: the reference `hwgen workload SPEC MODEL --run` must equal bit for bit.

  conv1  ConvInteger  u8 [N,1,8,8] * s8 [8,1,3,3], pads 1            -> s32 [N,8,8,8]
         Div 2^4, Clip 0..255, Cast u8
  conv2  ConvInteger  u8 [N,8,8,8] * s8 [16,4,3,3], group 2, stride 2,
         pads 1, x_zero_point 3                                       -> s32 [N,16,4,4]
         Div 2^5, Clip 0..255, Cast u8, Flatten
  fc     MatMulInteger u8 [N,256] * s8 [256,10] (7-bit), b_zero_point 1 -> s32 [N,10] (logits)

The convolution filters are seeded random; the classifier is scikit-learn's LogisticRegression
trained on conv2's integer features of the training images, quantized to int8. Writes
OUT/digits_int.onnx, OUT/x.npy (the first BATCH test images), OUT/y_ort.npy (ONNX Runtime's int32
logits) and prints the integer network's accuracy on the whole test split.

usage: digits_int_model.py OUT [--batch 16] [--seed 1]
"""
import argparse
import os

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split


def requant(name, x, shift, nodes, inits):
    """x (int32) // 2^shift (ONNX Div: toward zero), clipped to 0..255, as uint8."""
    inits += [numpy_helper.from_array(np.array(1 << shift, np.int32), f"{name}_div"),
              numpy_helper.from_array(np.array(0, np.int32), f"{name}_lo"),
              numpy_helper.from_array(np.array(255, np.int32), f"{name}_hi")]
    nodes += [helper.make_node("Div", [x, f"{name}_div"], [f"{name}_d"], name=f"{name}_div"),
              helper.make_node("Clip", [f"{name}_d", f"{name}_lo", f"{name}_hi"], [f"{name}_c"], name=f"{name}_clip"),
              helper.make_node("Cast", [f"{name}_c"], [f"{name}_u8"], to=TensorProto.UINT8, name=f"{name}_cast")]
    return f"{name}_u8"


def build(w1, w2, w3, features=False):
    nodes, inits = [], []
    inits += [numpy_helper.from_array(w1, "w1"), numpy_helper.from_array(w2, "w2"), numpy_helper.from_array(w3, "w3"),
              numpy_helper.from_array(np.array(3, np.uint8), "x2_zp"), numpy_helper.from_array(np.array(1, np.int8), "w3_zp")]
    nodes.append(helper.make_node("ConvInteger", ["x", "w1"], ["c1"], name="conv1", pads=[1, 1, 1, 1]))
    a1 = requant("q1", "c1", 4, nodes, inits)
    nodes.append(helper.make_node("ConvInteger", [a1, "w2", "x2_zp"], ["c2"], name="conv2",
                                  pads=[1, 1, 1, 1], strides=[2, 2], group=2))
    a2 = requant("q2", "c2", 5, nodes, inits)
    nodes.append(helper.make_node("Flatten", [a2], ["f"], name="flatten", axis=1))
    nodes.append(helper.make_node("MatMulInteger", ["f", "w3", "", "w3_zp"], ["logits"], name="fc"))
    outputs = [helper.make_tensor_value_info("logits", TensorProto.INT32, ["N", 10])]
    if features:
        outputs.append(helper.make_tensor_value_info("f", TensorProto.UINT8, ["N", 256]))
    graph = helper.make_graph(nodes, "digits_int", [helper.make_tensor_value_info("x", TensorProto.UINT8, ["N", 1, 8, 8])],
                              outputs, inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    return onnx.shape_inference.infer_shapes(model)


def run(model, x, output="logits"):
    sess = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return sess.run([output], {"x": x})[0]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("out")
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args()
    rng = np.random.default_rng(args.seed)
    digits = load_digits()
    images = (digits.images * 15).astype(np.uint8).reshape(-1, 1, 8, 8)   # 0..16 -> 0..240
    xtr, xte, ytr, yte = train_test_split(images, digits.target, test_size=0.25, random_state=args.seed)
    w1 = rng.integers(-64, 64, size=(8, 1, 3, 3), dtype=np.int8)
    w2 = rng.integers(-32, 32, size=(16, 4, 3, 3), dtype=np.int8)
    # Features: the network up to the flatten, in ONNX Runtime (the classifier is fitted on them).
    probe = build(w1, w2, np.zeros((256, 10), np.int8), features=True)
    feats = lambda x: run(probe, x, output="f").astype(np.float64)
    clf = LogisticRegression(max_iter=2000).fit(feats(xtr), ytr)
    coef = clf.coef_.T
    # 7-bit weights (ONNX Runtime's reduce_range): on x86 without VNNI, ONNX Runtime multiplies u8 by
    # s8 with VPMADDUBSW, which saturates the sum of each pair of products to int16; with full-range
    # int8 weights 3 of the 160 logits of seed 1 differ from the exact sums. |w - zp| <= 64 keeps
    # every pair below 2^15 (2 * 255 * 64 = 32640), so ONNX Runtime's sums are exact.
    w3 = np.clip(np.round(coef / np.abs(coef).max() * 63), -63, 63).astype(np.int8)
    model = build(w1, w2, w3)
    logits = run(model, xte)
    acc = float((logits.argmax(1) == yte).mean())
    float_acc = clf.score(feats(xte), yte)
    os.makedirs(args.out, exist_ok=True)
    onnx.save(model, os.path.join(args.out, "digits_int.onnx"))
    x = xte[: args.batch]
    np.save(os.path.join(args.out, "x.npy"), x)
    np.save(os.path.join(args.out, "y_ort.npy"), run(model, x))
    print(f"digits_int: accuracy {acc * 100:.1f} % of {len(yte)} test images with 7-bit weights "
          f"(float classifier on the same features {float_acc * 100:.1f} %); wrote {args.out}/digits_int.onnx, "
          f"x.npy ({len(x)} images), y_ort.npy")


if __name__ == "__main__":
    main()
