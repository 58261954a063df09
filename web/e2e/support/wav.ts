import fs from 'node:fs';

const HEADER_BYTES = 44; // bench/speech.py writes plain 44-byte PCM headers (Python's wave)
const RATE = 48_000;

function pcmOf(file: string): Buffer {
  const wav = fs.readFileSync(file);
  if (wav.toString('ascii', 0, 4) !== 'RIFF' || wav.toString('ascii', 36, 40) !== 'data') {
    throw new Error(`${file} is not a plain 16-bit PCM WAV`);
  }
  return wav.subarray(HEADER_BYTES);
}

/** Join 48 kHz mono 16-bit WAVs with `gapS` seconds of silence between them. */
export function joinWavs(out: string, files: string[], gapS: number): void {
  const gap = Buffer.alloc(Math.round(gapS * RATE) * 2);
  const parts = files.flatMap((file, index) => (index === 0 ? [pcmOf(file)] : [gap, pcmOf(file)]));
  const data = Buffer.concat(parts);
  const header = Buffer.alloc(HEADER_BYTES);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVEfmt ', 8, 'ascii');
  header.writeUInt32LE(16, 16); // fmt chunk size
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(RATE, 24);
  header.writeUInt32LE(RATE * 2, 28); // byte rate
  header.writeUInt16LE(2, 32); // block align
  header.writeUInt16LE(16, 34); // bits per sample
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(data.length, 40);
  fs.writeFileSync(out, Buffer.concat([header, data]));
}
