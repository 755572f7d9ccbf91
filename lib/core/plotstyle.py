"""One plotting style for every figure of the project: Norwegian numbers, titles, legends off the data.

Every figure the library or a notebook draws goes through this module (issue 10, "one
language on every figure"):

* :func:`apply`: the shared rcParams (font, sizes, light horizontal grid, 120 dpi). The
  figure functions call it through :func:`subplots`, so a figure looks the same from a
  notebook, a test or a script.
* :func:`number`: Norwegian number formatting, a decimal comma and a space between
  thousands (``1 060 110``, ``0,02``, ``−3,5``); :func:`axis_format` puts it on an axis.
* :func:`legend_below`: the legend below the plot, outside the axes, never over the data.
* :func:`save`: writes the PNG with the figure's title in its metadata (``Title``), and
  refuses a figure without a title; it stamps the figure with a small source line (what
  data it shows: "Syntetiske data (frø 2023)" or the export's name and date range), kept in
  the metadata too (``Source``). The source is set once per notebook by
  :func:`lib.chain.data_source.line` (:func:`set_source`), the same place as the notebook's
  printed data-source line, so no figure function needs to know it.

The report's terms, used alike on every figure: *telefoner* (phone calls), *henvendelser*
(contacts over every channel), *agenter* (agents on duty in an hour), *årsverk*
(person-years), *belegg* (occupancy), *behandlingstid* (handling time, talk + after-call
work) and *ventetid* (waiting time).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import matplotlib as mpl
import matplotlib.pyplot as plt
import matplotlib.style
from matplotlib import transforms
from matplotlib.axes import Axes
from matplotlib.figure import Figure, SubFigure
from matplotlib.layout_engine import ConstrainedLayoutEngine
from matplotlib.legend import Legend
from matplotlib.ticker import FuncFormatter, NullFormatter

from lib.core import norwegian
from lib.core.manifest import claim

#: Numbers in Norwegian notation (:mod:`lib.core.norwegian`), here too for the figures' texts.
MINUS, number, numbers_in, percent = norwegian.MINUS, norwegian.number, norwegian.numbers_in, norwegian.percent
#: Resolution of every saved figure (dots per inch).
DPI = 120
#: Colours used alike across figures.
GREY = "#8c8c8c"
LIGHT_GREY = "#d9d9d9"
BLUE = "#1f4e9c"
YELLOW = "#e6b800"
GREEN = "#2ca02c"
ORANGE = "#dd8452"
LIGHT_BLUE = "#4c72b0"

RC: dict[str, Any] = {
    "font.family": "DejaVu Sans",
    "font.size": 9.5,
    "axes.titlesize": 10.5,
    "axes.labelsize": 9.5,
    "figure.titlesize": 11.5,
    "xtick.labelsize": 8.5,
    "ytick.labelsize": 8.5,
    "legend.fontsize": 8.5,
    "legend.frameon": False,
    "axes.grid": True,
    "axes.grid.axis": "y",
    "axes.axisbelow": True,
    "grid.alpha": 0.35,
    "grid.linewidth": 0.6,
    "axes.unicode_minus": True,
    "figure.dpi": DPI,
    "savefig.dpi": DPI,
    "savefig.facecolor": "white",
}


def apply() -> None:
    """Set the project's rcParams (:data:`RC`) for every figure drawn from now on."""
    mpl.style.use(RC)


def subplots(nrows: int = 1, ncols: int = 1, **kwargs: Any) -> tuple[Figure, Any]:
    """:func:`apply`, then ``plt.subplots`` with constrained layout (which keeps room for the
    suptitle and for a legend placed with :func:`legend_below`)."""
    apply()
    kwargs.setdefault("layout", "constrained")
    return plt.subplots(nrows, ncols, **kwargs)


