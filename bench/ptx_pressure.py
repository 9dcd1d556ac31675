#!/usr/bin/env python3
"""Register pressure of a PTX kernel in PTX order: the live 32-bit registers
at each instruction (a 64-bit register counts 2; predicates are apart), the
peak, and what is live there grouped by the opcode that defined it. ptxas
reorders and may need fewer (or spill), but the groups show what the
lowering keeps alive, e.g. loop-invariant address registers.

    PYTHONPATH=python python3 bench/ptx_pressure.py KERNEL.ptx

(bench/ptxas_configs.py compiles the attention kernels to PTX.)
"""

from __future__ import annotations

import collections
import re
import sys
from typing import Dict, List, Optional, Set, Tuple

REG = re.compile(r"%(rd|r|f|fd|rs|h|hh|p)\d+")
#: Opcodes whose first operand is not a definition.
NO_DEF = ("st.", "cp.async", "bar.", "bra", "ret", "red.", "membar", "fence", "prefetch",
          "barrier", "exit", "trap")


class Inst:
    def __init__(self, op: str, target: Optional[str], defs: List[str], uses: List[str],
                 predicated: bool):
        self.op, self.target, self.defs, self.uses = op, target, defs, uses
        self.predicated = predicated


def size(reg: str) -> int:
    kind = REG.match(reg).group(1)  # type: ignore[union-attr]
    return {"rd": 2, "fd": 2, "p": 0}.get(kind, 1)


def statements(ptx: str) -> List[str]:
    """The kernel body's statements and labels, multi-line operands joined."""
    body = ptx[ptx.index("{", ptx.index(".entry")) + 1:]
    out, pending = [], ""
    for line in body.split("\n"):
        line = line.split("//")[0].strip()
        if not line:
            continue
        if line.endswith((":", ";")) or line.startswith("}"):
            out.append((pending + " " + line).strip())
            pending = ""
        else:
            pending += " " + line
    return [s for s in out if not s.startswith((".reg", ".shared", ".local"))]


def parse(ptx: str) -> List[Optional[Inst]]:
    """Instructions, None marking a label (with its name kept in a side list)."""
    result: List = []
    for line in statements(ptx):
        if line.endswith(":"):
            result.append(("label", line[:-1]))
            continue
        if not line.endswith(";"):
            continue
        line = line[:-1]
        predicate = None
        if line.startswith("@"):
            predicate, line = line.split(None, 1)
        op = line.split()[0]
        rest = line[len(op):].strip()
        regs = [m.group(0) for m in REG.finditer(rest)]
        if op.startswith(NO_DEF):
            defs, uses = [], regs
        else:
            first = rest[:rest.index("}") + 1] if rest.startswith("{") else rest.split(",")[0]
            defs = [m.group(0) for m in REG.finditer(first)]
            uses = regs[len(defs):]
        if predicate:
            uses.append(predicate.lstrip("@!"))
            uses += defs  # a predicated definition keeps the old value live
        result.append(Inst(op, rest if op.startswith("bra") else None, defs, uses,
                           predicate is not None))
    return result


def analyse(ptx: str) -> Tuple[int, Set[str], Dict[str, str]]:
    """(peak, registers live there, defining opcode of every register)."""
    items = parse(ptx)
    blocks: List[List[Inst]] = []
    labels: Dict[str, int] = {}
    current: List[Inst] = []
    for item in items:
        if isinstance(item, tuple):
            if current:
                blocks.append(current)
            current = []
            labels[item[1]] = len(blocks)
            continue
        current.append(item)
        if item.op.startswith("bra") or item.op == "ret":
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    successors: List[List[int]] = []
    for index, block in enumerate(blocks):
        last = block[-1]
        nexts = []
        if last.op.startswith("bra"):
            nexts.append(labels[last.target])
            if last.predicated and index + 1 < len(blocks):
                nexts.append(index + 1)
        elif last.op != "ret" and index + 1 < len(blocks):
            nexts.append(index + 1)
        successors.append(nexts)
    live_in: List[Set[str]] = [set() for _ in blocks]
    changed = True
    while changed:
        changed = False
        for index in reversed(range(len(blocks))):
            live = set().union(*(live_in[s] for s in successors[index]))
            for inst in reversed(blocks[index]):
                live -= set(inst.defs)
                live |= set(inst.uses)
            if live != live_in[index]:
                live_in[index], changed = live, True
    defined: Dict[str, str] = {}
    for block in blocks:
        for inst in block:
            for reg in inst.defs:
                defined.setdefault(reg, ".".join(inst.op.split(".")[:2]))
    peak, at = 0, set()
    for index, block in enumerate(blocks):
        live = set().union(*(live_in[s] for s in successors[index]))
        for inst in reversed(block):
            live -= set(inst.defs)
            live |= set(inst.uses)
            pressure = sum(size(r) for r in live)
            if pressure > peak:
                peak, at = pressure, set(live)
    return peak, at, defined


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    peak, live, defined = analyse(open(sys.argv[1]).read())
    print(f"peak: {peak} live 32-bit registers")
    groups = collections.Counter()
    for reg in live:
        groups[defined.get(reg, "(parameter)")] += size(reg)
    for op, count in groups.most_common():
        print(f"  {count:4d}  {op}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
