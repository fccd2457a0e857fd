"""Added latency of the streaming path: from the fake provider sending its first chunk to the
client receiving it, through a real daphne process, median over N requests.

    .venv/bin/python bench/stream_latency.py [N]

Uses a throwaway SQLite file, the fake OpenAI server from chat/tests in this process (same
clock as the client), and daphne on a free port in a subprocess.
"""

import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main(n: int) -> None:
    from chat.tests.fake_providers import FakeProviderServer

    workdir = tempfile.mkdtemp(prefix="chat-bench-")
    with FakeProviderServer("openai") as fake:
        fake.state.chunk_delay = 0.005
        env = {
            **{k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")},
            "DJANGO_SETTINGS_MODULE": "chatstudio.settings",
            "SQLITE_PATH": f"{workdir}/bench.sqlite3",
            "OPENAI_BASE_URL": f"{fake.url}/v1",
            "OPENAI_API_KEY": "sk-bench",
            "CHAT_PROVIDER_MAX_RETRIES": "0",
            "CHAT_PLUGINS": "",
            "THROTTLE_CHAT": "100000/min",
            "THROTTLE_DEFAULT": "100000/min",
            "LOG_LEVEL": "WARNING",
        }
        python = str(ROOT / ".venv/bin/python")
        subprocess.run([python, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)
        token = subprocess.run(
            [python, "manage.py", "shell", "-c",
             "from accounts import services as s; u = s.user_register(username='bench', email='b@example.com', "
             "password='Corr3ct-Horse!'); print(s.tokens_issue(user=u)['access_token'])"],
            cwd=ROOT, env=env, check=True, capture_output=True, text=True,
        ).stdout.strip().splitlines()[-1]  # fmt: skip
        port = free_port()
        daphne = subprocess.Popen(
            [str(ROOT / ".venv/bin/daphne"), "-b", "127.0.0.1", "-p", str(port), "chatstudio.asgi:application"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            for _ in range(100):
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                    break
                except OSError:
                    time.sleep(0.1)
            body = json.dumps({"model": "gpt-4o", "stream": True, "messages": [{"role": "user", "content": "hi"}]})
            headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
            delays = []
            for i in range(n + 5):
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                conn.request("POST", "/api/chat", body=body, headers=headers)
                response = conn.getresponse()
                assert response.status == 200, response.read()
                first = response.read1(65536)
                received = time.perf_counter()
                assert first.startswith(b"event: chunk"), first
                if i >= 5:  # warm-up requests are not counted
                    delays.append((received - fake.state.first_chunk_sent_at[-1]) * 1000)
                response.read()
                conn.close()
        finally:
            daphne.terminate()
            daphne.wait(10)
    delays.sort()
    print(f"requests: {n}")
    p90 = delays[int(len(delays) * 0.9) - 1]
    print(f"first chunk, provider send -> client receive: median {statistics.median(delays):.2f} ms, "
          f"p90 {p90:.2f} ms, min {delays[0]:.2f} ms, max {delays[-1]:.2f} ms")  # fmt: skip


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100)
