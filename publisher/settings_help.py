"""What each setting is for, by the name of its environment variable.

``publisher/settings.py`` reads every setting through ``publisher.env``, which
notes each name, kind, default and least value as it is read; the docs'
settings reference (``docs/reference/settings.md``) is made from those notes
and these descriptions. A setting read without a description here, or a
description of a setting no longer read, fails the docs build
(``scripts/docs``, and so ``scripts/test``).

Each entry is Markdown: ``what`` the setting does, and an optional ``note``
on its default (shown after the default the code has).
"""

from __future__ import annotations

SETTINGS_HELP: dict[str, dict[str, str]] = {
    "PUBLISHER_VAR_DIR": {
        "what": "the SQLite file, the secret key, logs",
    },
    "DJANGO_DEBUG": {
        "what": "Django's debug mode (development only)",
    },
    "DJANGO_SECRET_KEY": {
        "what": "Django's secret key",
        "note": "a random key, kept in `var/secret_key`",
    },
    "PUBLISHER_SITE_URL": {
        "what": "the address readers use (scheme and host only); canonical links, feeds and the sitemap use it",
    },
    "PUBLISHER_SITE_NAME": {
        "what": "the paper's name",
    },
    "PUBLISHER_BUILD_DIR": {
        "what": "releases and the live `site` link",
    },
    "PUBLISHER_KEEP_RELEASES": {
        "what": "releases kept after a build",
    },
    "PUBLISHER_PAGE_SIZE": {
        "what": "items per list page",
    },
    "PUBLISHER_BUILD_JOBS": {
        "what": "processes for a full build (`build --jobs N` overrides)",
        "note": "one per core",
    },
    "DJANGO_ALLOWED_HOSTS": {
        "what": "host names the admin answers to",
    },
    "DJANGO_CSRF_TRUSTED_ORIGINS": {
        "what": "origins of the admin when served over HTTPS, e.g. `https://news.example.com`",
    },
    "DJANGO_HTTPS_PROXY": {
        "what": "the admin is behind an HTTPS proxy that sets `X-Forwarded-Proto` (secure cookies too)",
    },
    "PUBLISHER_TRUSTED_PROXY": {
        "what": "the TLS terminator in front of lighttpd, or the load balancer (and CloudFront's ranges) in front of gunicorn (IP addresses or networks, comma separated): lighttpd believes its `X-Forwarded-For` and `X-Forwarded-Proto` (see *Serve*), and the readers' forms count each reader by the address it passes on (see *Reader submissions*)",
    },
    "DATABASE_URL": {
        "what": "the database; `mysql://user:pass@host:3306/name` for MySQL/MariaDB (utf8mb4; load the server's time zone tables once: `mariadb-tzinfo-to-sql /usr/share/zoneinfo \\| mariadb -u root mysql`)",
        "note": "under {envvar}`PUBLISHER_VAR_DIR` when that is set",
    },
    "TIME_ZONE": {
        "what": "the newsroom's time zone: dates in URLs, archives and pages",
    },
    "PUBLISHER_MEDIA_ROOT": {
        "what": "uploaded photos (outside the build directory)",
    },
    "PUBLISHER_MAX_UPLOAD_MB": {
        "what": "the largest photo upload, in MB (keep lighttpd's admin body limit, 20 MB, above it)",
    },
    "PUBLISHER_MAX_UPLOAD_MEGAPIXELS": {
        "what": "the most pixels a photo upload may have, in millions (an animation: all its frames together)",
    },
    "PUBLISHER_S3_BUCKET": {
        "what": "the bucket `manage.py deploy` (and publishing) syncs the site to",
        "note": "deploy off",
    },
    "PUBLISHER_S3_PREFIX": {
        "what": "key prefix of the site in that bucket",
    },
    "PUBLISHER_S3_OWNS_BUCKET": {
        "what": "the site owns the whole bucket, so an empty `PUBLISHER_S3_PREFIX` is allowed (deploy still deletes only what it uploaded)",
    },
    "PUBLISHER_S3_MAX_DELETES": {
        "what": "deletes a deploy makes without `--force`",
    },
    "PUBLISHER_S3_GZIP": {
        "what": "store text gzipped with `Content-Encoding: gzip`",
    },
    "PUBLISHER_CLOUDFRONT_DISTRIBUTION_ID": {
        "what": "invalidate these paths after a deploy",
    },
    "PUBLISHER_TASKS": {
        "what": "where publishing on save runs: `thread`, `database` (with `db_worker`), `immediate`",
    },
    "PUBLISHER_SEARCH": {
        "what": "write the reader search index (build and publishing) and link `/search/` from every page's masthead; `false`: neither",
    },
    "PUBLISHER_SEARCH_SHARD": {
        "what": "the span of publish times in one search index shard: `year`, `quarter` or `month`",
    },
    "BACKUP_S3_BUCKET": {
        "what": "the S3 bucket for database backups",
        "note": "backups off",
    },
    "BACKUP_S3_PREFIX": {
        "what": "key prefix of the backups in that bucket",
    },
    "BACKUP_KEEP_DAILY": {
        "what": "days of which the newest backup is kept",
    },
    "BACKUP_KEEP_WEEKLY": {
        "what": "weeks of which the newest backup is kept",
    },
    "BACKUP_KEEP_MONTHLY": {
        "what": "months of which the newest backup is kept",
    },
    "BACKUP_BINLOG_SPOOL": {
        "what": "MariaDB: where binary logs wait between the server and S3",
        "note": "under {envvar}`PUBLISHER_VAR_DIR` when that is set",
    },
    "PUBLISHER_NEWSROOM_EMAIL": {
        "what": "told of every reader submission; shown to readers when the forms are down",
    },
    "PUBLISHER_NEWSROOM_PHONE": {
        "what": "shown beside it on the forms-are-down page",
    },
    "BACKUP_ALERT_EMAIL": {
        "what": "who is mailed when a restore drill fails",
        "note": "the value of `PUBLISHER_NEWSROOM_EMAIL`",
    },
    "PUBLISHER_SUBMISSIONS_ROOT": {
        "what": "submitted photos, waiting for an editor (never served)",
        "note": "under {envvar}`PUBLISHER_VAR_DIR` when that is set",
    },
    "PUBLISHER_SUBMIT_RATE": {
        "what": "submissions one address may send (`N/s`, `N/m`, `N/h`, `N/d`, `5/15m`)",
    },
    "PUBLISHER_SUBMISSIONS_MAX_MB": {
        "what": "the most submitted photos may take on disk in all; a photo past it is refused",
    },
    "PUBLISHER_SUBMISSIONS_KEEP_DAYS": {
        "what": "days a declined, handled or drafted submission keeps its photo (`manage.py prune_submissions`, nightly)",
    },
    "PUBLISHER_SUBMIT_URL": {
        "what": 'where every page\'s footer link "Send us news" goes: the forms behind lighttpd, the address of a Django host running them, or `-` for no link',
    },
    "PUBLISHER_COMMENTS": {
        "what": "readers' comments and guestbooks take new posts; `false`: every form closed (approved comments stay)",
    },
    "PUBLISHER_COMMENTS_DAYS": {
        "what": "comments close this many days after publication (`0`: never); each item may be set open or closed",
    },
    "PUBLISHER_COMMENT_RATE": {
        "what": "comments one reader's address may post (`N/s`, `N/m`, `N/h`, `N/d`, `5/15m`)",
    },
    "PUBLISHER_COMMENT_CHARS": {
        "what": "the longest comment, in characters",
    },
    "PUBLISHER_COMMENT_LINKS": {
        "what": "links a comment may carry before it waits for an editor (over 10 it is refused)",
    },
    "PUBLISHER_COMMENT_TRUST_AFTER": {
        "what": "approved comments after which an email's next ones go up without waiting (unless a rule holds them); `0`: every comment waits",
    },
    "PUBLISHER_AKISMET_KEY": {
        "what": "an Akismet API key (registered for `PUBLISHER_SITE_URL`) turns on the optional spam service for comments; it can only hold a comment back, never let one through; empty: off",
    },
    "EMAIL_HOST": {
        "what": "SMTP host for the newsroom's mail; without it mail is printed to the console",
    },
    "EMAIL_PORT": {
        "what": "SMTP port",
    },
    "EMAIL_HOST_USER": {
        "what": "SMTP user",
    },
    "EMAIL_HOST_PASSWORD": {
        "what": "SMTP password",
    },
    "EMAIL_USE_TLS": {
        "what": "SMTP with STARTTLS",
    },
    "DEFAULT_FROM_EMAIL": {
        "what": "the sender of that mail",
    },
}
