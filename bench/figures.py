"""A benchmark's figures as files: JSON (the record), CSV (for a spreadsheet)
and an SVG chart (for the docs' Benchmarks page).

Every bench script prints its table; with ``--figures DIR`` it also hands its
rows to ``Figures`` and calls ``write(DIR)``. A chart is one or more series
of (x, y) points, e.g. build pages per second against stories in the
archive, one line per engine::

    figures = Figures(
        name="build",
        title="Full build: pages per second against archive size",
        x_label="stories in the archive",
        y_label="pages per second",
        columns=["stories", "pages/s"],
        rows=[[5000, 3134], [50000, 4086]],
        series={"ours": [(5000, 3134), (50000, 4086)]},
    )
    figures.write(Path("figures"))   # figures/build.json, .csv, .svg

``docs/benchmarks/<name>.json`` holds the figures the docs show; the docs
build draws their chart (``docs/_ext/newsroom.py``).
"""

from __future__ import annotations

import csv
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path


@dataclass
class Figures:
    name: str
    title: str
    x_label: str
    y_label: str
    columns: list[str]
    rows: list[list]
    series: dict[str, list[tuple[float, float]]] = field(default_factory=dict)
    # How and where it was measured (machine, load, disk or RAM disk, medians of what).
    note: str = ""
    log_x: bool = True

    @classmethod
    def load(cls, path: Path) -> Figures:
        data = json.loads(Path(path).read_text())
        data["series"] = {k: [tuple(p) for p in v] for k, v in data.get("series", {}).items()}
        return cls(**data)

    def write(self, directory: Path) -> list[Path]:
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        record = directory / f"{self.name}.json"
        record.write_text(json.dumps(asdict(self), indent=2, ensure_ascii=False) + "\n")
        table = directory / f"{self.name}.csv"
        with table.open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(self.columns)
            writer.writerows(self.rows)
        chart = directory / f"{self.name}.svg"
        self.write_chart(chart)
        return [record, table, chart]

    def markdown_table(self) -> str:
        def cell(value: object) -> str:
            if isinstance(value, float):
                value = f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"
            elif isinstance(value, int):
                value = f"{value:,}"
            return str(value).replace("|", "\\|")

        lines = ["| " + " | ".join(self.columns) + " |", "|" + " --- |" * len(self.columns)]
        lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in self.rows]
        return "\n".join(lines)

    def write_chart(self, path: Path) -> None:
        """An SVG line chart of the series (matplotlib; the same bytes for the same figures)."""
        import matplotlib

        matplotlib.use("Agg")
        from matplotlib import pyplot

        matplotlib.rcParams["svg.hashsalt"] = self.name
        matplotlib.rcParams["svg.fonttype"] = "none"  # text stays text: small, searchable
        figure, axes = pyplot.subplots(figsize=(7, 4.4))
        try:
            # Each point's figure above it, but below the lowest of several at one x.
            at: dict[float, list[float]] = {}
            for points in self.series.values():
                for x, y in points:
                    at.setdefault(x, []).append(y)
            for label, points in self.series.items():
                xs, ys = zip(*sorted(points), strict=True)
                axes.plot(xs, ys, marker="o", label=label)
                for x, y in zip(xs, ys, strict=True):
                    above = len(at[x]) == 1 or y > min(at[x])
                    axes.annotate(f"{y:,.0f}" if y >= 10 else f"{y:.3g}", (x, y), textcoords="offset points",
                                  xytext=(0, 6 if above else -13), ha="center", fontsize=8)  # fmt: skip
            if self.log_x:
                axes.set_xscale("log")
                ticks = sorted({x for points in self.series.values() for x, _ in points})
                axes.set_xticks(ticks, [f"{t:,.0f}" for t in ticks])
                axes.minorticks_off()
            axes.set_xlabel(self.x_label)
            axes.set_ylabel(self.y_label)
            highest = max((y for points in self.series.values() for _, y in points), default=1)
            axes.set_ylim(0, highest * 1.12)  # room for the top figures
            axes.set_title(self.title, fontsize=11)
            axes.grid(True, alpha=0.3)
            # Under the plot, where it hides no point or figure.
            axes.legend(fontsize=9, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=3,
                        frameon=False)  # fmt: skip
            figure.tight_layout()
            path.parent.mkdir(parents=True, exist_ok=True)
            figure.savefig(path, format="svg", metadata={"Date": None})
        finally:
            pyplot.close(figure)
