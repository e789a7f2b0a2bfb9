/**
 * Reading raw e-mail (RFC 5322 / MIME) into the text a spam filter should see: the subject and the readable body.
 * Browser-safe (no Node modules).
 */

export interface ParsedEmail {
  /** The Subject header, unfolded, with RFC 2047 encoded words decoded ('' when absent). */
  subject: string;
  /** The readable body: text/plain parts, and text/html parts reduced to their text (see emailToText). */
  body: string;
}

type Headers = Map<string, string>;

/** Splits a message into its headers (lower-cased names, first occurrence, continuation lines unfolded) and body. */
function splitMessage(raw: string): { headers: Headers; body: string } {
  const text = raw.includes('\r') ? raw.replace(/\r\n?/g, '\n') : raw;
  if (/^[ \t]*\n/.test(text)) return { headers: new Map(), body: text.slice(text.indexOf('\n') + 1) }; // no headers
  const blank = text.search(/\n[ \t]*\n/);
  const head = blank < 0 ? text : text.slice(0, blank);
  const body = blank < 0 ? '' : text.slice(text.indexOf('\n', blank + 1) + 1);
  const headers: Headers = new Map();
  let name: string | null = null;
  let value = '';
  const flush = () => {
    if (name !== null && !headers.has(name)) headers.set(name, value.trim());
    name = null;
  };
  for (const line of head.split('\n')) {
    if (/^[ \t]/.test(line) && name !== null) {
      value += ' ' + line.trim();
      continue;
    }
    flush();
    const m = /^([!-9;-~]+):(.*)$/.exec(line); // a field name is printable ASCII without ':' (mbox "From " lines are skipped)
    if (m) {
      name = m[1].toLowerCase();
      value = m[2];
    }
  }
  flush();
  return { headers, body };
}

/** A header value's main token and its parameters: `text/plain; charset="utf-8"`. */
function parseParams(value: string): { main: string; params: Map<string, string> } {
  const semi = value.indexOf(';');
  const main = (semi < 0 ? value : value.slice(0, semi)).trim().toLowerCase();
  const params = new Map<string, string>();
  const re = /;\s*([^\s=;]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s]*))/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(value)) !== null) {
    const key = m[1].toLowerCase();
    if (!params.has(key)) params.set(key, m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : m[3]);
  }
  return { main, params };
}

// windows-1252's characters for bytes 0x80..0x9f (the rest of the byte range is latin-1); 0 = undefined byte
const CP1252_HIGH = [
  0x20ac, 0, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017d, 0,
  0, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0, 0x017e, 0x0178,
];

/** Decodes windows-1252 (what WHATWG maps latin-1 and ASCII labels to; some runtimes decode it as plain latin-1). */
function decodeCp1252(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 8192) {
    const chunk = Array.from(bytes.subarray(i, i + 8192), (b) => (b >= 0x80 && b <= 0x9f ? CP1252_HIGH[b - 0x80] || b : b));
    out += String.fromCharCode(...chunk);
  }
  return out;
}

interface Decoder {
  decode(bytes: Uint8Array): string;
}
const cp1252: Decoder = { decode: decodeCp1252 };
const decoders = new Map<string, Decoder>();
/** A decoder for a MIME charset, windows-1252 (a superset of latin-1 and ASCII) when the label is unknown. */
function decoderFor(charset: string | undefined): Decoder {
  const label = (charset ?? '').trim().toLowerCase();
  let d = decoders.get(label);
  if (!d) {
    try {
      const td = new TextDecoder(label || 'windows-1252');
      d = td.encoding === 'windows-1252' ? cp1252 : td;
    } catch {
      d = cp1252;
    }
    decoders.set(label, d);
  }
  return d;
}

/** The bytes of a string whose characters are bytes (code units above 255 are kept as UTF-8). */
function bytesOf(s: string): Uint8Array {
  let wide = false;
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 255) { wide = true; break; }
  if (wide) return new TextEncoder().encode(s);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_INDEX = new Int16Array(256).fill(-1);
for (let i = 0; i < 64; i++) B64_INDEX[B64.charCodeAt(i)] = i;

