"""Draws the ratios of a benchmark run: python3 chart.py results.json out.png

One horizontal bar per benchmark that has a ratio to a baseline, coloured
by whether its goal was met (green), missed (red) or has no goal (grey), with
the goal drawn as a tick. JS-call rows are the worst loop shape; the
per-shape rows are left out. Needs matplotlib (Debian: python3-matplotlib)."""
import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def main(src, dst):
    with open(src) as f:
        res = json.load(f)
    rows = [r for r in res["rows"]
            if r.get("ratio") not in (None, 1) and r.get("unit") == "ns"
            and r.get("chart", True)]
    rows += [r for r in res["rows"] if r["key"] == "mem.extref"]
    rows.reverse()
    labels = [r["key"] for r in rows]
    ratios = [r["ratio"] for r in rows]
    colours = []
    for r in rows:
        met = r.get("met")
        colours.append({"yes": "#2e8b57", "NO": "#c0392b"}.get(met, "#8c8c8c"))
    fig, ax = plt.subplots(figsize=(9, 0.32 * len(rows) + 1.4))
    ax.barh(range(len(rows)), ratios, color=colours)
    for i, r in enumerate(rows):
        goal = r.get("goal") or {}
        tick = goal.get("max", goal.get("min"))
        if tick is not None:
            ax.plot([tick] * 2, [i - 0.4, i + 0.4], color="black",
                    linewidth=2)
        ax.text(r["ratio"], i, " %.2fx" % r["ratio"], va="center",
                fontsize=7)
    ax.axvline(1.0, color="#444444", linewidth=0.8, linestyle="--")
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels(labels, fontsize=7)
    ax.set_xscale("log")
    ax.set_xlabel("ratio to the row's baseline (log scale; black tick = goal;"
                  " green met, red missed, grey no goal)", fontsize=8)
    ax.set_title("libextref: the cost of safety", fontsize=10)
    fig.tight_layout()
    fig.savefig(dst, dpi=120)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
