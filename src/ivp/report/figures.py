"""Figures of the report: seaborn/matplotlib, readable without colour, byte-for-byte reproducible SVG.

Every chart takes a small table and returns a matplotlib Figure; ``to_svg`` turns it into SVG text that
does not change between runs (no date, fixed ids) and needs no font or network to display (text as paths).
"""

from __future__ import annotations

import io
import textwrap

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402

# Black, white and greys only; shapes and hatches tell series apart.
FILL = "#d9d9d9"
EDGE = "#000000"
MARKERS = ("o", "s", "^", "D", "v")
HATCHES = ("", "///", "...", "xx", "\\\\")
STYLE = {
    "svg.hashsalt": "ivp",  # fixed ids in the SVG: identical bytes on every run
    "svg.fonttype": "path",  # text as outlines: no font needed to display it
    "font.family": "DejaVu Sans",  # ships with matplotlib
    "font.size": 11,
    "axes.labelsize": 11,
    "xtick.labelsize": 10.5,
    "ytick.labelsize": 11,
    "axes.edgecolor": EDGE,
    "axes.labelcolor": EDGE,
    "xtick.color": EDGE,
    "ytick.color": EDGE,
    "grid.color": "#bfbfbf",
}


def _style():
    return plt.rc_context({**sns.axes_style("whitegrid"), **STYLE})


WIDTH = 5.6  # inches; with 11 pt text the figure stays readable when a 375 px screen scales it down
LABEL_WIDTH = 22  # characters per line of an axis label


def _height(rows: int) -> float:
    return max(2.2, 0.55 * rows + 1.1)


def _wrap(label: str) -> str:
    return textwrap.fill(str(label), LABEL_WIDTH)


def share_chart(table: pd.DataFrame, *, xlabel: str = "aandeel speerpunten (%)",
                reference_label: str = "CCV 2020 (gepubliceerd)") -> plt.Figure:
    """Horizontal bars of shares with their 95% interval, largest on top.

    Args:
        table: one row per bar with ``label`` (str), ``share``, ``ci_low``, ``ci_high`` (fractions 0..1),
            optionally ``n`` (printed next to the bar) and ``reference`` (a published share drawn as
            a diamond; NaN for none).
    Returns:
        a Figure: grey bars with black edges, black interval whiskers, the share in percent as text.
    """
    data = table.copy()
    for column in ("share", "ci_low", "ci_high", "reference"):
        if column in data.columns:
            data[column] = pd.to_numeric(data[column], errors="coerce")
    data = data.sort_values("share", ascending=True, kind="stable").reset_index(drop=True)
    with _style():
        fig, ax = plt.subplots(figsize=(WIDTH, _height(len(data))), layout="constrained")
        y = range(len(data))
        share = data["share"].fillna(0) * 100
        low = (data["share"] - data["ci_low"]).clip(lower=0).fillna(0) * 100
        high = (data["ci_high"] - data["share"]).clip(lower=0).fillna(0) * 100
        ax.barh(y, share, color=FILL, edgecolor=EDGE, linewidth=0.8, height=0.6)
        ax.errorbar(share, y, xerr=[low, high], fmt="none", ecolor=EDGE, elinewidth=1.2, capsize=3)
        for i, row in data.iterrows():
            text = f"{row['share'] * 100:.0f}%"
            if "n" in data.columns and pd.notna(row.get("n")):
                text += f" (n={int(row['n'])})"
            right = max(_or_zero(row["ci_high"]), _or_zero(row["share"]), _or_zero(row.get("reference")))
            ax.text(right * 100 + 1.5, i, text, va="center", ha="left", fontsize=10, color=EDGE)
        if "reference" in data.columns and data["reference"].notna().any():
            ref = data[data["reference"].notna()]
            ax.scatter(ref["reference"] * 100, ref.index, marker="D", s=42, facecolor="white", edgecolor=EDGE,
                       linewidth=1.4, zorder=5, label=reference_label)
            ax.legend(loc="lower right", frameon=True, fontsize=9)
        ax.set_yticks(list(y), [_wrap(label) for label in data["label"]])
        highest = max([0.0] + [_or_zero(v) for v in [*data["ci_high"], *data["share"],
                                                       *data.get("reference", pd.Series(dtype=float))]])
        upper = max(10.0, highest * 100 + 18)
        ax.set_xlim(0, min(upper, 118))
        ax.set_xlabel(xlabel)
        ax.grid(axis="y", visible=False)
    return fig


