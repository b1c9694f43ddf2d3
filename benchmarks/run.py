"""make bench: run every benchmark and print its figures.

Each benchmark runs in a process of its own (each sets Django up with its own
settings) against its own throw-away database, never the development one,
and prints plain figures to record in the README. Exits non-zero when any
benchmark fails; the others still run.
"""

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

if __name__ == "__main__":
    failed = []
    for script in sorted(HERE.glob("bench_*.py")):
        print(f"== {script.stem}", flush=True)
        if subprocess.run([sys.executable, str(script)], cwd=HERE.parent).returncode:
            failed.append(script.stem)
    if failed:
        sys.exit(f"failed: {', '.join(failed)}")
