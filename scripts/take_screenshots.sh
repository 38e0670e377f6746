#!/usr/bin/env bash
# Screenshots for the README, taken from the real app in Xvfb and driven with xdotool.
# Needs: xvfb xdotool imagemagick. Usage: scripts/take_screenshots.sh [OUT_DIR]
#
# The session runs with the app's clock ten times faster (nothing else changed), so that a side change and
# an end screen are reached within seconds; the screens are the ones a user sees.
set -euo pipefail
out=$(realpath "${1:-docs}")
here=$(realpath "$(dirname "$0")/..")
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for config in config config2; do  # the second run must not reopen at the first run's 800x600
  mkdir -p "$tmp/$config"
  printf '[app]\nwelcome_seen=true\n' > "$tmp/$config/psoas-desktop.ini"
done
python="$here/.venv/bin/python"
fast_app="$tmp/fast_app.py"
"$python" - "$fast_app" <<'EOF'
import sys
sys.path.insert(0, "tests")
from helpers.app_process import FAST_CLOCK_CODE
open(sys.argv[1], "w").write(FAST_CLOCK_CODE)
EOF
app="$here/.venv/bin/psoas-desktop"

shoot_window() {  # the first visible window titled $1, alone
  local win
  win=$(xdotool search --sync --onlyvisible --name "$1" | head -1)
  import -window "$win" "$2"
}

xvfb-run -a -s "-screen 0 1280x800x24" bash -c "
  set -e
  export QT_QPA_PLATFORM=xcb
  $(declare -f shoot_window)
  '$app' --data-dir '$tmp/idle' --config-dir '$tmp/config' &
  pid=\$!
  win=\$(xdotool search --sync --onlyvisible --name '^Psoas Desktop\$' | head -1)
  xdotool windowfocus --sync \$win; sleep 1.5
  import -window root '$out/idle.png'
  xdotool key ctrl+comma; sleep 1.5
  shoot_window '^Settings\$' '$out/settings.png'
  xdotool key Escape; sleep 0.5
  xdotool windowsize \$win 800 600; sleep 1.5
  import -window \$win '$out/small-window.png'
  kill \$pid; wait \$pid || true

  cd '$here'
  '$python' '$fast_app' --data-dir '$tmp/data' --config-dir '$tmp/config2' --start quick-stretch &
  pid=\$!
  win=\$(xdotool search --sync --onlyvisible --name '^Psoas Desktop\$' | head -1)
  xdotool windowfocus --sync \$win
  sleep 3.9                                      # x10: get ready, the right side's hold, the switch
  import -window root '$out/main-window.png'     # the left side's hold
  xdotool key F11; sleep 1
  import -window root '$out/mat-mode.png'
  xdotool key Escape; sleep 0.5
  xdotool key ctrl+m; sleep 1
  import -window root '$out/compact-mode.png'
  xdotool key ctrl+m; sleep 0.5
  xdotool key s; sleep 1; xdotool key y; sleep 1.5  # stopped in set 2: the check-in, then the summary
  xdotool key Escape; sleep 1.5
  import -window root '$out/end-summary.png'
  kill \$pid; wait \$pid || true
"
# The history window over four months of demo sessions.
"$python" "$here/scripts/seed_demo_history.py" "$tmp/demo"
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
  kill \$pid; wait \$pid || true
"
# Two laptops in one history: the Sessions tab with each device's colour and name.
"$python" "$here/scripts/seed_demo_devices.py" "$tmp/devices"
xvfb-run -a -s "-screen 0 1280x800x24" bash -c "
  set -e
  export QT_QPA_PLATFORM=xcb
  '$app' --data-dir '$tmp/devices' --config-dir '$tmp/config' &
  pid=\$!
  win=\$(xdotool search --sync --onlyvisible --name '^Psoas Desktop\$' | head -1)
  xdotool windowfocus --sync \$win
  sleep 2.5
  xdotool key ctrl+h; sleep 2
  history=\$(xdotool search --sync --onlyvisible --name '^History\$' | head -1)
  xdotool key alt+s; sleep 1                       # the Sessions tab
  import -window \$history '$out/history-devices.png'
  kill \$pid; wait \$pid || true
"
# A routine of one's own: the import preview of a file, then the editor with it.
mkdir -p "$tmp/config3"
printf '[app]\nwelcome_seen=true\n' > "$tmp/config3/psoas-desktop.ini"
cp "$here/scripts/demo_routine.json" "$tmp/evening-hips.psoas-routine.json"
xvfb-run -a -s "-screen 0 1280x800x24" bash -c "
  set -e
  export QT_QPA_PLATFORM=xcb
  $(declare -f shoot_window)
  '$app' --data-dir '$tmp/routines' --config-dir '$tmp/config3' &
  pid=\$!
  win=\$(xdotool search --sync --onlyvisible --name '^Psoas Desktop\$' | head -1)
  xdotool windowfocus --sync \$win; sleep 1.5
  xdotool key ctrl+i; sleep 1.5                   # Import routine…: the file dialog
  xdotool type --delay 20 '$tmp/evening-hips.psoas-routine.json'; xdotool key Return; sleep 1.5
  shoot_window '^Import routine\$' '$out/routine-import.png'
  xdotool key Return; sleep 1.5                   # Import: saved and selected
  xdotool key ctrl+shift+e; sleep 1.5             # Edit routine…
  editor=\$(xdotool search --sync --onlyvisible --name '^Edit routine\$' | head -1)
  xdotool windowfocus --sync \$editor; sleep 0.3
  xdotool key alt+x Down Down; sleep 0.8          # the wall stretch's item: its 35 s is off the guide
  import -window \$editor '$out/routine-editor.png'
  kill \$pid; wait \$pid || true
"
echo "screenshots in $out"
