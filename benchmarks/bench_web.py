"""Benchmark the web app: page latency and dashboard throughput on a campaign of N suppliers, SQLite and PostgreSQL.

    python benchmarks/bench_web.py [--n 10000] [--requests 50] [--clients 8] [--seconds 10]
                                   [--postgres URL | --no-postgres] [--keep] [--prepare-only]

For each database a workspace is prepared with the public command line (the campaign of
bench_program.py's generator, gen_campaign.py: init, suppliers import, campaign start, ingest,
an invented status list) and kept under build/bench/web/ for the next run
(ingest of 10,000 files takes minutes; a kept workspace is migrated to this version's schema).
A draft report run is computed (`report --draft`), then `conflict-minerals serve --workers 2`
runs in a subprocess. A user signs in and every page is requested: the first request's time is
shown (what a worker computes before it keeps it: the consolidation, a stored run), then, after
a few more that reach every worker, `--requests` times in turn: p50 and p95 latency against the
issue's target (p95 <= 200 ms). Then `--clients` threads ask
for the dashboard for `--seconds`: requests per second against the target (>= 50 req/s with 2
workers). Only HTTP and the public command line are used.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_program import CLI, DEFAULT_POSTGRES, PERIOD, STATUS_AS_OF, create_database, postgres_reachable
from gen_campaign import DEFAULT_SEED, ensure_campaign

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "build" / "bench" / "web"
PASSWORD = "timing is everything 1234"
P95_TARGET_MS = 200.0
RPS_TARGET = 50.0
FIGURE = "suppliers.responded"


def _env(folder: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["CONFLICT_MINERALS_DATA_DIR"] = str(folder / "user-data")
    env["CONFLICT_MINERALS_ACTOR"] = "bench"
    env.pop("CONFLICT_MINERALS_TEST_POSTGRES", None)
    return env


def prepare(backend: str, n: int, postgres_url: str | None) -> Path:
    """A workspace with the whole campaign ingested and a draft report run (reused when complete)."""
    folder = WORK / f"{backend}-n{n}"
    done = folder / "prepared"
    if done.exists():  # kept from an earlier run, perhaps of an older version: brought to this schema
        ws = ["--workspace", str(folder / "workspace")]
        subprocess.run([CLI, *ws, "migrate"], env=_env(folder), check=True, stdout=subprocess.DEVNULL)
        reset = [CLI, *ws, "users", "set-password", "bench", "--password-stdin"]
        subprocess.run(reset, env=_env(folder), check=True, input=PASSWORD + "\n", text=True, stdout=subprocess.DEVNULL)
        return folder / "workspace"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    campaign = ensure_campaign(n, DEFAULT_SEED)
    workspace = folder / "workspace"
    db_args = (
        ["--db", create_database(postgres_url, f"bench_web_{n}")] if backend == "postgresql" and postgres_url else []
    )
    settings = folder / "bench-settings.toml"
    settings.write_text('[company]\nlegal_name = "Bench Devices Inc."\n', encoding="utf-8")
    ws = ["--workspace", str(workspace)]
    steps = [
        [CLI, "init", str(workspace), "--settings", str(settings), *db_args],
        [CLI, *ws, "suppliers", "import", str(campaign.suppliers_csv)],
        [CLI, *ws, "campaign", "start", PERIOD, "--no-letters"],
        [CLI, *ws, "ingest", str(campaign.inbox)],
        [CLI, *ws, "refdata", "import-status", str(campaign.status_csv), "--as-of", STATUS_AS_OF],
    ]
    for argv in steps:
        started = time.perf_counter()
        print(f"  [{backend}] {' '.join(argv[3:6] if argv[1] == '--workspace' else argv[1:2])} ...", end="",
              flush=True, file=sys.stderr)  # fmt: skip
        subprocess.run(argv, env=_env(folder), check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        print(f" {time.perf_counter() - started:.1f} s", file=sys.stderr)
    add = [CLI, *ws, "users", "add", "bench", "--role", "admin", "--password-stdin"]
    subprocess.run(add, env=_env(folder), check=True, input=PASSWORD + "\n", text=True, stdout=subprocess.DEVNULL)
    done.write_text("ok\n", encoding="utf-8")
    return workspace


class Client:
    """A signed-in browser session over urllib: cookies kept, CSRF token read from the sign-in form."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def get(self, path: str) -> tuple[int, bytes]:
        """GET a page; return its status and body."""
        try:
            with self.opener.open(self.base + path, timeout=120) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def sign_in(self, name: str) -> None:
        """Sign in with the benchmark's password."""
        page = self.get("/login")[1].decode()
        token = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert token, "no CSRF token on the sign-in page"
        form = {"csrf_token": token.group(1), "name": name, "password": PASSWORD, "next": "/suppliers"}
        request = urllib.request.Request(
            self.base + "/login", data=urllib.parse.urlencode(form).encode(), headers={"origin": self.base}
        )
        with self.opener.open(request, timeout=60) as response:  # lands on the suppliers list, not the dashboard
            assert b"Sign out" in response.read(), "sign-in failed"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_server(workspace: Path, workers: int) -> tuple[subprocess.Popen[bytes], str]:
    """`conflict-minerals serve` in a subprocess, waited for until it answers."""
    port = _free_port()
    argv = [CLI, "--workspace", str(workspace), "serve", "--port", str(port), "--workers", str(workers)]
    process = subprocess.Popen(argv, env=_env(workspace.parent), stdout=subprocess.DEVNULL, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(base + "/login", timeout=2).read()
            return process, base
        except OSError:
            time.sleep(0.2)
    stop_server(process)
    raise SystemExit(f"serve did not answer on {base}")


def stop_server(process: subprocess.Popen[bytes]) -> None:
    """Stop the server started here (its own process group: uvicorn's workers too)."""
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)


