"""Shared by the exercise-check tests: assert that a check rejects an answer and says why."""


def rejects(check, fn, *words: str) -> None:
    """``check(fn)`` must fail, and its message must contain every one of ``words``."""
    fb = check(fn, quiet=True)
    assert not fb.ok, f"{check.__name__} accepted a wrong answer"
    for word in words:
        assert word.lower() in fb.message.lower(), f"{word!r} not in: {fb.message}"


def _not_written(*args, **kwargs):
    raise NotImplementedError


def passes_and_names_a_stub(check, answer, capsys, *none_words: str) -> None:
    """The reference passes with one ✅ line; an unwritten stub is "not written yet"; a function
    that returns None is rejected with a message holding ``none_words``."""
    assert check(answer).ok
    out = capsys.readouterr().out
    assert out.startswith("✅") and out.count("\n") == 1
    rejects(check, _not_written, "not written yet")
    rejects(check, lambda *a, **kw: None, *none_words)
