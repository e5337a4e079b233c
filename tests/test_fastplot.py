"""fastplot: round axis ranges, binned curves, and a figure blitted in place."""

import numpy as np
from matplotlib.figure import Figure

from gan_course.live import fastplot
from gan_course.live.fastplot import binned, nice_range


def test_nice_ranges_give_round_ticks():
    assert nice_range(0, 8) == (0, 8)
    assert nice_range(0.13, 1.47) == (0.0, 2.0)
    lo, hi = nice_range(-0.3, 0.9)
    assert lo <= -0.3 and hi >= 0.9 and all(abs(v - round(v, 3)) < 1e-9
                                            for v in (lo + f * (hi - lo) for f in (0.25, 0.5)))


def test_binned_keeps_the_newest_points():
    x = np.arange(1, 1002, dtype=float)
    y = x.copy()
    y[5] = float("nan")  # a step where one side did not run
    bx, by = binned(x, y, max_points=300)
    assert len(bx) <= 300 and bx[-1] == by[-1] == 1001  # the last, partial bin
    assert by[0] == 2.5


def test_blit_redraws_only_after_invalidate():
    fig = Figure(figsize=(2, 1), dpi=50)
    ax = fig.add_subplot()
    blit = fastplot.Blit(fig)
    (line,) = ax.plot([0, 1], [0, 1])
    blit.animate(line)
    first = blit.frame()
    assert blit.full and first.size == (100, 50)
    line.set_ydata([1, 0])
    second = blit.frame()
    assert not blit.full and np.asarray(first).tolist() != np.asarray(second).tolist()
    blit.invalidate()
    blit.frame()
    assert blit.full
