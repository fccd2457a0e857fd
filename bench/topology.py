"""The production topology for a run: nginx (deploy/nginx.conf, ports rewritten) in front of
gunicorn (REST) and daphne (sockets, streamed replies)."""

import shutil
from pathlib import Path

from bench.procs import ROOT, Server, free_port

CONF = ROOT / "deploy" / "nginx.conf"


def nginx_available() -> str | None:
    return shutil.which("nginx") or (Path("/usr/sbin/nginx").exists() and "/usr/sbin/nginx") or None


def start_nginx(*, rest_port: int, async_port: int, work_dir: Path, env: dict) -> Server:
    prefix = work_dir / "nginx"
    (prefix / "tmp").mkdir(parents=True, exist_ok=True)
    # Started as root, nginx's workers run as nobody: they must reach the scratch directory and
    # write request bodies under tmp/.
    work_dir.chmod(0o755)
    prefix.chmod(0o755)
    (prefix / "tmp").chmod(0o777)
    port = free_port()
    text = CONF.read_text()
    for old, new in (
        ("127.0.0.1:8000", f"127.0.0.1:{port}"),
        ("127.0.0.1:8001", f"127.0.0.1:{rest_port}"),
        ("127.0.0.1:8002", f"127.0.0.1:{async_port}"),
    ):
        if old not in text:
            raise RuntimeError(f"deploy/nginx.conf no longer contains {old}; update bench/topology.py")
        text = text.replace(old, new)
    conf = prefix / "nginx.conf"
    conf.write_text(text)
    cmd = [nginx_available(), "-p", str(prefix), "-c", str(conf), "-g", "daemon off;"]
    return Server("nginx", cmd, env=env, port=port, log_dir=work_dir)
