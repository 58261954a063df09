/** The browser's AudioContext (Safari's prefixed one where needed); undefined where WebAudio
 * is missing (jsdom). */
export function audioContextClass(): typeof AudioContext | undefined {
  const scope = globalThis as typeof globalThis & { webkitAudioContext?: typeof AudioContext };
  return scope.AudioContext ?? scope.webkitAudioContext;
}