def formatter(decimals: int | None = 0, percent: bool = False, scale: float = 1.0) -> FuncFormatter:
    """A tick formatter in Norwegian notation; ``percent``: values are shares (0-1) shown as
    ``80 %``; ``scale``: values are divided by it first (e.g. 1e6 for millions)."""
    if percent:
        return FuncFormatter(lambda v, _pos: f"{number(100 * v / scale, decimals)} %")
    return FuncFormatter(lambda v, _pos: number(v / scale, decimals))


def axis_format(ax: Axes, axis: str = "y", decimals: int | None = 0, percent: bool = False, scale: float = 1.0) -> None:
    """Norwegian tick labels on ``axis`` ("x", "y" or "both") of ``ax``: see :func:`formatter`.

    On a logarithmic axis the minor ticks stay unlabelled.
    """
    if axis not in ("x", "y", "both"):
        raise ValueError(f"axis must be 'x', 'y' or 'both', not {axis!r}")
    for name in ("x", "y") if axis == "both" else (axis,):
        target = ax.xaxis if name == "x" else ax.yaxis
        target.set_major_formatter(formatter(decimals, percent, scale))
        if target.get_scale() == "log":
            target.set_minor_formatter(NullFormatter())


def years(ax: Axes, values: Sequence[int], axis: str = "x") -> None:
    """Years as tick labels without a thousands space (``2026``, not ``2 026``)."""
    labels = [str(int(v)) for v in values]
    if axis == "x":
        ax.set_xticks(list(values), labels)
    else:
        ax.set_yticks(list(values), labels)


def title_of(fig: Figure | SubFigure) -> str:
    """The figure's title: its suptitle, else the first title of its axes, on one line.

    Raises ``ValueError`` when the figure has none.
    """
    sup = fig.get_suptitle()
    if sup.strip():
        return " ".join(sup.split())
    for ax in fig.get_axes():
        for loc in ("center", "left", "right"):
            t = ax.get_title(loc=loc)
            if t.strip():
                return " ".join(t.split())
    raise ValueError("the figure has no title: give it a suptitle or an axes title before saving")


#: What data the figures drawn from now on show (:func:`set_source`): a text, or a function
#: giving it when a figure is saved (the cleaned log's date range exists only after cleaning).
_SOURCE: str | Callable[[], str | None] | None = None
#: Height (inches) of the strip under a figure that holds its source line.
SOURCE_STRIP_IN = 0.22
#: The gid of the source line's text (so it is added once however often a figure is saved).
SOURCE_GID = "kontakt-source-line"


def set_source(source: str | Callable[[], str | None] | None) -> None:
    """Set the source line of every figure saved from now on (None: no source line)."""
    global _SOURCE
    _SOURCE = source


def source() -> str | None:
    """The source line in force (:func:`set_source`), or None."""
    text = _SOURCE() if callable(_SOURCE) else _SOURCE
    return text or None


def stamp(fig: Figure, text: str | None = None) -> str | None:
    """Put the source line ``text`` (default :func:`source`) in a strip under the figure,
    small and grey at the right; the figure grows by the strip so nothing it shows moves (a
    legend below the plot, :func:`legend_below`, moves up with the plot, clear of the strip).
    Returns the text (None: nothing stamped). A figure is stamped once."""
    text = source() if text is None else text
    if not text:
        return None
    if any(t.get_gid() == SOURCE_GID for t in fig.texts):
        return text
    w, h = fig.get_size_inches()
    fig.set_size_inches(w, h + SOURCE_STRIP_IN)
    share = SOURCE_STRIP_IN / (h + SOURCE_STRIP_IN)
    engine = fig.get_layout_engine()
    if isinstance(engine, ConstrainedLayoutEngine):
        engine.set(rect=(0.0, share, 1.0, 1.0 - share))
    elif engine is None:
        fig.subplots_adjust(bottom=fig.subplotpars.bottom * (1 - share) + share)
    # A figure legend placed below the plot (legend_below: "outside lower center") is anchored
    # to the figure's bottom edge, not to the layout's area, so the source line would be printed
    # on top of its last row: raise it by the strip (its pad from the edge, in font sizes; an
    # explicit anchor would make constrained layout stop keeping room for it).
    for legend in fig.legends:
        if getattr(legend, "_outside_loc", None) == "lower":
            legend.borderaxespad += SOURCE_STRIP_IN * 72 / legend.prop.get_size_in_points()
    fig.text(0.995, share * 0.3, text, ha="right", va="bottom", fontsize=7, color=GREY, gid=SOURCE_GID)
    return text


