"""gan-course: the helper package the lessons import as ``import gan_course as gc``.

Each module holds one idea the lessons taught first (see DEVELOPERS.md for the map).
"""

from gan_course import (
    checkpoints,
    checks,
    data,
    live,
    losses,
    metrics,
    models,
    monitor,
    plots,
    presets,
    toys,
    training,
    utils,
)
from gan_course.utils import (
    get_device,
    headless,
    pick,
    progress,
    quick_mode,
    seed_everything,
    set_threads,
)

__all__ = [
    "checkpoints",
    "checks",
    "data",
    "live",
    "losses",
    "metrics",
    "models",
    "monitor",
    "plots",
    "presets",
    "toys",
    "training",
    "utils",
    "get_device",
    "headless",
    "pick",
    "progress",
    "quick_mode",
    "seed_everything",
    "set_threads",
]
__version__ = "0.1.0"
