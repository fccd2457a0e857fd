"""gunicorn for the REST half of the production topology (see docs/deployment.md).

`gunicorn -c deploy/gunicorn.conf.py chatstudio.wsgi:application`. Sync workers: every REST view
is synchronous Django, and a sync worker runs it with no event-loop-to-thread hops, which is
what makes it about five times faster than the same view under daphne (docs/performance.md).
Sockets and streamed replies never come here: nginx sends `/ws/` and `/api/chat` to daphne.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8001")
# Two per core: a sync worker waiting on PostgreSQL or Redis leaves its core to the other.
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * (os.cpu_count() or 1)))
worker_class = "sync"
timeout = 30
graceful_timeout = 30
# Recycle workers now and then, so a slow leak in any library cannot grow without bound.
max_requests = 20000
max_requests_jitter = 2000
# nginx on the same host sets X-Forwarded-For / X-Forwarded-Proto.
forwarded_allow_ips = "127.0.0.1"
accesslog = None  # Django writes one JSON line per request already
errorlog = "-"
loglevel = "warning"
