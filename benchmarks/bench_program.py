"""Benchmark the whole program through its command line: a campaign of N suppliers, SQLite and PostgreSQL.

    python benchmarks/bench_program.py [--n 100 1000] [--big] [--postgres URL | --no-postgres]
                                       [--jobs J] [--seed S] [--timeout SECONDS] [--keep] [--json FILE]

For each N (default 100 and 1000; --big adds 10,000) and each database (SQLite in the
workspace; PostgreSQL in a database `bench_<pid>_<n>` created for the run and dropped afterwards,
when the server answers), a fresh workspace runs, each step as its own `conflict-minerals`
process: init (with a sender address), suppliers import, campaign start 2025 (which writes N
letters to the outbox), ingest of the N generated CMRTs (see gen_campaign.py), status --json,
review --json, corrections --dry-run, remind, smelters review --json, refdata import-status of an
invented status list, report --draft --period 2025 (the bench company confirms nothing, so a
final report is refused), report explain facilities.conformant, export-cmrt
--period 2025.

Each step is measured from outside: wall time, CPU time (user + sys of the child, from
os.wait4) and the child's peak RSS (ru_maxrss), the child being forked from a minimal launcher
so it does not inherit this process's peak. A step that fails is shown with its exit code
and the last line of its stderr, and the run goes on. Only the public command line is used,
so the benchmark keeps working while the internals change; `ingest --jobs J` is passed only
when `ingest --help` mentions `--jobs`.

Targets (from the issue) stand beside each figure. They are stated for 10,000 suppliers: at a
smaller N a miss is a miss, a pass only says the step is not yet too slow; the ingest line also
shows the per-file cost and what it projects to at 10,000 files.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gen_campaign import DEFAULT_SEED, ensure_campaign

ROOT = Path(__file__).resolve().parents[1]
RUNS = ROOT / "build" / "bench" / "runs"
DEFAULT_POSTGRES = "postgresql://127.0.0.1:5432/test"
PERIOD = "2025"
STATUS_AS_OF = "2026-01-31"
FIGURE = "facilities.conformant"
TARGET_N = 10_000
MB = 1024 * 1024


def _cli() -> str:
    """The venv's `conflict-minerals` (the one this package is installed in), else the one on PATH."""
    for candidate in (ROOT / ".venv" / "bin" / "conflict-minerals", Path(sys.executable).parent / "conflict-minerals"):
        if candidate.exists():
            return str(candidate)
    found = shutil.which("conflict-minerals")
    if found is None:
        raise SystemExit("conflict-minerals is not installed (run `make test` or `pip install -e .`)")
    return found


CLI = _cli()


@dataclass
class Step:
    """One measured `conflict-minerals` invocation."""

    key: str
    label: str
    argv: list[str]
    returncode: int | None = None
    wall_s: float | None = None
    cpu_s: float | None = None
    user_s: float | None = None
    sys_s: float | None = None
    peak_rss_mb: float | None = None
    tree_rss_mb: float | None = None
    stdout_bytes: int = 0
    error: str | None = None
    timed_out: bool = False
    accepted: tuple[int, ...] = (0,)

    @property
    def ok(self) -> bool:
        return self.returncode is not None and self.returncode in self.accepted and not self.timed_out


@dataclass
class Run:
    """All steps of one backend at one N."""

    backend: str
    n: int
    files: int
    jobs: str
    steps: list[Step] = field(default_factory=list)
    report_json_bytes: int | None = None
    report_json_path: str | None = None
    notes: list[str] = field(default_factory=list)


# The launcher: a minimal interpreter that forks and execs the step and reports wait4's rusage.
# ru_maxrss survives exec, so a child forked straight from this (larger) process would start
# with this process's peak; forked from the launcher it starts with the launcher's few MB.
_LAUNCHER = """
import os, sys, time
result, argv = sys.argv[1], sys.argv[2:]
started = time.perf_counter()
pid = os.fork()
if pid == 0:
    try:
        os.execvp(argv[0], argv)
    finally:
        os._exit(127)
_, status, usage = os.wait4(pid, 0)
wall = time.perf_counter() - started
with open(result, "w") as handle:
    handle.write("%d %.6f %.6f %.6f %d" % (os.waitstatus_to_exitcode(status), wall, usage.ru_utime,
                 usage.ru_stime, usage.ru_maxrss))
"""


def launcher_floor_mb() -> float:
    """Peak RSS the launcher itself gives a child (what `true` measures): the floor of every figure."""
    with tempfile.TemporaryDirectory() as folder:
        step = measure(Step("floor", "true", ["true"]), dict(os.environ), Path(folder), 30)
    return step.peak_rss_mb or 0.0


