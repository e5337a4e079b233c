"""Fast redraws of a matplotlib figure, for pictures that change twice a second (`views`).

A figure is drawn in full once; after that only its *animated* artists (lines, scatters, arrows)
are redrawn over a saved background (blitting), heat-maps are pasted as pixels, and changing text
is drawn with PIL, because matplotlib lays out text slowly (about 10 ms a line). A full redraw
(0.3-1 s) happens only when a static part must change (a label, an axis range); the curve panels
(`Curves`) scale their data into fixed axes so that a growing run never needs one.
Everything is ``matplotlib.figure.Figure`` on the Agg canvas, never pyplot, so any thread may draw.
"""

from __future__ import annotations

import functools
import io
import math
from pathlib import Path

import matplotlib
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.transforms import Bbox
from PIL import Image, ImageDraw, ImageFont

__all__ = ["Blit", "Curves", "Label", "Raster", "binned", "encode", "legend_above", "nice_ceiling",
           "nice_range", "range_for"]


def binned(x: np.ndarray, y: np.ndarray, max_points: int = 300) -> tuple[np.ndarray, np.ndarray]:
    """Means over bins of consecutive points (NaN-aware; the last bin may be shorter), for smooth
    and cheap curves of at most ``max_points`` points."""
    n = len(x)
    if n <= max_points:
        return x, y
    b = math.ceil(n / max_points)
    pad = -n % b  # NaN-pad to whole bins: NaNs count for nothing
    xs = np.concatenate([x, np.full(pad, np.nan)]).reshape(-1, b)
    ys = np.concatenate([y, np.full(pad, np.nan)]).reshape(-1, b)
    with np.errstate(invalid="ignore", divide="ignore"):
        ok = np.isfinite(ys)
        means = np.where(ok, ys, 0).sum(1) / ok.sum(1)
        return np.nanmean(xs, axis=1), means


def nice_ceiling(v: float) -> float:
    """The next of 100, 200, 500, 1000, 2000, ... at or above v: the x-range grows in few jumps."""
    v = max(v, 100.0)
    p = 10 ** math.floor(math.log10(v))
    for m in (1, 2, 5, 10):
        if m * p >= v:
            return m * p
    return 10 * p


def nice_range(lo: float, hi: float, intervals: int = 4) -> tuple[float, float]:
    """(a, b) covering [lo, hi] with ``intervals`` equal steps of 1, 2, 2.5 or 5 x 10^k, so that
    ticks at fixed fractions of the axis read as round numbers."""
    if not hi > lo:
        hi = lo + max(abs(lo), 1.0) * 1e-3
    step = (hi - lo) / intervals
    p = 10 ** math.floor(math.log10(step))
    for m in (1, 2, 2.5, 5, 10, 20):
        a = math.floor(lo / (m * p)) * m * p
        if a + intervals * m * p >= hi:
            return a, a + intervals * m * p
    return lo, hi  # not reached


def range_for(values: np.ndarray, current: tuple[float, float] | None, *,
              robust: bool = False) -> tuple[float, float] | None:
    """New (low, high) limits if the data left ``current`` or fill less than a third of it.

    ``robust`` ignores the top and bottom 1% (a loss spike then runs off the panel instead of
    flattening every other point).
    """
    v = values[np.isfinite(values)]
    if v.size == 0:
        return current
    lo, hi = np.percentile(v, [1, 99]) if robust and v.size >= 100 else (v.min(), v.max())
    lo, hi = float(lo), float(hi)
    if current is not None:
        c_lo, c_hi = current
        inside = c_lo <= lo and hi <= c_hi
        if inside and (hi - lo) > (c_hi - c_lo) / 3:
            return current
    pad = max(0.1 * (hi - lo), 0.05 * max(abs(lo), abs(hi)), 1e-3)
    return lo - pad, hi + pad


