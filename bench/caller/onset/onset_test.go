package onset

import (
	"testing"
	"time"
)

const frame = 20 * time.Millisecond

// feed sends `sizes` as consecutive packets 20 ms apart from `at`, from sequence `seq`.
func feed(o *Onset, at time.Time, seq uint16, sizes ...int) (time.Time, uint16) {
	for _, size := range sizes {
		o.Packet(at, seq, size)
		at, seq = at.Add(frame), seq+1
	}
	return at, seq
}

// silence: DTX as the agent's encoder sends it, a 55-byte update then a 1-byte packet every
// 400 ms (seen on the wire with CALLER_TRACE_PACKETS=1)
func silence(o *Onset, at time.Time, seq uint16, d time.Duration) (time.Time, uint16) {
	for end := at.Add(d); at.Before(end); at = at.Add(400 * time.Millisecond) {
		feed(o, at, seq, 55, 1)
		seq += 2
	}
	return at, seq
}

func TestSpeechAfterTheMarkIsTheAnswerAndComfortNoiseIsNot(t *testing.T) {
	o := New(12)
	t0 := time.Unix(1000, 0)
	at, seq := feed(o, t0, 100, 80, 120, 130) // the greeting, before the mark
	o.Mark(at)
	at, seq = silence(o, at, seq, 2*time.Second)
	if !o.First().IsZero() {
		t.Fatalf("comfort noise counted as the answer: %v", o.First())
	}
	answer := at
	feed(o, answer, seq, 55, 79, 131, 129)
	if got := o.First(); !got.Equal(answer) {
		t.Fatalf("first audible %v, want the run's first packet %v", got, answer)
	}
}

func TestALostPacketBreaksARun(t *testing.T) {
	o := New(12)
	t0 := time.Unix(1000, 0)
	o.Mark(t0)
	o.Packet(t0, 10, 55)
	o.Packet(t0.Add(frame), 12, 55) // 11 lost: not a run
	if !o.First().IsZero() {
		t.Fatal("two isolated packets counted as speech")
	}
	o.Packet(t0.Add(2*frame), 13, 90)
	if got := o.First(); !got.Equal(t0.Add(frame)) {
		t.Fatalf("first audible %v, want %v", got, t0.Add(frame))
	}
}

func TestQuietOnlyAfterTheLastSpeechPacket(t *testing.T) {
	o := New(12)
	t0 := time.Unix(1000, 0)
	at, seq := feed(o, t0, 1, 90, 90, 1)                       // speech ends with the packet at t0+20ms
	silence(o, at.Add(300*time.Millisecond), seq, time.Second) // comfort noise does not extend it
	last := t0.Add(frame)
	if o.QuietFor(last.Add(700*time.Millisecond), 800*time.Millisecond) {
		t.Fatal("quiet 0.7 s after speech, wanted 0.8 s")
	}
	if !o.QuietFor(last.Add(800*time.Millisecond), 800*time.Millisecond) {
		t.Fatal("not quiet 0.8 s after the last speech packet")
	}
	o.Mark(t0.Add(time.Hour))
	if !o.First().IsZero() {
		t.Fatal("a new mark must forget the previous answer")
	}
}
