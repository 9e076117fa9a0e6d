"""Production middleware: request ids and logs, health check, hostile input, database
outages, primary pinning for read replicas, and the anonymous page cache with ETags."""

from __future__ import annotations

import hashlib
import logging
import re
import time
import uuid
from urllib.parse import unquote_to_bytes

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, InterfaceError, OperationalError, connections
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.deprecation import MiddlewareMixin
from django.utils.http import http_date, parse_http_date_safe, quote_etag

from exoresist import data_version, db_router
from exoresist.logging import request_id_var

request_logger = logging.getLogger("exoresist.request")
logger = logging.getLogger("exoresist")

# An incoming id is echoed only when it cannot smuggle anything into logs or headers.
SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")
PIN_COOKIE = "exoresist_primary"


def client_ip(request: HttpRequest) -> str:
    """The client's address: REMOTE_ADDR, or the X-Forwarded-For entry before our own proxies."""
    proxies = settings.EXORESIST_NUM_PROXIES
    if proxies:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "")


def login_username(request: HttpRequest, credentials: dict | None = None) -> str:
    """The username of a login attempt, cut to what django-axes' column holds."""
    raw = (credentials or {}).get("username") or request.POST.get("username") or ""
    return str(raw)[:150]


def declared_length(request: HttpRequest) -> int:
    """Content-Length; 0 when absent or not a number."""
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def wants_json(request: HttpRequest) -> bool:
    return request.path.startswith("/api/") or "application/json" in request.META.get("HTTP_ACCEPT", "")


class RequestIdMiddleware:
    """Gives every request an id (a safe incoming X-Request-ID, or a new UUID), echoes it
    and logs one line per request; filter names are resolved once per request."""

    def __init__(self, get_response):
        # Imported here, not above: evidence modules import this one.
        from evidence.filtersets import resolving_once

        self.get_response = get_response
        self.resolving_once = resolving_once

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.META.get("HTTP_X_REQUEST_ID", "")
        request_id = incoming if SAFE_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        try:
            with self.resolving_once():
                response = self.get_response(request)
            response["X-Request-ID"] = request_id
            user = getattr(request, "user", None)
            request_logger.info(
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                    "ip": client_ip(request),
                    "user": user.get_username() if user is not None and user.is_authenticated else None,
                    "cache": getattr(request, "page_cache", None),
                    "bytes": len(response.content) if not response.streaming else None,
                },
            )
            return response
        finally:
            request_id_var.reset(token)


class HealthCheckMiddleware(MiddlewareMixin):
    """``/healthz`` before host checks, HTTPS redirects, sessions and the cache: a load balancer
    probes each container by its private address. The database must answer (503 otherwise);
    a cache or replica outage only degrades."""

    def process_request(self, request: HttpRequest) -> HttpResponse | None:
        if request.path_info.rstrip("/") != "/healthz":
            return None
        report: dict[str, object] = {"status": "ok"}
        for alias in connections:
            name = "database" if alias == DEFAULT_DB_ALIAS else f"database:{alias}"
            try:
                with connections[alias].cursor() as cursor:
                    cursor.execute("SELECT 1")
                    cursor.fetchone()
                report[name] = "ok"
            except Exception as exc:  # noqa: BLE001 - any failure is reported, not raised
                logger.warning("health check: database %s unavailable: %s", alias, exc)
                report[name] = "unavailable"
        probe = uuid.uuid4().hex
        try:
            cache.set("exoresist:healthz", probe, timeout=30)
            report["cache"] = "ok" if cache.get("exoresist:healthz") == probe else "unavailable"
        except Exception:  # noqa: BLE001
            report["cache"] = "unavailable"
        if report["database"] == "unavailable":
            report["status"] = "unavailable"
        elif "unavailable" in report.values():
            report["status"] = "degraded"
        report["release"] = settings.EXORESIST_RELEASE
        response = JsonResponse(report, status=503 if report["status"] == "unavailable" else 200)
        response["Cache-Control"] = "no-store"
        response["X-Content-Type-Options"] = "nosniff"
        return response


