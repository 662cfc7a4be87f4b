// The Fastify instance every server starts from: JSON only, zod schemas, the one error shape, request ids, limits on bodies and time.
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { ErrorBody } from '../../shared/api/index';
import { apiErrorOf, clientErrorHandler, installErrorShape } from './errors';
import { installJsonBodyParser } from './json-body';
import { loggerOptions, newRequestId, REQUEST_ID_HEADER, type LogOptions } from './logging';

export const BODY_LIMIT_BYTES = 64 * 1024;
export const REQUEST_TIMEOUT_MS = 30_000;

/** A route as registered, for tests that must cover them all (the fuzzer). */
export type RouteSeen = { method: string; url: string };

export function makeFastify(log: LogOptions | undefined, routes: RouteSeen[]): FastifyInstance {
  const app = Fastify({
    logger: loggerOptions(log),
    // every line about a request carries its id (reqId); the client sees it in x-request-id, and a 500 names it
    genReqId: newRequestId,
    requestIdHeader: false,
    bodyLimit: BODY_LIMIT_BYTES,
    connectionTimeout: REQUEST_TIMEOUT_MS,
    requestTimeout: REQUEST_TIMEOUT_MS,
    // requests Node's HTTP parser refuses (broken framing, bad header bytes, headers too large) leave in the one shape too
    clientErrorHandler,
    // errors the router meets before any route (a malformed URL) leave in the same shape as every other
    frameworkErrors: (err, _req, reply) => {
      const api = apiErrorOf(err);
      const body: ErrorBody = { error: { code: api?.code ?? 'invalid_request', message: api?.message ?? 'bad request' } };
      void (reply as FastifyReply).status(api?.status ?? 400).send(body);
    },
  });
  // the API speaks JSON only: any other body type is a 415, not a string for the schema to puzzle over
  app.removeContentTypeParser('text/plain');
  installJsonBodyParser(app);
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorShape(app);
  app.addHook('onRequest', async (req, reply) => {
    reply.header(REQUEST_ID_HEADER, req.id);
  });
  app.addHook('onRoute', (r) => {
    for (const method of [r.method].flat()) routes.push({ method, url: r.url });
  });
  return app;
}
