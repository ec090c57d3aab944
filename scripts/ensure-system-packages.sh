#!/usr/bin/env bash
# Programs from Debian the project runs: ffmpeg (pydub loads and writes audio
# through it), sox and espeak-ng (prompts and the test recordings are spoken
# with them), chromium (the browser tests run in it). Installed once; a machine
# that has them is left alone.
set -euo pipefail

needed=()
command -v ffmpeg >/dev/null 2>&1 || needed+=(ffmpeg)
command -v sox >/dev/null 2>&1 || needed+=(sox)
command -v espeak-ng >/dev/null 2>&1 || needed+=(espeak-ng)
[ -x /usr/bin/chromium ] || needed+=(chromium)
[ ${#needed[@]} -eq 0 ] && exit 0

echo "ensure-system-packages: installing ${needed[*]} from Debian" >&2
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${needed[@]}" >/dev/null
