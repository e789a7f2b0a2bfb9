/**
 * English and Dutch. Every text the Lab shows is a key in a Strings table: the shell's below, and each page's own in
 * its folder (strings.ts). A page's tables must have the same keys in both languages (the type says so).
 */
export type Lang = 'en' | 'nl';
export const LANGS: readonly Lang[] = ['en', 'nl'];

/** A page's texts: the same keys in both languages. */
export type Strings<K extends string> = Record<Lang, Record<K, string>>;

const STORAGE_KEY = 'myelin-lab-lang';

function initialLang(): Lang {
  const saved = globalThis.localStorage?.getItem(STORAGE_KEY);
  if (saved === 'en' || saved === 'nl') return saved;
  const prefs = globalThis.navigator?.languages ?? [globalThis.navigator?.language ?? 'en'];
  return prefs.some((l) => l.toLowerCase().startsWith('nl')) ? 'nl' : 'en';
}

let lang: Lang = initialLang();
const listeners = new Set<() => void>();

export function currentLang(): Lang {
  return lang;
}

export function setLang(l: Lang): void {
  if (l === lang) return;
  lang = l;
  globalThis.localStorage?.setItem(STORAGE_KEY, l);
  document.documentElement.lang = l;
  for (const f of listeners) f();
}

/** Calls `f` whenever the language changes; returns a function that stops it. */
export function onLangChange(f: () => void): () => void {
  listeners.add(f);
  return () => listeners.delete(f);
}

/** A translator for one table: t('key'), with {name} placeholders filled from `vars`. */
export function translator<K extends string>(table: Strings<K>): (key: K, vars?: Record<string, string | number>) => string {
  return (key, vars) => {
    let s = table[lang][key];
    if (vars) for (const [k, v] of Object.entries(vars)) s = s.split(`{${k}}`).join(String(v));
    return s;
  };
}

/** The locale numbers are written in for the current language (0.59 and 1,000 in English; 0,59 and 1.000 in Dutch). */
export function locale(): string {
  return lang === 'nl' ? 'nl-NL' : 'en-GB';
}

/**
 * A number as the current language writes it: with exactly `decimals` decimals, at most `maxDecimals` (no trailing
 * zeros), or at most `digits` significant digits. '–' for null or a non-finite value (nothing measured yet).
 */
export function formatNumber(v: number | null, format: { decimals?: number; maxDecimals?: number; digits?: number } = {}): string {
  if (v === null || !Number.isFinite(v)) return '–';
  const options: Intl.NumberFormatOptions = format.digits !== undefined
    ? { maximumSignificantDigits: format.digits }
    : format.maxDecimals !== undefined
      ? { maximumFractionDigits: format.maxDecimals }
      : { minimumFractionDigits: format.decimals ?? 0, maximumFractionDigits: format.decimals ?? 0 };
  return (Object.is(v, -0) ? 0 : v).toLocaleString(locale(), options);
}

/** A fraction as a percentage with `decimals` decimals (86.2%, 86,2%); '–' for null. */
export function formatPercent(v: number | null, decimals = 1): string {
  if (v === null || !Number.isFinite(v)) return '–';
  return v.toLocaleString(locale(), { style: 'percent', minimumFractionDigits: decimals, maximumFractionDigits: decimals });
}
