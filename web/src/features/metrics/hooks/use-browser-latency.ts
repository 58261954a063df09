import { useEffect, useRef, useState } from 'react';
import { ConnectionState, RoomEvent, type Room } from 'livekit-client';
import {
  LatencyDetector,
  rmsLevel,
  type LatencyDetectorOptions,
  type LatencyMeasurement,
} from '../latency-detector';
import { audioContextClass } from '../../../lib/audio-context';

const SAMPLE_INTERVAL_MS = 20;
const FFT_SIZE = 1024; // ~21 ms of audio at 48 kHz: about one sample interval

type Tap = { analyser: AnalyserNode; buffer: Float32Array<ArrayBuffer> };

function tap(context: AudioContext, track: MediaStreamTrack): Tap {
  // A remote WebRTC track reads as silence unless it also plays in an <audio> element;
  // RoomAudioRenderer provides that element for the agent's track.
  const source = context.createMediaStreamSource(new MediaStream([track]));
  const analyser = context.createAnalyser();
  analyser.fftSize = FFT_SIZE;
  source.connect(analyser); // analysis only: nothing goes to the speakers
  return { analyser, buffer: new Float32Array(analyser.fftSize) };
}

function level({ analyser, buffer }: Tap): number {
  analyser.getFloatTimeDomainData(buffer);
  return rmsLevel(buffer);
}

/**
 * What the user feels: end of their speech → first agent audio, measured in this page by
 * sampling WebAudio levels of the local microphone track and the agent's audio track.
 * Measurements of the current (or just ended) call; cleared when the room connects again.
 * Does nothing, and never throws, where WebAudio is missing (jsdom) or a track is absent.
 */
export function useBrowserLatency(
  room: Room,
  micTrack: MediaStreamTrack | undefined,
  agentTrack: MediaStreamTrack | undefined,
  options?: Partial<LatencyDetectorOptions>,
): LatencyMeasurement[] {
  const [measurements, setMeasurements] = useState<LatencyMeasurement[]>([]);
  const detectorRef = useRef<LatencyDetector | null>(null);
  if (detectorRef.current === null) detectorRef.current = new LatencyDetector(options);

  useEffect(() => {
    const onState = (state: ConnectionState) => {
      if (state !== ConnectionState.Connecting) return;
      detectorRef.current?.reset();
      setMeasurements([]);
    };
    room.on(RoomEvent.ConnectionStateChanged, onState);
    return () => {
      room.off(RoomEvent.ConnectionStateChanged, onState);
    };
  }, [room]);

  useEffect(() => {
    const AudioContextClass = audioContextClass();
    const detector = detectorRef.current;
    if (!micTrack || !agentTrack || !AudioContextClass || !detector) return;
    if (typeof MediaStream === 'undefined') return;

    let context: AudioContext | undefined;
    let timer: ReturnType<typeof setInterval> | undefined;
    try {
      context = new AudioContextClass();
      const audio = context;
      // Created after the Connect click, so the page has a user activation; resume anyway,
      // and again now and then in case autoplay rules kept it suspended until a later click.
      const resume = () => void audio.resume().catch(() => undefined);
      resume();
      const mic = tap(audio, micTrack);
      const agent = tap(audio, agentTrack);
      let ticks = 0;
      timer = setInterval(() => {
        ticks += 1;
        if (audio.state === 'suspended' && ticks % 50 === 0) resume();
        try {
          const measurement = detector.push(performance.now(), level(mic), level(agent));
          if (measurement) setMeasurements((previous) => [...previous, measurement]);
        } catch {
          // A track that ended mid-call: skip the sample.
        }
      }, SAMPLE_INTERVAL_MS);
    } catch (error) {
      console.warn('Browser latency measurement is unavailable', error);
    }

    return () => {
      if (timer !== undefined) clearInterval(timer);
      void context?.close().catch(() => undefined);
    };
  }, [micTrack, agentTrack]);

  return measurements;
}
