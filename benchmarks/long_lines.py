"""Parse time of hostile long lines, which must grow linearly with their length.

Each case is a line shaped to make a backtracking regular expression take quadratic time; the
parser cuts such lines with str methods instead. Prints the seconds per case at two lengths:
the ratio should stay near the ratio of the lengths (10), not its square (100).

    python3 benchmarks/long_lines.py
"""

from __future__ import annotations

import time

from digest.parse import parse_file

DAILY = "arxiv/2023-01-01/cs.CL.md"
VENUE = "venues/v-2023/t.md"
HEAD = "# 摘要\n\n| Ref | Title | Summary |\n| --- | --- | --- |\n"


def cases(n: int) -> dict[str, tuple[str, str]]:
    return {
        "venue heading with many ' in '": ("# Papers about " + "x in " * n + "NeurIPS 2023x\n## T\n", VENUE),
        "table row with many '](http'": (HEAD + "| [^1] | [" + "](http://a" * n + "\n", DAILY),
        "title line with runs of spaces": (
            "# 详细\n\n[^1]: x\n\n    T" + " " * n + "x (arXiv:1 [c] U" + " " * n + "\n",
            DAILY,
        ),
        "link-like title line": ("# 详细\n\n[^1]: x\n\n    [" + "](x" * n + ")\n", DAILY),
        "kind tag with runs of spaces": (
            "# Papers about a in B 2023\n## T" + " " * n + "<sup>" + " " * n + "x\n",
            VENUE,
        ),
        "Chinese title with many '(arXiv:'": ("# 详细\n\n[^1]: 标题" + "(arXiv:" * n + " " * n + "x\n", DAILY),
    }


def seconds(text: str, path: str) -> float:
    started = time.perf_counter()
    parse_file("bench.md", path, text.encode("utf-8"))
    return time.perf_counter() - started


def main() -> None:
    small, large = cases(5_000), cases(50_000)
    print(f"{'case':36} {'5k reps':>9} {'50k reps':>9} {'ratio':>6}")
    for name in small:
        a, b = seconds(*small[name]), seconds(*large[name])
        print(f"{name:36} {a:8.4f}s {b:8.4f}s {b / max(a, 1e-9):6.1f}")


if __name__ == "__main__":
    main()
