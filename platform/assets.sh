#!/usr/bin/env bash
# Re-fetch the front-end assets listed in core/static/vendor/assets.lock.json from the npm
# registry at their pinned versions, check the registry's integrity hash, and copy the files
# into core/static/vendor/. Needs npm; the app itself never fetches anything at run time.
set -euo pipefail
cd "$(dirname "$0")/.."
lock=core/static/vendor/assets.lock.json
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
python3 - "$lock" <<'PY' > "$work/list"
import json, sys
for name, spec in json.load(open(sys.argv[1])).items():
    if name.startswith("_"):
        continue
    for source, target in spec["files"].items():
        print(name, spec["version"], spec["integrity"], source, target)
PY
while read -r name version integrity source target; do
  tarball="$work/$(basename "$name")-$version.tgz"
  if [ ! -f "$tarball" ]; then
    (cd "$work" && npm pack --silent "$name@$version" >/dev/null)
    actual="sha512-$(openssl dgst -sha512 -binary "$tarball" | base64 -w0)"
    [ "$actual" = "$integrity" ] || { echo "$name@$version: integrity mismatch" >&2; exit 1; }
    mkdir -p "$work/$name" && tar xzf "$tarball" -C "$work/$name"
  fi
  mkdir -p "core/static/vendor/$(dirname "$target")"
  cp "$work/$name/$source" "core/static/vendor/$target"
  echo "$name@$version: $target"
done < "$work/list"
