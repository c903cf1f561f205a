"""Run every benchmark present in bench/, one after the other; each prints its own table. Asserts nothing.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/crm_bench BENCH_N=100000 SECRET_KEY=x .venv/bin/python bench/run.py

`make bench` runs this with DATABASE_URL defaulting to the `crm_bench` PostgreSQL database. BENCH_N (default
100,000) is the size each script reads it as: the leads of the list bench, the rows of the import bench.
The list bench goes first: it creates and migrates the database the others use. A script that fails is
reported and the others still run; the exit status says whether all of them succeeded.
"""

import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCRIPTS = ["bench_list.py", "bench_import.py", "bench_pipeline.py", "bench_pages.py"]


def main() -> int:
    present = [name for name in SCRIPTS if (HERE / name).exists()]
    failed = []
    for name in present:
        print(f"\n=== {name} " + "=" * (72 - len(name)), flush=True)
        started = time.perf_counter()
        result = subprocess.run([sys.executable, str(HERE / name)], cwd=HERE.parent, env=os.environ.copy())
        print(f"=== {name}: {'ok' if result.returncode == 0 else 'FAILED'} in {time.perf_counter() - started:.0f} s")
        if result.returncode != 0:
            failed.append(name)
    if failed:
        print(f"\nfailed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