class HostileInputMiddleware(MiddlewareMixin):
    """A 400 for NUL characters in the address (PostgreSQL cannot store them: a 500 deep in a
    view otherwise), a 413 for a body announced over the limits before any of it is read."""

    @staticmethod
    def refuse(request: HttpRequest, message: str, status: int) -> HttpResponse:
        if wants_json(request):
            return JsonResponse({"detail": message}, status=status)
        return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")

    def process_request(self, request: HttpRequest) -> HttpResponse | None:
        if settings.DATA_UPLOAD_MAX_MEMORY_SIZE is not None:
            limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE + settings.EXORESIST_MAX_UPLOAD_BYTES
            if declared_length(request) > limit:
                return self.refuse(request, f"The request body is too large (over {limit} bytes).", 413)
        raw_query = request.META.get("QUERY_STRING", "")
        if "\x00" in request.path or b"\x00" in unquote_to_bytes(raw_query.replace("+", " ")):
            return self.refuse(request, "NUL characters are not allowed in the address.", 400)
        return None


DATABASE_DOWN_MESSAGE = (
    "The ExoResist database is temporarily unavailable. Nothing was changed; please retry in a few seconds."
)


def database_unavailable_response(request: HttpRequest) -> HttpResponse:
    if wants_json(request):
        response = JsonResponse({"detail": DATABASE_DOWN_MESSAGE, "request_id": request_id_var.get()}, status=503)
    else:
        body = (
            "<!doctype html><html lang=en><head><meta charset=utf-8><title>Temporarily unavailable · ExoResist"
            f"</title></head><body><h1>Temporarily unavailable</h1><p>{DATABASE_DOWN_MESSAGE}</p>"
            f"<p>Request id: {request_id_var.get()}</p></body></html>"
        )
        response = HttpResponse(body, status=503)
    response["Retry-After"] = "5"
    response["Cache-Control"] = "no-store"
    return response


DATABASE_OUTAGE = (OperationalError, InterfaceError)


class DatabaseUnavailableMiddleware(MiddlewareMixin):
    """A database that went away in a view (restart, failover): a 503, never a traceback
    (``errors.server_error`` answers the same for middleware). CONN_HEALTH_CHECKS reconnect."""

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, DATABASE_OUTAGE):
            return None
        logger.warning("database unavailable during %s %s: %s", request.method, request.path, exception)
        return database_unavailable_response(request)


def carries_credentials(request: HttpRequest) -> bool:
    return settings.SESSION_COOKIE_NAME in request.COOKIES or "HTTP_AUTHORIZATION" in request.META


