#!/usr/bin/env bash
# Fetch ONNX Runtime's C/C++ headers from Debian's libonnxruntime-dev into a
# git-ignored folder, under a private apt configuration: the system's sources,
# lists, cache and dpkg status are never read or written.
#   usage: fetch-ort-headers.sh [dest]   (default: custom-ops/third_party/ort)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
dest=${1:-$here/third_party/ort}
if [ -f "$dest/include/onnxruntime_c_api.h" ]; then
  echo "ORT headers already present in $dest"; exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$work/parts" "$work/prefs"
# sid first (1.23.x), trixie (1.21.0) as fallback.
for suite in sid trixie; do
  cat > "$work/ort.sources" <<SRC
Types: deb
URIs: http://deb.debian.org/debian
Suites: $suite
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
  apt_opts=(-o "Dir::Etc::SourceList=$work/ort.sources" -o "Dir::Etc::SourceParts=$work/parts"
            -o "Dir::Etc::Preferences=$work/prefs/none" -o "Dir::Etc::PreferencesParts=$work/prefs"
            -o "Dir::State::Lists=$work/lists" -o "Dir::Cache=$work/cache"
            -o "Dir::State::status=/dev/null" -o "APT::Architecture=amd64" -o "Debug::NoLocking=1")
  if apt-get "${apt_opts[@]}" -qq update >"$work/update.log" 2>&1 &&
     (cd "$work" && apt-get "${apt_opts[@]}" -qq download libonnxruntime-dev >>"$work/update.log" 2>&1); then
    deb=$(ls "$work"/libonnxruntime-dev_*.deb)
    echo "fetched $(basename "$deb") from $suite"
    dpkg -x "$deb" "$work/x"
    inc=$(dirname "$(find "$work/x" -name onnxruntime_c_api.h | head -1)")
    mkdir -p "$dest/include"
    cp -r "$inc"/. "$dest/include/"
    basename "$deb" > "$dest/VERSION"
    echo "ORT headers installed in $dest"
    exit 0
  fi
  echo "libonnxruntime-dev not available from $suite:" >&2; tail -3 "$work/update.log" >&2
done
echo "error: could not fetch libonnxruntime-dev from Debian (sid or trixie)" >&2
exit 1
