// Browser mode's downloads: a file main wrote for the page (a receipt), served once at an unguessable address that only the page was told, then forgotten.
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { SaveFile } from '../core/receipts';

export const DOWNLOADS_PATH = '/__credits/downloads';
/** how long a download waits for the page to fetch it */
export const DOWNLOAD_TTL_MS = 60_000;
const MAX_WAITING = 20;

interface Waiting {
  fileName: string;
  text: string;
  expiresAtMs: number;
}

export class Downloads {
  private readonly waiting = new Map<string, Waiting>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Keeps the file for the page and answers where it downloads it from. */
  add(fileName: string, text: string): string {
    this.sweep();
    if (this.waiting.size >= MAX_WAITING) this.waiting.delete(this.waiting.keys().next().value!);
    const id = randomBytes(18).toString('base64url');
    this.waiting.set(id, { fileName, text, expiresAtMs: this.now() + DOWNLOAD_TTL_MS });
    return `${DOWNLOADS_PATH}/${id}`;
  }

  /** The file once: a second fetch, or one after its time, finds nothing. */
  take(id: string): { fileName: string; text: string } | null {
    this.sweep();
    const w = this.waiting.get(id);
    this.waiting.delete(id);
    return w ? { fileName: w.fileName, text: w.text } : null;
  }

  private sweep(): void {
    const now = this.now();
    for (const [id, w] of this.waiting) if (w.expiresAtMs <= now) this.waiting.delete(id);
  }

  /** The core's SaveFile in browser mode: the page downloads what main wrote. */
  readonly saveFile: SaveFile = async (fileName, text) => ({ saved: true, path: null, downloadUrl: this.add(fileName, text) });

  /** Serves each file as an attachment, under the name main gave it. */
  register(app: FastifyInstance): void {
    app.get(`${DOWNLOADS_PATH}/:id`, async (req, reply) => {
      const file = this.take(String((req.params as { id?: unknown }).id ?? ''));
      if (!file) return reply.status(404).type('text/plain; charset=utf-8').send('This download has expired: save the receipt again.');
      const ascii = file.fileName.replace(/[^A-Za-z0-9._-]/g, '_');
      return reply
        .type('text/plain; charset=utf-8')
        .header('cache-control', 'no-store')
        .header('content-disposition', `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(file.fileName)}`)
        .send(file.text);
    });
  }
}
