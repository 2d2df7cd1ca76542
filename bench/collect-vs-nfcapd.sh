#!/usr/bin/env bash
# collect-vs-nfcapd.sh — replay a pcap through softflowd to both `renkei collect`
# and nfcapd (nfdump) on loopback, and compare what each received.
#
# Usage: bench/collect-vs-nfcapd.sh [PCAP] [NETFLOW_VERSION]
#   PCAP             default: the Zeek echo-connections trace from ../shared/corpora;
#                    "synthetic:N" generates a pcap with N distinct UDP flows (burst test)
#   NETFLOW_VERSION  9 (default), 5 or 10 (IPFIX)
# Environment: RENKEI=path/to/renkei (default: go build ./cmd/renkei)
# Needs: softflowd, nfcapd and nfdump (Debian packages softflowd, nfdump), python3 for synthetic.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
pcap=${1:-$here/../shared/corpora/zeek-traces/testing/btest/Traces/echo-connections.pcap.gz}
version=${2:-9}
for t in softflowd nfcapd nfdump; do
	command -v "$t" >/dev/null || { echo "missing $t (apt-get install -y softflowd nfdump)" >&2; exit 2; }
done

tmp=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$tmp"; }
trap cleanup EXIT
[[ -n "${KEEP:-}" ]] && trap - EXIT && echo "keeping $tmp" >&2

if [[ -z "${RENKEI:-}" ]]; then
	(cd "$here" && CGO_ENABLED=0 go build -o "$tmp/renkei" ./cmd/renkei)
	RENKEI=$tmp/renkei
fi

case "$pcap" in
synthetic:*)
	n=${pcap#synthetic:}
	python3 - "$n" "$tmp/synthetic.pcap" <<'PY'
import struct, sys
n, out = int(sys.argv[1]), sys.argv[2]
with open(out, "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
    for i in range(n):
        payload = b"\0" * 32
        udp = struct.pack("!HHHH", 1024 + i % 60000, 53, 8 + len(payload), 0) + payload
        src = bytes([10, (i >> 16) & 255, (i >> 8) & 255, i & 255])
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0, src, bytes([192, 0, 2, 1])) + udp
        frame = b"\x02\0\0\0\0\x02\x02\0\0\0\0\x01\x08\x00" + ip
        ts = 1700000000 + i // 100000
        f.write(struct.pack("<IIII", ts, (i % 100000) * 10, len(frame), len(frame)) + frame)
PY
	pcap=$tmp/synthetic.pcap
	;;
*.gz)
	gunzip -c "$pcap" >"$tmp/replay.pcap"
	pcap=$tmp/replay.pcap
	;;
esac

mkdir -p "$tmp/nfcapd"
"$RENKEI" collect --listen udp://127.0.0.1:29995 --out "$tmp/renkei.jsonl" 2>"$tmp/renkei.err" &
pids+=($!)
renkei_pid=$!
nfcapd -b 127.0.0.1 -p 29996 -w "$tmp/nfcapd" -B 67108864 -t 3600 >"$tmp/nfcapd.log" 2>&1 &
pids+=($!)
nfcapd_pid=$!
sleep 1

# replay PORT: softflowd reads the pcap, then on "shutdown" exports every flow
# to 127.0.0.1:PORT as one burst and exits. Prints the seconds from start to exit.
replay() {
	local port=$1 ctl=$tmp/softflowd.$1.ctl
	softflowd -d -r "$pcap" -v "$version" -m 4000000 -t maxlife=86400 -t general=86400 -t udp=86400 -t tcp=86400 \
		-n "127.0.0.1:$port" -p "$tmp/softflowd.$port.pid" -c "$ctl" >"$tmp/softflowd.$port.log" 2>&1 &
	local pid=$! last=-1 now t0 t1
	t0=$(date +%s.%N)
	# softflowd 1.1.0 reading a file blocks on its control socket between
	# batches of 8192 packets: poke it until the packet count stops growing.
	while kill -0 "$pid" 2>/dev/null; do
		if [[ -S "$ctl" ]]; then
			now=$(softflowctl -c "$ctl" statistics 2>/dev/null | awk '/Packets processed/ {print $3}')
			[[ -n "$now" && "$now" == "$last" && "$now" != 0 ]] && break
			last=${now:--1}
		else
			sleep 0.1
		fi
	done
	softflowctl -c "$ctl" shutdown >/dev/null 2>&1 || true # exports all flows (if not already done at EOF)
	wait "$pid" || true
	t1=$(date +%s.%N)
	echo "$t1 - $t0" | bc -l
}
r_secs=$(replay 29995)
n_secs=$(replay 29996)
sleep 1
kill -INT "$renkei_pid"
kill -TERM "$nfcapd_pid"
wait "$renkei_pid" || true
wait "$nfcapd_pid" || true
pids=()

