"""Database backups to S3, and restores that are checked before they touch anything.

No Django in here: the commands (backup, backups, restore) hand in the
database's settings dict and the settings module, and import what they use
from the modules themselves. Imports go one way, down this list:

- ``errors``: BackupError and its kinds.
- ``config``: BackupSettings (the BACKUP_* settings) and Database.
- ``keys``: where a backup lives in the bucket, and when its key says it was taken.
- ``stream``: dump bytes -> gzip -> SHA-256, as a file object that boto3's
  multipart upload reads part by part, so memory does not grow with the
  database and nothing the size of the dump is written to disk.
- ``mysql``: the credentials in a 0600 option file (never on argv, where ``ps``
  shows them), mysqldump / mariadb-dump and the client, a connection.
- ``scan``: watches the raw bytes for the table names and the dump's
  completion line (or, for SQLite, a sound file image).
- ``manifest``: written next to the dump only once the dump is complete and
  stored; a dump without one does not count as a backup.
- ``retention``: listing, ``select_to_keep`` (a pure function of dates), pruning.
- ``sqlite``: scratch files and checks for SQLite.
- ``store``: ``run_backup``.
- ``verify``: a stored backup streamed down and checked against its manifest.
- ``restore_mysql``, ``restore``: ``run_restore``.
- ``binlog``: reading a MariaDB binary log file (event times, GTIDs,
  transaction ends, CRC32s), no server needed.
- ``binlogs``: shipping finished binlogs to S3 through a local spool, their
  manifests, the chain and its gaps, their pruning; what a server lacks.
- ``pitr``: ``run_restore_to``, a restore to a moment (dump + binlog replay).
- ``drill``: ``run_drill``, a restore to the newest point compared with live.

A restore streams the object down twice: once to check it (its SHA-256 and
size against the manifest, the gzip stream, the completion line) before any
database is touched, then into a scratch database (a scratch file for SQLite),
which is checked again and only then switched in for the live one.
"""
