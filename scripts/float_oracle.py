#!/usr/bin/env python3
"""Independent model of HWGen's floating-point dot products: elements decoded by ml_dtypes, products
and sums as exact fractions, rounding to FP32 written out here (nearest, ties to even; overflow to inf).

usage: float_oracle.py DIR FORMAT_A FORMAT_B ACC [GROUP]
       float_oracle.py DIR FORMAT_A FORMAT_B fp32 ORDER
       float_oracle.py DIR FORMAT_A FORMAT_B mx BLOCK
  reads DIR/a.npy (M x K codes) and DIR/b.npy (K x N codes), writes DIR/c_oracle.npy (M x N uint32
  FP32 codes, NaN as 0x7FC00000). ACC: fp32, exact, align<N> or align<N>+promote<P>; GROUP: products
  per addition step for align (default 1).
  ORDER (fp32): tree:K (blocks of K products of K, each summed by a balanced tree, pairs of
  neighbours first, an odd one passing up) or chain:K (each block summed one product at a time
  from 0); every addition rounded to FP32, and each block's sum added into the accumulator in K
  order, rounded.
  mx: OCP MX blocks of BLOCK elements along K with E8M0 scales DIR/sa.npy (M x ceil(K/BLOCK)) and
  DIR/sb.npy (ceil(K/BLOCK) x N), 2^(code - 127), 255 is NaN. FORMAT int8 is MXINT8's element
  (two's complement code times 2^-6). Each block's products summed exactly,
  times both scales, added into an FP32 accumulator rounded to nearest even after every block.
"""
import re
import sys
from fractions import Fraction

import ml_dtypes
import numpy as np

DTYPES = {"e4m3": ml_dtypes.float8_e4m3fn, "e5m2": ml_dtypes.float8_e5m2, "e2m3": ml_dtypes.float6_e2m3fn,
          "e3m2": ml_dtypes.float6_e3m2fn, "e2m1": ml_dtypes.float4_e2m1fn, "bf16": ml_dtypes.bfloat16, "fp16": np.float16}
NAN = 0x7FC00000


def decode(codes, fmt):
    if fmt == "int8":   # MXINT8's element: two's complement code times 2^-6 (OCP MX v1.0)
        return codes.astype(np.int64).astype(np.uint8).view(np.int8).astype(np.float64) / 64
    dt = np.dtype(DTYPES[fmt])
    raw = codes.astype(np.uint16 if dt.itemsize == 2 else np.uint8)
    return raw.view(dt).astype(np.float64)


def top(x):
    """t with 2^(t-1) <= |x| < 2^t."""
    x = abs(x)
    t = x.numerator.bit_length() - x.denominator.bit_length()
    while Fraction(2) ** t <= x:
        t += 1
    while Fraction(2) ** (t - 1) > x:
        t -= 1
    return t


def rne_fp32(x):
    """x rounded to FP32, nearest even; an overflow is +-inf (a float)."""
    if x == 0:
        return Fraction(0)
    q = Fraction(2) ** (max(top(x) - 1, -126) - 23)
    n = abs(x) / q
    f = n.numerator // n.denominator
    rem = n - f
    if rem > Fraction(1, 2) or (rem == Fraction(1, 2) and f % 2 == 1):
        f += 1
    r = f * q
    if r >= Fraction(2) ** 128:
        return float("inf") if x > 0 else float("-inf")
    return r if x > 0 else -r


def code(x):
    if isinstance(x, float) and np.isnan(x):
        return NAN
    return int(np.array([float(x)], np.float32).view(np.uint32)[0])


def special(products):
    """NaN or +-inf if a special value takes part, else None."""
    floats = [p for p in products if isinstance(p, float)]
    if not floats:
        return None
    if any(np.isnan(p) for p in floats) or (float("inf") in floats and float("-inf") in floats):
        return float("nan")
    return floats[0]


def truncate(x, quantum):
    n = abs(x) / quantum
    f = n.numerator // n.denominator
    return f * quantum if x >= 0 else -f * quantum


def fp32_sum(products):
    """Sum in K order, rounded to FP32 after every addition, with IEEE special values: an
    overflow is +-inf, inf - inf and anything with NaN is NaN."""
    a = Fraction(0)
    for p in products:
        if isinstance(p, float) or isinstance(a, float):
            if isinstance(p, float) and isinstance(a, float):
                a = a if a == p else float("nan")       # NaN stays NaN, inf - inf is NaN
            elif isinstance(p, float):
                a = p
            continue                                    # +-inf (or NaN) plus a finite product
        a = rne_fp32(a + p)
    return code(a)


