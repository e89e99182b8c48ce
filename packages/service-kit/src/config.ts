import { z } from 'zod';

/**
 * Typed configuration, read once at start. Each app declares a zod object over
 * the environment; `loadConfig` parses it and, on failure, prints one line per
 * bad variable saying what it expects, then exits 1. Nothing else in an app
 * reads process.env.
 */
export class ConfigError extends Error {
  constructor(
    readonly app: string,
    readonly problems: string[],
  ) {
    super(`${app}: invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export function parseConfig<S extends z.ZodType>(
  app: string,
  schema: S,
  env: Record<string, string | undefined> = process.env,
): z.infer<S> {
  // Empty strings count as unset, as in most .env tooling.
  const cleaned: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && v !== '') cleaned[k] = v;
  const result = schema.safeParse(cleaned);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const name = issue.path.join('.') || '(environment)';
    const got = typeof issue.path[0] === 'string' ? cleaned[issue.path[0]] : undefined;
    return `${name}: ${issue.message}${got !== undefined ? ` (got ${JSON.stringify(redactValue(name, got))})` : ''}`;
  });
  throw new ConfigError(app, problems);
}

/** Like parseConfig, but prints the problems and exits: for use at the top of main(). */
export function loadConfig<S extends z.ZodType>(app: string, schema: S): z.infer<S> {
  try {
    return parseConfig(app, schema);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
}

function redactValue(name: string, value: string): string {
  return /SECRET|PASSWORD|TOKEN|KEY|CREDENTIAL/i.test(name) ? '***' : value;
}

/** Field helpers with messages that say what is expected. */
export const env = {
  port: (def: number) =>
    z.coerce
      .number({ error: 'expected a TCP port number' })
      .int('expected a whole number')
      .min(0, 'expected a port between 0 and 65535')
      .max(65535, 'expected a port between 0 and 65535')
      .default(def),
  host: (def: string) => z.string().min(1).default(def),
  url: () => z.url({ error: 'expected an absolute URL such as http://127.0.0.1:4000' }),
  postgresUrl: () =>
    z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'expected a postgres:// or postgresql:// connection URL')
      .refine((s) => URL.canParse(s), 'expected a valid connection URL'),
  bool: (def: boolean) =>
    z
      .enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'expected true or false' })
      .transform((v) => v === 'true' || v === '1' || v === 'yes')
      .default(def),
  int: (def: number, min = 0, max = Number.MAX_SAFE_INTEGER) =>
    z.coerce
      .number({ error: 'expected a number' })
      .int('expected a whole number')
      .min(min, `expected at least ${min}`)
      .max(max, `expected at most ${max}`)
      .default(def),
  logLevel: () => z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  logFormat: () => z.enum(['json', 'pretty', 'auto']).default('auto'),
};
