#!/usr/bin/env bash
# Proves a backup restores: dump SOURCE_DB, restore it into a fresh empty database,
# dump that again, and compare. Exit 0 only when the two dumps are identical.
#
#   scripts/backup_restore_check.sh SOURCE_DB [SCRATCH_DB]
#
# Connection from PGHOST/PGPORT/PGUSER (defaults 127.0.0.1:5432, postgres). SCRATCH_DB
# (default SOURCE_DB_restorecheck) is dropped and recreated: never point it at real data.
set -euo pipefail
export PGHOST=${PGHOST:-127.0.0.1} PGPORT=${PGPORT:-5432} PGUSER=${PGUSER:-postgres}
source_db=${1:?usage: backup_restore_check.sh SOURCE_DB [SCRATCH_DB]}
scratch_db=${2:-${source_db}_restorecheck}
if [[ "$scratch_db" == "$source_db" ]]; then
  echo "the scratch database must differ from the source" >&2
  exit 2
fi
work=$(mktemp -d)
trap 'rm -rf "$work"; dropdb --if-exists "$scratch_db" 2>/dev/null || true' EXIT

# pg_dump >= 15.14 writes a random \restrict key into plain dumps; fix it so dumps compare.
restrict=()
if pg_dump --help | grep -c -- --restrict-key >/dev/null; then
  restrict=(--restrict-key=exoresistrestorecheck)
fi

started=$(date +%s.%N)
pg_dump --format=custom --no-owner --no-privileges --file="$work/backup.dump" "$source_db"
pg_dump --format=plain --no-owner --no-privileges "${restrict[@]}" --file="$work/before.sql" "$source_db"
dropdb --if-exists "$scratch_db"
createdb "$scratch_db"
pg_restore --exit-on-error --no-owner --no-privileges --dbname="$scratch_db" "$work/backup.dump"
pg_dump --format=plain --no-owner --no-privileges "${restrict[@]}" --file="$work/after.sql" "$scratch_db"
finished=$(date +%s.%N)

rows=$(psql -tAc "SELECT coalesce(sum(n_live_tup), 0) FROM pg_stat_user_tables" "$source_db")
size=$(stat -c %s "$work/backup.dump")
if diff -q "$work/before.sql" "$work/after.sql" >/dev/null; then
  printf 'backup/restore OK: %s -> %s identical (%s bytes custom dump, ~%s rows, %.1f s)\n' \
    "$source_db" "$scratch_db" "$size" "$rows" "$(awk "BEGIN{print $finished - $started}")"
else
  echo "backup/restore MISMATCH between $source_db and its restore:" >&2
  diff "$work/before.sql" "$work/after.sql" | head -40 >&2
  exit 1
fi