def pages(client: Client) -> list[tuple[str, str]]:
    """The pages to measure, with a supplier, a facility and a figure found from the pages themselves."""
    listing = client.get("/suppliers")[1].decode()
    supplier = re.search(r'href="(/suppliers/\d+)"', listing)
    found = [("dashboard", "/"), ("suppliers list", "/suppliers")]
    found += [("a supplier", supplier.group(1))] if supplier else []
    found.append(("smelters", "/smelters"))
    found.append(("report", "/report"))
    found.append(("evidence (supplier figure)", f"/report/evidence?figure={FIGURE}"))
    evidence = client.get("/report/evidence?figure=facilities.conformant")[1].decode()
    facility = re.search(r'href="(/report/evidence\?[^"]*facility=[^"]+)"', evidence)
    found.append(("evidence (facility figure)", "/report/evidence?figure=facilities.conformant"))
    if facility:
        found.append(("evidence (a facility's rows)", facility.group(1).replace("&amp;", "&")))
    found.append(("audit trail", "/audit"))
    return found


def latency(client: Client, path: str, count: int, warm: int) -> tuple[float, float, float, int]:
    """The first request's time (what a worker computes before it can keep it), then p50 and p95 in ms over
    `count` requests after `warm` more (each worker process keeps its own), and the status seen."""
    started = time.perf_counter()
    status = client.get(path)[0]
    first = (time.perf_counter() - started) * 1000
    for _ in range(warm):
        client.get(path)
    times = []
    for _ in range(count):
        started = time.perf_counter()
        status = client.get(path)[0]
        times.append((time.perf_counter() - started) * 1000)
    cuts = statistics.quantiles(times, n=100)
    return first, statistics.median(times), cuts[94], status


def throughput(base: str, clients: int, seconds: float) -> tuple[float, int]:
    """Requests per second on the dashboard with `clients` signed-in threads; and the errors seen."""
    sessions = []
    for _ in range(clients):
        session = Client(base)
        session.sign_in("bench")
        sessions.append(session)
    counts = [0] * clients
    errors = [0] * clients
    stop = time.monotonic() + seconds

    def work(index: int) -> None:
        while time.monotonic() < stop:
            status = sessions[index].get("/")[0]
            counts[index] += 1
            errors[index] += status != 200

    threads = [threading.Thread(target=work, args=(i,)) for i in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(counts) / (time.perf_counter() - started), sum(errors)


def _verdict(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def bench_backend(backend: str, workspace: Path, args: argparse.Namespace) -> None:
    """Serve one workspace and print every page's latency and the dashboard's throughput beside the targets."""
    workers = 2
    report = [CLI, "--workspace", str(workspace), "report", "--draft", "--period", PERIOD]  # a run of the code measured
    subprocess.run(report, env=_env(workspace.parent), check=True, stdout=subprocess.DEVNULL)
    process, base = start_server(workspace, workers)
    try:
        answered = time.perf_counter()
        client = Client(base)
        client.sign_in("bench")
        started = time.perf_counter()
        client.get("/")
        cold = (time.perf_counter() - started) * 1000
        print(f"\n{backend}, N={args.n:,}: serve --workers {workers}")
        print(
            f"  the first dashboard, {started - answered:.1f} s after the server answered, waited {cold:,.0f} ms "
            f"for the consolidation of {args.n:,} suppliers' rows that each worker starts when it starts"
        )
        print(f"  {'page':<30} {'first ms':>9} {'p50 ms':>8} {'p95 ms':>8}  target p95 <= {P95_TARGET_MS:.0f} ms")
        for label, path in pages(client):
            first, p50, p95, status = latency(client, path, args.requests, warm=2 * workers)
            note = "" if status == 200 else f" (HTTP {status})"
            verdict = _verdict(p95 <= P95_TARGET_MS and status == 200)
            print(f"  {label:<30} {first:9.1f} {p50:8.1f} {p95:8.1f}  {verdict}{note}")
        rate, failed = throughput(base, args.clients, args.seconds)
        print(f"  dashboard, {args.clients} concurrent clients: {rate:.1f} req/s ({failed} errors)  target >= "
              f"{RPS_TARGET:.0f} req/s with 2 workers: {_verdict(rate >= RPS_TARGET and not failed)}")  # fmt: skip
    finally:
        stop_server(process)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000, help="suppliers in the campaign (default 10,000)")
    parser.add_argument("--requests", type=int, default=50, help="requests per page (default 50)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients on the dashboard (default 8)")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of the throughput run (default 10 s)")
    pg = parser.add_mutually_exclusive_group()
    pg.add_argument("--postgres", metavar="URL", default=None, help=f"server to use (default {DEFAULT_POSTGRES})")
    pg.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), help="only this database")
    parser.add_argument("--prepare-only", action="store_true", help="prepare the workspaces and stop")
    args = parser.parse_args(argv)
    backends = ["sqlite"]
    postgres_url = None if args.no_postgres else (args.postgres or DEFAULT_POSTGRES)
    if postgres_url is not None:
        why = postgres_reachable(postgres_url)
        if why is None:
            backends.append("postgresql")
        else:
            print(f"PostgreSQL skipped: {postgres_url} not reachable ({why})")
    if args.backend:
        backends = [b for b in backends if b == args.backend]
    print(f"Web benchmark: {args.n:,} suppliers; {os.cpu_count()} CPUs; load {os.getloadavg()[0]:.2f}; {CLI}")
    for backend in backends:
        workspace = prepare(backend, args.n, postgres_url)
        if not args.prepare_only:
            bench_backend(backend, workspace, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
