"""Benchmark start-up: how long the command line takes before it does any work.

    python benchmarks/bench_startup.py [--runs 10] [--json FILE]

Median wall time of `python -c pass`, `conflict-minerals --help`, `conflict-minerals --version`
and `conflict-minerals inspect ONE_FILE` (a generated supplier CMRT, see gen_campaign.py), each
run with the venv's interpreter, and what each costs beyond the bare interpreter. Targets from
the issue: --help <= 0.15 s, inspect of one file <= 0.25 s. Then `python -X importtime -c
"import conflict_minerals.cli"`: the ten imports with the largest cumulative time, to show what
start-up pays for.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gen_campaign import DEFAULT_SEED, ensure_campaign

ROOT = Path(__file__).resolve().parents[1]
BIN = ROOT / ".venv" / "bin"
PYTHON = str(BIN / "python") if (BIN / "python").exists() else sys.executable
CLI = str(BIN / "conflict-minerals") if (BIN / "conflict-minerals").exists() else "conflict-minerals"
TARGETS = {"--help": 0.15, "inspect": 0.25}


def timed(argv: list[str], runs: int, ok: Sequence[int] = (0,)) -> tuple[list[float], str | None]:
    """Wall times of `runs` runs (after one warm-up run), or the failure."""
    walls = []
    for number in range(runs + 1):
        started = time.perf_counter()
        result = subprocess.run(argv, capture_output=True)
        wall = time.perf_counter() - started
        if result.returncode not in ok:
            lines = result.stderr.decode(errors="replace").strip().splitlines() or ["(no stderr)"]
            return walls, f"exit {result.returncode}: {lines[-1][:160]}"
        if number:  # the first run warms the file-system cache and the .pyc files
            walls.append(wall)
    return walls, None


IMPORT_CLI = "import conflict_minerals.cli"
RUN_CLI = "import sys; from conflict_minerals.cli import main; sys.argv[0] = 'conflict-minerals'; main()"


def import_times(
    code: str, args: Sequence[str] = (), top: int = 10
) -> tuple[list[tuple[str, int, int]], int, list[tuple[str, int]]]:
    """The `top` slowest imports of `python -c code args` as (module, self us, cumulative us), their total,
    and the `top` top-level packages by the sum of their modules' own (self) time."""
    command = [PYTHON, "-X", "importtime", "-c", code, *args]
    subprocess.run(command, capture_output=True)  # warm-up
    stderr = subprocess.run(command, capture_output=True, text=True).stderr
    rows = []
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        self_us, cumulative_us, name = line[len("import time:") :].split("|", 2)
        rows.append((name.rstrip(), int(self_us), int(cumulative_us)))
    total = sum(row[2] for row in rows if not row[0].startswith("  "))  # the top-level imports
    packages: dict[str, int] = {}
    for name, self_us, _ in rows:
        package = name.strip().split(".")[0]
        packages[package] = packages.get(package, 0) + self_us
    rows.sort(key=lambda row: row[2], reverse=True)
    return rows[:top], total, sorted(packages.items(), key=lambda item: item[1], reverse=True)[:top]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10, help="measured runs per command (after one warm-up)")
    parser.add_argument("--json", metavar="FILE", type=Path, help="also write the results as JSON")
    args = parser.parse_args(argv)

    campaign = ensure_campaign(100, DEFAULT_SEED)
    files = sorted(campaign.files, key=lambda path: path.stat().st_size)
    one = files[len(files) // 2]  # a typical file: the median size

    commands = [
        ("python -c pass", [PYTHON, "-c", "pass"], (0,)),
        ("conflict-minerals --help", [CLI, "--help"], (0,)),
        ("conflict-minerals --version", [CLI, "--version"], (0,)),
        ("conflict-minerals inspect ONE_FILE", [CLI, "inspect", str(one)], (0, 1)),
    ]
    print(f"Start-up: median of {args.runs} runs (after one warm-up), {PYTHON}")
    print(f"ONE_FILE: {one.relative_to(ROOT)} ({one.stat().st_size / 1024:.0f} KB); load {_load()}")
    header = f"{'command':<36} {'median s':>9} {'min s':>7} {'max s':>7} {'- python s':>11}  target -> verdict"
    print(header)
    print("-" * len(header))
    results = {}
    baseline = None
    for label, command, ok in commands:
        walls, error = timed(command, args.runs, ok)
        if error:
            print(f"{label:<36} FAILED {error}")
            results[label] = {"error": error}
            continue
        median = statistics.median(walls)
        if baseline is None:
            baseline = median
        key = next((key for key in TARGETS if key in label), None)
        target = ""
        if key:
            verdict = "met" if median <= TARGETS[key] else "MISSED"
            target = f"<= {TARGETS[key]:.2f} s -> {verdict}"
        extra = "" if label.startswith("python") else f"{median - baseline:>11.3f}"
        print(f"{label:<36} {median:>9.3f} {min(walls):>7.3f} {max(walls):>7.3f} {extra:>11}  {target}")
        results[label] = {"median_s": median, "min_s": min(walls), "max_s": max(walls), "runs": walls}

    imports = {}
    for title, code, extra in (
        ("python -X importtime -c 'import conflict_minerals.cli'", IMPORT_CLI, ()),
        (
            "python -X importtime: conflict-minerals inspect ONE_FILE (what the command loads)",
            RUN_CLI,
            ("inspect", str(one)),
        ),
    ):
        top, total, packages = import_times(code, extra)
        imports[title] = {
            "total_s": total / 1e6,
            "imports": [{"module": name.strip(), "self_s": s / 1e6, "cumulative_s": c / 1e6} for name, s, c in top],
            "packages": [{"package": package, "self_s": s / 1e6} for package, s in packages],
        }
        print()
        print(f"{title}: {total / 1e6:.3f} s of imports in all; top 10 cumulative")
        print(f"{'cumulative s':>12} {'self s':>8}  module")
        for name, self_us, cumulative_us in top:
            print(f"{cumulative_us / 1e6:>12.3f} {self_us / 1e6:>8.3f}  {name}")
        print(
            "  the same by top-level package (sum of the modules' own time): "
            + ", ".join(f"{package} {self_us / 1e6:.3f}" for package, self_us in packages)
        )
    if args.json:
        payload = {
            "python": PYTHON,
            "file": str(one),
            "results": results,
            "imports": imports,
        }
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    return 0


def _load() -> str:
    one, five, _ = os.getloadavg()
    return f"{one:.2f} (1 min), {five:.2f} (5 min) on {os.cpu_count()} CPUs"


if __name__ == "__main__":
    sys.exit(main())
