// Command caller runs the capacity bench's scripted callers: many calls from one process, each
// in its own room through the backend's token endpoint and WebRTC, speaking pre-encoded Opus
// questions in real time and timing the agent's answers from its RTP packets (no Opus
// decoding). It reads the plan that bench/capacity/go_caller.py writes and prints one JSON line
// per event and per turn on stdout.
//
//	caller PLAN.json
//
// CALLER_TRACE_PACKETS=1 also logs every agent RTP packet (arrival ms, sequence, payload bytes)
// and every data message to stderr: how the onset detector's rule was chosen (bench/caller/onset).
package main

import (
	"encoding/json"
	"fmt"
	"log"
	"os"
	"sync"

	protoLogger "github.com/livekit/protocol/logger"
	lksdk "github.com/livekit/server-sdk-go/v2"
)

type out struct {
	mu  sync.Mutex
	enc *json.Encoder
}

func (o *out) emit(v any) {
	o.mu.Lock()
	defer o.mu.Unlock()
	_ = o.enc.Encode(v)
}

type event struct {
	Caller int    `json:"caller"`
	Event  string `json:"event"` // served, refused, no_greeting, error, done
	Error  string `json:"error,omitempty"`
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: caller PLAN.json")
		os.Exit(2)
	}
	plan, err := readPlan(os.Args[1])
	if err != nil {
		log.Fatal(err)
	}
	clips := map[string]*Clip{}
	for q, p := range plan.Prompts {
		if clips[q], err = loadClip(p.Ogg, p.LastVoice); err != nil {
			log.Fatal(err)
		}
	}
	silence, err := loadClip(plan.SilenceOgg, 0)
	if err != nil {
		log.Fatal(err)
	}
	// the SDK's own logging goes to stderr, warnings and worse only
	lksdk.SetLogger(protoLogger.LogRLogger(stdrLogger(os.Stderr)))

	o := &out{enc: json.NewEncoder(os.Stdout)}
	var wg sync.WaitGroup
	for _, cp := range plan.Callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			runCaller(plan, cp, clips, silence, o)
		}()
	}
	wg.Wait()
}

func runCaller(plan *Plan, cp CallerPlan, clips map[string]*Clip, silence *Clip, o *out) {
	call, err := Dial(plan, silence)
	if err == errRefused {
		o.emit(event{Caller: cp.Index, Event: "refused"})
		return
	}
	if err != nil {
		o.emit(event{Caller: cp.Index, Event: "error", Error: err.Error()})
		return
	}
	defer call.Close()
	o.emit(event{Caller: cp.Index, Event: "served"})
	if err := call.WaitGreeting(secs(plan.GreetingTimeoutS)); err != nil {
		o.emit(event{Caller: cp.Index, Event: "no_greeting", Error: err.Error()})
		return
	}
	for t, turn := range cp.Turns {
		sleep(turn.PauseS) // a person thinks before asking
		res := TurnResult{Caller: cp.Index, Turn: t + 1, Question: turn.Question}
		clip, ok := clips[turn.Question]
		if !ok {
			res.Error = "no prompt for this question"
		} else {
			call.Turn(clip, &res)
		}
		o.emit(res)
	}
	o.emit(event{Caller: cp.Index, Event: "done"})
}
