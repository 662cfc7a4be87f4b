// Catalog plugin: the signed price catalog with its ETag, and the public key that verifies it.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { ServerContext } from '../http/context';
import { sha256, stableJson } from '../util';
import { signCatalog, type CatalogKey } from './signing';

export function catalogRoutes(ctx: ServerContext, catalogKey: CatalogKey): FastifyPluginAsyncZod {
  const { catalog } = ctx;
  // Signed once per start: the catalog does not change while the server runs.
  const body = JSON.stringify({ version: catalog.version, issuedAtMs: 0, catalog, signature: signCatalog(catalogKey, catalog), keyId: catalogKey.keyId });
  const etag = `"${catalog.version}-${sha256(stableJson(catalog)).slice(0, 16)}-${catalogKey.keyId}"`;
  return async (app) => {
    app.get('/v1/catalog', async (req, reply) => {
      reply.header('etag', etag).header('cache-control', 'no-cache');
      if (req.headers['if-none-match'] === etag) return reply.status(304).send();
      return reply.type('application/json').send(body);
    });
    app.get('/v1/catalog/key', async () => ({ publicKey: catalogKey.publicKey, keyId: catalogKey.keyId }));
  };
}
