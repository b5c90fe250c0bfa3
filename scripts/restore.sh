#!/usr/bin/env bash
# Restore a backup made by scripts/backup.sh into an EMPTY database and documents folder.
#   DATABASE_URL=postgres://.../mutualaid_restored DJANGO_MEDIA_ROOT=/srv/restored/media scripts/restore.sh /backups/mutualaid-...
set -euo pipefail
source_dir=${1:?usage: scripts/restore.sh BACKUP_DIRECTORY}
: "${DATABASE_URL:?DATABASE_URL must name the (empty) database to restore into}"
media=${DJANGO_MEDIA_ROOT:?DJANGO_MEDIA_ROOT must name the documents folder to restore into}
(cd "$source_dir" && sha256sum --check --quiet SHA256SUMS)
pg_restore --no-owner --exit-on-error --single-transaction --dbname="$DATABASE_URL" "$source_dir/db.dump"
mkdir -p "$media"
tar -C "$media" -xzf "$source_dir/media.tar.gz"
echo "restored $(basename "$source_dir")"
