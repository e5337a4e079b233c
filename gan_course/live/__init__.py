"""The live dashboard: a GAN trains while you move its sliders and watch it (lessons 0 and 4-8).

    from gan_course import live
    dash = live.Dashboard(trainer, view="2d")
    dash.show(steps=gc.pick(full=3000, quick=60))  # press Start, drag lr_D, watch

One module per responsibility (see DEVELOPERS.md):

- `dashboard`: `Dashboard`, which composes the others, and its public actions;
- `state`: the run state, plain data (queued changes, the step budget, flags, errors);
- `runner`: how training runs (a task on the kernel's event loop, or blocking) and its pacing;
- `panel`: the widgets and their wiring; `controls`: the widgets themselves;
- `views`: the pictures (``capture(trainer) -> frame``, ``draw(frame, info) -> image``);
- `overlays`: the 2-D view's layers, G's arrows at a visible length, the KL / JS read-out;
- `share`: one line of Python that rebuilds a dashboard with its settings
  (`Dashboard.settings_line`, `Dashboard.from_settings`);
- `fastplot`: figures drawn once and blitted in place;
- `compare`: `Compare`, A/B on one seed: two toy GANs one setting apart, in lock-step, on one
  chart;
- `drawing`: Draw, the real data painted with the mouse on the 2-D view (`Dashboard.use_data`);
- `slowmo`: Slow motion, one real iteration shown stage by stage (`Dashboard.slow_motion`);
- `timeline`: Rewind, the run's pictures kept within a memory budget, scrubbed and exported
  as a GIF (`Dashboard.rewind`, `Dashboard.export`).
"""

from gan_course.live import (
    compare,
    controls,
    dashboard,
    drawing,
    fastplot,
    overlays,
    panel,
    runner,
    share,
    slowmo,
    state,
    timeline,
    views,
)
from gan_course.live.compare import Compare
from gan_course.live.dashboard import Dashboard, default_threads, digit_picker, stop_all

__all__ = ["Compare", "Dashboard", "default_threads", "digit_picker", "stop_all", "compare",
           "controls", "dashboard", "drawing", "fastplot", "overlays", "panel", "runner", "share",
           "slowmo", "state", "timeline", "views"]
