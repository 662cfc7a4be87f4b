// Server configuration from flags and environment: host, port, data directory, DATABASE_URL, admin token, test clock, log level, payment provider, object storage.
import { parseArgs } from 'node:util';
import path from 'node:path';
import { LOG_LEVELS, type LogLevel } from './http/logging';
import { parseStorageConfig, STORAGE_FLAGS, type StorageConfig } from './storage/config';

export interface ServerConfig {
  host: string;
  port: number;
  dataDir: string;
  databaseUrl: string | undefined;
  adminToken: string | undefined;
  /** create the local account and hand its token to the parent process */
  embedded: boolean;
  localName: string | undefined;
  /** start the server with an adjustable clock at this time (ms), for tests */
  testClockMs: number | undefined;
  catalogPath: string | undefined;
  enginesPath: string | undefined;
  engineLatencyMs: number | undefined;
  engineFailureRate: number | undefined;
  /** how often an open event stream gets a comment line, so a client can tell a quiet server from a hung one */
  sseHeartbeatMs: number | undefined;
  /** how many times faster than real time training jobs run: 1 (20 to 40 minutes a job) unless set, e.g. 600 for tests */
  trainingSpeed: number;
  /** pino's level: info by default, warn for the app's embedded server (its output goes to the app's log) */
  logLevel: LogLevel;
  payments: PaymentsConfig;
  /** where training images, checkpoints and models are kept: the data folder, or an S3-compatible bucket shared by a fleet */
  storage: StorageConfig;
}

/** The payment provider: `test` (the embedded default: its checkout page is served by this server) or `stripe`. */
export type PaymentsConfig =
  | { provider: 'test'; publicUrl: string | undefined; webhookSecret: string | undefined }
  | { provider: 'stripe'; publicUrl: string | undefined; secretKey: string; webhookSecret: string; apiHost: string | undefined; apiPort: number | undefined; apiProtocol: 'http' | 'https' | undefined; returnUrl: string | undefined };

function parsePayments(values: { payments?: string | undefined; 'public-url'?: string | undefined }, env: NodeJS.ProcessEnv): PaymentsConfig {
  const provider = values.payments ?? env.CREDITS_PAYMENTS ?? 'test';
  const publicUrl = values['public-url'] ?? env.CREDITS_PUBLIC_URL ?? undefined;
  if (publicUrl !== undefined && !/^https?:\/\/[^\s]+$/.test(publicUrl)) throw new ConfigError(`--public-url must be an http(s) URL, got ${publicUrl}`);
  if (provider === 'test') return { provider, publicUrl, webhookSecret: env.CREDITS_TEST_WEBHOOK_SECRET || undefined };
  if (provider !== 'stripe') throw new ConfigError(`--payments is test or stripe, got ${provider}`);
  const secretKey = env.STRIPE_SECRET_KEY;
  const webhookSecret = env.STRIPE_WEBHOOK_SECRET;
  if (!secretKey || !webhookSecret) throw new ConfigError('--payments stripe needs STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET in the environment');
  const portText = env.STRIPE_API_PORT;
  const apiPort = portText ? Number(portText) : undefined;
  if (apiPort !== undefined && !(Number.isInteger(apiPort) && apiPort > 0 && apiPort <= 65535)) throw new ConfigError(`STRIPE_API_PORT must be 1-65535, got ${portText}`);
  const protocol = env.STRIPE_API_PROTOCOL;
  if (protocol !== undefined && protocol !== 'http' && protocol !== 'https') throw new ConfigError(`STRIPE_API_PROTOCOL is http or https, got ${protocol}`);
  return { provider, publicUrl, secretKey, webhookSecret, apiHost: env.STRIPE_API_HOST || undefined, apiPort, apiProtocol: protocol, returnUrl: env.CREDITS_CHECKOUT_RETURN_URL || undefined };
}

export class ConfigError extends Error {}

function storageOf(values: Parameters<typeof parseStorageConfig>[0], env: NodeJS.ProcessEnv): StorageConfig {
  try {
    return parseStorageConfig(values, env);
  } catch (e) {
    throw new ConfigError((e as Error).message);
  }
}

