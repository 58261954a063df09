package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/pion/webrtc/v4"

	"voiceassistant/bench/caller/onset"

	"github.com/livekit/protocol/livekit"
	lksdk "github.com/livekit/server-sdk-go/v2"
)

var errRefused = errors.New("refused: every agent busy (503)")

// TurnRecord is the agent's per-turn figures message (agent/src/voice_agent/turn_metrics.py).
type TurnRecord struct {
	Type      string             `json:"type"`
	UserText  *string            `json:"user_text"`
	AgentText string             `json:"agent_text"`
	Figures   map[string]float64 `json:"figures"`
}

// Call is one caller's room: what it hears and what the agent tells it.
type Call struct {
	plan         *Plan
	conversation string
	room         *lksdk.Room
	mic          *Mic
	onset        *onset.Onset

	mu      sync.Mutex
	records []TurnRecord
}

// startCall opens a conversation and a token for its room, as the web page does
// (POST /api/conversations); the conversation's id is what hangs it up at the end.
func startCall(backend string) (url, token, conversation string, err error) {
	resp, err := http.Post(backend+"/api/conversations", "application/json", bytes.NewReader([]byte("{}")))
	if err != nil {
		return "", "", "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusServiceUnavailable {
		return "", "", "", errRefused
	}
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusCreated {
		return "", "", "", fmt.Errorf("conversation: HTTP %d", resp.StatusCode)
	}
	var body struct {
		Conversation struct {
			ID string `json:"id"`
		} `json:"conversation"`
		Connection struct {
			ServerURL string `json:"server_url"`
			Token     string `json:"participant_token"`
		} `json:"connection"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return "", "", "", fmt.Errorf("conversation: %w", err)
	}
	return body.Connection.ServerURL, body.Connection.Token, body.Conversation.ID, nil
}

// hangUp ends the call (the page's Disconnect): leaving alone keeps the agent for a rejoin.
func hangUp(backend, conversation string) {
	resp, err := http.Post(backend+"/api/conversations/"+conversation+"/end", "application/json", nil)
	if err != nil {
		fmt.Fprintf(os.Stderr, "hang up %s: %v\n", conversation, err)
		return
	}
	resp.Body.Close()
}

func Dial(plan *Plan, silence *Clip) (*Call, error) {
	url, token, conversation, err := startCall(plan.Backend)
	if err != nil {
		return nil, err
	}
	c := &Call{plan: plan, conversation: conversation, onset: onset.New(plan.AudibleBytes)}
	cb := lksdk.NewRoomCallback()
	cb.OnTrackSubscribed = func(track *webrtc.TrackRemote, _ *lksdk.RemoteTrackPublication, _ *lksdk.RemoteParticipant) {
		if track.Kind() == webrtc.RTPCodecTypeAudio {
			go c.listen(track)
		}
	}
	cb.OnDataPacket = func(data lksdk.DataPacket, _ lksdk.DataReceiveParams) {
		p, ok := data.(*lksdk.UserDataPacket)
		if tracePackets && ok {
			fmt.Fprintf(os.Stderr, "data %s %s\n", p.Topic, p.Payload)
		}
		if !ok || p.Topic != plan.MetricsTopic {
			return
		}
		var rec TurnRecord
		if json.Unmarshal(p.Payload, &rec) == nil && rec.Type == "turn_metrics" {
			c.mu.Lock()
			c.records = append(c.records, rec)
			c.mu.Unlock()
		}
	}
	room, err := lksdk.ConnectToRoomWithToken(url, token, cb, lksdk.WithAutoSubscribe(true))
	if err != nil {
		hangUp(plan.Backend, conversation)
		return nil, fmt.Errorf("join: %w", err)
	}
	c.room = room
	track, err := lksdk.NewLocalSampleTrack(webrtc.RTPCodecCapability{
		MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2,
	})
	if err != nil {
		room.Disconnect()
		hangUp(plan.Backend, conversation)
		return nil, err
	}
	if _, err := room.LocalParticipant.PublishTrack(track, &lksdk.TrackPublicationOptions{
		Name: "mic", Source: livekit.TrackSource_MICROPHONE,
	}); err != nil {
		room.Disconnect()
		hangUp(plan.Backend, conversation)
		return nil, fmt.Errorf("publish: %w", err)
	}
	c.mic = NewMic(track, silence)
	go c.mic.Run()
	return c, nil
}

func (c *Call) listen(track *webrtc.TrackRemote) {
	buf := make([]byte, 1500)
	for {
		n, _, err := track.Read(buf)
		if err != nil {
			return
		}
		now := time.Now()
		seq, size, ok := rtpPacket(buf[:n])
		if !ok {
			continue
		}
		if tracePackets {
			fmt.Fprintf(os.Stderr, "trace %d %d %d\n", now.UnixMilli(), seq, size)
		}
		c.onset.Packet(now, seq, size)
	}
}

func (c *Call) Close() {
	if c.mic != nil {
		c.mic.Close()
	}
	c.room.Disconnect()
	hangUp(c.plan.Backend, c.conversation)
}

// snapshot: the agent's lk.agent.state and how many turn records arrived.
func (c *Call) snapshot() (string, int) {
	state := ""
	for _, p := range c.room.GetRemoteParticipants() {
		if s, ok := p.Attributes()["lk.agent.state"]; ok {
			state = s
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return state, len(c.records)
}

func (c *Call) record(i int) (TurnRecord, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if i < len(c.records) {
		return c.records[i], true
	}
	return TurnRecord{}, false
}

const poll = 20 * time.Millisecond

// WaitGreeting: the greeting's figures arrived and the agent is quiet again.
func (c *Call) WaitGreeting(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		if _, n := c.snapshot(); n > 0 {
			break
		}
		if time.Now().After(deadline) {
			return errors.New("no greeting from the agent")
		}
		time.Sleep(poll)
	}
	return c.WaitQuiet(max(time.Second, time.Until(deadline)))
}

// WaitQuiet: the agent listens and sent no audible packet for the plan's quiet_s.
func (c *Call) WaitQuiet(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	quiet := secs(c.plan.QuietS)
	for time.Now().Before(deadline) {
		state, _ := c.snapshot()
		if state == "listening" && c.onset.QuietFor(time.Now(), quiet) {
			return nil
		}
		time.Sleep(poll)
	}
	return errors.New("agent did not go quiet")
}

// TurnResult is one line of the caller's output.
type TurnResult struct {
	Caller    int      `json:"caller"`
	Turn      int      `json:"turn"`
	Question  string   `json:"question"`
	LatencyS  *float64 `json:"latency_s"`
	AgentE2ES *float64 `json:"agent_e2e_s"`
	UserText  string   `json:"user_text"`
	AgentText string   `json:"agent_text"`
	Error     string   `json:"error,omitempty"`
}

// Turn asks one question and times the answer: the end of the question's voice to the first
// audible packet of the agent's reply.
func (c *Call) Turn(clip *Clip, res *TurnResult) {
	if err := c.WaitQuiet(60 * time.Second); err != nil {
		res.Error = err.Error()
		return
	}
	_, before := c.snapshot()
	c.onset.Mark(time.Now().Add(24 * time.Hour)) // nothing counts until the question ends
	end := <-c.mic.Say(clip)
	c.onset.Mark(end)
	deadline := end.Add(secs(c.plan.TurnTimeoutS))
	for c.onset.First().IsZero() && time.Now().Before(deadline) {
		time.Sleep(poll / 2)
	}
	if first := c.onset.First(); !first.IsZero() {
		v := first.Sub(end).Seconds()
		res.LatencyS = &v
	}
	for time.Now().Before(deadline) {
		if _, n := c.snapshot(); n > before {
			break
		}
		time.Sleep(poll)
	}
	rec, ok := c.record(before)
	if !ok {
		return
	}
	if rec.UserText != nil {
		res.UserText = *rec.UserText
	}
	res.AgentText = rec.AgentText
	if e2e, ok := rec.Figures["e2e_latency"]; ok && res.LatencyS != nil {
		res.AgentE2ES = &e2e
	}
}

var tracePackets = os.Getenv("CALLER_TRACE_PACKETS") != ""
