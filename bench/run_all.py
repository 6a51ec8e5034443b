#!/usr/bin/env python
"""Run every benchmark under bench/ one after another (each prints its own ratios)."""

import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent


def main():
    failures = 0
    for script in sorted(BENCH.glob("*/run.py")):
        print(f"\n=== {script.parent.name} ===", flush=True)
        failures += subprocess.call([sys.executable, str(script)]) != 0
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
