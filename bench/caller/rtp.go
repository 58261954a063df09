package main

import "github.com/pion/rtp"

// rtpPacket gives a raw RTP packet's sequence number and payload size (ok false if it does
// not parse).
func rtpPacket(raw []byte) (seq uint16, size int, ok bool) {
	var h rtp.Header
	n, err := h.Unmarshal(raw)
	if err != nil {
		return 0, 0, false
	}
	size = len(raw) - n
	if h.Padding && size > 0 {
		size -= int(raw[len(raw)-1])
	}
	return h.SequenceNumber, max(size, 0), true
}
