#!/bin/sh
# sweep-vs-grep.sh: time `renkei sweep` against `grep -F -w -f` with the same
# indicators on the same generated JSON-lines log, in one run.
#
#   bench/sweep-vs-grep.sh [LINES] [INDICATORS]     (default 1000000 200000)
#   RENKEI=/path/to/renkei bench/sweep-vs-grep.sh    (use a prebuilt binary)
#
# Both tools get the same plain indicator list (IPv4 addresses, /24 CIDRs and
# domains). grep can only find literal strings: it misses every address inside
# a CIDR, and with -w it also reports look-alike names (evil.example.cdn-edge.net)
# that are not matches. renkei reports one object per (record, indicator).
set -eu
LINES=${1:-1000000}
INDS=${2:-200000}
cd "$(dirname "$0")/.."
DIR=$(mktemp -d "${TMPDIR:-/tmp}/sweep-vs-grep.XXXXXX")
trap 'rm -rf "$DIR"' EXIT

if [ -n "${RENKEI:-}" ]; then
	cp "$RENKEI" "$DIR/renkei"   # a prebuilt binary
else
	echo "building renkei…"
	CGO_ENABLED=0 go build -o "$DIR/renkei" ./cmd/renkei
fi
CGO_ENABLED=0 go build -o "$DIR/gen" ./internal/match/gen
"$DIR/gen" -lines "$LINES" -indicators "$INDS" -out "$DIR"
ls -l "$DIR/indicators.txt" "$DIR/logs.jsonl" | awk '{print $5, $9}'

now() { date +%s.%N; }

# CPU seconds (user+sys) are measured too: on a shared machine they say what
# each tool costs however busy the other cores are.
t0=$(now)
/usr/bin/time -f "%U %S" -o "$DIR/sweep.time" "$DIR/renkei" sweep --at none -i "$DIR/indicators.txt" "$DIR/logs.jsonl" >"$DIR/sweep.out" 2>"$DIR/sweep.err"
t1=$(now)
LC_ALL=C /usr/bin/time -f "%U %S" -o "$DIR/grep.time" grep -F -w -f "$DIR/indicators.txt" "$DIR/logs.jsonl" >"$DIR/grep.out" || true
t2=$(now)

sweep_s=$(echo "$t1 - $t0" | bc -l)
grep_s=$(echo "$t2 - $t1" | bc -l)
sweep_cpu=$(awk '{print $1 + $2}' "$DIR/sweep.time")
grep_cpu=$(awk '{print $1 + $2}' "$DIR/grep.time")
sweep_matches=$(wc -l <"$DIR/sweep.out")
sweep_lines=$(grep -o '"line":[0-9]*' "$DIR/sweep.out" | sort -u | wc -l)
grep_lines=$(wc -l <"$DIR/grep.out")
cidr_hits=$(grep -c '"indicator_kind":"cidr"' "$DIR/sweep.out" || true)
sub_hits=$(grep '"indicator_kind":"domain"' "$DIR/sweep.out" | grep -vc '"value":"\([^"]*\)","kind":"domain","indicator":"\1"' || true)
lookalike=$(grep -c 'cdn-edge.net' "$DIR/grep.out" || true)

printf '\n%-20s %10s %12s %12s %12s\n' tool wall-s cpu-s matches lines
printf '%-20s %10.2f %12.2f %12d %12d\n' "renkei sweep" "$sweep_s" "$sweep_cpu" "$sweep_matches" "$sweep_lines"
printf '%-20s %10.2f %12.2f %12s %12d\n' "grep -F -w -f" "$grep_s" "$grep_cpu" "-" "$grep_lines"
printf '\nrenkei sweep is %.1fx faster than grep (wall clock, renkei on all cores, grep on one)\n' "$(echo "$grep_s / $sweep_s" | bc -l)"
printf 'renkei sweep uses %.1fx less CPU than grep\n' "$(echo "$grep_cpu / $sweep_cpu" | bc -l)"
echo "renkei: $cidr_hits hits on addresses inside CIDR indicators (grep cannot find these)"
echo "renkei: $sub_hits hits on subdomains and URL hosts below a domain indicator"
echo "grep:   $lookalike lines reported only because an indicator appears inside a longer name (look-alikes, false positives)"
tail -1 "$DIR/sweep.err"
