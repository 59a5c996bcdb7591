#!/usr/bin/env bash
# Synthesises one device's clean soak stream: varied espeak-ng speech (many voices, speeds and pitches, loudness within
# ±6 dB of a realistic microphone level), door-slam and cough transients, long silences, and a room tone whose level
# wanders gently (a random walk within ±2 dB, at most 0.5 dB a minute). Repeatable from its seed.
#   tools/drift-soak-audio.sh <out.wav> <minutes> <seed>
set -euo pipefail
out=$1 minutes=$2 seed=$3
RANDOM=$seed
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

voices=(en-gb en-gb-scotland en-gb-x-gbclan en-gb-x-gbcwmd en-029 en-us-nyc en-gb+f1 en-gb+f3 en-gb+f4 en-gb+f5
    en-us+m1 en-us+m2 en-us+m4 en-us+m5 en-us+m6 en-us+m7 en-029+f2 en-us-nyc+f4 en-gb-scotland+m3 en-gb+Andy
    en-us+Annie en-gb+Edward en-us+Linda en-gb+Mike en-us+Paul en-gb+Steph en-us+Lee en-gb+Rob en-us+Zac en-gb+grandpa)
sentences=("good morning, how can i help you today" "the next train leaves from platform four"
    "please keep your ticket until the end of the journey" "the lift on the left goes to the car park"
    "could you repeat that a little slower" "my order number is four five seven two" "i think the heating is broken again"
    "we are closing in fifteen minutes" "the printer needs more paper" "can i pay by card here"
    "where is the nearest pharmacy" "the doors will open on the right hand side" "thank you, have a nice day"
    "turn the volume down a bit please" "is this seat taken" "the delivery van is waiting outside"
    "set an alarm for half past six" "what time does the museum open on saturday" "i left my keys at the reception desk"
    "the coffee machine on the third floor is out of order" "press the green button to confirm"
    "your appointment has been moved to thursday" "the parking meter only takes coins" "call the technician if it beeps twice"
    "the windows in the meeting room do not close" "our flight was delayed by two hours"
    "the soup of the day is tomato and basil" "please wait behind the yellow line" "a table for three, near the window"
    "remember to switch off the oven")
rate=16000
sox() { command sox -R "$@"; } # repeatable noise
seconds=$((minutes * 60))
total=0 i=0 parts=()
rand() { echo $((RANDOM % ($2 - $1 + 1) + $1)); } # min max
silence() { sox -n -r $rate -c 1 -b 16 "$1" trim 0 "$2"; }
while ((total < seconds * rate)); do
    part="$work/p$i.wav"
    pick=$((RANDOM % 20))
    if ((pick == 0)); then
        silence "$part" "$(rand 20 60)"                                   # a long silence
    elif ((pick == 1)); then                                              # a door slam: a loud low thud, fast decay
        sox -n -r $rate -c 1 -b 16 "$part" synth 0.25 brownnoise vol 0.5 fade q 0.002 0.25 0.22 lowpass 400 pad 0.3 0.8
    elif ((pick == 2)); then                                              # a cough: a short mid-band burst
        sox -n -r $rate -c 1 -b 16 "$part" synth 0.3 pinknoise vol 0.15 fade q 0.02 0.3 0.2 sinc 300-3000 pad 0.3 0.8
    else                                                                  # speech
        voice=${voices[RANDOM % ${#voices[@]}]}
        text=${sentences[RANDOM % ${#sentences[@]}]}
        espeak-ng -v "$voice" -s "$(rand 120 185)" -p "$(rand 30 70)" -w "$work/raw.wav" "$text"
        gain=$(( $(rand -6 6) - 12 ))
        sox "$work/raw.wav" -r $rate -c 1 -b 16 "$part" pad 0."$(rand 3 9)" "$(rand 0 2)".5 gain "$gain"
    fi
    parts+=("$part")
    total=$((total + $(soxi -s "$part")))
    i=$((i + 1))
done
sox "${parts[@]}" "$work/events.wav"
length=$(soxi -D "$work/events.wav")

# Room tone: pink noise in one-minute pieces whose level walks gently (±0.5 dB a minute, within ±2 dB).
level=0 tone=()
for ((m = 0; m * 60 < ${length%.*} + 60; m++)); do
    level=$((level + $(rand -1 1)))
    ((level > 4)) && level=4
    ((level < -4)) && level=-4
    sox -n -r $rate -c 1 -b 16 "$work/t$m.wav" synth 60 pinknoise vol 0.003 gain "$(echo "scale=2; $level / 2" | bc)"
    tone+=("$work/t$m.wav")
done
sox "${tone[@]}" "$work/tone.wav" trim 0 "$length"
sox -m -v 1 "$work/events.wav" -v 1 "$work/tone.wav" "$out"
echo "$out: $(soxi -D "$out" | cut -d. -f1) s, $i events"
