#!/usr/bin/env bash
# Request Tracker 5's own schema files, from Debian's request-tracker5 package (5.0.3 in Debian 12).
#
#   tests/rt5/fetch_schema.sh DEST
#
# Writes DEST/schema.Pg, DEST/schema.mysql, DEST/schema.SQLite and DEST/VERSION (the package's
# version). RT's files are never committed: the package is fetched at test time with
# `apt-get download` into DEST/deb/ and kept there; a DEST that has the three files is left alone.
set -euo pipefail
dest=${1:?usage: tests/rt5/fetch_schema.sh DEST}
files=(schema.Pg schema.mysql schema.SQLite)
missing=0
for f in "${files[@]}"; do [ -s "$dest/$f" ] || missing=1; done
[ "$missing" = 0 ] && exit 0

mkdir -p "$dest/deb"
dest=$(cd "$dest" && pwd)
cd "$dest/deb"
if ! compgen -G 'request-tracker5_*.deb' >/dev/null; then
  # As root apt warns that its _apt sandbox user cannot write here; the download works all the same.
  # Without package lists (an image that removed them) apt knows no package: as root, fetch the lists once.
  if ! apt-get download request-tracker5 >download.log 2>&1 &&
     ! { [ "$(id -u)" = 0 ] && apt-get update -qq >>download.log 2>&1 &&
         apt-get download request-tracker5 >>download.log 2>&1; }; then
    echo "fetch_schema: apt-get download request-tracker5 failed:" >&2
    cat download.log >&2
    exit 1
  fi
fi
deb=$(compgen -G 'request-tracker5_*.deb' | head -n1)
rm -rf x
dpkg-deb -x "$deb" x
for f in "${files[@]}"; do
  cp "x/usr/share/request-tracker5/etc/$f" "$dest/$f.part"
  mv "$dest/$f.part" "$dest/$f"
done
dpkg-deb -f "$deb" Version > "$dest/VERSION"
rm -rf x
echo "fetch_schema: RT $(cat "$dest/VERSION") schema files in $dest" >&2
