"""Settings for the newsroom publisher.

Everything is read from environment variables (listed, with defaults, in
``.env.example``); the defaults run on a fresh checkout: a SQLite file under
``var/``, the rendered site under ``build/``. Problems that need a look at
more than one value are reported by the system checks in
``publisher/checks.py``.
"""

from __future__ import annotations

import ipaddress
import os
import re
import secrets
from contextlib import suppress
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from publisher.env import EnvError, env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("PUBLISHER_VAR_DIR", str(BASE_DIR / "var")))
SQLITE_ENGINE = "publisher.sqlite3"


def _secret_key() -> str:
    """DJANGO_SECRET_KEY, or a random key kept in var/ so sessions survive restarts."""
    key = env_str("DJANGO_SECRET_KEY", "")
    return key or kept_secret_key(VAR_DIR / "secret_key")


def kept_secret_key(path: Path) -> str:
    """The key in ``path``, made on first use. Processes starting at once
    (gunicorn's workers, cron) must agree on one key, so the file appears
    whole and only once: written under a private name, then hard-linked into
    place, which fails for every process but the first; the others read the
    winner's key. Mode 0600: the key signs sessions."""
    try:
        return _read_key(path)
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    mine = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(8)}.tmp")
    fd = os.open(mine, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(50))
            handle.flush()
            os.fsync(handle.fileno())
        with suppress(FileExistsError):  # another process won: use its key
            os.link(mine, path)
    finally:
        mine.unlink(missing_ok=True)
    return _read_key(path)


def _read_key(path: Path) -> str:
    fd = os.open(path, os.O_RDONLY)
    with os.fdopen(fd) as handle:
        if os.fstat(fd).st_mode & 0o077:  # made by an older version, or by hand
            with suppress(PermissionError):
                os.fchmod(fd, 0o600)
        key = handle.read().strip()
    if not key:
        raise ImproperlyConfigured(
            f"{path} is empty: delete it (a new key is made at the next start) "
            "or set DJANGO_SECRET_KEY."
        )
    return key


def _hide_credentials(url: str) -> str:
    """``url`` fit for an error message: whatever precedes its last @ (user
    and password, however mistyped) replaced by ***."""
    head, at, tail = url.rpartition("@")
    if not at:
        return url
    scheme = re.match(r"[A-Za-z][A-Za-z0-9+.-]*:/*", head)
    return f"{scheme.group(0) if scheme else ''}***@{tail}"


def _not_a_database_url(url: str, reason: str) -> ImproperlyConfigured:
    # Messages end up in logs and cron mail: never with the password.
    return ImproperlyConfigured(
        f"DATABASE_URL={_hide_credentials(url)!r} is not a database URL ({reason}). "
        "Use sqlite:////absolute/path.sqlite3 or mysql://user:password@host:3306/name "
        "(quote special characters in the password, e.g. @ as %40)."
    )


def _database(url: str) -> dict:
    try:
        config = dj_database_url.parse(url, conn_max_age=60)
    except Exception as exc:  # dj-database-url raises several types
        # Not chained: the original's text may quote the URL.
        raise _not_a_database_url(url, str(exc)) from None
    engine = config["ENGINE"]
    if engine == "django.db.backends.mysql":
        if "://" not in url or "/" in config["NAME"] or "@" in config["NAME"]:
            # mysql:/user:password@host/name parses, as a database named
            # "user:password@host/name" that the server's error would quote.
            raise _not_a_database_url(url, "no //host after mysql:")
        config.setdefault("OPTIONS", {}).update(
            {
                "charset": "utf8mb4",
                "init_command": "SET sql_mode='STRICT_TRANS_TABLES'",
                "isolation_level": "read committed",
            }
        )
        config["TEST"] = {"CHARSET": "utf8mb4", "COLLATION": "utf8mb4_unicode_ci"}
    elif engine == "django.db.backends.sqlite3":
        # Django's backend, with the database file (and its WAL) private.
        config["ENGINE"] = SQLITE_ENGINE
        config["CONN_MAX_AGE"] = 0
        # A file, not memory, so tests can run manage.py in a subprocess on it.
        if config["NAME"] and config["NAME"] != ":memory:":
            config["TEST"] = {
                "NAME": str(config["NAME"]).removesuffix(".sqlite3") + "-test.sqlite3"
            }
        config.setdefault("OPTIONS", {}).update(
            {
                # WAL lets the admin write while a build reads.
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            }
        )
    elif engine not in ("django.db.backends.postgresql",):
        raise ImproperlyConfigured(
            f"DATABASE_URL uses {engine}, which this project does not support: "
            "use sqlite:// or mysql://."
        )
    return config


