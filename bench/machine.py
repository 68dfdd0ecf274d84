"""Where a figure was measured: each bench script puts this line beside its table.

The machines are shared and their processor changes from one session to the
next (an AMD EPYC one day, an Intel Xeon with AVX-512 the next), and some
figures differ between them: a ratio means little without the CPU model, its
vector extensions, the core count and the kernel it was measured on.
"""
import datetime
import json
import os
import platform
import subprocess


def _lscpu():
    try:
        out = subprocess.run(["lscpu", "--json"], capture_output=True, text=True, check=True).stdout
        return {row["field"].rstrip(":"): row["data"] for row in json.loads(out)["lscpu"]}
    except (OSError, subprocess.CalledProcessError, ValueError, KeyError):
        return {}


def describe():
    """'AMD EPYC (family 25, model 17; AVX-512), 2 cores, Linux 6.18, 2026-11-30'."""
    cpu = _lscpu()
    model = cpu.get("Model name", platform.processor() or "unknown CPU")
    flags = cpu.get("Flags", "").split()
    vector = "AVX-512" if "avx512f" in flags else "AVX2" if "avx2" in flags else "no AVX2"
    ident = ", ".join(f"{k.lower()} {cpu[k]}" for k in ("CPU family", "Model") if k in cpu)
    cores = os.cpu_count()
    kernel = platform.release().split("-")[0]
    today = datetime.date.today().isoformat()
    return f"{model} ({ident}; {vector}), {cores} cores, Linux {kernel}, {today}"


if __name__ == "__main__":
    print(describe())
