"""gunicorn settings for ExoResist, from the environment: gunicorn -c gunicorn.conf.py exoresist.wsgi"""

import multiprocessing
import os

wsgi_app = "exoresist.wsgi:application"
bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
# Sync workers: a request is short and mostly waits on PostgreSQL; 2 x cores + 1 is the usual start.
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
worker_class = "gthread" if threads > 1 else "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
# Recycle workers now and then so a slow leak never grows unbounded.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", "200"))
# The master loads Django once; workers fork from it (faster start, shared memory).
preload_app = True
# Heartbeat files in memory: a container's overlay filesystem can stall them.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
# Only the load balancer may say what the client's scheme and address were.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
limit_request_line = 8190
limit_request_fields = 100

accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# One JSON object per request; the request id is the X-Request-ID the app echoed. The
# logger class escapes every value for JSON (a path may hold quotes and backslashes).
logger_class = "exoresist.gunicorn_logging.JsonAccessLogger"
access_log_format = (
    '{"ts": "%(t)s", "logger": "gunicorn.access", "request_id": "%({x-request-id}o)s", '
    '"ip": "%(h)s", "method": "%(m)s", "path": "%(U)s", "status": %(s)s, '
    '"bytes": "%(B)s", "duration_ms": %(M)s}'
)


def when_ready(server):
    # The master has loaded Django (preload_app) and forks the workers next: freeze what it
    # loaded so that full garbage collections in the workers skip it (exoresist/gcfreeze.py).
    from exoresist.gcfreeze import freeze_after_startup

    freeze_after_startup()


def post_fork(server, worker):
    # Connections opened by the master (none, normally) must not be shared with workers.
    from django.db import connections

    for connection in connections.all(initialized_only=True):
        connection.close()