def _trusted_proxies(values: list[str]) -> list[str]:
    for value in values:
        try:
            ipaddress.ip_network(value)
        except ValueError:
            raise ImproperlyConfigured(
                f"PUBLISHER_TRUSTED_PROXY has {value!r}, which is not an IP address or network: "
                "set it to the addresses of the proxies in front (comma separated), e.g. "
                "127.0.0.1 for a TLS terminator on this host, 10.0.0.0/16 for a load "
                "balancer's subnet (a network has no host bits: not 10.0.3.4/16)"
            ) from None
    return values


def _site_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ImproperlyConfigured(
            f"PUBLISHER_SITE_URL={url!r} is not an absolute http(s) URL: "
            "set it to the address readers use, e.g. https://news.example.com"
        )
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ImproperlyConfigured(
            f"PUBLISHER_SITE_URL={url!r} has a path; the site is served from the root "
            "of its host, so give only scheme and host, e.g. https://news.example.com"
        )
    return f"{parts.scheme}://{parts.netloc}"


def _submit_rate(rate: str, name: str = "PUBLISHER_SUBMIT_RATE") -> str:
    # A number of posts per (a number of) s, m, h or d: desk.ratelimit.parse_rate.
    if not re.fullmatch(r"[0-9]+/[0-9]*[smhd]", rate):
        raise ImproperlyConfigured(
            f"{name}={rate!r} is not a rate: set it to posts per "
            "period, e.g. 10/h (also N/s, N/m, N/d, or 5/15m)"
        )
    return rate


def _submit_url(url: str) -> str:
    if url == "-" or url.startswith("/") or urlsplit(url).scheme in ("http", "https"):
        return "" if url == "-" else url
    raise ImproperlyConfigured(
        f"PUBLISHER_SUBMIT_URL={url!r} is neither a path nor an http(s) URL: set it to "
        "/submit/ (the forms behind lighttpd), https://forms.example.com/submit/, or - for no link"
    )