class PrimaryPinMiddleware:
    """Decides which requests must read from the primary (see exoresist.db_router)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        pinned = carries_credentials(request) or PIN_COOKIE in request.COOKIES
        tokens = db_router.start_request(pinned)
        try:
            response = self.get_response(request)
            if db_router.wrote_in_request() and settings.EXORESIST_REPLICAS:
                seconds = settings.EXORESIST_REPLICA_PIN_SECONDS
                response.set_cookie(
                    PIN_COOKIE, "1", max_age=seconds, secure=settings.SESSION_COOKIE_SECURE, httponly=True
                )
            return response
        finally:
            db_router.end_request(tokens)


class PageCacheMiddleware:
    """Anonymous GET and HEAD responses from the shared cache, keyed by the data version, the
    address and the representation; ETag and Last-Modified from the same key answer 304
    without rendering. With the cache unreachable every request is served uncached."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not self.cacheable_request(request):
            response = self.get_response(request)
            if carries_credentials(request):
                # What a signed-in curator sees may hold drafts: no shared cache may keep it.
                patch_cache_control(response, private=True, no_store=True)
                patch_vary_headers(response, ["Cookie", "Authorization"])
            return response
        version = data_version.get_version()
        if version is None:
            request.page_cache = "unavailable"
            return self.get_response(request)

        key = self.cache_key(request, version)
        etag = quote_etag(key[:32])
        last_modified = http_date(data_version.version_timestamp(version))
        if self.not_modified(request, etag, version, key):
            request.page_cache = "revalidated"
            return self.add_validators(HttpResponse(status=304), etag, last_modified)
        cached = cache.get(key) if settings.EXORESIST_PAGE_CACHE else None
        if cached is not None:
            request.page_cache = "hit"
            status, headers, content = cached
            return self.add_validators(HttpResponse(content, status=status, headers=dict(headers)), etag, last_modified)

        response = self.get_response(request)
        if self.cacheable_response(request, response):
            self.add_validators(response, etag, last_modified)
            if settings.EXORESIST_PAGE_CACHE and request.method == "GET":
                request.page_cache = "miss"
                headers = [(k, v) for k, v in response.items() if k.lower() not in {"x-request-id", "date"}]
                cache.set(key, (response.status_code, headers, response.content), settings.EXORESIST_PAGE_CACHE_SECONDS)
        return response

    @staticmethod
    def cacheable_request(request: HttpRequest) -> bool:
        return (
            request.method in ("GET", "HEAD")
            and not carries_credentials(request)
            and PIN_COOKIE not in request.COOKIES
            # Flash messages waiting in a cookie make the next page personal.
            and "messages" not in request.COOKIES
            and not request.path.startswith(("/admin/", "/static/"))
            # Version-based validators are only sound when every worker sees the same version:
            # a shared cache, or the page cache switched on for a single process. Otherwise
            # ConditionalGetMiddleware still answers 304 from a hash of the rendered body.
            and (settings.EXORESIST_PAGE_CACHE or settings.EXORESIST_SHARED_CACHE)
        )

    @staticmethod
    def cacheable_response(request: HttpRequest, response: HttpResponse) -> bool:
        if response.status_code != 200 or response.streaming or response.cookies:
            return False
        # A page with a CSRF token in a form is personal (the token is derived from the visitor's cookie).
        if request.META.get("CSRF_COOKIE_USED"):
            return False
        cache_control = response.get("Cache-Control", "").lower()
        # "Vary: Cookie" alone is fine: the request carried no session, credentials or messages
        # (cacheable_request), so the page is the anonymous one whatever other cookies it had.
        return not any(word in cache_control for word in ("private", "no-store", "no-cache"))

    @staticmethod
    def cache_key(request: HttpRequest, version: str) -> str:
        accept = request.META.get("HTTP_ACCEPT", "")
        key = "|".join((request.get_host(), request.get_full_path(), accept, settings.EXORESIST_RELEASE, version))
        return hashlib.sha256(key.encode("utf-8", "surrogateescape")).hexdigest()

    @staticmethod
    def not_modified(request: HttpRequest, etag: str, version: str, key: str) -> bool:
        """304 only for a representation we served as a 200 at this data version: the ETag is
        handed out with 200s only; for If-Modified-Since the cached 200 must exist."""
        if_none_match = request.META.get("HTTP_IF_NONE_MATCH")
        if if_none_match is not None:
            return etag in {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
        since = parse_http_date_safe(request.META.get("HTTP_IF_MODIFIED_SINCE", ""))
        if since is None or int(data_version.version_timestamp(version)) > since:
            return False
        return settings.EXORESIST_PAGE_CACHE and cache.get(key) is not None

    @staticmethod
    def add_validators(response: HttpResponse, etag: str, last_modified: str) -> HttpResponse:
        response["ETag"] = etag
        response["Last-Modified"] = last_modified
        response["Cache-Control"] = "public, max-age=0, must-revalidate"
        patch_vary_headers(response, ["Accept", "Cookie", "Authorization"])
        return response