_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def tree_rss(session: int, skip: int) -> int:
    """Bytes resident (PSS) in every process of a session (the step and the workers it starts), but `skip`."""
    total = 0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit() or int(entry.name) == skip:
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
            fields = stat[stat.rindex(")") + 2 :].split()
            if int(fields[3]) == session:  # field 6 of /proc/PID/stat: session id
                total += _pss(entry.path)
        except (OSError, ValueError, IndexError):
            continue  # the process ended meanwhile
    return total


def _pss(proc: str) -> int:
    """Proportional set size: shared pages (forked workers) count once in all, unlike RSS."""
    try:
        for line in Path(proc, "smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return int(Path(proc, "statm").read_text().split()[1]) * _PAGE


def sample_tree(session: int, done: threading.Event, peak: list[int], interval: float = 0.1) -> None:
    """Keep the largest sum of PSS over the session's processes until `done` (for steps with workers)."""
    while not done.wait(interval):
        peak[0] = max(peak[0], tree_rss(session, skip=session))


def measure(step: Step, env: dict[str, str], folder: Path, timeout: float) -> Step:
    """Run one step as a grandchild (see _LAUNCHER): wall, user + sys CPU and peak RSS from wait4."""
    out_path, err_path = folder / f"{step.key}.stdout", folder / f"{step.key}.stderr"
    result_path = folder / f"{step.key}.rusage"
    launcher = [sys.executable, "-I", "-S", "-c", _LAUNCHER, str(result_path), *step.argv]
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        started = time.perf_counter()
        child = subprocess.Popen(launcher, stdout=out, stderr=err, env=env, start_new_session=True)

        def kill() -> None:
            step.timed_out = True
            with contextlib.suppress(ProcessLookupError):  # the launcher's own session: only what we started
                os.killpg(child.pid, signal.SIGKILL)

        timer = threading.Timer(timeout, kill)
        timer.start()
        done, peak = threading.Event(), [0]
        sampler = None
        if Path("/proc/self/stat").exists():
            sampler = threading.Thread(target=sample_tree, args=(child.pid, done, peak), daemon=True)
            sampler.start()
        try:
            child.wait()
        except BaseException:  # interrupted (Ctrl-C, SIGTERM): do not leave the step running
            with contextlib.suppress(ProcessLookupError):
                os.killpg(child.pid, signal.SIGKILL)
            child.wait()
            raise
        finally:
            timer.cancel()
            done.set()
            if sampler is not None:
                sampler.join()
        outer_wall = time.perf_counter() - started
    if result_path.exists():
        code, wall, user, system, maxrss = result_path.read_text().split()
        step.returncode, step.wall_s = int(code), float(wall)
        step.user_s, step.sys_s = float(user), float(system)
        step.cpu_s = step.user_s + step.sys_s
        step.peak_rss_mb = int(maxrss) / 1024  # kilobytes on Linux
        if peak[0]:
            step.tree_rss_mb = peak[0] / MB
    else:  # killed, or the launcher could not run
        step.returncode, step.wall_s = child.returncode, outer_wall
    step.stdout_bytes = out_path.stat().st_size
    if not step.ok:
        lines = [line for line in err_path.read_text(errors="replace").splitlines() if line.strip()]
        last = lines[-1].strip() if lines else "(no stderr)"
        step.error = (f"timed out after {timeout:.0f} s; " if step.timed_out else "") + last[:160]
    return step


def ingest_supports_jobs(env: dict[str, str]) -> bool:
    """Whether this version's `ingest` has a --jobs option (it may appear later)."""
    result = subprocess.run([CLI, "ingest", "--help"], capture_output=True, text=True, env=env)
    return "--jobs" in result.stdout


def code_location() -> str:
    """Which conflict_minerals the CLI imports (PYTHONPATH may point it at another checkout)."""
    python = Path(CLI).with_name("python")
    probe = "import conflict_minerals, os; print(os.path.dirname(conflict_minerals.__file__))"
    result = subprocess.run([str(python) if python.exists() else sys.executable, "-c", probe], capture_output=True)
    return result.stdout.decode().strip() or "unknown"


# ---------------------------------------------------------------- PostgreSQL


def postgres_reachable(url: str) -> str | None:
    """None when the server answers, else why not."""
    try:
        import psycopg

        with psycopg.connect(url, connect_timeout=3):
            return None
    except Exception as error:  # any failure means: skip PostgreSQL, say why
        return f"{type(error).__name__}: {str(error).strip().splitlines()[0] if str(error).strip() else ''}"


def create_database(url: str, name: str) -> str:
    """Create an empty database next to the one in `url` and return its URL."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


def drop_database(url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# ---------------------------------------------------------------- one run


def run_backend(
    backend: str,
    n: int,
    campaign: Any,
    *,
    postgres_url: str | None,
    jobs: int | None,
    timeout: float,
    keep: bool,
) -> Run:
    """A fresh workspace on one database, every step of the program once."""
    RUNS.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix=f"{backend}-n{n}-", dir=RUNS))
    workspace = folder / "workspace"
    env = dict(os.environ)
    env["CONFLICT_MINERALS_DATA_DIR"] = str(folder / "user-data")  # no import outside this run
    env["CONFLICT_MINERALS_ACTOR"] = "bench"
    env.setdefault("COLUMNS", "160")
    env.pop("CONFLICT_MINERALS_TEST_POSTGRES", None)

    jobs_note = "not given (the command's default)"
    jobs_args: list[str] = []
    if jobs is not None:
        if ingest_supports_jobs(env):
            jobs_args, jobs_note = ["--jobs", str(jobs)], f"--jobs {jobs}"
        else:
            jobs_note = f"--jobs {jobs} requested, but `ingest --help` has no --jobs: not passed"
    run = Run(backend, n, len(campaign.files), jobs_note)
    run.notes.append(f"load average at start {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")

    database = None
    db_args: list[str] = []
    if backend == "postgresql":
        assert postgres_url is not None
        database = f"bench_{os.getpid()}_{n}"
        db_args = ["--db", create_database(postgres_url, database)]
        run.notes.append(f"database {database} (dropped afterwards)")

    ws = ["--workspace", str(workspace)]
    settings = folder / "bench-settings.toml"  # a sender address, so campaign start writes its N letters
    settings.write_text(
        '[company]\nlegal_name = "Bench Devices Inc."\ncontact_email = "compliance@bench.example"\n', encoding="utf-8"
    )
    steps = [
        Step("init", "init", [CLI, "init", str(workspace), "--settings", str(settings), *db_args]),
        Step("suppliers_import", "suppliers import", [CLI, *ws, "suppliers", "import", str(campaign.suppliers_csv)]),
        Step("campaign_start", f"campaign start {PERIOD}", [CLI, *ws, "campaign", "start", PERIOD]),
        Step("ingest", f"ingest ({len(campaign.files)} files)", [CLI, *ws, "ingest", str(campaign.inbox), *jobs_args]),
        Step("status", "status --json", [CLI, *ws, "status", "--json"]),
        Step("review", "review --json", [CLI, *ws, "review", "--json"], accepted=(0, 1)),
        Step("corrections", "corrections --dry-run", [CLI, *ws, "corrections", "--dry-run", "--json"]),
        Step("remind", "remind (no_response, reminders)", [CLI, *ws, "remind", "--json"]),
        Step("smelters_review", "smelters review --json", [CLI, *ws, "smelters", "review", "--json"]),
        Step(
            "import_status",
            "refdata import-status",
            [CLI, *ws, "refdata", "import-status", str(campaign.status_csv), "--as-of", STATUS_AS_OF],
        ),
        Step("report", f"report --draft --period {PERIOD}", [CLI, *ws, "report", "--draft", "--period", PERIOD]),
        Step("explain", f"report explain {FIGURE}", [CLI, *ws, "report", "explain", FIGURE, "--period", PERIOD]),
        Step("export_cmrt", f"export-cmrt --period {PERIOD}", [CLI, *ws, "export-cmrt", "--period", PERIOD]),
    ]
    try:
        for step in steps:
            print(f"  [{backend} n={n}] {step.label} ...", end="", flush=True, file=sys.stderr)
            run.steps.append(measure(step, env, folder, timeout))
            print(f" {step.wall_s:.2f} s (exit {step.returncode})", file=sys.stderr)
            if step.key == "init" and not step.ok:
                run.notes.append("init failed: the other steps were not run")
                break
        run.notes.append(
            f"load average at end {os.getloadavg()[0]:.2f} (other work on the machine inflates wall times)"
        )
        reports = sorted(workspace.rglob("report.json"), key=lambda p: p.stat().st_mtime) if workspace.exists() else []
        if reports:
            run.report_json_bytes = reports[-1].stat().st_size
            run.report_json_path = str(reports[-1].relative_to(folder))
    finally:
        if database is not None and postgres_url is not None:
            drop_database(postgres_url, database)
        if keep:
            run.notes.append(f"kept in {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)
    return run


# ---------------------------------------------------------------- targets and tables


def _verdict(value: float | None, limit: float) -> str:
    if value is None:
        return ""
    return "met" if value <= limit else "MISSED"


def target_lines(run: Run, step: Step) -> list[tuple[str, str]]:
    """(target text, verdict) pairs for one step."""
    scale = "" if run.n >= TARGET_N else f" (target is at {TARGET_N:,}; N={run.n:,})"
    if not step.ok:
        return []
    if step.key == "ingest" and step.wall_s is not None:
        per_file = step.wall_s / max(1, run.files)
        projected = per_file * TARGET_N
        lines = [
            (
                f"<= 300 s at {TARGET_N:,} files (<= 30 ms/file): {1000 * per_file:.1f} ms/file, "
                f"projected {projected:,.0f} s at {TARGET_N:,}",
                _verdict(projected, 300),
            ),
            (f"peak RSS <= 500 MB{scale}", _verdict(_memory(step), 500)),
        ]
        return lines
    limits = {
        "status": 2.0,
        "report": 10.0,
        "explain": 1.0,
        "export_cmrt": 10.0,
        "campaign_start": 60.0,  # N letters written: <= 6 ms a letter
        "corrections": 10.0,
        "remind": 30.0,
        "smelters_review": 10.0,
    }
    if step.key in limits:
        return [(f"<= {limits[step.key]:g} s{scale}", _verdict(step.wall_s, limits[step.key]))]
    return []


def _memory(step: Step) -> float | None:
    """The step's memory: its largest process, or all its processes together when it runs workers."""
    values = [value for value in (step.peak_rss_mb, step.tree_rss_mb) if value is not None]
    return max(values) if values else None


def _fmt(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def print_run(run: Run) -> None:
    title = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}[run.backend]
    print()
    print(f"== {title}, N = {run.n:,} suppliers ({run.files:,} CMRT files); ingest jobs: {run.jobs} ==")
    for note in run.notes:
        print(f"   {note}")
    header = (
        f"{'step':<40} {'wall s':>9} {'CPU s':>9} {'peak RSS MB':>12} {'all procs MB':>12}  {'result':<10} "
        "target (issue) -> verdict"
    )
    print(header)
    print("-" * len(header))
    for step in run.steps:
        result = "ok" if step.returncode == 0 else f"ok (exit {step.returncode})" if step.ok else "FAILED"
        targets = target_lines(run, step)
        first = f"{targets[0][0]} -> {targets[0][1]}" if targets else ""
        print(
            f"{step.label:<40} {_fmt(step.wall_s):>9} {_fmt(step.cpu_s):>9} {_fmt(step.peak_rss_mb, 1):>12} "
            f"{_fmt(step.tree_rss_mb, 1):>12}  {result:<10} {first}"
        )
        for text, verdict in targets[1:]:
            print(f"{'':<40} {'':>9} {'':>9} {'':>12} {'':>12}  {'':<10} {text} -> {verdict}")
        if step.key in ("status", "review") and step.ok:
            print(
                f"{'':<40} {'':>9} {'':>9} {'':>12} {'':>12}  {'':<10} "
                f"(stdout {step.stdout_bytes / MB:,.2f} MB of JSON)"
            )
        if not step.ok:
            print(f"{'':<40} exit {step.returncode}: {step.error}")
    if run.report_json_bytes is not None:
        size = run.report_json_bytes / MB
        print(f"{'report.json size':<40} {size:>8.2f} MB{'':<36} < 10 MB -> {'met' if size < 10 else 'MISSED'}")
    elif any(step.key == "report" for step in run.steps):
        print(f"{'report.json size':<40} {'-':>9}   (no report.json found in the workspace)")


def print_summary(runs: list[Run]) -> None:
    if len(runs) < 2:
        return
    print()
    print("== Summary (wall seconds; ingest also in ms/file) ==")
    keys = ("ingest", "status", "review", "report", "explain", "export_cmrt")
    print(
        f"{'backend':<11} {'N':>6} {'ingest ms/file':>15} " + " ".join(f"{key:>12}" for key in keys) + "  ingest RSS MB"
    )
    for run in runs:
        by_key = {step.key: step for step in run.steps}
        ingest = by_key.get("ingest")
        per_file = (
            f"{1000 * ingest.wall_s / max(1, run.files):.1f}" if ingest and ingest.ok and ingest.wall_s else "FAILED"
        )
        cells = []
        for key in keys:
            step = by_key.get(key)
            cells.append(f"{'-' if step is None else _fmt(step.wall_s) if step.ok else 'FAILED':>12}")
        rss = _fmt(_memory(ingest), 1) if ingest else "-"
        print(f"{run.backend:<11} {run.n:>6} {per_file:>15} " + " ".join(cells) + f"  {rss:>13}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, nargs="+", default=[100, 1000], help="supplier counts (default 100 1000)")
    parser.add_argument("--big", action="store_true", help=f"also N = {TARGET_N:,}")
    pg = parser.add_mutually_exclusive_group()
    pg.add_argument("--postgres", metavar="URL", default=None, help=f"server to use (default {DEFAULT_POSTGRES})")
    pg.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument("--jobs", type=int, default=None, help="passed to `ingest --jobs` when ingest has it")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="seed of the generated campaign")
    parser.add_argument("--timeout", type=float, default=3 * 3600, help="kill a step after this many seconds")
    parser.add_argument("--keep", action="store_true", help="keep the workspaces under build/bench/runs")
    parser.add_argument("--json", metavar="FILE", type=Path, help="also write the results as JSON")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # run the clean-up (drop the database) on SIGTERM

    sizes = sorted(set(args.n) | ({TARGET_N} if args.big else set()))
    backends = ["sqlite"]
    postgres_url = None
    postgres_note = "not requested (--no-postgres)"
    if not args.no_postgres:
        postgres_url = args.postgres or DEFAULT_POSTGRES
        why = postgres_reachable(postgres_url)
        if why is None:
            backends.append("postgresql")
            postgres_note = _without_password(postgres_url)
        else:
            postgres_note = f"skipped: {postgres_url} not reachable ({why})"
            postgres_url = None
    version = subprocess.run([CLI, "--version"], capture_output=True, text=True).stdout.strip() or "unknown version"
    print(f"Program benchmark: {version}; Python {platform.python_version()}; {os.cpu_count()} CPUs; {CLI}")
    print(f"Code measured: {code_location()}")
    print(f"PostgreSQL: {postgres_note}")
    print(
        f"Peak RSS is ru_maxrss of the step's largest process (floor {launcher_floor_mb():.1f} MB: what `true` "
        "measures); 'all procs' the largest sum of PSS over the step and its workers, sampled every 0.1 s; "
        "CPU is user + sys of the step and its workers."
    )

    runs: list[Run] = []
    generation: dict[int, dict[str, Any]] = {}
    for n in sizes:
        campaign = ensure_campaign(n, args.seed)
        manifest = campaign.manifest
        generation[n] = manifest
        state = "cached" if manifest.get("cached") else "generated now"
        print(
            f"Input N={n:,}: {campaign.folder.relative_to(ROOT)} ({state}; generation took "
            f"{manifest['seconds']['total']:.1f} s = {manifest['ms_per_file_wall']} ms/file; "
            f"revisions {', '.join(manifest['template_revisions'])}; {manifest['files_no_3tg']} declare no 3TG)"
        )
        for backend in backends:
            run = run_backend(
                backend, n, campaign, postgres_url=postgres_url, jobs=args.jobs, timeout=args.timeout, keep=args.keep
            )
            runs.append(run)
            print_run(run)
            sys.stdout.flush()
    print_summary(runs)
    if args.json:
        payload = {
            "version": version,
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "postgres": postgres_note,
            "generation": {str(n): manifest for n, manifest in generation.items()},
            "runs": [
                {
                    **{k: v for k, v in asdict(run).items() if k != "steps"},
                    "steps": [
                        {**asdict(step), "ok": step.ok, "targets": target_lines(run, step)} for step in run.steps
                    ],
                }
                for run in runs
            ],
            "children_rusage": _children(),
        }
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
        print(f"\nResults written to {args.json}")
    return 0 if all(step.ok for run in runs for step in run.steps) else 1


def _without_password(url: str) -> str:
    parts = urlsplit(url)
    host = parts.netloc.rsplit("@", 1)[-1]
    user = f"{parts.username}@" if parts.username else ""
    return urlunsplit((parts.scheme, user + host, parts.path, parts.query, parts.fragment))


def _children() -> dict[str, float]:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {"user_s": usage.ru_utime, "sys_s": usage.ru_stime, "max_rss_mb": usage.ru_maxrss / 1024}


if __name__ == "__main__":
    sys.exit(main())
