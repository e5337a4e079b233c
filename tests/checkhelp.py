"""Shared by the exercise-check tests: assert that a check rejects an answer and says why."""


def rejects(check, fn, *words: str) -> None:
    """``check(fn)`` must fail, and its message must contain every one of ``words``."""
    fb = check(fn, quiet=True)
    assert not fb.ok, f"{check.__name__} accepted a wrong answer"
    for word in words:
        assert word.lower() in fb.message.lower(), f"{word!r} not in: {fb.message}"
