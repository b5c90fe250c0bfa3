#!/usr/bin/env bash
# Back up everything the system holds: the PostgreSQL database and the documents folder.
#   DATABASE_URL=postgres://... DJANGO_MEDIA_ROOT=/srv/mutualaid/media scripts/backup.sh /backups
# Writes /backups/mutualaid-YYYYmmdd-HHMMSS/{db.dump,media.tar.gz,SHA256SUMS}. Restore with scripts/restore.sh.
set -euo pipefail
target_root=${1:?usage: scripts/backup.sh TARGET_DIRECTORY}
: "${DATABASE_URL:?DATABASE_URL must name the database to back up}"
media=${DJANGO_MEDIA_ROOT:-$(cd "$(dirname "$0")/.." && pwd)/media}
target="$target_root/mutualaid-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$target"
# Custom format: compressed, restorable table by table, consistent (one snapshot) while the system runs.
pg_dump --format=custom --no-owner --file="$target/db.dump" "$DATABASE_URL"
if [ -d "$media" ]; then
  tar -C "$media" -czf "$target/media.tar.gz" .
else
  tar -czf "$target/media.tar.gz" --files-from /dev/null
fi
(cd "$target" && sha256sum db.dump media.tar.gz > SHA256SUMS)
echo "$target"