def sensitivity_chart(table: pd.DataFrame, *, xlabel: str = "aandeel speerpunten (%)") -> plt.Figure:
    """Dot plot: the headline shares under each roll-up of the codebook, one marker shape per roll-up.

    Args:
        table: one row per (category, roll-up) with ``categorie`` (str), ``indeling`` (str, roll-up label)
            and ``share`` (0..1); optionally ``reference`` (published share per category, drawn as a
            vertical dashed line segment).
    Returns:
        a Figure with one row per category and one marker per roll-up, with a legend.
    """
    categories = list(dict.fromkeys(table["categorie"]))
    rollups = list(dict.fromkeys(table["indeling"]))
    with _style():
        fig, ax = plt.subplots(figsize=(WIDTH, _height(len(categories)) + 1.2), layout="constrained")
        offsets = [(k - (len(rollups) - 1) / 2) * 0.18 for k in range(len(rollups))]
        for k, rollup in enumerate(rollups):
            part = table[table["indeling"] == rollup]
            ys = [categories.index(c) + offsets[k] for c in part["categorie"]]
            ax.scatter(part["share"] * 100, ys, marker=MARKERS[k % len(MARKERS)], s=52,
                       facecolor="white" if k % 2 else EDGE, edgecolor=EDGE, linewidth=1.2,
                       label=textwrap.fill(rollup, 60), zorder=4)
        if "reference" in table.columns:
            refs = table.dropna(subset=["reference"]).drop_duplicates("categorie")
            for _, row in refs.iterrows():
                i = categories.index(row["categorie"])
                ax.plot([row["reference"] * 100] * 2, [i - 0.4, i + 0.4], linestyle="--", color=EDGE, linewidth=1,
                        label="CCV 2020 (gepubliceerd)" if _ == refs.index[0] else None)
        ax.set_yticks(range(len(categories)), [_wrap(c) for c in categories])
        ax.set_ylim(-0.6, len(categories) - 0.4)
        ax.invert_yaxis()
        ax.set_xlim(0, max(50.0, float(table["share"].max() * 100) + 10 if len(table) else 50.0))
        ax.set_xlabel(xlabel)
        ax.grid(axis="y", visible=False)
        ax.legend(loc="upper left", bbox_to_anchor=(-0.05, -0.22), ncol=1, frameon=False, fontsize=9)
    return fig


def dot_interval_chart(table: pd.DataFrame, *, xlabel: str = "aandeel (%)") -> plt.Figure:
    """Dots with their 95% interval: one panel per measure, one row per group, one marker per series.

    Args:
        table: one row per (measure, group, series) with ``measure`` (panel title), ``group`` (row label),
            ``series`` (e.g. the peiljaar; one marker shape each, in order of appearance), ``value``,
            ``ci_low``, ``ci_high`` (fractions 0..1; NaN draws nothing).
    Returns:
        a Figure: panels stacked, black filled and white open markers, black whiskers, a shared legend.
    """
    data = table.copy()
    for column in ("value", "ci_low", "ci_high"):
        data[column] = pd.to_numeric(data[column], errors="coerce")
    measures = list(dict.fromkeys(data["measure"]))
    groups = list(dict.fromkeys(data["group"]))
    series = list(dict.fromkeys(data["series"]))
    offsets = [(k - (len(series) - 1) / 2) * 0.28 for k in range(len(series))]
    with _style():
        fig, axes = plt.subplots(len(measures), 1, figsize=(WIDTH, len(measures) * (0.42 * len(groups) + 0.9)),
                                 layout="constrained", squeeze=False)
        for ax, measure in zip(axes[:, 0], measures):
            part = data[data["measure"] == measure]
            for k, name in enumerate(series):
                rows = part[(part["series"] == name) & part["value"].notna()]
                ys = [groups.index(g) + offsets[k] for g in rows["group"]]
                low = (rows["value"] - rows["ci_low"]).clip(lower=0).fillna(0) * 100
                high = (rows["ci_high"] - rows["value"]).clip(lower=0).fillna(0) * 100
                ax.errorbar(rows["value"] * 100, ys, xerr=[low, high], fmt="none", ecolor=EDGE, elinewidth=1,
                            capsize=2)
                ax.scatter(rows["value"] * 100, ys, marker=MARKERS[k % len(MARKERS)], s=36, zorder=4,
                           facecolor=EDGE if k % 2 == 0 else "white", edgecolor=EDGE, linewidth=1.1,
                           label=str(name) if ax is axes[0, 0] else None)
            ax.set_title(_wrap_wide(measure), fontsize=11, loc="left")
            ax.set_yticks(range(len(groups)), [_wrap(g) for g in groups])
            ax.set_ylim(-0.6, len(groups) - 0.4)
            ax.invert_yaxis()
            ax.set_xlim(0, 100)
            ax.grid(axis="y", visible=False)
        axes[-1, 0].set_xlabel(xlabel)
        if len(series) > 1:
            fig.legend(loc="outside lower center", ncol=len(series), frameon=False, fontsize=10)
    return fig


