import { useEffect, useState } from 'react';
import { bandLevels, sameLevels } from '../voice-levels';
import { audioContextClass } from '../../../lib/audio-context';

const FFT_SIZE = 256; // 128 bins of 187.5 Hz at 48 kHz
const VOICE_BINS = 24; // up to 4.5 kHz: where speech has its energy

/**
 * Levels (0..1) of `bands` frequency bands of a track, read every `intervalMs`. State changes
 * only when a level moves by a step, so a silent track renders nothing and a voice renders
 * at most 1000 / intervalMs times a second (LiveKit's BarVisualizer renders every 32 ms, and
 * runs an animation frame loop on top, while the agent speaks on the same CPU). All zeros
 * where WebAudio is missing (jsdom) or there is no track.
 */
export function useVoiceLevels(track: MediaStreamTrack | undefined, bands: number, intervalMs = 100): number[] {
  const [levels, setLevels] = useState<number[]>(() => new Array<number>(bands).fill(0));

  useEffect(() => {
    const AudioContextClass = audioContextClass();
    const silent = new Array<number>(bands).fill(0);
    if (!track || !AudioContextClass || typeof MediaStream === 'undefined') {
      setLevels((previous) => (sameLevels(previous, silent) ? previous : silent));
      return;
    }
    let context: AudioContext | undefined;
    let timer: ReturnType<typeof setInterval> | undefined;
    try {
      context = new AudioContextClass();
      void context.resume().catch(() => undefined);
      const analyser = context.createAnalyser();
      analyser.fftSize = FFT_SIZE;
      analyser.smoothingTimeConstant = 0.5;
      context.createMediaStreamSource(new MediaStream([track])).connect(analyser);
      const data = new Uint8Array(analyser.frequencyBinCount);
      timer = setInterval(() => {
        analyser.getByteFrequencyData(data);
        const next = bandLevels(data, bands, VOICE_BINS);
        setLevels((previous) => (sameLevels(previous, next) ? previous : next));
      }, intervalMs);
    } catch (error) {
      console.warn('Voice level display is unavailable', error);
    }
    return () => {
      if (timer !== undefined) clearInterval(timer);
      void context?.close().catch(() => undefined);
    };
  }, [track, bands, intervalMs]);

  return levels;
}