def fp32_add(a, b):
    """a + b rounded to FP32, with IEEE special values (floats)."""
    if isinstance(a, float) or isinstance(b, float):
        if isinstance(a, float) and isinstance(b, float):
            return a if a == b else float("nan")
        return a if isinstance(a, float) else b
    return rne_fp32(a + b)


def fp32_ordered(products, order):
    kind, k = order.split(":")
    k = int(k)
    acc = Fraction(0)
    for start in range(0, len(products), k):
        level = products[start:start + k]
        if kind == "chain":
            s = Fraction(0)
            for p in level:
                s = fp32_add(s, p)
        else:
            while len(level) > 1:
                level = [fp32_add(level[i], level[i + 1]) if i + 1 < len(level) else level[i]
                         for i in range(0, len(level), 2)]
            s = level[0]
        acc = fp32_add(acc, s)
    return code(acc)


def dot(products, acc, group):
    if acc == "fp32":
        return fp32_sum(products)
    s = special(products)
    if s is not None:
        return code(s)
    if acc == "exact":
        return code(rne_fp32(sum(products, Fraction(0))))
    m = re.fullmatch(r"align(\d+)(?:\+promote(\d+))?", acc)
    bits, promote = int(m.group(1)), (int(m.group(2)) if m.group(2) else None)
    main, partial, count = Fraction(0), Fraction(0), 0
    for i in range(0, len(products), group):
        chunk = products[i:i + group]
        products_ = [t for t in chunk if t != 0]
        if products_:
            quantum = Fraction(2) ** (max(top(t) for t in products_ + ([partial] if partial != 0 else [])) - bits)
            partial = rne_fp32(partial + sum((truncate(t, quantum) for t in products_), Fraction(0)))
        count += len(chunk)
        if promote and (count >= promote or i + group >= len(products)):
            main = rne_fp32(main + partial)
            partial, count = Fraction(0), 0
    return code(main if promote else partial)


def mx_dot(products, block, scales):
    """products in K order; scales[g] = (code_a, code_b) of block g. Each block's exact sum (NaN,
    or +-inf, where special values take part) times both scales, added in block order by
    fp32_sum."""
    if any(255 in s for s in scales):
        return NAN
    parts = []
    for g, (sa, sb) in enumerate(scales):
        part = products[g * block:(g + 1) * block]
        s = special(part)
        parts.append(s if s is not None else
                     sum(part, Fraction(0)) * Fraction(2) ** (int(sa) - 127) * Fraction(2) ** (int(sb) - 127))
    return fp32_sum(parts)


def main():
    d, fa, fb, acc = sys.argv[1:5]
    order = sys.argv[5] if len(sys.argv) > 5 and ":" in sys.argv[5] else None
    group = int(sys.argv[5]) if len(sys.argv) > 5 and order is None else 1
    a = decode(np.load(f"{d}/a.npy"), fa)
    b = decode(np.load(f"{d}/b.npy"), fb)
    m, k = a.shape
    n = b.shape[1]

    def value(x):
        return x if not np.isfinite(x) else Fraction(x)

    def prod(x, y):
        if np.isfinite(x) and np.isfinite(y):
            return Fraction(x) * Fraction(y)
        return float(np.float64(x) * np.float64(y))   # inf*0 = nan, inf*x = +-inf, nan propagates

    c = np.zeros((m, n), np.uint32)
    if acc == "mx":
        sa, sb = np.load(f"{d}/sa.npy"), np.load(f"{d}/sb.npy")
        for i in range(m):
            for j in range(n):
                c[i, j] = mx_dot([prod(a[i, kk], b[kk, j]) for kk in range(k)], group,
                                 [(sa[i, g], sb[g, j]) for g in range(sa.shape[1])])
        np.save(f"{d}/c_oracle.npy", c.astype(np.int64))
        return
    for i in range(m):
        for j in range(n):
            products = [prod(a[i, kk], b[kk, j]) for kk in range(k)]
            c[i, j] = fp32_ordered(products, order) if order else dot(products, acc, group)
    np.save(f"{d}/c_oracle.npy", c.astype(np.int64))


if __name__ == "__main__":
    main()
