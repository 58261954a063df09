// Package onset tells, from the agent's RTP packets alone, when its voice starts and when it
// is quiet, without decoding Opus.
//
// The agent's encoder runs with DTX: in silence it sends one comfort-noise update every
// 400 ms (tens of bytes) followed by a 1-byte packet, and nothing in between; speech is a
// packet every 20 ms of tens of bytes or more. So a packet is audible when it and the packet
// before it (the previous sequence number) both carry at least audibleBytes: the isolated
// comfort-noise updates never do, speech always does. Its time is the arrival of the first
// packet of such a run.
package onset

import (
	"sync"
	"time"
)

// Onset follows one call's incoming agent audio.
type Onset struct {
	audibleBytes int

	mu          sync.Mutex
	seen        bool
	prevSeq     uint16
	prevAt      time.Time // arrival of the previous packet, if it carried audibleBytes
	lastAudible time.Time
	mark        time.Time // zero: not waiting for an answer
	first       time.Time // first audible packet at or after mark
}

func New(audibleBytes int) *Onset { return &Onset{audibleBytes: audibleBytes} }

// Packet records the packet with sequence number `seq` and `size` payload bytes that
// arrived at `at`.
func (o *Onset) Packet(at time.Time, seq uint16, size int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	follows := o.seen && seq == o.prevSeq+1
	o.seen, o.prevSeq = true, seq
	if size < o.audibleBytes {
		o.prevAt = time.Time{}
		return
	}
	start := at
	if follows && !o.prevAt.IsZero() {
		start = o.prevAt // the run started one packet earlier
	}
	o.prevAt = at
	if start.Equal(at) { // a lone packet so far: audible only if the next one continues it
		return
	}
	o.lastAudible = at
	if !o.mark.IsZero() && o.first.IsZero() && !start.Before(o.mark) {
		o.first = start
	}
}

// Mark starts waiting for the answer: the first audible packet from `at` on.
func (o *Onset) Mark(at time.Time) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.mark, o.first = at, time.Time{}
}

// First is the first audible packet since Mark (zero if none yet).
func (o *Onset) First() time.Time {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.first
}

// QuietFor reports whether no audible packet arrived during the `d` before `now`.
func (o *Onset) QuietFor(now time.Time, d time.Duration) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return now.Sub(o.lastAudible) >= d
}
