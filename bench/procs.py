"""Server processes for a run: start, wait for the port, sample memory and CPU, stop.

Servers are pinned to CPU 0 and the load client to CPU 1 (when the machine has two or more),
so every configuration gets the same single core and the client does not steal from it.
"""

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SERVER_CPUS = {0}
CLIENT_CPUS = {1}


def can_pin() -> bool:
    return (os.cpu_count() or 1) >= 2 and os.environ.get("BENCH_PIN", "1") != "0"


def pin_client() -> None:
    if can_pin():
        os.sched_setaffinity(0, CLIENT_CPUS)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def _children(pid: int) -> list[int]:
    found = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as f:
                found += [int(c) for c in f.read().split()]
    except OSError:
        return []
    return found + [g for c in found for g in _children(c)]


def rss_kb(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        except OSError:
            pass
    return total


def cpu_seconds(pids: list[int]) -> float:
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / ticks
        except OSError:
            pass
    return total


class Server:
    """A server process (and its children: gunicorn workers, nginx workers)."""

    def __init__(self, name: str, cmd: list[str], *, env: dict, port: int, log_dir: Path, cwd: Path = ROOT):
        self.name, self.port = name, port
        self.log_path = log_dir / f"{name}-{port}.log"
        self._log = open(self.log_path, "wb")  # noqa: SIM115  (closed in stop())
        pin = can_pin()
        self.proc = subprocess.Popen(
            cmd,
            cwd=cwd,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            preexec_fn=(lambda: os.sched_setaffinity(0, SERVER_CPUS)) if pin else None,
            start_new_session=True,
        )

    def pids(self) -> list[int]:
        return [self.proc.pid, *_children(self.proc.pid)]

    def rss_kb(self) -> int:
        return rss_kb(self.pids())

    def cpu_seconds(self) -> float:
        return cpu_seconds(self.pids())

    def wait_ready(self, timeout: float = 60, path: str | None = None) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode}; see {self.log_path}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"{self.name} did not listen on {self.port} within {timeout}s; see {self.log_path}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)  # our own session: the server and its workers
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
        self._log.close()


class PeakRss:
    """Samples a server's resident memory every 50 ms while in the `with` block."""

    def __init__(self, *servers: Server):
        self.servers = servers
        self.peak_kb = 0
        self._stop = threading.Event()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak_kb = max(self.peak_kb, sum(s.rss_kb() for s in self.servers))
            self._stop.wait(0.05)

    def __enter__(self) -> "PeakRss":
        self.peak_kb = sum(s.rss_kb() for s in self.servers)
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def peak_mb(self) -> float:
        return round(self.peak_kb / 1024, 1)


def python_cmd(*args: str) -> list[str]:
    return [sys.executable, *args]


def daphne(env: dict, log_dir: Path, app: str = "chatstudio.asgi:application", name: str = "daphne") -> Server:
    port = free_port()
    cmd = python_cmd("-m", "realtime.serve", "-b", "127.0.0.1", "-p", str(port), "-v", "0", app)
    return Server(name, cmd, env=env, port=port, log_dir=log_dir)


def gunicorn(env: dict, log_dir: Path, workers: int = 2, name: str = "gunicorn") -> Server:
    port = free_port()
    cmd = python_cmd(
        "-m", "gunicorn", "-c", str(ROOT / "deploy" / "gunicorn.conf.py"), "-b", f"127.0.0.1:{port}",
        "-w", str(workers), "chatstudio.wsgi:application",
    )  # fmt: skip
    return Server(name, cmd, env=env, port=port, log_dir=log_dir)
