#!/usr/bin/env python3
"""Rewrite SystemVerilog unpacked arrays (ports and nets) as packed vectors, for Yosys 0.23.

Yosys 0.23 cannot read unpacked-array ports (`output [3:0] x [0:15]`). This rewrites every
unpacked array of a module as one flat vector (element (i, j) at bits ((i*D2 + j)*W) +: W) and
every indexed use as a part-select; a signed element read on a right-hand side keeps its sign
with $signed(). The logic is unchanged. Only the forms the TPE repository's OPT2 files use are
handled: arrays indexed from 0, one or two unpacked dimensions. Anything else stops with an error.

usage: flatten_arrays.py IN.sv OUT.v
"""
import re
import sys

DECL = re.compile(
    r"(?P<head>\b(?:input|output|inout|wire|reg)\b(?:\s+(?:wire|reg))?)"
    r"(?P<signed>\s+signed)?"
    r"\s*(?P<packed>\[[^\]:]+:[^\]]+\])?"
    r"\s*(?P<name>[A-Za-z_]\w*)"
    r"(?P<dims>(?:\s*\[[^\]]+\])+)"
    r"(?=\s*[,;)])")


def split_range(text):
    inner = text.strip()[1:-1]
    hi, lo = inner.split(":", 1)
    return hi.strip(), lo.strip()


def brackets(s, i):
    """Balanced [...] groups starting at s[i] (after whitespace): list of (inner, end)."""
    out = []
    while True:
        j = i
        while j < len(s) and s[j] in " \t":
            j += 1
        if j >= len(s) or s[j] != "[":
            return out
        depth, k = 0, j
        while k < len(s):
            if s[k] == "[":
                depth += 1
            elif s[k] == "]":
                depth -= 1
                if depth == 0:
                    break
            k += 1
        out.append((s[j + 1:k], k + 1))
        i = k + 1


def top_colon(expr):
    depth = 0
    for c in expr:
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        elif c == ":" and depth == 0:
            return True
    return False


def flatten_module(text):
    arrays = {}

    def decl(m):
        dims = [split_range(d) for d in re.findall(r"\[[^\]]+\]", m.group("dims"))]
        for hi_lo in dims:
            if hi_lo[0] != "0":
                sys.exit(f"flatten_arrays: {m.group('name')}: only [0:N] dimensions are handled")
        if len(dims) > 2:
            sys.exit(f"flatten_arrays: {m.group('name')}: more than two unpacked dimensions")
        hi, lo = split_range(m.group("packed")) if m.group("packed") else ("0", "0")
        width = f"(({hi})-({lo})+1)"
        sizes = [f"(({d[1]})+1)" for d in dims]
        arrays[m.group("name")] = (width, sizes, bool(m.group("signed")))
        total = "*".join([width] + sizes)
        return f"{m.group('head')} [{total}-1:0] {m.group('name')}"

    text = DECL.sub(decl, text)
    out, i = [], 0
    ident = re.compile(r"[A-Za-z_]\w*")
    while True:
        m = ident.search(text, i)
        if not m:
            out.append(text[i:])
            break
        name = m.group(0)
        out.append(text[i:m.start()])
        prev = text[:m.start()].rstrip()[-1:] if text[:m.start()].strip() else ""
        groups = brackets(text, m.end()) if name in arrays and prev not in (".", "'") else []
        idx = [g for g in groups if not top_colon(g[0]) and "+:" not in g[0]]
        # indices are the leading groups without a range
        n = 0
        while n < len(groups) and n < len(arrays.get(name, ("", []))[1]) and not top_colon(groups[n][0]):
            n += 1
        if n == 0:
            out.append(name)
            i = m.end()
            continue
        width, sizes, signed = arrays[name]
        stride = "*".join([width] + sizes[n:])
        flat = f"({groups[0][0]})"
        if n == 2:
            flat = f"(({groups[0][0]})*{sizes[1]} + ({groups[1][0]}))"
        base = f"{flat}*{stride}"
        end = groups[n - 1][1]
        if n == len(sizes) and len(groups) > n:
            sel = groups[n][0]
            end = groups[n][1]
            if top_colon(sel):
                hi, lo = sel.split(":", 1)
                ref = f"{name}[{base}+({hi}):{base}+({lo})]"
            else:
                ref = f"{name}[{base}+({sel})]"
        else:
            ref = f"{name}[{base} +: {stride}]"
            rest = text[end:].lstrip()
            lhs = (rest.startswith("<=") or (rest.startswith("=") and not rest.startswith("==")))
            in_port = prev == "(" and text[:m.start()].rstrip()[:-1].rstrip()[-1:].isalnum()
            if signed and n == len(sizes) and not lhs and not in_port:
                ref = f"$signed({ref})"
        out.append(ref)
        i = end
    return "".join(out)


def main():
    src = open(sys.argv[1]).read()
    parts = re.split(r"(?=\bmodule\b)", src)
    open(sys.argv[2], "w").write("".join(flatten_module(p) for p in parts))


if __name__ == "__main__":
    main()
