package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/livekit/server-sdk-go/v2/pkg/oggreader"
)

// Plan is what the Python bench hands over (bench/capacity/go_caller.py writes it).
type Plan struct {
	Backend          string                `json:"backend"`
	Callers          []CallerPlan          `json:"callers"`
	Prompts          map[string]PromptFile `json:"prompts"`
	SilenceOgg       string                `json:"silence_ogg"`
	AudibleBytes     int                   `json:"audible_bytes"`
	GreetingTimeoutS float64               `json:"greeting_timeout_s"`
	TurnTimeoutS     float64               `json:"turn_timeout_s"`
	QuietS           float64               `json:"quiet_s"`
	MetricsTopic     string                `json:"metrics_topic"`
}

type CallerPlan struct {
	Index int        `json:"index"`
	Turns []TurnPlan `json:"turns"`
}

type TurnPlan struct {
	Question string  `json:"question"`
	PauseS   float64 `json:"pause_s"`
}

// PromptFile is a question spoken and encoded to Ogg/Opus, and where its voice ends.
type PromptFile struct {
	Ogg       string  `json:"ogg"`
	LastVoice float64 `json:"last_voice_s"` // the last voiced sample, in the input audio
}

// Clip is a prompt as the Opus packets to send, each with its duration.
type Clip struct {
	Packets   [][]byte
	Durations []time.Duration
	// End is where the last voiced sample lies in the decoded stream (input time + the
	// encoder's pre-skip)
	End time.Duration
}

func readPlan(path string) (*Plan, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var p Plan
	if err := json.Unmarshal(raw, &p); err != nil {
		return nil, fmt.Errorf("plan %s: %w", path, err)
	}
	if p.Backend == "" || len(p.Callers) == 0 || p.AudibleBytes <= 0 {
		return nil, fmt.Errorf("plan %s: needs backend, callers and audible_bytes", path)
	}
	return &p, nil
}

func loadClip(path string, lastVoice float64) (*Clip, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	reader, header, err := oggreader.NewOggReader(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if header.Channels != 1 {
		return nil, fmt.Errorf("%s: %d channels, want mono", path, header.Channels)
	}
	clip := &Clip{End: secs(lastVoice) + time.Duration(header.PreSkip)*time.Second/48000}
	for {
		pkt, err := reader.ReadPacket()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		d, err := oggreader.ParsePacketDuration(pkt)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		clip.Packets = append(clip.Packets, pkt)
		clip.Durations = append(clip.Durations, d)
	}
	if len(clip.Packets) == 0 {
		return nil, fmt.Errorf("%s: no Opus packets", path)
	}
	return clip, nil
}

func secs(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }
