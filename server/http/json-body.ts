// The API's JSON body parser: UTF-8 only, decoded strictly (invalid bytes are a 400, never silently replaced), then Fastify's own safe parse.
import type { FastifyInstance } from 'fastify';
import { ApiError } from './errors';

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** Replaces the default application/json parser (which turns invalid UTF-8 into U+FFFD) with a strict one. */
export function installJsonBodyParser(app: FastifyInstance): void {
  // prototype and constructor poisoning are refused, as Fastify does by default
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (req, body, done) => {
    let text: string;
    try {
      text = strictUtf8.decode(body as Buffer);
    } catch {
      done(new ApiError(400, 'invalid_encoding', 'the body is not valid UTF-8'), undefined);
      return;
    }
    parseJson(req, text, done);
  });
}
