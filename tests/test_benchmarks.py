"""The benchmark entry points run and write what the benchmarks issue names (tiny sizes: these
check the plumbing, never a speed; the numbers live in BENCHMARKS.md)."""

from __future__ import annotations

import numpy as np

from benchmarks import dashboard, mnist, toy, translation


def test_toy_writes_samples_and_seconds_per_seed(tmp_path, capsys):
    toy.main(["--dataset", "grid", "--seeds", "0,1", "--config", "course", "--steps", "5",
              "--out", str(tmp_path)])
    for seed in (0, 1):
        saved = np.load(tmp_path / f"grid_course_seed{seed}.npz")
        assert saved["x"].shape == (2500, 2) and float(saved["seconds"]) > 0
    table = capsys.readouterr().out
    assert "modes mean" in table and "\ncourse " in table


def test_dashboard_measures_a_task_run_against_a_plain_loop(capsys):
    dashboard.main(["--only", "ring", "--scale", "0.05", "--repeats", "1"])
    row = [line for line in capsys.readouterr().out.splitlines() if line.startswith("| ring")]
    assert len(row) == 1 and row[0].count("x |") == 2  # the wall-clock and CPU ratios


def test_mnist_writes_10000_digits(tmp_path, capsys):
    out = tmp_path / "mlp.npz"
    mnist.main(["--model", "mlp", "--seconds", "1", "--out", str(out)])
    saved = np.load(out)
    assert saved["x"].shape == (10_000, 28, 28) and saved["x"].dtype == np.uint8
    assert int(saved["steps"]) > 0 and float(saved["seconds"]) >= 1
    assert "IS" in capsys.readouterr().out


def test_mnist_trains_a_resized_dcgan_pair(capsys):
    """--g-channels/--d-channels reach the networks the run trains (the sweep's 600 s runs)."""
    mnist.main(["--model", "dcgan", "--seconds", "0.5", "--g-channels", "12", "--d-channels", "24"])
    out = capsys.readouterr().out
    assert "G 258,517 parameters, D 21,289" in out  # the recipe's pair: 354,929 and 36,577
    assert "IS" in out


def test_translation_writes_sources_translations_and_labels(tmp_path, capsys):
    out = tmp_path / "cyclegan.npz"
    translation.main(["--seconds", "0.5", "--threads", "1", "--out", str(out)])
    saved = np.load(out)
    assert saved["x"].shape == saved["y"].shape == (5000, 28, 28) and saved["y"].dtype == np.uint8
    assert saved["labels"].shape == (5000,) and int(saved["steps"]) > 0
    assert float(saved["seconds"]) >= 0.5
    printed = capsys.readouterr().out
    assert "label preservation" in printed and "G(X)" in printed


def test_conditional_writes_1000_digits_per_class(tmp_path, capsys):
    from benchmarks import conditional

    out = tmp_path / "cdcgan.npz"
    conditional.main(["--seconds", "1", "--out", str(out)])
    saved = np.load(out)
    assert saved["x"].shape == (10_000, 28, 28) and saved["x"].dtype == np.uint8
    assert saved["y"].shape == (10_000,) and np.bincount(saved["y"]).tolist() == [1000] * 10
    assert int(saved["steps"]) > 0 and float(saved["seconds"]) >= 1
    assert "per-class accuracy" in capsys.readouterr().out


def test_augmentation_prints_the_table_and_the_attack_curves(capsys):
    from benchmarks import augmentation

    augmentation.main(["--seeds", "0,1", "--gan-steps", "2", "--gen-per-class", "4",
                       "--classifier-steps", "2", "--pool-steps", "2", "--attack-digits", "20",
                       "--threads", "1", "--gan-augment", "translation"])
    out = capsys.readouterr().out
    assert "gan_augment='translation'" in out  # the GAN's D got the DiffAugment policy
    rows = [line for line in out.splitlines() if line.startswith("| + ") or line.startswith("| real")]
    assert [r.split(" | ")[0] for r in rows] == ["| real only", "| + classic", "| + GAN", "| + both"]
    assert "2 seeds" in out and "| course classifier, FGSM" in out
    assert out.count("iterative_fgsm (held-out split)") == 2