/**
 * Text that may still be undecoded 8-bit bytes (a message read as latin-1, one char per byte): decoded with the
 * charset (UTF-8 first when none is declared) when the chars are all bytes and they decode cleanly; otherwise kept.
 */
function rawText(s: string, charset: string | undefined): string {
  let high = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 255) return s; // already decoded text
    if (c > 127) high = true;
  }
  if (!high) return s;
  const bytes = bytesOf(s);
  const dec = decoderFor(charset);
  if (dec !== cp1252) {
    try {
      // fatal: bytes that are not valid in the declared charset mean the text was not what it claimed
      return new TextDecoder((dec as TextDecoder).encoding, { fatal: true }).decode(bytes);
    } catch {
      if (charset) return decodeCp1252(bytes);
    }
  }
  if (!charset) {
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      // not UTF-8: fall through to windows-1252
    }
  }
  return decodeCp1252(bytes);
}

/** Lenient base64: characters outside the alphabet are skipped, decoding stops at '='. */
function base64Bytes(s: string): Uint8Array {
  const out = new Uint8Array(Math.floor((s.length * 3) / 4) + 3);
  let n = 0, acc = 0, bits = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 61) break; // '='
    const v = c < 256 ? B64_INDEX[c] : -1;
    if (v < 0) continue;
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[n++] = (acc >> bits) & 0xff;
    }
  }
  return out.subarray(0, n);
}

/** Decodes quoted-printable text: soft line breaks removed, runs of =XX bytes decoded with the charset. */
function quotedPrintable(s: string, charset: string | undefined): string {
  const dec = decoderFor(charset);
  const joined = s.replace(/=[ \t]*\n/g, '');
  return joined.replace(/(?:=[0-9A-Fa-f]{2})+/g, (run) => {
    const bytes = new Uint8Array(run.length / 3);
    for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(run.slice(3 * i + 1, 3 * i + 3), 16);
    return dec.decode(bytes);
  });
}

/** RFC 2047 encoded words (=?charset?B|Q?text?=) in a header value, decoded; white space between them dropped. */
function decodeHeader(value: string): string {
  return value
    .replace(/(\?=)\s+(=\?)/g, '$1$2')
    .replace(/=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=/g, (_all, charset: string, enc: string, text: string) => {
      const cs = charset.split('*')[0];
      if (enc.toUpperCase() === 'B') return decoderFor(cs).decode(base64Bytes(text));
      return quotedPrintable(text.replace(/_/g, ' '), cs);
    });
}

const ENTITIES: Record<string, string> = {
  nbsp: ' ', amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", copy: '\u00a9', reg: '\u00ae', trade: '\u2122',
  euro: '\u20ac', pound: '\u00a3', yen: '\u00a5', cent: '\u00a2', middot: '\u00b7', bull: '\u2022', hellip: '\u2026',
  mdash: '\u2014', ndash: '\u2013', lsquo: '\u2018', rsquo: '\u2019', ldquo: '\u201c', rdquo: '\u201d', laquo: '\u00ab',
  raquo: '\u00bb', times: '\u00d7', deg: '\u00b0',
};

function decodeEntities(s: string): string {
  return s.replace(/&(#[xX][0-9a-fA-F]{1,6}|#[0-9]{1,7}|[a-zA-Z]{2,8});?/g, (all, e: string) => {
    if (e[0] === '#') {
      const code = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : ' ';
    }
    return ENTITIES[e.toLowerCase()] ?? all;
  });
}

/**
 * The text of an HTML document: scripts, styles and comments dropped, block-level tags turned into line breaks, the
 * targets of links and images kept as words (`href`/`src` URLs), other tags removed, entities decoded.
 */
