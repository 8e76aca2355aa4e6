"""The shape of the code, measured: `python -m tools.shape` (or `make shape`).

Prints the largest import circle (strongly connected modules of `grants`, counting every
import, also those inside functions), the arrows that run back up the layers
(models <- services <- views <- factory), one feature importing another's views, and
the size of modules and functions (median and 90th percentile, in lines). The closing
notes of refactors quote it before and after.
"""

from __future__ import annotations

import ast
import statistics
import sys
from pathlib import Path

from tools.layers import NAMES as LAYER_NAMES
from tools.layers import VIEWS, feature, layer

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "grants"

def modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _resolve(name: str, known: dict[str, Path]) -> str | None:
    while name and name not in known:
        name = name.rpartition(".")[0]
    return name or None


def imports(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    tree = ast.parse(path.read_text(), str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base]) if base else ".".join(anchor)
            # `from grants import money` imports grants.money; `from grants import ROOT`, grants.
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base
                       for alias in node.names]
        else:
            continue
        for target in targets:
            if target.startswith("grants"):
                resolved = _resolve(target, known)
                if resolved and resolved != name:
                    found.add(resolved)
    return found


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    result: list[list[str]] = []
    counter = [0]
    sys.setrecursionlimit(10000)

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            result.append(sorted(component))

    for v in graph:
        if v not in index:
            visit(v)
    return result


def sizes(paths) -> tuple[list[int], list[int]]:
    module_lines, function_lines = [], []
    for path in paths:
        text = path.read_text()
        module_lines.append(len(text.splitlines()))
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                function_lines.append(node.end_lineno - node.lineno + 1)
    return module_lines, function_lines


def p90(values: list[int]) -> float:
    return statistics.quantiles(values, n=10)[-1]


def main() -> int:
    known = modules()
    graph = {name: imports(name, path, known) for name, path in known.items()}
    circles = sorted(strongly_connected(graph), key=len, reverse=True)
    up = sorted((a, b) for a, targets in graph.items() for b in targets
                if layer(b) > layer(a))
    cross_views = sorted((a, b) for a, targets in graph.items() for b in targets
                         if layer(b) == VIEWS and layer(a) == VIEWS and feature(a) != feature(b))
    module_lines, function_lines = sizes(known.values())
    print(f"modules: {len(known)}, lines: {sum(module_lines)}")
    size = len(circles[0]) if len(circles[0]) > 1 else 0  # a lone module is no circle
    print(f"largest import circle: {size} files")
    verbose = "-v" in sys.argv
    if verbose and size:
        for name in circles[0]:
            print("   ", name)
    print(f"arrows back up the layers: {len(up)}")
    if verbose:
        for a, b in up:
            print(f"    {a} ({LAYER_NAMES[layer(a)]}) -> {b} ({LAYER_NAMES[layer(b)]})")
    print(f"a feature's views importing another's views: {len(cross_views)}")
    if verbose:
        for a, b in cross_views:
            print(f"    {a} -> {b}")
    print(f"module lines: median {statistics.median(module_lines):g}, "
          f"90th percentile {p90(module_lines):g}, largest {max(module_lines)}")
    print(f"function lines: median {statistics.median(function_lines):g}, "
          f"90th percentile {p90(function_lines):g}, functions {len(function_lines)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