def test_evaluation_prints_the_scoreboard_and_the_sample_size_table(capsys):
    from benchmarks import evaluation

    evaluation.main(["--seeds", "0,1", "--models", "mlp,cdcgan", "--scale", "0.005", "-n", "40",
                     "--sizes", "20,40", "--threads", "1"])
    out = capsys.readouterr().out
    rows = [line.split(" | ")[0] for line in out.splitlines() if line.startswith("| ")]
    assert rows[2:4] == ["| mlp", "| cdcgan"]  # after the header and its rule
    assert "| 20 |" in out and "| 40 |" in out
    assert "%" in [line for line in out.splitlines() if line.startswith("| mlp")][0]


def test_execution_prints_a_row_per_kind(capsys):
    from benchmarks import execution

    execution.main(["--steps", "1", "--threads", "1", "--kinds", "eager,channels-last"])
    rows = [line for line in capsys.readouterr().out.splitlines() if line.startswith("| eager")
            or line.startswith("| channels-last")]
    assert len(rows) == 2 and all(float(r.split("|")[3]) > 0 for r in rows)


def test_features_times_draw_slow_motion_and_ab(capsys):
    from benchmarks import features

    features.main(["--points", "20", "--repeats", "1"])
    out = capsys.readouterr().out
    for what in ("a mouse event while training", "Train on drawing, 20 points",
                 "one iteration with its recording", "one lock-step step"):
        assert what in out, what


def test_mnist_steps_scores_a_variant_with_channels_last_and_augmentation(capsys):
    from benchmarks import mnist_steps

    mnist_steps.main(["--model", "dcgan", "--steps", "2", "--samples", "200", "--channels-last",
                      "--set", "augment=translation,cutout", "batch_size=8"])
    out = capsys.readouterr().out
    assert "augment='translation,cutout'" in out and "batch_size=8" in out
    row = [line.split() for line in out.splitlines() if line.strip().startswith("2 ")]
    assert len(row) == 1 and float(row[0][1]) > 0  # step 2: an FID-like number


def test_mnist_steps_sized_pair_keeps_the_recipes_memory_order_and_weights():
    """--g-channels/--d-channels at the recipe's sizes build the recipe's networks, in its order."""
    import argparse

    import torch

    from benchmarks import mnist_steps
    from gan_course import presets

    def args(**kw):
        return argparse.Namespace(**{"model": "dcgan", "seed": 0, "set": [], "g_channels": None,
                                     "d_channels": None, "spectral_norm": False,
                                     "channels_last": None, **kw})

    recipe = presets.mnist_trainer("dcgan", seed=0)
    sized = mnist_steps.build(args(g_channels=16, d_channels=32))
    for a, b in zip(recipe.G.parameters(), sized.G.parameters(), strict=True):
        assert torch.equal(a, b) and a.stride() == b.stride()
    plain = mnist_steps.build(args(g_channels=24, channels_last=False))
    conv = [p for p in plain.D.parameters() if p.dim() == 4]
    assert not any(p.is_contiguous(memory_format=torch.channels_last)
                   and not p.is_contiguous() for p in conv)


def test_channels_last_keeps_the_recipe_and_puts_the_weights_in_that_order():
    import torch

    from gan_course import presets

    plain = presets.mnist_trainer("dcgan", seed=0)
    last = presets.mnist_trainer("dcgan", seed=0, channels_last=True)
    conv = [p for p in last.G.parameters() if p.dim() == 4]
    assert conv and all(p.is_contiguous(memory_format=torch.channels_last) for p in conv)
    for a, b in zip(plain.G.parameters(), last.G.parameters(), strict=True):
        assert torch.equal(a, b)  # the same initial weights, another memory order
    step = last.step()
    assert step["step"] == 1 and abs(step["loss_D"] - plain.step()["loss_D"]) < 1e-3