export function htmlToText(html: string): string {
  return decodeEntities(
    html
      .replace(/<!--[\s\S]*?-->/g, ' ')
      .replace(/<(script|style|head)\b[\s\S]*?<\/\1\s*>/gi, ' ')
      .replace(/<(?:a|img|area)\b[^>]*?\b(?:href|src)\s*=\s*["']?([^"'\s>]+)[^>]*>/gi, ' $1 ')
      .replace(/<\/?(?:br|p|div|tr|li|ul|ol|table|h[1-6]|center|blockquote|hr|title|body)\b[^>]*>/gi, '\n')
      .replace(/<[^>]*>/g, ' '),
  );
}

/** The decoded content of one MIME entity (a message or a part), text only, or null when it holds no text. */
function entityText(headers: Headers, body: string, depth: number): string | null {
  const { main: type, params } = parseParams(headers.get('content-type') ?? 'text/plain');
  const encoding = (headers.get('content-transfer-encoding') ?? '').trim().toLowerCase();
  if (type.startsWith('multipart/') && depth < 8) {
    const boundary = params.get('boundary');
    const parts = boundary ? splitMultipart(body, boundary) : null;
    if (!parts) return body; // malformed: keep the raw body rather than nothing
    const texts: { type: string; text: string }[] = [];
    for (const p of parts) {
      const { headers: h, body: b } = splitMessage(p);
      const t = entityText(h, b, depth + 1);
      if (t !== null) texts.push({ type: parseParams(h.get('content-type') ?? 'text/plain').main, text: t });
    }
    if (type === 'multipart/alternative' && texts.length > 1) {
      // the same content twice: keep one, plain text preferred
      return (texts.find((t) => t.type === 'text/plain') ?? texts[0]).text;
    }
    return texts.map((t) => t.text).join('\n\n');
  }
  if (type === 'message/rfc822' && depth < 8) {
    const inner = parseAt(body, depth + 1);
    return inner.subject ? `${inner.subject}\n\n${inner.body}` : inner.body;
  }
  const isText = type === '' || type.startsWith('text/');
  if (!isText) return null;
  const disposition = parseParams(headers.get('content-disposition') ?? '').main;
  if (disposition === 'attachment' && type !== 'text/plain' && type !== 'text/html') return null;
  const charset = params.get('charset');
  let text: string;
  if (encoding === 'base64') text = decoderFor(charset).decode(base64Bytes(body));
  else if (encoding === 'quoted-printable') text = quotedPrintable(rawText(body, charset), charset);
  else text = rawText(body, charset);
  // HTML sent as text/plain (common in spam) is read as HTML too
  return type === 'text/html' || /<(?:html|body)\b/i.test(text) ? htmlToText(text) : text;
}

/** The parts of a multipart body (without the preamble and epilogue), or null when the boundary never occurs. */
function splitMultipart(body: string, boundary: string): string[] | null {
  const lines = body.split('\n');
  const open = `--${boundary}`;
  const parts: string[] = [];
  let current: string[] | null = null;
  let seen = false;
  for (const line of lines) {
    const l = line.trimEnd();
    if (l === open || l === `${open}--`) {
      if (current) parts.push(current.join('\n'));
      seen = true;
      current = l === open ? [] : null;
      if (l !== open) break;
      continue;
    }
    if (current) current.push(line);
  }
  if (current) parts.push(current.join('\n'));
  return seen ? parts : null;
}

/** The subject and readable body of a raw e-mail. */
export function parseEmail(raw: string): ParsedEmail {
  return parseAt(raw, 0);
}

function parseAt(raw: string, depth: number): ParsedEmail {
  const { headers, body } = splitMessage(raw);
  const subject = decodeHeader(rawText(headers.get('subject') ?? '', undefined)).replace(/\s+/g, ' ').trim();
  const text = entityText(headers, body, depth) ?? '';
  return { subject, body: tidy(text) };
}

/** Trailing spaces removed, runs of blank lines collapsed to one, ends trimmed. */
function tidy(s: string): string {
  return s.replace(/[ \t\u00a0]+\n/g, '\n').replace(/\n{3,}/g, '\n\n').trim();
}

/**
 * What a spam filter should read from a raw e-mail: the subject line, a blank line, then the body. Routing and
 * other headers (Received, From, X-Spam-*, ...) are dropped, so a model learns from what the message says rather
 * than from how the corpus was collected. The body is MIME-decoded: quoted-printable and base64 undone with the
 * declared charset; text/plain and text/html parts kept (of a multipart/alternative only one, plain preferred),
 * HTML reduced to its text plus the URLs of its links and images; attachments and non-text parts dropped;
 * forwarded messages (message/rfc822) included with their own subject.
 */
export function emailToText(raw: string): string {
  const { subject, body } = parseEmail(raw);
  return subject ? `${subject}\n\n${body}` : body;
}