class Label:
    """A line of text drawn with PIL over the frame: matplotlib lays out text slowly (~10 ms).

    Placed at (x, y) in fractions of the axes ``ax`` (of the figure when ax is None); ``anchor``
    is PIL's: "ld" puts the left end of the baseline there, "mt" the middle of the top, ...
    """

    def __init__(self, ax, *, x: float = 0.0, y: float = 1.02, size: int = 13,
                 anchor: str = "ld") -> None:
        self.ax, self.x, self.y, self.size, self.anchor, self.text = ax, x, y, size, anchor, ""


class Raster:
    """An RGB picture pasted straight into an axes' pixels (a heat-map), under the animated
    artists: 1-2 ms where matplotlib's imshow resampling takes 10-25 ms."""

    def __init__(self, ax) -> None:
        self.ax, self.rgb = ax, None

    def paste(self, canvas: FigureCanvasAgg) -> None:
        if self.rgb is None:
            return
        buf = np.asarray(canvas.buffer_rgba())  # (H, W, 4), a view: writes go into the canvas
        x0, y0, x1, y1 = self.ax.get_window_extent().extents  # pixels from the bottom left
        h = buf.shape[0]
        c0, c1, r0, r1 = math.ceil(x0), math.floor(x1), math.ceil(h - y1), math.floor(h - y0)
        img = Image.fromarray(self.rgb[::-1]).resize((c1 - c0, r1 - r0), Image.BILINEAR)
        buf[r0:r1, c0:c1, :3] = np.asarray(img)
        for spine in self.ax.spines.values():  # the paste covered their inner half
            self.ax.draw_artist(spine)


class Blit:
    """An Agg figure whose static parts are drawn once; ``animated`` artists are blitted on top.

    `frame()` returns the picture as a PIL image: background, rasters (heat-maps), animated
    artists, then `Label` texts drawn with PIL.
    """

    def __init__(self, fig: Figure) -> None:
        self.fig = fig
        self.canvas = FigureCanvasAgg(fig)
        self.animated: list = []
        self.rasters: list[Raster] = []
        self.labels: list[Label] = []
        self._background = None
        self.full = False

    def raster(self, ax) -> Raster:
        self.rasters.append(Raster(ax))
        return self.rasters[-1]

    def animate(self, artist):
        artist.set_animated(True)
        self.animated.append(artist)
        return artist

    def label(self, ax, **options) -> Label:
        self.labels.append(Label(ax, **options))
        return self.labels[-1]

    def invalidate(self) -> None:
        """Draw everything on the next frame (after changing limits, labels or ticks)."""
        self._background = None

    def frame(self) -> Image.Image:
        self.full = self._background is None  # a full redraw: slow, rare
        if self.full:
            self.canvas.draw()  # static parts only: animated artists are skipped
            self._background = self.canvas.copy_from_bbox(self.fig.bbox)
        else:
            self.canvas.restore_region(self._background)
        for raster in self.rasters:
            raster.paste(self.canvas)
        for artist in self.animated:
            if artist.get_visible():
                artist.axes.draw_artist(artist)
        w, h = self.canvas.get_width_height()
        img = Image.frombuffer("RGBA", (w, h), self.canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
        img = img.convert("RGB")
        draw = ImageDraw.Draw(img)
        for lab in self.labels:
            box = lab.ax.get_position() if lab.ax is not None else Bbox.unit()
            x, y = (box.x0 + lab.x * box.width) * w, (1 - box.y0 - lab.y * box.height) * h
            draw.text((x, y), lab.text, font=font(lab.size), fill=(0, 0, 0), anchor=lab.anchor)
        return img


@functools.lru_cache(maxsize=4)
def font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(Path(matplotlib.get_data_path()) / "fonts/ttf/DejaVuSans.ttf"),
                              size)


def encode(img: Image.Image, fmt: str = "jpeg") -> bytes:
    """PNG for a picture that stays (crisp, small, ~50 ms), JPEG for live frames (~5 ms)."""
    out = io.BytesIO()
    if fmt == "png":
        img.save(out, format="png", compress_level=6)
    elif fmt == "jpeg":
        img.save(out, format="jpeg", quality=90, subsampling=0)
    else:
        raise ValueError(f"expected format 'png' or 'jpeg', got {fmt!r}")
    return out.getvalue()


