import { describe, expect, it } from 'vitest';
import { bandLevels, sameLevels } from './voice-levels';

describe('bandLevels', () => {
  it('averages each band of the voice bins, 0..1', () => {
    const data = [255, 0, 51, 0, 200, 200]; // 4 voice bins, then bins above the voice
    expect(bandLevels(data, 2, 4)).toEqual([0.5, 0.1]);
  });

  it('rounds to steps, so a bar that barely moved keeps its level', () => {
    expect(bandLevels([128], 1, 1)).toEqual(bandLevels([131], 1, 1));
    expect(bandLevels([128], 1, 1)).not.toEqual(bandLevels([160], 1, 1));
  });

  it('gives every bar a level when there are more bars than bins', () => {
    expect(bandLevels([255, 0], 4, 2)).toEqual([1, 1, 0, 0]);
  });

  it('reads silence as zeros', () => {
    expect(bandLevels(new Uint8Array(128), 7, 24)).toEqual([0, 0, 0, 0, 0, 0, 0]);
  });
});

describe('sameLevels', () => {
  it('compares level by level', () => {
    expect(sameLevels([0.1, 0.2], [0.1, 0.2])).toBe(true);
    expect(sameLevels([0.1, 0.2], [0.1, 0.3])).toBe(false);
    expect(sameLevels([0.1], [0.1, 0])).toBe(false);
  });
});
