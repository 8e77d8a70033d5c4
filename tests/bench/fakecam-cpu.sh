#!/bin/sh
# fakecam-cpu.sh: CPU cost of nvr-fakecam serving N cameras' main streams to
# N RTSP clients over TCP (one gst-launch-1.0 process with N rtspsrc ! fakesink
# branches), measured from /proc/<pid>/stat over a window after a warm-up.
# The requirement (DESIGN.md §11, the fakecam brief): 16 cameras under 10 %
# of one core.
#
# usage: tests/bench/fakecam-cpu.sh [--cameras N] [--seconds S] [--warmup S]
#        [--fakecam PATH] [-- extra nvr-fakecam options, e.g. --mtu 8000]
set -eu

cameras=16
seconds=60
warmup=10
fakecam=""
while [ $# -gt 0 ]; do
	case "$1" in
	--cameras) cameras=$2; shift 2 ;;
	--seconds) seconds=$2; shift 2 ;;
	--warmup) warmup=$2; shift 2 ;;
	--fakecam) fakecam=$2; shift 2 ;;
	--) shift; break ;;
	*) echo "unknown option $1" >&2; exit 2 ;;
	esac
done
if [ -z "$fakecam" ]; then
	for b in "${NVR_FAKECAM:-}" build/nvr/fakecam/nvr-fakecam build-*/nvr/fakecam/nvr-fakecam; do
		if [ -n "$b" ] && [ -x "$b" ]; then fakecam=$b; break; fi
	done
fi
[ -x "$fakecam" ] || { echo "nvr-fakecam not found; pass --fakecam PATH" >&2; exit 2; }

work=$(mktemp -d)
fc_pid=""
client_pid=""
cleanup() {
	[ -n "$client_pid" ] && kill "$client_pid" 2>/dev/null || true
	[ -n "$fc_pid" ] && kill "$fc_pid" 2>/dev/null || true
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT INT TERM

# the clip is cached per user ($XDG_CACHE_HOME/nvr-fakecam), so only a first
# run pays for the encode; the line it prints says which it was
: >"$work/out"
"$fakecam" --persona hikvision,dahua,amcrest,axis,reolink,generic --cameras "$cameras" \
	"$@" >"$work/out" 2>"$work/err" &
fc_pid=$!
i=0
until grep -q '^ready$' "$work/out"; do
	i=$((i + 1))
	if [ $i -gt 600 ] || ! kill -0 "$fc_pid" 2>/dev/null; then
		cat "$work/err" >&2
		echo "nvr-fakecam did not get ready" >&2
		exit 1
	fi
	sleep 0.1
done
grep 'nvr-fakecam: clip' "$work/err" || true

branches=""
for url in $(sed -n 's/^camera [0-9]* .* rtsp=\([^ ]*\) .*/\1/p' "$work/out"); do
	branches="$branches rtspsrc location=\"$url\" protocols=tcp user-id=admin user-pw=fakecam latency=200 ! fakesink sync=false"
done
eval "exec gst-launch-1.0 -q $branches" >"$work/client.log" 2>&1 &
client_pid=$!

ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)
sleep "$warmup"
control=$(sed -n 's/^camera 1 .* control=\([^ ]*\).*/\1/p' "$work/out")
bytes() {
	curl -s "${control}cameras" |
		python3 -c 'import json, sys; print(sum(c["bytes_sent"] for c in json.load(sys.stdin)))'
}
fc0=$(ticks "$fc_pid"); cl0=$(ticks "$client_pid"); b0=$(bytes); t0=$(date +%s.%N)
sleep "$seconds"
fc1=$(ticks "$fc_pid"); cl1=$(ticks "$client_pid"); b1=$(bytes); t1=$(date +%s.%N)

kill -0 "$client_pid" 2>/dev/null || { cat "$work/client.log" >&2; echo "clients died" >&2; exit 1; }
awk -v fc=$((fc1 - fc0)) -v cl=$((cl1 - cl0)) -v hz="$hz" -v t0="$t0" -v t1="$t1" \
	-v b=$((b1 - b0)) -v n="$cameras" 'BEGIN {
	wall = t1 - t0
	printf "cameras %d, %d TCP clients, %.1f s measured after warm-up\n", n, n, wall
	printf "  media sent:        %.1f Mbit/s (%.2f per camera)\n", b * 8 / wall / 1e6, b * 8 / wall / 1e6 / n
	printf "  nvr-fakecam:       %5.1f %% of one core   (requirement: < 10 %%)\n", 100 * fc / hz / wall
	printf "  clients (rtspsrc): %5.1f %% of one core   (reference)\n", 100 * cl / hz / wall
	exit (100 * fc / hz / wall < 10) ? 0 : 1
}'
