package flow

import (
	"errors"
	"fmt"
	"net/netip"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// packetInfo is what a packet contributes to a flow: headers only, never payload.
type packetInfo struct {
	src, dst     netip.Addr
	sport, dport uint16
	proto        uint8
	ipLen        uint32 // IP total length as the header states it (not the captured length)
	tcpFlags     uint8
	// udpPayload is set only for UDP; it is read solely to decode flow export
	// datagrams found in a capture and is never kept (rule C1).
	udpPayload []byte
}

// packetParser reads link, IP and transport headers with gopacket's
// DecodingLayerParser (no allocation per packet). It is not safe for
// concurrent use; each pcap reader or sFlow decoder owns one.
type packetParser struct {
	eth   layers.Ethernet
	dot1q layers.Dot1Q
	sll   layers.LinuxSLL
	sll2  layers.LinuxSLL2
	loop  layers.Loopback
	ip4   layers.IPv4
	ip6   layers.IPv6
	tcp   layers.TCP
	udp   layers.UDP
	icmp4 layers.ICMPv4
	icmp6 layers.ICMPv6

	parsers map[gopacket.LayerType]*gopacket.DecodingLayerParser
	decoded []gopacket.LayerType
}

func newPacketParser() *packetParser {
	p := &packetParser{parsers: map[gopacket.LayerType]*gopacket.DecodingLayerParser{}}
	return p
}

func (p *packetParser) parser(first gopacket.LayerType) *gopacket.DecodingLayerParser {
	if dp, ok := p.parsers[first]; ok {
		return dp
	}
	dp := gopacket.NewDecodingLayerParser(first,
		&p.eth, &p.dot1q, &p.sll, &p.sll2, &p.loop, &p.ip4, &p.ip6,
		&p.tcp, &p.udp, &p.icmp4, &p.icmp6)
	dp.IgnoreUnsupported = true
	p.parsers[first] = dp
	return dp
}

// errNotIP is returned for packets without an IP header (ARP, LLDP, …): they
// are not flows and are counted apart from malformed packets.
var errNotIP = errors.New("not an IP packet")

// firstLayer returns the layer type a capture's link type starts with.
func firstLayer(lt layers.LinkType) (gopacket.LayerType, error) {
	switch lt {
	case layers.LinkTypeEthernet:
		return layers.LayerTypeEthernet, nil
	case layers.LinkTypeLinuxSLL:
		return layers.LayerTypeLinuxSLL, nil
	case layers.LinkTypeLinuxSLL2:
		return layers.LayerTypeLinuxSLL2, nil
	case layers.LinkTypeNull, layers.LinkTypeLoop:
		return layers.LayerTypeLoopback, nil
	case layers.LinkTypeRaw, layers.LinkTypeIPv4, layers.LinkTypeIPv6, 12, 14:
		// 12 and 14 are the raw-IP link types of some BSDs.
		return gopacket.LayerTypeZero, nil // chosen per packet from the version nibble
	}
	return gopacket.LayerTypeZero, fmt.Errorf("link type %v (%d) is not supported (Ethernet, Linux SLL/SLL2, loopback and raw IP are)", lt, int(lt))
}

// parse extracts the flow key and counters of one packet. first is the layer
// the data starts with; LayerTypeZero means raw IP.
func (p *packetParser) parse(data []byte, first gopacket.LayerType) (packetInfo, error) {
	var pi packetInfo
	if first == layers.LayerTypeEthernet {
		data, first = peelEthernet(data)
	}
	if first == gopacket.LayerTypeZero {
		if len(data) == 0 {
			return pi, errors.New("empty packet")
		}
		switch data[0] >> 4 {
		case 4:
			first = layers.LayerTypeIPv4
		case 6:
			first = layers.LayerTypeIPv6
		default:
			return pi, fmt.Errorf("raw IP packet with IP version %d", data[0]>>4)
		}
	}
	err := p.parser(first).DecodeLayers(data, &p.decoded)
	haveIP := false
	for _, lt := range p.decoded {
		switch lt {
		case layers.LayerTypeIPv4:
			haveIP = true
			pi.src, _ = netip.AddrFromSlice(p.ip4.SrcIP.To4())
			pi.dst, _ = netip.AddrFromSlice(p.ip4.DstIP.To4())
			pi.proto = uint8(p.ip4.Protocol)
			pi.ipLen = uint32(p.ip4.Length)
		case layers.LayerTypeIPv6:
			haveIP = true
			pi.src, _ = netip.AddrFromSlice(p.ip6.SrcIP)
			pi.dst, _ = netip.AddrFromSlice(p.ip6.DstIP)
			pi.proto = uint8(p.ip6.NextHeader)
			pi.ipLen = uint32(p.ip6.Length) + 40
		case layers.LayerTypeTCP:
			pi.sport, pi.dport = uint16(p.tcp.SrcPort), uint16(p.tcp.DstPort)
			pi.tcpFlags = tcpFlags(&p.tcp)
		case layers.LayerTypeUDP:
			pi.sport, pi.dport = uint16(p.udp.SrcPort), uint16(p.udp.DstPort)
			pi.udpPayload = p.udp.Payload
		case layers.LayerTypeICMPv4:
			pi.sport, pi.dport = uint16(p.icmp4.TypeCode.Type()), uint16(p.icmp4.TypeCode.Code())
		case layers.LayerTypeICMPv6:
			pi.sport, pi.dport = uint16(p.icmp6.TypeCode.Type()), uint16(p.icmp6.TypeCode.Code())
		}
	}
	if !haveIP {
		if err != nil {
			return pi, fmt.Errorf("decode headers: %w", err)
		}
		return pi, errNotIP
	}
	if !pi.src.IsValid() || !pi.dst.IsValid() {
		return pi, errors.New("IP header without valid addresses")
	}
	// A truncated transport header after a good IP header still makes a
	// flow (ports may be missing); only a missing IP header is an error.
	return pi, nil
}

func tcpFlags(t *layers.TCP) uint8 {
	var f uint8
	if t.FIN {
		f |= 0x01
	}
	if t.SYN {
		f |= 0x02
	}
	if t.RST {
		f |= 0x04
	}
	if t.PSH {
		f |= 0x08
	}
	if t.ACK {
		f |= 0x10
	}
	if t.URG {
		f |= 0x20
	}
	if t.ECE {
		f |= 0x40
	}
	if t.CWR {
		f |= 0x80
	}
	return f
}

// peelEthernet looks under VLAN tags for MPLS label stacks and PPPoE
// sessions, which gopacket's DecodingLayerParser cannot cross, and returns
// the IP packet inside them as raw IP. Other frames are returned unchanged.
func peelEthernet(data []byte) ([]byte, gopacket.LayerType) {
	off := 12
	for off+2 <= len(data) {
		et := uint16(data[off])<<8 | uint16(data[off+1])
		switch et {
		case 0x8100, 0x88a8, 0x9100: // 802.1Q, 802.1ad, old QinQ
			off += 4
			continue
		case 0x8847, 0x8848: // MPLS unicast/multicast: skip to the bottom of stack
			p := off + 2
			for p+4 <= len(data) {
				bottom := data[p+2]&0x01 != 0
				p += 4
				if bottom {
					return data[p:], gopacket.LayerTypeZero
				}
			}
			return data, layers.LayerTypeEthernet
		case 0x8864: // PPPoE session: 6-byte header, then the PPP protocol
			p := off + 2 + 6
			if p+2 > len(data) {
				return data, layers.LayerTypeEthernet
			}
			switch uint16(data[p])<<8 | uint16(data[p+1]) {
			case 0x0021, 0x0057: // IPv4, IPv6
				return data[p+2:], gopacket.LayerTypeZero
			}
			return data, layers.LayerTypeEthernet
		}
		return data, layers.LayerTypeEthernet
	}
	return data, layers.LayerTypeEthernet
}
