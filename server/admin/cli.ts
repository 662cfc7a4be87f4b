// The operator CLI: accounts, grants, plans and subscriptions, tokens (issue, list, revoke) and the test clock through the admin routes; price-list imports on catalog files.
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { PRICE_COMMANDS_USAGE, runPriceCommand } from '../catalog/import/commands';

const USAGE = `usage: credits-admin <command> [options]

commands:
  accounts                         list accounts
  create-account --name N [--plan P] [--id ID]
  grant --account ID --credits C [--kind bonus|adjustment|pack|subscription|trial] [--expires ISO|never] [--paid] [--note TEXT]
  set-plan --account ID --plan P [--period weekly|monthly|yearly]
                                   a plan sold by subscription starts one: its period's credits are granted now, and it
                                   renews itself at the period's end; Free ends it
  renew-plan --account ID          renew a subscription whose period has ended (the server's schedule does it too)
  end-plan --account ID            end a subscription now: the account falls back to Free
  token --account ID [--label L]   issue a token for an account (its secret is printed once, and never stored)
  tokens --account ID              list an account's tokens: id, label, created, last used, revoked (never secrets)
  revoke-token --account ID --token-id TID   revoke a token at once, on every server sharing the database
  wallet --account ID
  clock (--advance DURATION | --set ISO)   DURATION like 90s, 15m, 2h, 1d

connection (one of):
  --data-dir DIR                   a server's data directory (reads server.json and admin-token)
  --server URL --admin-token T     or CREDITS_SERVER_URL and CREDITS_ADMIN_TOKEN
${PRICE_COMMANDS_USAGE}`;

export const REQUEST_TIMEOUT_MS = 10_000;

class CliError extends Error {}

function parseDuration(text: string): number {
  const m = /^(\d+)(ms|s|m|h|d)$/.exec(text);
  if (!m) throw new CliError(`"${text}" is not a duration (e.g. 90s, 15m, 2h, 1d)`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 'ms'];
  return Number(m[1]) * unit;
}

function parseTime(text: string): number {
  const ms = Date.parse(text);
  if (!Number.isFinite(ms)) throw new CliError(`"${text}" is not a date and time (use ISO 8601, e.g. 2026-12-01T00:00:00Z)`);
  return ms;
}

function connection(values: Record<string, string | boolean | undefined>): { url: string; token: string } {
  const dataDir = (values['data-dir'] as string | undefined) ?? process.env.CREDITS_DATA_DIR;
  let url = (values.server as string | undefined) ?? process.env.CREDITS_SERVER_URL;
  let token = (values['admin-token'] as string | undefined) ?? process.env.CREDITS_ADMIN_TOKEN;
  if (dataDir && (!url || !token)) {
    try {
      url ??= (JSON.parse(readFileSync(path.join(dataDir, 'server.json'), 'utf8')) as { url: string }).url;
    } catch {
      throw new CliError(`no running server found in ${dataDir} (server.json is missing: is the app or server running?)`);
    }
    token ??= readFileSync(path.join(dataDir, 'admin-token'), 'utf8').trim();
  }
  if (!url || !token) throw new CliError('say which server: --data-dir DIR, or --server URL with --admin-token T');
  return { url: url.replace(/\/$/, ''), token };
}

