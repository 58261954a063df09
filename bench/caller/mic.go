package main

import (
	"sync"
	"time"

	"github.com/pion/webrtc/v4/pkg/media"

	lksdk "github.com/livekit/server-sdk-go/v2"
)

// Mic sends Opus packets paced in real time, as a microphone does: a clip when one is queued,
// else a silence packet, without a break (the agent's VAD needs the silence after speech).
type Mic struct {
	track   *lksdk.LocalTrack
	silence []byte
	pause   time.Duration // the silence packet's duration

	mu   sync.Mutex
	clip *Clip
	done chan time.Time // gets when the clip's last voiced sample was spoken
	stop chan struct{}
}

func NewMic(track *lksdk.LocalTrack, silence *Clip) *Mic {
	last := len(silence.Packets) - 1
	return &Mic{
		track: track, silence: silence.Packets[last], pause: silence.Durations[last],
		stop: make(chan struct{}),
	}
}

// Say queues `clip` and returns a channel that gets the moment its last voiced sample left
// the "mouth": the send time of the packet that holds it, less the audio after it in that
// packet (a packet leaves once all its audio is captured).
func (m *Mic) Say(clip *Clip) <-chan time.Time {
	done := make(chan time.Time, 1)
	m.mu.Lock()
	m.clip, m.done = clip, done
	m.mu.Unlock()
	return done
}

func (m *Mic) Close() { close(m.stop) }

func (m *Mic) Run() {
	next := time.Now()
	var clip *Clip
	var done chan time.Time
	var i int
	var at time.Duration // the clip's audio sent so far
	var endAt time.Time
	for {
		if clip == nil {
			m.mu.Lock()
			clip, done, m.clip = m.clip, m.done, nil
			m.mu.Unlock()
			i, at, endAt = 0, 0, time.Time{}
		}
		pkt, d := m.silence, m.pause
		if clip != nil {
			pkt, d = clip.Packets[i], clip.Durations[i]
		}
		next = next.Add(d)
		if wait := time.Until(next); wait > 0 {
			select {
			case <-m.stop:
				return
			case <-time.After(wait):
			}
		} else if wait < -200*time.Millisecond {
			next = time.Now() // starved: a real microphone would drop, not burst
		}
		_ = m.track.WriteSample(media.Sample{Data: pkt, Duration: d}, nil)
		if clip == nil {
			continue
		}
		at += d
		if endAt.IsZero() && at >= clip.End {
			endAt = time.Now().Add(clip.End - at)
		}
		if i++; i == len(clip.Packets) {
			if endAt.IsZero() {
				endAt = time.Now()
			}
			done <- endAt
			clip = nil
		}
	}
}
