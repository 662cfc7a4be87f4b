// The default price catalog shipped with the app and server, parsed and validated by the catalog schema.
import raw from './default-catalog.json';
import { issuesText } from '../rules/issues';
import { catalogSchema, type Catalog } from './schema';

export * from './schema';

/** Parses a catalog document, throwing a readable error listing what is wrong. */
export function parseCatalog(doc: unknown): Catalog {
  const r = catalogSchema.safeParse(doc);
  if (!r.success) {
    throw new Error(`invalid price catalog: ${issuesText(r.error.issues, { root: '(root)', max: 10 })}`);
  }
  return r.data;
}

export const defaultCatalogDocument: unknown = raw;
export const defaultCatalog: Catalog = parseCatalog(raw);
