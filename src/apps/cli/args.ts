/** A small command-line parser: positionals, `--flag value`, `--flag=value` and boolean switches. */

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface FlagSpec {
  /** 'boolean' switches take no value; the rest take one. */
  type: 'boolean' | 'string' | 'int' | 'number';
  /** Allowed values of a string flag. */
  choices?: readonly string[];
}

export interface Parsed {
  positionals: string[];
  flags: Record<string, string | number | boolean>;
}

/** Parses argv against `spec` (flag names without dashes, as written: 'batch-size'). */
export function parseArgs(argv: readonly string[], spec: Record<string, FlagSpec>): Parsed {
  const positionals: string[] = [];
  const flags: Record<string, string | number | boolean> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('--') || arg === '-') {
      if (arg.startsWith('-') && arg !== '-' && !/^-\d/.test(arg)) throw new UsageError(`unknown option '${arg}' (options are spelled --name)`);
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
    const s = spec[name];
    if (!s) throw new UsageError(`unknown option '--${name}'${suggest(name, Object.keys(spec))}`);
    if (s.type === 'boolean') {
      if (eq >= 0) throw new UsageError(`option '--${name}' takes no value`);
      flags[name] = true;
      continue;
    }
    let value: string;
    if (eq >= 0) value = arg.slice(eq + 1);
    else {
      if (i + 1 >= argv.length) throw new UsageError(`option '--${name}' needs a value`);
      value = argv[++i];
    }
    flags[name] = convert(name, value, s);
  }
  return { positionals, flags };
}

function convert(name: string, value: string, s: FlagSpec): string | number {
  if (s.type === 'string') {
    if (s.choices && !s.choices.includes(value)) throw new UsageError(`option '--${name}' must be one of ${s.choices.join(', ')}; got '${value}'`);
    return value;
  }
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new UsageError(`option '--${name}' needs a number, got '${value}'`);
  if (s.type === 'int' && !Number.isInteger(n)) throw new UsageError(`option '--${name}' needs an integer, got '${value}'`);
  return n;
}

function suggest(name: string, known: string[]): string {
  const close = known.find((k) => k.startsWith(name) || name.startsWith(k));
  return close ? ` (did you mean --${close}?)` : '';
}
