// The local engine's WAV audio: a well-formed 16-bit mono file whose samples match the notes' sines (the rotation does not drift).
import { describe, expect, it } from 'vitest';
import { prng, wavAudio } from './media';

/** The samples as the direct formula draws them: sin(2πft) per sample. */
function directSamples(durationMs: number, seed: number, sampleRate: number): number[] {
  const rand = prng(seed);
  const samples = Math.round((durationMs / 1000) * sampleRate);
  const notes = Array.from({ length: 8 }, () => 220 * 2 ** (Math.floor(rand() * 24) / 12));
  const perNote = samples / notes.length;
  return Array.from({ length: samples }, (_, i) => {
    const note = notes[Math.min(notes.length - 1, Math.floor(i / perNote))]!;
    const env = Math.min(1, (i % perNote) / 400) * 0.3;
    return Math.round(Math.sin((2 * Math.PI * note * i) / sampleRate) * env * 32767);
  });
}

describe('wavAudio', () => {
  it('writes a RIFF/WAVE header that says what follows', () => {
    const wav = wavAudio(3_000, 7);
    expect(wav.toString('ascii', 0, 4)).toBe('RIFF');
    expect(wav.toString('ascii', 8, 12)).toBe('WAVE');
    expect(wav.readUInt16LE(20)).toBe(1); // PCM
    expect(wav.readUInt16LE(22)).toBe(1); // mono
    expect(wav.readUInt32LE(24)).toBe(22_050);
    expect(wav.readUInt16LE(34)).toBe(16);
    expect(wav.readUInt32LE(40)).toBe(66_150 * 2);
    expect(wav.length).toBe(44 + 66_150 * 2);
    expect(wav.readUInt32LE(4)).toBe(wav.length - 8);
  });

  it('is the same file for the same seed, and another for another seed', () => {
    expect(wavAudio(500, 3).equals(wavAudio(500, 3))).toBe(true);
    expect(wavAudio(500, 3).equals(wavAudio(500, 4))).toBe(false);
  });

  it('stays within one step of the direct sine over the whole file', () => {
    const wav = wavAudio(3_000, 11);
    const want = directSamples(3_000, 11, 22_050);
    let worst = 0;
    for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(wav.readInt16LE(44 + i * 2) - want[i]!));
    expect(worst).toBeLessThanOrEqual(1);
  });
});
