// A failed zod parse in words, one way for every caller: each issue as "path: message" (or a labelled field's sentence), joined by "; ".

/** What is read of a zod issue (z.core.$ZodIssue has both). */
export interface IssueLike {
  readonly path: readonly PropertyKey[];
  readonly message: string;
}

export interface IssueTextOptions {
  /** the name of the whole value, said before an issue about the value itself (no path): "request: …"; without it the message stands alone */
  root?: string;
  /** at most this many issues are said, the first ones */
  max?: number;
  /** a field's words by its last key: its issue reads as a sentence ("The auto-approve limit must be from 0 to …."), not as path: message */
  labels?: Readonly<Record<string, string>>;
}

/** The issue's path as dotted text ("request.params.0"); '' for the value itself. */
export const issuePath = (i: Pick<IssueLike, 'path'>): string => i.path.map(String).join('.');

export function issueText(i: IssueLike, opts: IssueTextOptions = {}): string {
  const last = String(i.path[i.path.length - 1] ?? '');
  const label = opts.labels && Object.prototype.hasOwnProperty.call(opts.labels, last) ? opts.labels[last] : undefined;
  if (label) return `${label} ${i.message}.`;
  const at = issuePath(i) || opts.root;
  return at ? `${at}: ${i.message}` : i.message;
}

/** The issues of a failed parse (`error.issues`) as one text. */
export function issuesText(issues: readonly IssueLike[], opts: IssueTextOptions = {}): string {
  return (opts.max === undefined ? issues : issues.slice(0, opts.max)).map((i) => issueText(i, opts)).join('; ');
}
