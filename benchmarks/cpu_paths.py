"""Which CPU-library settings change the numbers of training on this machine.

Another CPU makes torch's libraries pick other kernels (AVX-512, AVX2, plain C), and float32 sums
in another order round differently. This prints a checksum of G's weights after a few steps of
the ring MLP GAN and of the MNIST DCGAN under each setting, so `make test` can run the notebooks
under settings that really take other paths here (Makefile: OTHER_CPUS).

    python -m benchmarks.cpu_paths
"""

from __future__ import annotations

import os
import subprocess
import sys

SETTINGS = ["", "ATEN_CPU_CAPABILITY=default", "ATEN_CPU_CAPABILITY=avx2", "DNNL_MAX_CPU_ISA=AVX2",
            "MKL_ENABLE_INSTRUCTIONS=SSE4_2", "MKL_CBWR=COMPATIBLE",
            "MKL_CBWR=COMPATIBLE DNNL_MAX_CPU_ISA=AVX2"]

PROBE = """
import hashlib, torch
torch.set_num_threads(1)
from gan_course import presets
def digest(t):
    return hashlib.sha256(b"".join(p.detach().numpy().tobytes() for p in t.G.parameters())).hexdigest()[:12]
ring = presets.toy_trainer("ring", "course", seed=0, loss="wgan-gp", n_critic=5)
ring.train(5)
dcgan = presets.mnist_trainer("dcgan", seed=0)
dcgan.train(3)
print(torch.backends.cpu.get_cpu_capability(), digest(ring), digest(dcgan))
"""


def probe(setting: str) -> list[str]:
    env = {**os.environ, **dict(kv.split("=", 1) for kv in setting.split())}
    out = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True,
                         check=True).stdout.split()
    return out[-3:]


def main() -> None:
    rows = [(s or "(native)", *probe(s)) for s in SETTINGS]
    native = rows[0]
    print(f"{'setting':<45} {'ATen ISA':<9} {'ring MLP':<13} {'DCGAN':<13} differs from native")
    for name, isa, ring, dcgan in rows:
        differs = [w for w, a, b in (("MLP", ring, native[2]), ("conv", dcgan, native[3])) if a != b]
        print(f"{name:<45} {isa:<9} {ring:<13} {dcgan:<13} {', '.join(differs) or '-'}")
    print(f"\nthis machine: {_cpu_name()}")


def _cpu_name() -> str:
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown CPU"


if __name__ == "__main__":
    main()
