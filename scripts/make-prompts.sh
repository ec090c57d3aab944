#!/usr/bin/env bash
# Regenerate the IVR prompts in prompts/ from prompts/texts.tsv (name<TAB>text).
#
# Each text is spoken by espeak-ng with its Polish voice and converted by sox to
# what Asterisk plays without transcoding: WAV, 8 kHz, mono, 16-bit signed.
# The WAVs are committed: run this only after changing a text (or to add one),
# on a machine with the two tools (Debian/Ubuntu: apt-get install espeak-ng sox).
# ccengine itself never needs them.
#
# Usage: scripts/make-prompts.sh [TEXTS.tsv [OUT_DIR]]
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
texts="${1:-$root/prompts/texts.tsv}"
out="${2:-$root/prompts}"
voice="${ESPEAK_VOICE:-pl}"
speed="${ESPEAK_SPEED:-150}"   # words a minute; a little slower than espeak's 175 for the phone

for tool in espeak-ng sox; do
    if ! command -v "$tool" >/dev/null; then
        echo "make-prompts: $tool not found (apt-get install espeak-ng sox)" >&2
        exit 1
    fi
done

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$out"

made=0
while IFS=$'\t' read -r name text || [[ -n "${name:-}" ]]; do
    [[ -z "$name" || "$name" == \#* ]] && continue
    # The names the route graph accepts for a prompt (ccengine/routes/model.py).
    if [[ ! "$name" =~ ^[a-z0-9][a-z0-9_-]*$ || -z "${text:-}" ]]; then
        echo "make-prompts: $texts: bad line for '$name' (want name<TAB>text)" >&2
        exit 1
    fi
    espeak-ng -v "$voice" -s "$speed" -w "$work/$name.wav" -- "$text"
    # Resample to 8 kHz mono 16-bit and level the loudness to -3 dBFS peak.
    # -D: no dither, so the same text always gives the same bytes (no noise in diffs).
    sox -D "$work/$name.wav" -r 8000 -c 1 -b 16 -e signed-integer "$out/$name.wav" gain -n -3
    echo "$out/$name.wav"
    made=$((made + 1))
done < "$texts"

# The beep before a voicemail message: our own, so that voicemail does not depend on
# Asterisk's core sounds (RECORD FILE's BEEP option fails without them).
mkdir -p "$out/tones"
sox -D -n -r 8000 -c 1 -b 16 -e signed-integer "$out/tones/beep.wav" \
    synth 0.3 sine 1000 fade 0.01 0.3 0.01 gain -n -6
echo "$out/tones/beep.wav"

echo "make-prompts: $made prompt(s) and the beep written to $out" >&2
