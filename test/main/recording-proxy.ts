// An HTTP proxy on port 0 in front of a real credits server for main's tests: it records every training start as it arrived (headers and raw body), and can answer one itself or drop the server's answer.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** the most of one request body the proxy keeps (a training job is at most a few tens of MB) */
const MAX_RECORDED_BODY_BYTES = 64 * 1024 * 1024;

export interface RecordedRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export interface CannedAnswer {
  status: number;
  headers?: Record<string, string>;
  body: unknown;
}

export interface RecordingProxy {
  url: string;
  /** every POST /v1/trainings, in order */
  trainingStarts: RecordedRequest[];
  /** the next training start is answered by the proxy, never reaching the server */
  answerNextStart(answer: CannedAnswer): void;
  /** the next training start reaches the server, whose answer is then dropped (the connection is cut): the client never hears it */
  dropNextStartAnswer(): void;
  close(): Promise<void>;
}

async function readBody(req: http.IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    bytes += chunk.length;
    if (bytes > MAX_RECORDED_BODY_BYTES) throw new Error('request body over the proxy limit');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, bytes);
}

/** Starts the proxy; requests other than training starts pass through untouched (the wallet's event stream is piped as it comes). */
export async function recordingProxy(upstreamUrl: string): Promise<RecordingProxy> {
  const upstream = new URL(upstreamUrl);
  const trainingStarts: RecordedRequest[] = [];
  let canned: CannedAnswer | null = null;
  let dropNext = false;
  const server = http.createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      const isStart = req.method === 'POST' && req.url === '/v1/trainings';
      if (isStart) trainingStarts.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      if (isStart && canned) {
        const answer = canned;
        canned = null;
        res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
        res.end(JSON.stringify(answer.body));
        return;
      }
      const drop = isStart && dropNext;
      if (drop) dropNext = false;
      const out = http.request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
        if (drop) {
          answer.resume();
          answer.once('end', () => res.socket?.destroy());
          return;
        }
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      out.once('error', () => res.socket?.destroy());
      res.once('close', () => out.destroy());
      out.end(body);
    })().catch(() => res.socket?.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    trainingStarts,
    answerNextStart: (a) => (canned = a),
    dropNextStartAnswer: () => (dropNext = true),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export interface FormPart {
  name: string;
  fileName: string | null;
  contentType: string | null;
  data: Buffer;
}

/** the most parts a recorded form is read for */
const MAX_FORM_PARTS = 100;

/** The parts of a recorded multipart/form-data body, in the order they were sent (a reader for the tests, not a full parser). */
export function formPartsOf(contentType: string, body: Buffer): FormPart[] {
  const boundary = /boundary=("?)([^";]+)\1/i.exec(contentType)?.[2];
  if (!boundary) throw new Error(`no boundary in ${contentType}`);
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: FormPart[] = [];
  let at = body.indexOf(delimiter);
  while (at >= 0 && parts.length < MAX_FORM_PARTS) {
    const start = at + delimiter.length;
    if (body.subarray(start, start + 2).toString() === '--') break;
    const next = body.indexOf(delimiter, start);
    if (next < 0) throw new Error('the form does not end with its closing boundary');
    const part = body.subarray(start + 2, next - 2); // after the CRLF that ends the boundary line, before the CRLF that precedes the next
    const headerEnd = part.indexOf('\r\n\r\n');
    const head = part.subarray(0, headerEnd).toString('utf8');
    const disposition = /content-disposition:\s*form-data;\s*name="([^"]*)"(?:;\s*filename="([^"]*)")?/i.exec(head);
    if (!disposition) throw new Error(`a part without its name: ${head}`);
    parts.push({ name: disposition[1]!, fileName: disposition[2] ?? null, contentType: /content-type:\s*([^\r\n]+)/i.exec(head)?.[1] ?? null, data: part.subarray(headerEnd + 4) });
    at = next;
  }
  return parts;
}