def trend_chart(table: pd.DataFrame, *, before: str, after: str,
                xlabel: str = "aandeel speerpunten (%)") -> plt.Figure:
    """Paired dots per category: the share at ``before`` (black dot) and at ``after`` (white square), each
    with its 95% interval, joined by a grey line, largest (at ``before``) on top.

    Args:
        table: one row per category with ``label`` and ``before``, ``before_low``, ``before_high``,
            ``after``, ``after_low``, ``after_high`` (fractions 0..1).
        before, after: the labels of the two series (e.g. ``"2020"``, ``"2024"``).
    """
    data = table.copy()
    for column in ("before", "before_low", "before_high", "after", "after_low", "after_high"):
        data[column] = pd.to_numeric(data[column], errors="coerce")
    data = data.sort_values("before", ascending=False, kind="stable").reset_index(drop=True)
    with _style():
        fig, ax = plt.subplots(figsize=(WIDTH, _height(len(data)) + 0.6), layout="constrained")
        for i, row in data.iterrows():
            ax.plot([row["before"] * 100, row["after"] * 100], [i - 0.12, i + 0.12], color="#7f7f7f",
                    linewidth=1.2, zorder=2)
        for key, marker, face, shift, label in (("before", "o", EDGE, -0.12, before),
                                                ("after", "s", "white", 0.12, after)):
            ys = data.index + shift
            low = (data[key] - data[f"{key}_low"]).clip(lower=0).fillna(0) * 100
            high = (data[f"{key}_high"] - data[key]).clip(lower=0).fillna(0) * 100
            ax.errorbar(data[key] * 100, ys, xerr=[low, high], fmt="none", ecolor=EDGE, elinewidth=1, capsize=2)
            ax.scatter(data[key] * 100, ys, marker=marker, s=40, facecolor=face, edgecolor=EDGE, linewidth=1.2,
                       zorder=4, label=label)
        ax.set_yticks(range(len(data)), [_wrap(label) for label in data["label"]])
        ax.set_ylim(-0.6, len(data) - 0.4)
        ax.invert_yaxis()
        highest = max([10.0] + [_or_zero(v) * 100 for v in [*data["before_high"], *data["after_high"]]])
        ax.set_xlim(0, min(100.0, highest + 5))
        ax.set_xlabel(xlabel)
        ax.grid(axis="y", visible=False)
        ax.legend(loc="lower right", frameon=True, fontsize=9)
    return fig


def _wrap_wide(label: str) -> str:
    return textwrap.fill(str(label), 2 * LABEL_WIDTH)


def _or_zero(value) -> float:
    return 0.0 if value is None or pd.isna(value) else float(value)


PNG_DPI = 200  # figure files for slides (figuren/<name>.png)
_SVG_METADATA = {"Date": None, "Creator": "ivp", "Format": None, "Type": None}


def to_svg_and_png(fig: plt.Figure) -> tuple[str, bytes]:
    """The SVG text of ``fig`` (exactly as ``to_svg``: SVG first, since saving redoes the constrained layout
    for the renderer) and a PNG of the same drawing at ``PNG_DPI``, without date or version metadata, so the
    same figure gives the same bytes; the figure is closed afterwards."""
    svg, png = io.StringIO(), io.BytesIO()
    with plt.rc_context(STYLE):
        fig.savefig(svg, format="svg", metadata=_SVG_METADATA)
        fig.savefig(png, format="png", dpi=PNG_DPI, metadata={"Software": None})
    plt.close(fig)
    return svg.getvalue(), png.getvalue()


def to_svg(fig: plt.Figure) -> str:
    """SVG text of ``fig`` without date or tool-version metadata; the figure is closed afterwards."""
    buffer = io.StringIO()
    with plt.rc_context(STYLE):
        fig.savefig(buffer, format="svg", metadata=_SVG_METADATA)
    plt.close(fig)
    return buffer.getvalue()
