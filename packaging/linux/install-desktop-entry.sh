#!/bin/sh
# Add MG Studio to the applications menu of the current user (no root needed).
# Usage: sh install-desktop-entry.sh [PATH/TO/mgstudio]   (default: the bundle this script is in)
set -e
here=$(cd "$(dirname "$0")" && pwd)
exe=${1:-"$here/mgstudio"}
[ -x "$exe" ] || { echo "MG Studio program not found at $exe" >&2; exit 1; }
exe=$(cd "$(dirname "$exe")" && pwd)/$(basename "$exe")
apps="${XDG_DATA_HOME:-$HOME/.local/share}/applications"
icons="${XDG_DATA_HOME:-$HOME/.local/share}/icons/hicolor"
mkdir -p "$apps"
for size in 48 128 256; do
  src=$(ls "$here"/_internal/resources/icons/mgstudio-$size.png "$here"/../../resources/icons/mgstudio-$size.png 2>/dev/null | head -n 1)
  if [ -n "$src" ]; then
    mkdir -p "$icons/${size}x${size}/apps"
    cp "$src" "$icons/${size}x${size}/apps/mgstudio.png"
  fi
done
desktop=$(ls "$here"/mgstudio.desktop "$here"/linux/mgstudio.desktop 2>/dev/null | head -n 1)
sed "s|^Exec=.*|Exec=\"$exe\" gui|" "$desktop" > "$apps/mgstudio.desktop"
chmod 644 "$apps/mgstudio.desktop"
command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database "$apps" || true
echo "MG Studio added to the applications menu ($apps/mgstudio.desktop)."
