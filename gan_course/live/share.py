"""Share a setup: one line of Python that recreates a dashboard with its current settings.

    line = dash.settings_line()   # e.g. for a teacher's "try this"
    # live.Dashboard.from_settings("toy_trainer", dataset="ring", recipe="course", seed=0,
    #                              config={"lr_D": 0.1}, dashboard={"view": "2d"})
    dash2 = eval(line)            # in a notebook that did `from gan_course import live`

The line names the preset that built the trainer (`gan_course.presets.Built`, recorded on the
trainer as ``trainer.built``), its arguments, every config field that differs from the recipe's
(the changes still queued for the next step included), and the dashboard's own options (view,
view options such as the 2-D view's layers, name, refresh, threads). A trainer built by hand, or
a preset given its own networks or data, cannot be written as one line: ValueError says why.
"""

from __future__ import annotations

import ast
import dataclasses
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from gan_course import presets

if TYPE_CHECKING:
    from gan_course.live.dashboard import Dashboard

__all__ = ["settings_line", "from_settings", "DEFAULT_ARGUMENTS"]

# Preset arguments a line leaves out when they have these values (the presets' defaults).
DEFAULT_ARGUMENTS = {"device": "cpu", "hidden": None, "source": "bundled", "set_threads": False,
                     "channels_last": None}


def _literal(value: Any, what: str) -> str:
    """``repr(value)`` when it reads back as the same value, else ValueError."""
    text = repr(value)
    try:
        same = ast.literal_eval(text) == value
    except (ValueError, SyntaxError):
        same = False
    if not same:
        raise ValueError(f"cannot write {what} = {value!r} as a Python literal, so this dashboard "
                         "cannot be shared as one line")
    return text


def _call(items: Mapping[str, Any], what: str) -> str:
    return ", ".join(f"{k}={_literal(v, f'{what} {k}')}" for k, v in items.items())


def settings_line(dash: Dashboard) -> str:
    """One line of Python (an expression) that builds a dashboard like ``dash``: the same preset
    call, seed and settings, the same view and view options. ValueError if it cannot be written
    (a trainer not built by `gan_course.presets`, a view object, a toy of your own)."""
    record = presets.built(dash.trainer)
    if record is None:
        raise ValueError("this trainer was not built by gan_course.presets (toy_trainer, "
                         "mnist_trainer), so no line can say how to build it again; build it "
                         "with a preset to share its setup")
    if record.unshareable:
        raise ValueError(f"this trainer cannot be shared as one line: {record.unshareable}")
    options = dash.options()
    config = dash.trainer.checked(**dash.state.queued())  # the settings the controls show
    arguments = {k: v for k, v in record.arguments.items()
                 if k not in DEFAULT_ARGUMENTS or v != DEFAULT_ARGUMENTS[k]}
    arguments["seed"] = config.seed  # a Reset may have drawn another one
    changed = {f.name: getattr(config, f.name) for f in dataclasses.fields(config)
               if f.name not in ("seed", "latent_dim")
               and getattr(config, f.name) != getattr(record.recipe_config, f.name)}
    parts = [_literal(record.function, "the preset"), _call(arguments, "argument")]
    if changed:
        parts.append(f"config={_literal(changed, 'config')}")
    if options:
        parts.append(f"dashboard={_literal(options, 'dashboard')}")
    return f"live.Dashboard.from_settings({', '.join(parts)})"


def from_settings(cls: type, preset: str, *, config: Mapping[str, Any] | None = None,
                  dashboard: Mapping[str, Any] | None = None, **arguments: Any):
    """The dashboard a `settings_line` describes: ``presets.<preset>(**arguments, **config)``,
    then ``cls(trainer, **dashboard)``."""
    if preset not in presets.PRESETS:
        raise ValueError(f"unknown preset {preset!r}; expected one of {tuple(presets.PRESETS)}")
    for name, value in (("config", config), ("dashboard", dashboard)):
        if value is not None and not isinstance(value, Mapping):
            raise ValueError(f"expected {name} to be a dict, got {value!r}")
    overlap = set(config or {}) & set(arguments)
    if overlap:
        raise ValueError(f"{sorted(overlap)} given both as preset arguments and in config")
    trainer = presets.PRESETS[preset](**arguments, **(config or {}))
    return cls(trainer, **(dashboard or {}))