async function call(conn: { url: string; token: string }, method: string, route: string, body?: unknown): Promise<unknown> {
  const headers: Record<string, string> = { authorization: `Bearer ${conn.token}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method === 'POST') headers['idempotency-key'] = `cli-${randomUUID()}`;
  let res: Response;
  try {
    res = await fetch(`${conn.url}${route}`, { method, headers, body: body === undefined ? null : JSON.stringify(body), signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  } catch (e) {
    throw new CliError(`cannot reach the credits server at ${conn.url}: ${(e as Error).message}`);
  }
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    throw new CliError(`the server answered ${res.status} with something that is not JSON`);
  }
  if (!res.ok) {
    const err = (json as { error?: { code?: string; message?: string } } | null)?.error;
    throw new CliError(`${err?.code ?? res.status}: ${err?.message ?? text}`);
  }
  return json;
}

function need(values: Record<string, unknown>, name: string): string {
  const v = values[name];
  if (typeof v !== 'string' || v === '') throw new CliError(`--${name} is required`);
  return v;
}

export async function run(argv: string[]): Promise<unknown> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === 'help') {
    process.stdout.write(USAGE);
    return null;
  }
  if (command === 'import-prices' || command === 'price') return runPriceCommand(command, rest);
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: rest,
      options: {
        'data-dir': { type: 'string' }, server: { type: 'string' }, 'admin-token': { type: 'string' },
        account: { type: 'string' }, name: { type: 'string' }, plan: { type: 'string' }, id: { type: 'string' },
        credits: { type: 'string' }, kind: { type: 'string' }, expires: { type: 'string' }, paid: { type: 'boolean' }, note: { type: 'string' },
        advance: { type: 'string' }, set: { type: 'string' }, label: { type: 'string' }, 'token-id': { type: 'string' }, period: { type: 'string' },
      },
      strict: true,
    }));
  } catch (e) {
    throw new CliError((e as Error).message);
  }
  const conn = () => connection(values);
  const account = () => encodeURIComponent(need(values, 'account'));
  switch (command) {
    case 'accounts':
      return call(conn(), 'GET', '/admin/accounts');
    case 'create-account':
      return call(conn(), 'POST', '/admin/accounts', { displayName: need(values, 'name'), planId: values.plan ?? 'free', ...(values.id ? { id: values.id } : {}) });
    case 'grant': {
      const body: Record<string, unknown> = { credits: need(values, 'credits'), kind: values.kind ?? 'bonus' };
      if (values.expires !== undefined) body.expiresAtMs = values.expires === 'never' ? null : parseTime(values.expires as string);
      if (values.paid) body.paid = true;
      if (values.note) body.note = values.note;
      return call(conn(), 'POST', `/admin/accounts/${account()}/grants`, body);
    }
    case 'set-plan':
      return call(conn(), 'PUT', `/admin/accounts/${account()}/plan`, { planId: need(values, 'plan'), ...(values.period ? { period: values.period } : {}) });
    case 'renew-plan':
      return call(conn(), 'POST', `/admin/accounts/${account()}/subscription/renew`, {});
    case 'end-plan':
      return call(conn(), 'POST', `/admin/accounts/${account()}/subscription/end`, {});
    case 'token':
      return call(conn(), 'POST', `/admin/accounts/${account()}/tokens`, values.label === undefined ? {} : { label: values.label });
    case 'tokens':
      return call(conn(), 'GET', `/admin/accounts/${account()}/tokens`);
    case 'revoke-token':
      return call(conn(), 'POST', `/admin/accounts/${account()}/tokens/${encodeURIComponent(need(values, 'token-id'))}/revoke`, {});
    case 'wallet':
      return call(conn(), 'GET', `/admin/accounts/${account()}/wallet`);
    case 'clock':
      if (values.advance) return call(conn(), 'POST', '/admin/clock', { advanceMs: parseDuration(values.advance as string) });
      if (values.set) return call(conn(), 'POST', '/admin/clock', { setMs: parseTime(values.set as string) });
      throw new CliError('clock needs --advance DURATION or --set ISO');
    default:
      throw new CliError(`unknown command "${command}"\n\n${USAGE}`);
  }
}

if (require.main === module) {
  run(process.argv.slice(2)).then(
    (out) => {
      if (typeof out === 'string') process.stdout.write(out);
      else if (out !== null) process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    },
    (e: unknown) => {
      process.stderr.write(`credits-admin: ${e instanceof CliError ? e.message : e instanceof Error ? e.message : String(e)}\n`);
      process.exit(2);
    },
  );
}
