//go:build linux

package flow

import (
	"bufio"
	"net"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// setReadBuffer asks for a large socket buffer. SO_RCVBUFFORCE lets root go
// past net.core.rmem_max; otherwise the kernel caps the plain request.
func setReadBuffer(conn *net.UDPConn, n int) {
	if rc, err := conn.SyscallConn(); err == nil {
		var forced error
		rc.Control(func(fd uintptr) {
			forced = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUFFORCE, n)
		})
		if forced == nil {
			return
		}
	}
	conn.SetReadBuffer(n)
}

// socketDrops reads the kernel's drop counter of this socket from
// /proc/net/udp{,6}, found by the socket's inode.
func socketDrops(conn *net.UDPConn) uint64 {
	rc, err := conn.SyscallConn()
	if err != nil {
		return 0
	}
	var ino uint64
	rc.Control(func(fd uintptr) {
		var st syscall.Stat_t
		if syscall.Fstat(int(fd), &st) == nil {
			ino = st.Ino
		}
	})
	if ino == 0 {
		return 0
	}
	want := strconv.FormatUint(ino, 10)
	for _, p := range []string{"/proc/net/udp", "/proc/net/udp6"} {
		f, err := os.Open(p)
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			fs := strings.Fields(sc.Text())
			if len(fs) >= 13 && fs[9] == want {
				f.Close()
				d, _ := strconv.ParseUint(fs[len(fs)-1], 10, 64)
				return d
			}
		}
		f.Close()
	}
	return 0
}
