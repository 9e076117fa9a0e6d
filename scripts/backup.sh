#!/bin/sh
# Nightly logical backup: pg_dump in custom format, kept BACKUP_KEEP_DAYS days.
# Connection from the libpq variables (PGHOST, PGUSER, PGPASSWORD, PGDATABASE).
# Usage: scripts/backup.sh /path/to/backups
set -eu
dir=${1:?usage: backup.sh BACKUP_DIR}
keep=${BACKUP_KEEP_DAYS:-14}
mkdir -p "$dir"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
tmp="$dir/.exoresist-$stamp.dump.partial"
pg_dump --format=custom --no-owner --no-privileges --file="$tmp"
# Only a complete dump gets its final name, so a crash never leaves a truncated "latest".
mv "$tmp" "$dir/exoresist-$stamp.dump"
find "$dir" -name 'exoresist-*.dump' -mtime "+$keep" -delete
echo "backup written: $dir/exoresist-$stamp.dump"
