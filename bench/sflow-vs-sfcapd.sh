#!/usr/bin/env bash
# sflow-vs-sfcapd.sh — send the same sFlow v5 datagrams to `renkei collect` and to
# sfcapd (Debian package nfdump-sflow) and compare the flows each decoded.
# The datagrams are written here in Python straight from sflow_version_5.txt, not
# with Renkei's code, so the comparison checks Renkei against an independent
# encoder and an independent decoder.
#
# Usage: bench/sflow-vs-sfcapd.sh [DATAGRAMS]      (default 2000)
# Environment: RENKEI=path/to/renkei (default: go build ./cmd/renkei)
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
n=${1:-2000}
for t in sfcapd nfdump python3; do
	command -v "$t" >/dev/null || { echo "missing $t (apt-get install -y nfdump-sflow)" >&2; exit 2; }
done
tmp=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$tmp"; }
trap cleanup EXIT
if [[ -z "${RENKEI:-}" ]]; then
	(cd "$here" && CGO_ENABLED=0 go build -o "$tmp/renkei" ./cmd/renkei)
	RENKEI=$tmp/renkei
fi

mkdir -p "$tmp/sfcapd"
"$RENKEI" collect --listen udp://127.0.0.1:26343 --out "$tmp/renkei.jsonl" 2>"$tmp/renkei.err" &
pids+=($!)
renkei_pid=$!
sfcapd -b 127.0.0.1 -p 26344 -w "$tmp/sfcapd" -B 67108864 -t 3600 >"$tmp/sfcapd.log" 2>&1 &
pids+=($!)
sfcapd_pid=$!
sleep 1

python3 - "$n" <<'PY'
import socket, struct, sys, time
n = int(sys.argv[1])

def csum(b):
    if len(b) % 2: b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xffff); s += s >> 16
    return ~s & 0xffff

def ipv4(src, dst, proto, l4):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), 0, 0x4000, 64, proto, 0, src, dst)
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    return h + l4

def tcp(sp, dp, flags, payload):
    return struct.pack("!HHIIBBHHH", sp, dp, 1, 0, 5 << 4, flags, 1024, 0, 0) + payload

def udp(sp, dp, payload):
    return struct.pack("!HHHH", sp, dp, 8 + len(payload), 0) + payload

def eth(ip, etype=0x0800):
    return b"\x02\0\0\0\0\x02\x02\0\0\0\0\x01" + struct.pack("!H", etype) + ip

def opaque(b):
    return struct.pack("!I", len(b)) + b + b"\0" * (-len(b) % 4)

def raw_header_record(frame, header_bytes=128):
    h = frame[:header_bytes]
    body = struct.pack("!III", 1, len(frame) + 4, len(frame) - len(h)) + opaque(h)  # ethernet, frame_length incl. FCS
    return struct.pack("!II", 1, len(body)) + body

def flow_sample(seq, rate, records, inif=3, outif=5):
    body = struct.pack("!IIIIIIII", seq, 3, rate, seq * rate, 0, inif, outif, len(records)) + b"".join(records)
    return struct.pack("!II", 1, len(body)) + body

def counter_sample(seq):
    generic = struct.pack("!IIQIIIIIQIIIIIIIIIIII", 3, 6, 1000000000, 1, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)[:88]
    rec = struct.pack("!II", 1, len(generic)) + generic
    body = struct.pack("!III", seq, 3, 1) + rec
    return struct.pack("!II", 2, len(body)) + body

s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(n):
    samples = []
    for j in range(4):
        k = i * 4 + j
        src = bytes([10, (k >> 16) & 255, (k >> 8) & 255, k & 255])
        dst = bytes([192, 0, 2, 1 + j])
        if j % 2 == 0:
            frame = eth(ipv4(src, dst, 6, tcp(1024 + k % 50000, 443, 0x18, b"P" * (100 + j))))
        else:
            frame = eth(ipv4(src, dst, 17, udp(2000 + k % 50000, 53, b"Q" * (40 + j))))
        samples.append(flow_sample(k, 100, [raw_header_record(frame)]))
    samples.append(counter_sample(i))
    dg = struct.pack("!II4sIIII", 5, 1, bytes([192, 0, 2, 200]), 0, i, 1000 + i, len(samples)) + b"".join(samples)
    for port in (26343, 26344):
        s.sendto(dg, ("127.0.0.1", port))
    if i % 200 == 0:
        time.sleep(0.001)
PY
sleep 1
kill -INT "$renkei_pid"
kill -TERM "$sfcapd_pid"
wait "$renkei_pid" || true
wait "$sfcapd_pid" || true
pids=()

python3 -c '
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    print(r["src_addr"], r["src_port"], r["dst_addr"], r["dst_port"], r["proto"], r["packets"], r["bytes"])' "$tmp/renkei.jsonl" | sort >"$tmp/renkei.tuples"
nfdump -R "$tmp/sfcapd" -q -N -6 -o 'fmt:%sa %sp %da %dp %pr %pkt %byt' |
	awk 'NF == 7 { p = ($5 == "TCP") ? 6 : ($5 == "UDP") ? 17 : $5; print $1, $2, $3, $4, p, $6, $7 }' | sort >"$tmp/sfcapd.tuples"
r=$(wc -l <"$tmp/renkei.tuples")
s=$(wc -l <"$tmp/sfcapd.tuples")
same5=$(comm -12 <(cut -d' ' -f1-5 "$tmp/renkei.tuples") <(cut -d' ' -f1-5 "$tmp/sfcapd.tuples") | wc -l)
echo "sent:            $n sFlow datagrams, $((n * 4)) flow samples (rate 1/100), $n counter samples"
echo "renkei collect:  $r records; $(tail -1 "$tmp/renkei.err")"
echo "sfcapd/nfdump:   $s records"
# Renkei counts IP bytes (as NetFlow does); sfcapd counts sFlow's frame_length,
# which adds the 14-byte Ethernet header and the 4-byte FCS to every packet.
l2=$(join -j1 <(awk '{print $1"|"$2"|"$3"|"$4"|"$5, $6, $7}' "$tmp/renkei.tuples" | sort) \
	<(awk '{print $1"|"$2"|"$3"|"$4"|"$5, $6, $7}' "$tmp/sfcapd.tuples" | sort) |
	awk '$2 == $4 && $5 - $3 == 18 * $2 {ok++} END {print ok + 0}')
echo "same 5-tuple:    $same5; same packets, bytes differing exactly by the 18 L2 bytes per packet: $l2"
if [[ "$r" == "$((n * 4))" && "$same5" == "$r" && "$l2" == "$r" ]]; then
	echo "result:          every flow sample decoded as sfcapd decodes it"
else
	echo "result:          DIFFERENT"
	exit 1
fi
