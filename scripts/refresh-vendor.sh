#!/usr/bin/env bash
# Refresh the vendored Bootstrap under static/vendor/bootstrap/ from the npm registry, and its SHA256SUMS.
#
#   scripts/refresh-vendor.sh            re-download the pinned version and check it against SHA256SUMS
#   scripts/refresh-vendor.sh 5.3.9      move to another version: rewrites the files and SHA256SUMS
#
# Only the files the templates use are kept (the CSS, the JS bundle with Popper, their source maps, which
# collectstatic's manifest storage follows, and the licence). tests/test_vendor.py checks them against SHA256SUMS.
set -euo pipefail
cd "$(dirname "$0")/.."

PINNED_VERSION=5.3.8
VERSION=${1:-$PINNED_VERSION}
DEST=static/vendor/bootstrap
FILES=(
  LICENSE
  dist/css/bootstrap.min.css
  dist/css/bootstrap.min.css.map
  dist/js/bootstrap.bundle.min.js
  dist/js/bootstrap.bundle.min.js.map
)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# npm pack checks the tarball against the registry's integrity hash before writing it.
(cd "$work" && npm pack --silent "bootstrap@$VERSION" >/dev/null)
tar -xzf "$work/bootstrap-$VERSION.tgz" -C "$work"

rm -rf "$DEST"
mkdir -p "$DEST/css" "$DEST/js"
for file in "${FILES[@]}"; do
  cp "$work/package/$file" "$DEST/${file#dist/}"
done
printf 'bootstrap@%s from the npm registry (scripts/refresh-vendor.sh)\n' "$VERSION" >"$DEST/VERSION"

(cd "$DEST" && find . -type f ! -name SHA256SUMS | sed 's|^\./||' | LC_ALL=C sort | xargs sha256sum) >"$work/SHA256SUMS"

if [ "$VERSION" = "$PINNED_VERSION" ] && git cat-file -e "HEAD:$DEST/SHA256SUMS" 2>/dev/null; then
  # Same version: what the registry serves now must match what was committed.
  if ! git show "HEAD:$DEST/SHA256SUMS" | diff -u - "$work/SHA256SUMS"; then
    echo "bootstrap@$VERSION from the registry differs from the committed SHA256SUMS" >&2
    exit 1
  fi
fi
cp "$work/SHA256SUMS" "$DEST/SHA256SUMS"
(cd "$DEST" && sha256sum --check --quiet SHA256SUMS)
echo "static/vendor/bootstrap: bootstrap@$VERSION, checksums in $DEST/SHA256SUMS"
if [ "$VERSION" != "$PINNED_VERSION" ]; then
  echo "Now set PINNED_VERSION=$VERSION in $0 and commit both."
fi
