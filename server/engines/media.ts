// Deterministic media for the local engine: PNG images (pngjs), WAV audio, animated GIF video (gifenc), all drawn from a seed.
import { endianness } from 'node:os';
import { PNG } from 'pngjs';
import { GIFEncoder, applyPalette, quantize } from 'gifenc';

/** A small deterministic PRNG (mulberry32) so the same prompt and seed always draw the same picture. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** FNV-1a hash of a string, for seeds. */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

type Rgb = [number, number, number];

function palette(rand: () => number): Rgb[] {
  return Array.from({ length: 4 }, () => [Math.floor(rand() * 256), Math.floor(rand() * 256), Math.floor(rand() * 256)] as Rgb);
}

/** Draws an RGBA frame: a diagonal gradient with soft discs, shifted by `phase` (0..1) for animation. */
export function drawRgba(width: number, height: number, seed: number, phase = 0): Uint8Array {
  const rand = prng(seed);
  const [c0, c1, c2, c3] = palette(rand) as [Rgb, Rgb, Rgb, Rgb];
  const discs = Array.from({ length: 5 }, (_, i) => ({
    x: rand() * width + Math.cos(phase * 2 * Math.PI + i) * width * 0.08,
    y: rand() * height + Math.sin(phase * 2 * Math.PI + i) * height * 0.08,
    r: (0.08 + rand() * 0.22) * Math.min(width, height),
    c: i % 2 ? c2 : c3,
  }));
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const t = (x / width + y / height) / 2;
      let r = c0[0] * (1 - t) + c1[0] * t;
      let g = c0[1] * (1 - t) + c1[1] * t;
      let b = c0[2] * (1 - t) + c1[2] * t;
      for (const d of discs) {
        const dx = x - d.x;
        const dy = y - d.y;
        const k = Math.max(0, 1 - Math.sqrt(dx * dx + dy * dy) / d.r) * 0.85;
        r = r * (1 - k) + d.c[0] * k;
        g = g * (1 - k) + d.c[1] * k;
        b = b * (1 - k) + d.c[2] * k;
      }
      const o = (y * width + x) * 4;
      data[o] = r;
      data[o + 1] = g;
      data[o + 2] = b;
      data[o + 3] = 255;
    }
  }
  return data;
}

export function pngImage(width: number, height: number, seed: number): Buffer {
  const png = new PNG({ width, height });
  png.data = Buffer.from(drawRgba(width, height, seed));
  return PNG.sync.write(png, { deflateLevel: 6 });
}

/** A short animated GIF of `seconds` at `fps`. */
export function gifVideo(width: number, height: number, seconds: number, fps: number, seed: number): Buffer {
  const gif = GIFEncoder();
  const frames = Math.max(1, Math.round(seconds * fps));
  for (let i = 0; i < frames; i++) {
    const rgba = drawRgba(width, height, seed, i / frames);
    const pal = quantize(rgba, 64);
    gif.writeFrame(applyPalette(rgba, pal), width, height, { palette: pal, delay: Math.round(1000 / fps) });
  }
  gif.finish();
  return Buffer.from(gif.bytes());
}

/** 16-bit mono PCM WAV: a few notes chosen by the seed. Each note's sine is stepped by rotation (no Math.sin per sample). */
export function wavAudio(durationMs: number, seed: number, sampleRate = 22_050): Buffer {
  const rand = prng(seed);
  const samples = Math.round((durationMs / 1000) * sampleRate);
  const notes = Array.from({ length: 8 }, () => 220 * 2 ** (Math.floor(rand() * 24) / 12));
  const data = Buffer.alloc(samples * 2);
  const pcm = new Int16Array(data.buffer, data.byteOffset, samples);
  const perNote = samples / notes.length;
  for (let n = 0; n < notes.length; n++) {
    const from = Math.ceil(n * perNote);
    const to = Math.min(samples, Math.ceil((n + 1) * perNote));
    const step = (2 * Math.PI * notes[n]!) / sampleRate;
    const cosStep = Math.cos(step);
    const sinStep = Math.sin(step);
    // the phase at the note's first sample, then a rotation by one step per sample
    let re = Math.cos(step * from);
    let im = Math.sin(step * from);
    for (let i = from; i < to; i++) {
      // the note fades in over its first 400 samples, then holds at 0.3 of full scale
      const k = i - from + (from - n * perNote);
      const amplitude = (k < 400 ? k / 400 : 1) * 0.3 * 32767;
      pcm[i] = Math.round(im * amplitude);
      const r = re * cosStep - im * sinStep;
      im = re * sinStep + im * cosStep;
      re = r;
    }
  }
  if (endianness() === 'BE') data.swap16(); // WAV is little-endian; Int16Array is the machine's order
  const header = Buffer.alloc(44);
  header.write('RIFF', 0);
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVE', 8);
  header.write('fmt ', 12);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(sampleRate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36);
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}