def save(fig: Figure, path: str | Path, dpi: int = DPI) -> Path:
    """Write ``fig`` as PNG to ``path`` with its title (:func:`title_of`) in the PNG metadata
    (``Title``; read it back with ``PIL.Image.open(path).text["Title"]``) and, when a source
    is set (:func:`set_source`), the source line under the figure and in the metadata
    (``Source``). Returns the path.

    Raises ``ValueError`` when the figure has no title.
    """
    title = title_of(fig)
    path = Path(path)
    metadata = {"Title": title}
    text = stamp(fig)
    if text:
        metadata["Source"] = text
    fig.savefig(path, dpi=dpi, metadata=metadata)
    return claim(path)  # the project's file: a later run may replace it


def _handles(target: Figure | SubFigure | Axes) -> tuple[list[Any], list[str]]:
    axes = [target] if isinstance(target, Axes) else target.get_axes()
    handles: list[Any] = []
    labels: list[str] = []
    for ax in axes:
        for h, label in zip(*ax.get_legend_handles_labels(), strict=True):
            if label not in labels:
                handles.append(h)
                labels.append(label)
    return handles, labels


def _root(fig: Figure | SubFigure) -> Figure:
    root = fig.get_figure(root=True) if isinstance(fig, SubFigure) else fig
    assert isinstance(root, Figure)
    return root


def legend_below(
    target: Figure | SubFigure | Axes,
    handles: Sequence[Any] | None = None,
    labels: Sequence[str] | None = None,
    ncol: int | None = None,
    **kwargs: Any,
) -> Legend:
    """A legend below the plot, outside every axes, so it never covers the data.

    ``target``: a figure (one legend for all its axes, under the whole figure: constrained
    layout makes room) or one axes (its own legend, under its x-axis label). ``handles``,
    ``labels``: default to every labelled artist of the target, each label once; ``ncol``:
    columns (default: all entries in one row up to four, else two rows).
    """
    if handles is None or labels is None:
        found_handles, found_labels = _handles(target)
        handles = found_handles if handles is None else handles
        labels = found_labels if labels is None else labels
    if not labels:
        raise ValueError("nothing to put in a legend: no artist has a label")
    n = len(labels)
    ncol = ncol or (n if n <= 4 else math.ceil(n / 2))
    kwargs.setdefault("frameon", False)
    if isinstance(target, Axes):
        old = target.get_legend()
        if old is not None:
            old.remove()
        fig = target.get_figure(root=True)
        assert isinstance(fig, Figure)
        # the distance from the axes' bottom edge to the bottom of its tick labels and x label, in inches
        tight = target.get_tightbbox()
        below = 0.0 if tight is None else max(0.0, (target.bbox.y0 - tight.y0) / fig.dpi)
        offset = transforms.ScaledTranslation(0, -(below + 0.04), fig.dpi_scale_trans)
        return target.legend(
            handles,
            labels,
            loc="upper center",
            bbox_to_anchor=(0.5, 0.0),
            bbox_transform=target.transAxes + offset,
            ncol=ncol,
            borderaxespad=0.0,
            **kwargs,
        )
    root = _root(target)
    if not isinstance(root.get_layout_engine(), ConstrainedLayoutEngine):
        root.set_layout_engine("constrained")
    return target.legend(handles, labels, loc="outside lower center", ncol=ncol, **kwargs)
