#!/usr/bin/env python3
"""Writes workloads/*.csv: SCALE-Sim topology files from the networks' published layer shapes.

Conv rows give IFMAP sizes as the input rows the filter windows cover, (OH - 1)*S + FH (padding
included, trailing rows a strided window never reaches left out), so SCALE-Sim's formula
OH = ceil((IH - FH + S) / S) gives each layer's true output size. Depthwise layers carry "DP" in
their name and one filter (SCALE-Sim's convention: one layer per channel, Num Filter filters each). GEMM rows are `Layer, M, N, K` with
A = M x K, B = K x N (SCALE-Sim's meaning)."""
import os

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "workloads")
CONV = "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,"
GEMM = "Layer, M, N, K,"


def conv(rows, name, out_hw, f, c, n, s):
    i = (out_hw - 1) * s + f
    rows.append(f"{name}, {i}, {i}, {f}, {f}, {c}, {n}, {s},")


def write(name, header, rows, note):
    with open(os.path.join(HERE, name), "w") as fh:
        fh.write(header + "\n")
        for r in rows:
            fh.write(r + "\n")
    print(f"workloads/{name}: {len(rows)} layers ({note})")


def resnet(depth):
    rows = []
    conv(rows, "Conv1", 112, 7, 3, 64, 2)
    if depth == 18:
        blocks, expansion = [2, 2, 2, 2], 1
    else:
        blocks, expansion = [3, 4, 6, 3], 4
    widths, sizes = [64, 128, 256, 512], [56, 28, 14, 7]
    cin = 64
    for stage, (nb, w, hw) in enumerate(zip(blocks, widths, sizes)):
        for b in range(nb):
            s = 2 if (b == 0 and stage > 0) else 1
            p = f"Stage{stage + 2}_B{b + 1}"
            if depth == 18:
                conv(rows, p + "_Conv3x3a", hw, 3, cin, w, s)
                conv(rows, p + "_Conv3x3b", hw, 3, w, w, 1)
            else:
                conv(rows, p + "_Conv1x1a", hw * s, 1, cin, w, 1)
                conv(rows, p + "_Conv3x3", hw, 3, w, w, s)
                conv(rows, p + "_Conv1x1b", hw, 1, w, w * expansion, 1)
            if b == 0 and (s != 1 or cin != w * expansion):
                conv(rows, p + "_Shortcut", hw, 1, cin, w * expansion, s)
            cin = w * expansion
    conv(rows, "FC1000", 1, 1, cin, 1000, 1)
    return rows


def mobilenet_v2():
    rows = []
    conv(rows, "Conv1", 112, 3, 3, 32, 2)
    # (expansion t, output channels c, repeats n, first stride s), input 112x112x32
    cfg = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)]
    cin, hw = 32, 112
    for g, (t, c, n, s) in enumerate(cfg):
        for b in range(n):
            stride = s if b == 0 else 1
            out = hw // stride
            p = f"Block{g + 1}_{b + 1}"
            hidden = cin * t
            if t != 1:
                conv(rows, p + "_Expand", hw, 1, cin, hidden, 1)
            conv(rows, p + "_DP3x3", out, 3, hidden, 1, stride)   # Num Filter: per channel
            conv(rows, p + "_Project", out, 1, hidden, c, 1)
            cin, hw = c, out
    conv(rows, "Conv1x1_Last", 7, 1, 320, 1280, 1)
    conv(rows, "FC1000", 1, 1, 1280, 1000, 1)
    return rows


def encoder_layer(prefix, seq, d, heads, ffn):
    """One transformer layer's GEMMs; attention per head folded into M (heads x seq rows)."""
    dh = d // heads
    return [f"{prefix}QKV, {seq}, {3 * d}, {d},",
            f"{prefix}Scores, {heads * seq}, {seq}, {dh},",
            f"{prefix}Context, {heads * seq}, {dh}, {seq},",
            f"{prefix}OutProj, {seq}, {d}, {d},",
            f"{prefix}FFN1, {seq}, {ffn}, {d},",
            f"{prefix}FFN2, {seq}, {d}, {ffn},"]


def gpt2_decode(context):
    d, heads, ffn = 768, 12, 3072
    dh = d // heads
    return [f"QKV, 1, {3 * d}, {d},",
            f"Scores, {heads}, {context}, {dh},",
            f"Context, {heads}, {dh}, {context},",
            f"OutProj, 1, {d}, {d},",
            f"FFN1, 1, {ffn}, {d},",
            f"FFN2, 1, {d}, {ffn},",
            f"LMHead, 1, 50257, {d},"]


def llama7b_layer(seq):
    d, heads, ffn = 4096, 32, 11008
    dh = d // heads
    return [f"Q, {seq}, {d}, {d},", f"K, {seq}, {d}, {d},", f"V, {seq}, {d}, {d},",
            f"Scores, {heads * seq}, {seq}, {dh},", f"Context, {heads * seq}, {dh}, {seq},",
            f"O, {seq}, {d}, {d},", f"Gate, {seq}, {ffn}, {d},", f"Up, {seq}, {ffn}, {d},", f"Down, {seq}, {d}, {ffn},"]


if __name__ == "__main__":
    os.makedirs(HERE, exist_ok=True)
    write("resnet18.csv", CONV, resnet(18), "He et al. 2016, 224x224")
    write("resnet50.csv", CONV, resnet(50), "He et al. 2016 / torchvision v1.5 (stride on the 3x3), 224x224")
    write("mobilenetv2.csv", CONV, mobilenet_v2(), "Sandler et al. 2018, 224x224, width 1.0")
    write("bert_base_layer.csv", GEMM, encoder_layer("", 128, 768, 12, 3072), "BERT-base, one encoder layer, sequence 128")
    write("gpt2_small_prefill.csv", GEMM, encoder_layer("", 128, 768, 12, 3072) + ["LMHead, 128, 50257, 768,"], "GPT-2 small, one layer and the LM head, 128-token prefill")
    write("gpt2_small_decode.csv", GEMM, gpt2_decode(128), "GPT-2 small, one layer and the LM head, one token after 128 (GEMV)")
    write("llama7b_layer_w4a8.csv", GEMM, llama7b_layer(128), "LLaMA-7B, one decoder layer, 128 tokens; run it on a W4A8 design (mac: {a: s8, b: s4})")