export function parseServerConfig(argv: string[], env: NodeJS.ProcessEnv): ServerConfig {
  const { values } = parseArgs({
    args: argv,
    options: {
      host: { type: 'string' },
      port: { type: 'string' },
      'data-dir': { type: 'string' },
      'database-url': { type: 'string' },
      embedded: { type: 'boolean' },
      'local-name': { type: 'string' },
      'test-clock': { type: 'string' },
      catalog: { type: 'string' },
      engines: { type: 'string' },
      'engine-latency-ms': { type: 'string' },
      'engine-failure-rate': { type: 'string' },
      'sse-heartbeat-ms': { type: 'string' },
      'training-speed': { type: 'string' },
      'log-level': { type: 'string' },
      /** the old switch: --log is --log-level info */
      log: { type: 'boolean' },
      payments: { type: 'string' },
      'public-url': { type: 'string' },
      ...STORAGE_FLAGS,
    },
    strict: true,
  });
  const portText = values.port ?? env.CREDITS_PORT ?? env.PORT ?? '8787';
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`port must be 0-65535, got ${portText}`);
  let testClockMs: number | undefined;
  const tc = values['test-clock'] ?? env.CREDITS_TEST_CLOCK;
  if (tc !== undefined && tc !== '') {
    testClockMs = tc === 'now' ? Date.now() : Date.parse(tc);
    if (!Number.isFinite(testClockMs)) throw new ConfigError(`--test-clock takes "now" or an ISO time, got ${tc}`);
  }
  const latencyText = values['engine-latency-ms'] ?? env.CREDITS_ENGINE_LATENCY_MS;
  const engineLatencyMs = latencyText === undefined ? undefined : Number(latencyText);
  if (engineLatencyMs !== undefined && (!Number.isInteger(engineLatencyMs) || engineLatencyMs < 0 || engineLatencyMs > 60_000)) {
    throw new ConfigError(`--engine-latency-ms must be 0-60000, got ${latencyText}`);
  }
  const rateText = values['engine-failure-rate'] ?? env.CREDITS_ENGINE_FAILURE_RATE;
  const engineFailureRate = rateText === undefined ? undefined : Number(rateText);
  if (engineFailureRate !== undefined && !(engineFailureRate >= 0 && engineFailureRate <= 1)) throw new ConfigError(`--engine-failure-rate must be between 0 and 1, got ${rateText}`);
  const heartbeatText = values['sse-heartbeat-ms'] ?? env.CREDITS_SSE_HEARTBEAT_MS;
  const sseHeartbeatMs = heartbeatText === undefined ? undefined : Number(heartbeatText);
  if (sseHeartbeatMs !== undefined && !(Number.isInteger(sseHeartbeatMs) && sseHeartbeatMs >= 100 && sseHeartbeatMs <= 60_000)) throw new ConfigError(`--sse-heartbeat-ms must be 100-60000, got ${heartbeatText}`);
  const speedText = values['training-speed'] ?? env.CREDITS_TRAINING_SPEED ?? '1';
  const trainingSpeed = Number(speedText);
  if (!(Number.isFinite(trainingSpeed) && trainingSpeed >= 1 && trainingSpeed <= 100_000)) throw new ConfigError(`--training-speed must be 1-100000, got ${speedText}`);
  const levelText = values['log-level'] ?? (values.log ? 'info' : undefined) ?? env.CREDITS_LOG_LEVEL ?? (values.embedded ? 'warn' : 'info');
  if (!(LOG_LEVELS as readonly string[]).includes(levelText)) throw new ConfigError(`--log-level is one of ${LOG_LEVELS.join(', ')}, got ${levelText}`);
  return {
    host: values.host ?? env.CREDITS_HOST ?? '127.0.0.1',
    port,
    dataDir: path.resolve(values['data-dir'] ?? env.CREDITS_DATA_DIR ?? '.data/server'),
    databaseUrl: values['database-url'] ?? env.DATABASE_URL ?? undefined,
    adminToken: env.CREDITS_ADMIN_TOKEN || undefined,
    embedded: values.embedded ?? false,
    localName: values['local-name'] ?? undefined,
    testClockMs,
    catalogPath: values.catalog ?? env.CREDITS_CATALOG ?? undefined,
    enginesPath: values.engines ?? env.CREDITS_ENGINES ?? undefined,
    engineLatencyMs,
    engineFailureRate,
    sseHeartbeatMs,
    trainingSpeed,
    logLevel: levelText as LogLevel,
    payments: parsePayments(values, env),
    storage: storageOf(values, env),
  };
}