try:
    DEBUG = env_bool("DJANGO_DEBUG", False)
    SECRET_KEY = _secret_key()
    PUBLISHER_SITE_URL = _site_url(env_str("PUBLISHER_SITE_URL", "http://127.0.0.1:8080"))
    PUBLISHER_SITE_NAME = env_str("PUBLISHER_SITE_NAME", "The Millbrook Ledger")
    PUBLISHER_BUILD_DIR = Path(env_str("PUBLISHER_BUILD_DIR", str(BASE_DIR / "build"))).resolve()
    PUBLISHER_KEEP_RELEASES = env_int("PUBLISHER_KEEP_RELEASES", 3, minimum=1)
    PUBLISHER_PAGE_SIZE = env_int("PUBLISHER_PAGE_SIZE", 20, minimum=1)
    # Processes for a full build; 0 = one per CPU core.
    PUBLISHER_BUILD_JOBS = env_int("PUBLISHER_BUILD_JOBS", 0, minimum=0)
    ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
    # The admin behind lighttpd (or another proxy) over HTTPS, e.g.
    # DJANGO_CSRF_TRUSTED_ORIGINS=https://news.example.com and DJANGO_HTTPS_PROXY=true.
    CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])
    _BEHIND_HTTPS_PROXY = env_bool("DJANGO_HTTPS_PROXY", False)
    # The TLS terminator in front of lighttpd, or the load balancer in front of
    # gunicorn (addresses or networks, comma separated): lighttpd believes its
    # X-Forwarded-Proto (manage.py serve), the readers' forms its X-Forwarded-For.
    PUBLISHER_TRUSTED_PROXY = _trusted_proxies(env_list("PUBLISHER_TRUSTED_PROXY", []))
    DATABASES = {
        "default": _database(env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'newsroom.sqlite3'}"))
    }
    TIME_ZONE = env_str("TIME_ZONE", "America/Chicago")
    MEDIA_ROOT = Path(env_str("PUBLISHER_MEDIA_ROOT", str(BASE_DIR / "media"))).resolve()
    # Photo uploads: larger files, or more pixels than this, are refused
    # (a small file can hold an image that takes gigabytes to decode).
    PUBLISHER_MAX_UPLOAD_MB = env_int("PUBLISHER_MAX_UPLOAD_MB", 15, minimum=1)
    PUBLISHER_MAX_UPLOAD_MEGAPIXELS = env_int("PUBLISHER_MAX_UPLOAD_MEGAPIXELS", 50, minimum=1)
    # S3 deploy of the built site (manage.py deploy); empty bucket = not configured.
    PUBLISHER_S3_BUCKET = env_str("PUBLISHER_S3_BUCKET", "")
    PUBLISHER_S3_PREFIX = env_str("PUBLISHER_S3_PREFIX", "").strip("/")
    # An empty prefix syncs the whole bucket: refused unless the site owns it.
    PUBLISHER_S3_OWNS_BUCKET = env_bool("PUBLISHER_S3_OWNS_BUCKET", False)
    PUBLISHER_S3_MAX_DELETES = env_int("PUBLISHER_S3_MAX_DELETES", 50, minimum=0)
    PUBLISHER_S3_GZIP = env_bool("PUBLISHER_S3_GZIP", True)
    PUBLISHER_CLOUDFRONT_DISTRIBUTION_ID = env_str("PUBLISHER_CLOUDFRONT_DISTRIBUTION_ID", "")
    # Where publishing runs: thread (in-process, after commit), database
    # (django-tasks-db + `manage.py db_worker`), immediate (inside the request).
    PUBLISHER_TASKS = env_str("PUBLISHER_TASKS", "thread")
    # Reader search (publisher.search): index files written with the pages,
    # one shard per year, quarter or month of publish time; the masthead links
    # /search/. false: no index, no link.
    PUBLISHER_SEARCH = env_bool("PUBLISHER_SEARCH", True)
    PUBLISHER_SEARCH_SHARD = env_str("PUBLISHER_SEARCH_SHARD", "quarter").lower()
    # Database backups to S3 (manage.py backup / backups / restore).
    BACKUP_S3_BUCKET = env_str("BACKUP_S3_BUCKET", "")
    BACKUP_S3_PREFIX = env_str("BACKUP_S3_PREFIX", "backups").strip("/")
    BACKUP_KEEP_DAILY = env_int("BACKUP_KEEP_DAILY", 7, minimum=0)
    BACKUP_KEEP_WEEKLY = env_int("BACKUP_KEEP_WEEKLY", 4, minimum=0)
    BACKUP_KEEP_MONTHLY = env_int("BACKUP_KEEP_MONTHLY", 12, minimum=0)
    # MariaDB binary logs wait here between the server and S3 (manage.py
    # backup --binlogs), so the server's expiry never takes an unshipped one.
    BACKUP_BINLOG_SPOOL = Path(env_str("BACKUP_BINLOG_SPOOL", str(VAR_DIR / "binlogs")))
    # Reader submissions (/submit/, the desk app): where the newsroom is told
    # of one (and readers may write when the forms are down), the phone shown
    # beside it, where submitted photos wait for an editor (never under
    # MEDIA_ROOT, never served), and how many a reader's address may send.
    PUBLISHER_NEWSROOM_EMAIL = env_str("PUBLISHER_NEWSROOM_EMAIL", "newsroom@localhost")
    PUBLISHER_NEWSROOM_PHONE = env_str("PUBLISHER_NEWSROOM_PHONE", "")
    # Who is mailed when a restore drill fails (manage.py backups --drill).
    BACKUP_ALERT_EMAIL = env_str("BACKUP_ALERT_EMAIL", PUBLISHER_NEWSROOM_EMAIL)
    PUBLISHER_SUBMISSIONS_ROOT = Path(
        env_str("PUBLISHER_SUBMISSIONS_ROOT", str(VAR_DIR / "submissions"))
    ).resolve()
    PUBLISHER_SUBMIT_RATE = _submit_rate(env_str("PUBLISHER_SUBMIT_RATE", "10/h"))
    # Submitted photos on disk: at most this many MB in all (a photo past it is
    # refused), and a decided submission's photo is deleted this many days
    # after the decision (manage.py prune_submissions, nightly from cron).
    PUBLISHER_SUBMISSIONS_MAX_MB = env_int("PUBLISHER_SUBMISSIONS_MAX_MB", 2048, minimum=1)
    PUBLISHER_SUBMISSIONS_KEEP_DAYS = env_int("PUBLISHER_SUBMISSIONS_KEEP_DAYS", 90, minimum=1)
    # Where pages send readers with news: the forms behind lighttpd, or (a
    # site on S3 alone) the address of a Django that runs them; empty: no link.
    PUBLISHER_SUBMIT_URL = _submit_url(env_str("PUBLISHER_SUBMIT_URL", "/submit/"))
    # Readers' comments and guestbooks (desk.comments): on or off for the
    # whole site; days after publication they close (0: never); how many
    # comments a reader's address may post; the longest comment and the most
    # links one may carry before it is held; after how many approved comments
    # a commenter's (an email's) next ones go up without waiting (0: never).
    PUBLISHER_COMMENTS = env_bool("PUBLISHER_COMMENTS", True)
    PUBLISHER_COMMENTS_DAYS = env_int("PUBLISHER_COMMENTS_DAYS", 14, minimum=0)
    PUBLISHER_COMMENT_RATE = _submit_rate(
        env_str("PUBLISHER_COMMENT_RATE", "5/10m"), "PUBLISHER_COMMENT_RATE"
    )
    PUBLISHER_COMMENT_CHARS = env_int("PUBLISHER_COMMENT_CHARS", 3000, minimum=100)
    PUBLISHER_COMMENT_LINKS = env_int("PUBLISHER_COMMENT_LINKS", 2, minimum=0)
    PUBLISHER_COMMENT_TRUST_AFTER = env_int("PUBLISHER_COMMENT_TRUST_AFTER", 3, minimum=0)
    # The optional spam service (desk.spam): an Akismet API key turns it on
    # for comments (empty: off). The key is registered for PUBLISHER_SITE_URL.
    PUBLISHER_AKISMET_KEY = env_str("PUBLISHER_AKISMET_KEY", "")
    # Mail (the newsroom's notices): SMTP when EMAIL_HOST is set, else printed
    # to the console (the demo).
    EMAIL_HOST = env_str("EMAIL_HOST", "")
    EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
    EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
    DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "webmaster@localhost")
