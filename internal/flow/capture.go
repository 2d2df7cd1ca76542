package flow

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// captureReader reads packets from a classic pcap or a pcapng file (either
// possibly gzip-compressed) and tells the first layer of each packet.
type captureReader struct {
	pcap  *pcapgo.Reader
	ng    *pcapgo.NgReader
	first map[int]gopacket.LayerType // pcapng interface → first layer
	err   map[int]error              // pcapng interfaces with unsupported link types
}

// openCapture detects the file format from its first bytes.
func openCapture(r io.Reader) (*captureReader, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	magic, err := br.Peek(4)
	if err != nil {
		return nil, fmt.Errorf("read capture header: %w", err)
	}
	if magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("gzip header: %w", err)
		}
		return openCapture(zr)
	}
	c := &captureReader{first: map[int]gopacket.LayerType{}, err: map[int]error{}}
	if bytes.Equal(magic, []byte{0x0a, 0x0d, 0x0d, 0x0a}) {
		c.ng, err = pcapgo.NewNgReader(br, pcapgo.DefaultNgReaderOptions)
		if err != nil {
			return nil, fmt.Errorf("pcapng header: %w", err)
		}
		return c, nil
	}
	c.pcap, err = pcapgo.NewReader(br)
	if err != nil {
		return nil, fmt.Errorf("not a pcap or pcapng file: %w", err)
	}
	first, err := firstLayer(c.pcap.LinkType())
	if err != nil {
		return nil, err
	}
	c.first[0] = first
	return c, nil
}

// next returns the next packet, the layer it starts with, and io.EOF at the end.
// The packet bytes are only valid until the next call.
// A packet from a pcapng interface of an unsupported link type returns
// errUnsupportedLink with the packet, so the caller can count and skip it.
func (c *captureReader) next() ([]byte, gopacket.CaptureInfo, gopacket.LayerType, error) {
	if c.pcap != nil {
		data, ci, err := c.pcap.ZeroCopyReadPacketData()
		return data, ci, c.first[0], err
	}
	data, ci, err := c.ng.ZeroCopyReadPacketData()
	if err != nil {
		return nil, ci, gopacket.LayerTypeZero, err
	}
	idx := ci.InterfaceIndex
	if first, ok := c.first[idx]; ok {
		return data, ci, first, nil
	}
	if e, ok := c.err[idx]; ok {
		return data, ci, gopacket.LayerTypeZero, e
	}
	lt := layers.LinkTypeEthernet
	if iface, err := c.ng.Interface(idx); err == nil {
		lt = iface.LinkType
	}
	first, err := firstLayer(lt)
	if err != nil {
		err = fmt.Errorf("%w: interface %d: %v", errUnsupportedLink, idx, err)
		c.err[idx] = err
		return data, ci, gopacket.LayerTypeZero, err
	}
	c.first[idx] = first
	return data, ci, first, nil
}

var errUnsupportedLink = errors.New("unsupported link type")
