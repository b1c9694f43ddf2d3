"""make bench: run every benchmark and print its figures.

Each benchmark runs against its own throw-away SQLite database, never the
development one, and prints plain figures to record in the README.
"""

import runpy
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

if __name__ == "__main__":
    sys.path.insert(0, str(HERE.parent))
    for script in sorted(HERE.glob("bench_*.py")):
        print(f"== {script.stem}")
        runpy.run_path(str(script), run_name="__main__")