class Curves:
    """A panel of lines over training steps (losses, D's outputs, modes captured).

    Its axes never change: x and y run over [0, 1] and the data are scaled into them, with tick
    labels drawn by PIL, so a growing run or a new loss range costs no full redraw. The x-axis
    spans the run (``horizon``) when its end is known, else a round number past the last step.

    Args:
        blit: the figure.
        ax: its panel.
        labels, colors: one per line.
        ylabel, title: static texts.
        ylim: a fixed y range (e.g. (0, 1) for probabilities), or None to follow the data.
        drawstyle: matplotlib's, e.g. "steps-post" for counts.
        mark_last: a dot on each line's newest point, so that a curve of one point shows too.
    """

    TICKS = np.linspace(0, 1, 5)

    def __init__(self, blit: Blit, ax, labels, colors, *, ylabel: str, title: str,
                 ylim: tuple[float, float] | None = None, drawstyle: str = "default",
                 mark_last: bool = False) -> None:
        self.blit, self.ax, self.fixed, self.ylim = blit, ax, ylim, ylim
        marks = dict(marker="o", markersize=4, markevery=[-1]) if mark_last else {}
        self.lines = [blit.animate(ax.plot([], [], color=c, lw=1.4, label=lab,
                                           drawstyle=drawstyle, **marks)[0])
                      for c, lab in zip(colors, labels, strict=True)]
        ax.set(xlim=(0, 1), ylim=(-0.03, 1.03), xticks=self.TICKS, yticks=self.TICKS)
        ax.tick_params(labelbottom=False, labelleft=False)
        ax.set_ylabel(ylabel, labelpad=30)
        ax.set_title(title, fontsize=9, loc="left")
        ax.grid(alpha=0.3)
        if len(labels) > 1:
            legend_above(ax, ncol=len(labels))
        self.xticks = [blit.label(ax, x=f, y=-0.06, anchor="mt") for f in self.TICKS]
        self.yticks = [blit.label(ax, x=-0.015, y=f, anchor="rm") for f in self.TICKS]

    def set_fixed(self, ylim: tuple[float, float] | None, ylabel: str | None = None) -> None:
        """Switch between a fixed y range and one that follows the data (on a loss change)."""
        self.fixed = self.ylim = ylim
        if ylabel and ylabel != self.ax.get_ylabel():
            self.ax.set_ylabel(ylabel, labelpad=30)
            self.blit.invalidate()

    def update(self, x: np.ndarray, ys: list[np.ndarray], *, horizon: int | None = None) -> None:
        """New data: steps ``x`` (n,), one (n,) array per line; ``horizon``: the run's last step."""
        last = float(x[-1]) if len(x) else 0.0
        right = float(horizon) if horizon and last <= horizon else nice_ceiling(last)
        points = [binned(x, y) for y in ys]
        if self.fixed is None and points:
            new = range_for(np.concatenate([by for _, by in points]), self.ylim, robust=True)
            if new is not None and new != self.ylim:
                self.ylim = nice_range(*new)
        lo, hi = self.ylim or (0.0, 1.0)
        for line, (bx, by) in zip(self.lines, points, strict=True):
            line.set_data(bx / right, (by - lo) / (hi - lo))
        for f, lab in zip(self.TICKS, self.xticks, strict=True):
            lab.text = f"{f * right:.0f}"
        for f, lab in zip(self.TICKS, self.yticks, strict=True):
            lab.text = f"{lo + f * (hi - lo):.3g}"


def legend_above(ax, *, ncol: int) -> None:
    """A legend in the margin above the axes, right-aligned: inside, the animated lines, drawn
    after the static parts, would run over it."""
    ax.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), fontsize=8, ncol=ncol, frameon=False,
              borderaxespad=0.1, handlelength=1.5, columnspacing=1.0)
