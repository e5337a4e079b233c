"""Rewind: the pictures of the run so far, kept in a bounded buffer, scrubbed and exported.

The dashboard already encodes every picture it shows (JPEG while a run trains, PNG when headless);
`Timeline` keeps those bytes with their step numbers. Its memory is bounded by `BUDGET_BYTES`:
when a new picture would pass it, every second kept picture is dropped and from then on only every
second new one is kept (the newest always is, until the next replaces it), so the kept pictures
stay evenly spread from the run's first step to its last, only more coarsely.
Pictures drawn again at the same step replace the older one; a picture at an earlier step than
the newest (a Reset, weights loaded by hand) starts a new timeline, as `clear` does.

`export` writes the kept pictures as an animated GIF (Pillow), each labelled with its step.
The buffer is plain data (bytes and ints): no widgets, it pickles (STYLE.md rule 15).
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass, field

from PIL import Image, ImageDraw

__all__ = ["Timeline", "Kept", "export", "BUDGET_BYTES", "FRAME_OVERHEAD", "GIF_FRAME_MS",
           "PALETTE_SAMPLES"]

BUDGET_BYTES = 32 * 2**20  # one dashboard's kept pictures: ~340 of the ring view's ~95 KB JPEGs
FRAME_OVERHEAD = 160  # bytes a kept picture costs besides its encoded bytes (132 measured)
GIF_FRAME_MS = 100  # how long an exported GIF shows each picture
PALETTE_SAMPLES = 4  # pictures across the run whose colours make the GIF's one palette


@dataclass(frozen=True, slots=True)
class Kept:
    """One kept picture: the trainer's step when it was drawn, its encoded bytes and format."""

    step: int
    data: bytes
    fmt: str  # "jpeg" or "png", as `fastplot.encode` wrote it
    seq: int = 0  # its place among the pictures offered to the timeline (0: the first)

    @property
    def cost(self) -> int:
        return len(self.data) + FRAME_OVERHEAD


@dataclass
class Timeline:
    """The pictures of one run, oldest first, within ``budget`` bytes (see the module doc).

    Attributes:
        frames: the kept pictures (`Kept`), by increasing step.
        budget: the memory bound in bytes; `nbytes` never exceeds it.
        thinned: how many times every second picture was dropped (each halves the density).
        generation: how many times the timeline was cleared (a new run began).
    """

    budget: int = BUDGET_BYTES
    frames: list[Kept] = field(default_factory=list)
    nbytes: int = 0
    thinned: int = 0
    generation: int = 0
    stride: int = 1  # pictures offered per picture kept (the newest is kept whatever its place)
    offered: int = 0

    def __post_init__(self) -> None:
        if not (isinstance(self.budget, int) and self.budget > 0):
            raise ValueError(f"expected a budget of bytes > 0, got {self.budget!r}")

    def __len__(self) -> int:
        return len(self.frames)

    @property
    def steps(self) -> list[int]:
        """The steps of the kept pictures, oldest first."""
        return [k.step for k in self.frames]

    def clear(self) -> None:
        """Forget every kept picture (a new run begins)."""
        self.frames, self.nbytes, self.thinned, self.stride, self.offered = [], 0, 0, 1, 0
        self.generation += 1

    def add(self, step: int, data: bytes, fmt: str = "jpeg") -> bool:
        """Keep the picture of ``step``; False if it alone is larger than the budget (not kept)."""
        step = int(step)
        if len(data) + FRAME_OVERHEAD > self.budget:
            return False
        if self.frames and step < self.frames[-1].step:
            self.clear()  # the trainer went back: a new run
        if self.frames and (step == self.frames[-1].step or self.frames[-1].seq % self.stride):
            # drawn again at the same step, or the newest off the stride: the newer replaces it
            old = self.frames.pop()
            self.nbytes -= old.cost
            seq = old.seq if step == old.step else self.offered
        else:
            seq = self.offered
        self.offered = seq + 1
        kept = Kept(step, bytes(data), fmt, seq)
        while self.frames and self.nbytes + kept.cost > self.budget:
            if len(self.frames) == 1:  # a budget for less than two pictures: the newest only
                self.frames, self.nbytes = [], 0
            else:
                self._thin()
        self.frames.append(kept)
        self.nbytes += kept.cost
        return True

    def _thin(self) -> None:
        """Keep every second picture: double the stride (the first picture always stays)."""
        self.stride *= 2
        self.thinned += 1
        self.frames = [k for k in self.frames if k.seq % self.stride == 0]
        self.nbytes = sum(k.cost for k in self.frames)

    def index_of(self, step: int) -> int:
        """The index of the newest kept picture at or before ``step`` (0 if none is)."""
        index = 0
        for i, k in enumerate(self.frames):
            if k.step <= step:
                index = i
            else:
                break
        return index

    def check_index(self, index: object) -> int:
        """``index`` as a valid index of a kept picture, or a ValueError saying which are."""
        if not self.frames:
            raise ValueError("no pictures kept yet: train or step first, then rewind")
        if isinstance(index, bool) or not isinstance(index, int):
            raise ValueError(f"expected a picture index (an int), got {index!r}")
        if not 0 <= index < len(self.frames):
            raise ValueError(f"expected a picture index from 0 to {len(self.frames) - 1} (steps "
                             f"{self.frames[0].step} to {self.frames[-1].step}), got {index}")
        return index


def _labelled(kept: Kept, size: tuple[int, int] | None) -> Image.Image:
    image = Image.open(io.BytesIO(kept.data)).convert("RGB")
    if size is not None and image.size != size:
        image = image.resize(size)
    draw = ImageDraw.Draw(image)
    text = f"step {kept.step}"
    box = draw.textbbox((4, 4), text)
    draw.rectangle((box[0] - 2, box[1] - 2, box[2] + 2, box[3] + 2), fill="white")
    draw.text((4, 4), text, fill="black")
    return image


def export(timeline: Timeline, path: str | os.PathLike) -> str:
    """Write ``timeline``'s pictures to ``path`` as an animated GIF, each labelled with its step,
    `GIF_FRAME_MS` apart, looping; return the path. ValueError, writing nothing, when the path
    does not end in .gif or no picture is kept. The steps differ, so every kept picture is one
    GIF frame. About 13 ms a picture of the 2-D view (880 x 460), ~55 KB each in the GIF."""
    path = os.fspath(path)
    if not path.lower().endswith(".gif"):
        raise ValueError(f"expected a path ending in .gif (an animated GIF), got {path!r}")
    frames = list(timeline.frames)  # a copy: a run may add pictures meanwhile
    if not frames:
        raise ValueError("no pictures kept yet to export: train or step first")
    first = _labelled(frames[0], None)
    images = [first, *(_labelled(k, first.size) for k in frames[1:])]
    # One palette for the whole GIF, from a few pictures across the run: 10x faster than
    # Pillow's palette per frame (5 instead of 53 ms a 2-D picture) and a third smaller.
    picks = images[:: max(1, len(images) // PALETTE_SAMPLES)][:PALETTE_SAMPLES]
    strip = Image.new("RGB", (first.width * len(picks), first.height))
    for i, image in enumerate(picks):
        strip.paste(image, (i * first.width, 0))
    palette = strip.quantize(colors=255, method=Image.Quantize.MEDIANCUT)
    paletted = [image.quantize(palette=palette, dither=Image.Dither.NONE) for image in images]
    paletted[0].save(path, format="GIF", save_all=True, append_images=paletted[1:],
                     duration=GIF_FRAME_MS, loop=0)
    return path