r_records=$(wc -l <"$tmp/renkei.jsonl")
r_sum=$(awk -F'"packets":' '{split($2,a,","); p+=a[1]} END {print p+0}' "$tmp/renkei.jsonl")
n_records=$(nfdump -R "$tmp/nfcapd" -q -N -o 'fmt:%pkt' | grep -c '^ *[0-9]' || true)
n_sum=$(nfdump -R "$tmp/nfcapd" -q -N -o 'fmt:%pkt' | awk '{p+=$1} END {print p+0}')

# flow-level comparison: the same 5-tuples with the same packets and bytes
tuples_json() {
	python3 -c '
import json, sys
for line in sys.stdin:
    r = json.loads(line)
    print(r["src_addr"], r["src_port"], r["dst_addr"], r["dst_port"], r["packets"], r["bytes"])' | sort
}
tuples_json <"$tmp/renkei.jsonl" >"$tmp/renkei.tuples"
nfdump -R "$tmp/nfcapd" -q -N -6 -o 'fmt:%sa %sp %da %dp %pkt %byt' |
	awk 'NF == 6 { if ($4 ~ /\./) { split($4, ic, "."); $2 = ic[1]; $4 = ic[2] } print $1, $2, $3, $4, $5, $6 }' | sort >"$tmp/nfdump.tuples"   # ICMP: nfdump prints type.code
"$RENKEI" flows from-pcap "$pcap" 2>/dev/null | tuples_json >"$tmp/frompcap.tuples"
same_collect=$(comm -12 "$tmp/renkei.tuples" "$tmp/nfdump.tuples" | wc -l)
# softflowd counts captured bytes after the link header, so Ethernet padding of
# short frames is included; renkei counts the IP total length (NetFlow's "layer 3
# bytes"). Compare from-pcap on 5-tuple and packets, and report bytes apart.
same_pcap=$(comm -12 <(cut -d' ' -f1-5 "$tmp/frompcap.tuples") <(cut -d' ' -f1-5 "$tmp/nfdump.tuples") | wc -l)
same_pcap_bytes=$(comm -12 "$tmp/frompcap.tuples" "$tmp/nfdump.tuples" | wc -l)

echo "pcap:                 $pcap ($(basename "$pcap"))"
echo "netflow version:      $version"
echo "renkei collect:       $r_records records, $r_sum packets, softflowd run ${r_secs}s (≥ $(echo "$r_records / $r_secs" | bc) flows/s)"
echo "                      $(tail -1 "$tmp/renkei.err")"
echo "nfcapd/nfdump:        $n_records records, $n_sum packets, softflowd run ${n_secs}s (≥ $(echo "$n_records / $n_secs" | bc) flows/s)"
echo "identical flows:      collect vs nfdump $same_collect/$n_records (5-tuple, packets, bytes)"
echo "renkei from-pcap:     $(wc -l <"$tmp/frompcap.tuples") flows straight from the pcap; same 5-tuple and packets as softflowd's: $same_pcap/$n_records (same bytes too: $same_pcap_bytes)"
# Verdict: whoever received fewer records than the other lost them (both were
# sent the same flows by the same softflowd replay).
ref=$(( r_records > n_records ? r_records : n_records ))
echo "lost:                 renkei collect $((ref - r_records)), nfcapd $((ref - n_records)) (of $ref)"
if [[ "$r_records" -lt "$ref" || "$same_collect" != "$n_records" ]]; then
	echo "result:               renkei collect lost or changed records"
	exit 1
fi
echo "result:               renkei collect received every record nfcapd did, identical flow by flow"
