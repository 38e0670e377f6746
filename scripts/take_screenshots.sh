#!/usr/bin/env bash
# Screenshots for the README, taken from the real app in Xvfb and driven with xdotool.
# Needs: xvfb xdotool imagemagick. Usage: scripts/take_screenshots.sh [OUT_DIR]
set -euo pipefail
out=$(realpath "${1:-docs}")
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/config"
printf '[app]\nwelcome_seen=true\n' > "$tmp/config/psoas-desktop.ini"
app=$(dirname "$0")/../.venv/bin/psoas-desktop

xvfb-run -a -s "-screen 0 1280x800x24" bash -c "
  set -e
  export QT_QPA_PLATFORM=xcb
  '$app' --data-dir '$tmp/data' --config-dir '$tmp/config' --start psoas-3 --level standard &
  pid=\$!
  win=\$(xdotool search --sync --onlyvisible --name '^Psoas Desktop\$' | head -1)
  xdotool windowfocus --sync \$win
  xdotool key shift+Right                        # skip the warm-up: on to the Bridge
  sleep 9                                        # get ready (5 s) and the lift (2 s) run into the hold
  import -window root '$out/main-window.png'
  xdotool key F11; sleep 1.5
  import -window root '$out/mat-mode.png'
  xdotool key Escape; sleep 1
  xdotool key ctrl+m; sleep 1.5
  import -window root '$out/compact-mode.png'
  kill \$pid
"
# The history window over four months of demo sessions.
"$(dirname "$0")/../.venv/bin/python" "$(dirname "$0")/seed_demo_history.py" "$tmp/demo"
xvfb-run -a -s "-screen 0 1280x800x24" bash -c "
  set -e
  export QT_QPA_PLATFORM=xcb
  '$app' --data-dir '$tmp/demo' --config-dir '$tmp/config' &
  pid=\$!
  win=\$(xdotool search --sync --onlyvisible --name '^Psoas Desktop\$' | head -1)
  xdotool windowfocus --sync \$win
  sleep 2.5                                      # the idle-time history preparation
  xdotool key ctrl+h; sleep 2
  history=\$(xdotool search --sync --onlyvisible --name '^History\$' | head -1)
  import -window \$history '$out/history.png'      # the history window alone, not the screen
  kill \$pid
"
echo "screenshots in $out"
