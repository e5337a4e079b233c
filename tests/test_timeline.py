"""Rewind: the dashboard keeps its pictures in a bounded buffer (`live.timeline`), the timeline
slider scrubs them without stopping a run, and Export writes them as an animated GIF."""

from __future__ import annotations

import os
import pickle

import pytest
from PIL import Image

from gan_course import live
from gan_course.live import timeline as tl


class StepView:
    """A picture whose colour follows the step: every step's bytes differ."""

    def capture(self, trainer):
        return trainer.step_count

    def draw(self, frame, info=None):
        return Image.new("RGB", (64, 32), ((frame * 37) % 256, (frame * 11) % 256, 90))


@pytest.fixture
def dash(ring_trainer):
    d = live.Dashboard(ring_trainer(), view=StepView(), refresh=0.05, headless=False)
    yield d
    d.close()


# --------------------------------------------------------------------------- the buffer


def test_buffer_stays_within_its_budget_and_spans_the_whole_run():
    t = tl.Timeline(budget=60_000)
    for i in range(3000):
        assert t.add(5 * i, bytes([i % 256]) * (900 + i % 200))
        assert t.nbytes <= t.budget
        assert t.nbytes == sum(k.cost for k in t.frames)
    steps = t.steps
    assert steps[0] == 0 and steps[-1] == 5 * 2999  # the first and the newest picture stay
    assert steps == sorted(set(steps))
    assert 25 <= len(t) <= 60 and t.thinned >= 5 and t.stride == 2 ** t.thinned
    gaps = {b - a for a, b in zip(steps[:-2], steps[1:-1], strict=True)}
    assert gaps == {5 * t.stride}  # evenly spread, not cut at one end


def test_buffer_replaces_a_redraw_restarts_after_going_back_and_refuses_a_huge_picture():
    t = tl.Timeline(budget=10_000)
    t.add(0, b"a"), t.add(3, b"b"), t.add(3, b"c")
    assert t.steps == [0, 3] and t.frames[-1].data == b"c"
    t.add(1, b"d")  # the trainer went back (a Reset): a new timeline
    assert t.steps == [1] and t.generation == 1
    assert not t.add(2, b"x" * 10_000) and t.steps == [1]
    small = tl.Timeline(budget=3 * (tl.FRAME_OVERHEAD + 10))
    for step in range(100):
        small.add(step, bytes(10))
        assert len(small) <= 3 and small.steps[0] == 0 and small.steps[-1] == step
    tiny = tl.Timeline(budget=tl.FRAME_OVERHEAD + 15)  # room for one picture only
    for step in range(5):
        assert tiny.add(step, bytes(10)) and tiny.steps == [step]
    with pytest.raises(ValueError, match="budget"):
        tl.Timeline(budget=0)


# --------------------------------------------------------------------------- scrubbing


def test_scrubbing_shows_an_older_picture_until_live(dash):
    for _ in range(6):
        dash.step()
    kept = dash.timeline
    assert kept.steps == [1, 2, 3, 4, 5, 6]
    slider = dash.panel.rewind["slider"]
    assert (slider.max, slider.value, slider.disabled) == (5, 5, False)
    slider.value = 1  # the learner drags the slider
    assert dash.rewound == 2 and dash.image.value == kept.frames[1].data
    assert dash.image.value != kept.frames[-1].data
    assert "showing step 2" in dash.panel.rewind["note"].value
    dash.step()  # new pictures are kept, the older one stays shown
    assert kept.steps[-1] == 7 and dash.image.value == kept.frames[1].data
    assert (slider.max, slider.value) == (6, 1)
    slider.value = 6  # the right end: live again
    assert dash.rewound is None and dash.image.value == kept.frames[-1].data
    dash.rewind(0)
    dash.panel.rewind["live"].click()
    assert dash.rewound is None and dash.image.value == kept.frames[-1].data
    assert "live" in dash.panel.rewind["note"].value


def test_bad_rewinds_change_nothing(dash):
    with pytest.raises(ValueError, match="no pictures"):
        dash.rewind(0)
    for _ in range(3):
        dash.step()
    dash.rewind(1)
    shown = dash.image.value
    for bad, match in ((3, "from 0 to 2"), (-1, "from 0 to 2"), (True, "an int"), ("1", "an int")):
        with pytest.raises(ValueError, match=match):
            dash.rewind(bad)
        assert dash.rewound == 2 and dash.image.value == shown


def test_reset_starts_a_new_timeline(dash):
    for _ in range(4):
        dash.step()
    dash.rewind(1)
    dash.reset()
    assert dash.timeline.steps == [0] and dash.rewound is None
    assert dash.panel.rewind["slider"].disabled


def test_a_running_dashboard_keeps_training_while_the_slider_moves(in_loop, until):
    async def body(dash):
        dash.start()
        assert await until(lambda: len(dash.timeline) >= 4)
        dash.panel.rewind["slider"].value = 1
        shown, step, kept = dash.image.value, dash.trainer.step_count, len(dash.timeline)
        assert shown == dash.timeline.frames[1].data
        assert await until(lambda: dash.trainer.step_count > step + 30
                           and len(dash.timeline) > kept + 2)
        assert dash.running and dash.image.value == shown and dash.rewound is not None
        dash.panel.rewind["live"].click()
        assert dash.image.value == dash.timeline.frames[-1].data
        assert await until(lambda: dash.image.value != shown)
        assert dash.running and dash.error is None
        dash.pause()
    in_loop(body, view=StepView())


# --------------------------------------------------------------------------- export


def test_export_writes_every_kept_picture(dash, tmp_path):
    for _ in range(5):
        dash.step()
    path = dash.export(tmp_path / "run.gif")
    assert path == str(tmp_path / "run.gif")
    with Image.open(path) as gif:
        assert gif.n_frames == len(dash.timeline) == 5
    assert "Export wrote 5 pictures" in dash.panel.rewind["note"].value


def test_export_button_writes_where_the_note_says(dash, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert dash.panel.rewind["export"].disabled  # nothing kept yet
    dash.step(), dash.step()
    dash.panel.rewind["export"].click()
    assert dash.error is None
    path = tmp_path / "gan-run.gif"
    assert str(path) in dash.panel.rewind["note"].value
    with Image.open(path) as gif:
        assert gif.n_frames == 2


def test_bad_exports_write_nothing(dash, tmp_path):
    with pytest.raises(ValueError, match="no pictures"):
        dash.export(tmp_path / "run.gif")
    dash.step()
    with pytest.raises(ValueError, match=r"\.gif"):
        dash.export(tmp_path / "run.mp4")
    assert os.listdir(tmp_path) == [] and dash.panel.exported == ""


def test_thinning_while_rewound_keeps_the_slider_on_the_shown_step(dash):
    for _ in range(6):
        dash.step()
    dash.rewind(3)
    shown, cost = dash.image.value, dash.timeline.frames[0].cost
    dash.timeline.budget = 4 * cost  # room for 4 pictures: the next one thins the timeline
    dash.step()
    kept, slider = dash.timeline, dash.panel.rewind["slider"]
    assert kept.thinned == 1 and kept.steps == [1, 3, 5, 7] and kept.nbytes <= kept.budget
    assert dash.rewound == 4 and dash.image.value == shown
    assert (slider.max, slider.value) == (3, 1)  # step 3: the newest kept at or before step 4


def test_the_timeline_is_plain_data(dash):
    dash.step(), dash.step()
    copy = pickle.loads(pickle.dumps(dash.timeline))
    assert copy.steps == dash.timeline.steps == [1, 2]
    assert copy.frames[1].data == dash.timeline.frames[1].data
