//go:build !linux

package flow

import "net"

func setReadBuffer(conn *net.UDPConn, n int) { conn.SetReadBuffer(n) }

// socketDrops is unknown outside Linux.
func socketDrops(*net.UDPConn) uint64 { return 0 }
