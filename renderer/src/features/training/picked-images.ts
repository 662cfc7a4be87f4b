// Images picked for a training job, checked in the window before any upload: type by content, size, count and duplicates, each refusal with its reason.
import { sniffImageType, TRAINING_MAX_IMAGE_BYTES, TRAINING_MAX_IMAGES, TRAINING_MAX_JOB_BYTES, TRAINING_MIN_IMAGE_BYTES } from '../../../../shared/rules/training';

export interface PickedImage {
  key: string;
  fileName: string;
  bytes: number;
  url: string;
  dataBase64: string;
}

export interface Refused {
  fileName: string;
  reason: string;
}

const mib = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;

function base64Of(buf: ArrayBuffer): string {
  const bytes = new Uint8Array(buf);
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

async function digest(buf: ArrayBuffer): Promise<string> {
  const h = new Uint8Array(await crypto.subtle.digest('SHA-256', buf));
  return [...h].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** Adds files to what is picked: each is accepted or refused with a reason the user can act on. */
export async function addFiles(picked: readonly PickedImage[], files: readonly File[]): Promise<{ picked: PickedImage[]; refused: Refused[] }> {
  const out = [...picked];
  const refused: Refused[] = [];
  let total = out.reduce((s, p) => s + p.bytes, 0);
  for (const f of files) {
    if (out.length >= TRAINING_MAX_IMAGES) {
      refused.push({ fileName: f.name, reason: `a job takes at most ${TRAINING_MAX_IMAGES} images` });
      continue;
    }
    if (f.size > TRAINING_MAX_IMAGE_BYTES) {
      refused.push({ fileName: f.name, reason: `${mib(f.size)} is over the ${mib(TRAINING_MAX_IMAGE_BYTES)} limit for one image` });
      continue;
    }
    const buf = await f.arrayBuffer();
    const type = buf.byteLength >= TRAINING_MIN_IMAGE_BYTES ? sniffImageType(new Uint8Array(buf, 0, Math.min(16, buf.byteLength))) : null;
    if (!type) {
      refused.push({ fileName: f.name, reason: buf.byteLength === 0 ? 'the file is empty' : 'not a JPEG, PNG or WebP image (checked by its content, not its name)' });
      continue;
    }
    if (total + buf.byteLength > TRAINING_MAX_JOB_BYTES) {
      refused.push({ fileName: f.name, reason: `the images would add up to more than ${mib(TRAINING_MAX_JOB_BYTES)}` });
      continue;
    }
    const key = await digest(buf);
    if (out.some((p) => p.key === key)) {
      refused.push({ fileName: f.name, reason: 'the same image is already picked' });
      continue;
    }
    total += buf.byteLength;
    out.push({ key, fileName: f.name, bytes: buf.byteLength, url: URL.createObjectURL(new Blob([buf], { type })), dataBase64: base64Of(buf) });
  }
  return { picked: out, refused };
}