except EnvError as exc:
    raise ImproperlyConfigured(str(exc)) from None

if _BEHIND_HTTPS_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True

TASK_BACKENDS = {
    "thread": "publisher.taskbackend.ThreadBackend",
    "database": "django_tasks_db.backend.DatabaseBackend",
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
}
if PUBLISHER_TASKS not in TASK_BACKENDS:
    raise ImproperlyConfigured(
        f"PUBLISHER_TASKS={PUBLISHER_TASKS!r} is not one of: {', '.join(TASK_BACKENDS)}."
    )
TASKS = {"default": {"BACKEND": TASK_BACKENDS[PUBLISHER_TASKS]}}

SEARCH_SHARDS = ("year", "quarter", "month")
if PUBLISHER_SEARCH_SHARD not in SEARCH_SHARDS:
    raise ImproperlyConfigured(
        f"PUBLISHER_SEARCH_SHARD={PUBLISHER_SEARCH_SHARD!r} is not one of: "
        f"{', '.join(SEARCH_SHARDS)} (the span of publish times in one search index file set)."
    )

if DATABASES["default"]["ENGINE"] == SQLITE_ENGINE:
    _db_name = DATABASES["default"]["NAME"]
    if _db_name and _db_name != ":memory:":
        Path(_db_name).parent.mkdir(parents=True, exist_ok=True)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.syndication",
    "django_distill",
    "django_tasks",
    "django_tasks_db",
    "publisher",
    "content",
    "desk",
    # Revisions of every item (django-reversion, with a diff view), takedown
    # requests and the audit log: after content, whose admin it extends.
    "reversion",
    "reversion_compare",
    "records",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "publisher.urls"
# The site's page types and kinds of content: the engine finds them here and
# never imports the newsroom (see publisher/pages/registry.py).
PUBLISHER_REGISTRY = "content.pages.REGISTRY"
WSGI_APPLICATION = "publisher.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            # A faster drop-in for the ``date`` filter (same text): see its module.
            "builtins": ["content.templatetags.dates"],
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
    {
        # Every page readers get (content/jinja2/): about twice as fast as the
        # engine above, which renders the admin. Page types name this engine
        # (Registry's template_engine); see content/templating.py.
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "environment": "content.templating.environment",
            # Django's templates keep a file's last newline; so do these.
            "keep_trailing_newline": True,
        },
    },
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
# Collected (and fingerprinted) once per build, then linked into each release.
STATIC_ROOT = PUBLISHER_BUILD_DIR / "static-collected"
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
}

EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Django's cache (the readers' forms count posts in the database instead,
# desk.ratelimit: one conditional UPDATE, so a burst cannot slip past).
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(VAR_DIR / "cache"),
        "OPTIONS": {"MAX_ENTRIES": 10_000},
    }
}
RATELIMIT_USE_CACHE = "default"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_PERMISSIONS = 0o644

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
