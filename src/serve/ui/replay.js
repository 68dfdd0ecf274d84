// A session recording opened in the browser (issue 17): the file the
// bastion wrote (age, to the hospital's recording keys) and the CISO's own
// age identity are read from local files, decrypted here and never sent
// anywhere; the chain over the ciphertext is checked against the anchors
// the exchange recorded before anything is shown. The exchange keeps no
// readable copy, and this page gives it none.
//
// Formats: age v1 (age-encryption.org/v1: X25519 stanzas, HKDF-SHA-256,
// HMAC-SHA-256 header MAC, ChaCha20-Poly1305 STREAM in 64 KiB chunks);
// cordon's chain (docs/formats.md, "Session recordings"); asciicast v2.
// WebCrypto does X25519, HKDF, HMAC and SHA-256; ChaCha20-Poly1305, which it
// lacks, comes from @noble/ciphers (vendor/, see scripts/vendor-ui).
import { chacha20poly1305 } from './vendor/noble-ciphers/chacha.js';

const enc = new TextEncoder();
const CHUNK = 64 * 1024;
const TAG = 16;
const UNIT = CHUNK + TAG;  // a chain unit: one sealed chunk

// An error a person can act on: `code` names it for the page's words.
export class ReplayError extends Error {
  constructor(code, detail) {
    super(code + (detail ? ': ' + detail : ''));
    this.code = code;
    this.detail = detail || '';
  }
}

function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

function hex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

async function sha256(bytes) {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
}

// ---- the identity: AGE-SECRET-KEY-1… (Bech32, BIP 173) ----

const BECH32 = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';

function bech32Polymod(values) {
  const gen = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];
  let chk = 1;
  for (const v of values) {
    const top = chk >>> 25;
    chk = ((chk & 0x1ffffff) << 5) ^ v;
    for (let i = 0; i < 5; i++) if ((top >>> i) & 1) chk ^= gen[i];
  }
  return chk >>> 0;
}

// The 32-byte X25519 scalar of one identity line, or a ReplayError.
function decodeIdentity(line) {
  if (line !== line.toUpperCase() && line !== line.toLowerCase()) throw new ReplayError('identity_bad');
  const s = line.toLowerCase();
  const sep = s.lastIndexOf('1');
  const hrp = s.slice(0, sep);
  if (hrp !== 'age-secret-key-') throw new ReplayError('identity_bad');
  const data = [];
  for (const c of s.slice(sep + 1)) {
    const v = BECH32.indexOf(c);
    if (v < 0) throw new ReplayError('identity_bad');
    data.push(v);
  }
  const expanded = [...hrp].map((c) => c.charCodeAt(0) >> 5).concat([0],
    [...hrp].map((c) => c.charCodeAt(0) & 31));
  if (data.length < 6 || bech32Polymod(expanded.concat(data)) !== 1) throw new ReplayError('identity_bad');
  // 5-bit groups to bytes, no padding left over (BIP 173 convertbits).
  let acc = 0, bits = 0;
  const out = [];
  for (const v of data.slice(0, -6)) {
    acc = (acc << 5) | v;
    bits += 5;
    if (bits >= 8) { bits -= 8; out.push((acc >>> bits) & 0xff); }
  }
  if (bits >= 5 || ((acc << (8 - bits)) & 0xff) !== 0 || out.length !== 32) throw new ReplayError('identity_bad');
  return new Uint8Array(out);
}

// Every identity of an age identity file (comments and blank lines skipped).
export function parseIdentities(text) {
  const keys = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    keys.push(decodeIdentity(line));
  }
  if (keys.length === 0) throw new ReplayError('identity_bad');
  return keys;
}

// The scalar as a WebCrypto private key (PKCS #8 of RFC 8410), and its public key.
async function x25519Identity(scalar) {
  const pkcs8 = concat(new Uint8Array([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b,
    0x65, 0x6e, 0x04, 0x22, 0x04, 0x20]), scalar);
  const key = await crypto.subtle.importKey('pkcs8', pkcs8, { name: 'X25519' }, false, ['deriveBits']);
  const basepoint = new Uint8Array(32);
  basepoint[0] = 9;
  const pub = new Uint8Array(await x25519(key, basepoint));
  return { key, pub };
}

async function x25519(key, point) {
  const peer = await crypto.subtle.importKey('raw', point, { name: 'X25519' }, false, []);
  return new Uint8Array(await crypto.subtle.deriveBits({ name: 'X25519', public: peer }, key, 256));
}

async function hkdf(ikm, salt, info) {
  const k = await crypto.subtle.importKey('raw', ikm, 'HKDF', false, ['deriveBits']);
  return new Uint8Array(await crypto.subtle.deriveBits(
    { name: 'HKDF', hash: 'SHA-256', salt, info: enc.encode(info) }, k, 256));
}

// ---- the age header ----

function unb64(text) {
  // age's base64: standard alphabet, no padding, canonical.
  if (!/^[A-Za-z0-9+/]*$/.test(text) || text.length % 4 === 1) throw new ReplayError('not_age');
  const s = atob(text + '='.repeat((4 - (text.length % 4)) % 4));
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
}

// The header's stanzas, the bytes its MAC covers, the MAC, and where the
// payload (its nonce first) starts.
function parseHeader(file) {
  let at = 0;
  const nextLine = () => {
    const nl = file.indexOf(0x0a, at);
    if (nl < 0 || nl - at > 4096) throw new ReplayError('not_age');
    const line = new TextDecoder('utf-8', { fatal: true }).decode(file.subarray(at, nl));
    at = nl + 1;
    return line;
  };
  if (nextLine() !== 'age-encryption.org/v1') throw new ReplayError('not_age');
  const stanzas = [];
  for (;;) {
    const line = nextLine();
    if (line.startsWith('--- ')) {
      const macEnd = at - line.length - 1 + 3;  // through "---"
      return { stanzas, macked: file.subarray(0, macEnd), mac: unb64(line.slice(4)), payload: at };
    }
    if (!line.startsWith('-> ')) throw new ReplayError('not_age');
    const args = line.slice(3).split(' ');
    const body = [];
    for (;;) {
      const b = nextLine();
      body.push(b);
      if (b.length < 64) break;
    }
    stanzas.push({ args, body: unb64(body.join('')) });
  }
}

// The file key from an X25519 stanza, or null when it is not for `id`.
async function unwrap(stanza, id) {
  if (stanza.args[0] !== 'X25519' || stanza.args.length !== 2 || stanza.body.length !== 32) return null;
  const share = unb64(stanza.args[1]);
  if (share.length !== 32) throw new ReplayError('not_age');
  const shared = await x25519(id.key, share);
  const wrapKey = await hkdf(shared, concat(share, id.pub), 'age-encryption.org/v1/X25519');
  try {
    return chacha20poly1305(wrapKey, new Uint8Array(12)).decrypt(stanza.body);
  } catch (e) {
    return null;  // sealed to another recipient
  }
}

// ---- the chain (src/recording/chain.h) ----

// Checks the file against the session's last anchor: unit 0 is the header
// and the payload nonce, then one unit per sealed chunk.
//   head_0 = SHA-256("cordon-recording-v1" ‖ SHA-256(unit_0))
//   head_i = SHA-256(head_{i-1} ‖ SHA-256(unit_i))
export async function checkChain(file, payloadStart, anchor) {
  const unit0 = file.subarray(0, payloadStart + 16);
  const headerSha = hex(await sha256(unit0));
  if (anchor.header_sha256 && headerSha !== anchor.header_sha256) {
    throw new ReplayError('not_this_session');
  }
  if (file.length < anchor.bytes) throw new ReplayError('truncated', file.length + ' < ' + anchor.bytes);
  let head = await sha256(concat(enc.encode('cordon-recording-v1'), await sha256(unit0)));
  let at = unit0.length;
  for (let unit = 1; unit < anchor.chunks; unit++) {
    const end = Math.min(at + UNIT, file.length);
    head = await sha256(concat(head, await sha256(file.subarray(at, end))));
    at = end;
  }
  if (at !== anchor.bytes || hex(head) !== anchor.head) throw new ReplayError('altered');
  return { anchoredBytes: anchor.bytes, unanchoredBytes: file.length - anchor.bytes };
}

// ---- decryption ----

// The asciicast text of a recording. A file cut short (the bastion stopped
// before the session's end) gives every complete chunk and `complete: false`.
export async function decrypt(file, identityText) {
  const ids = await Promise.all(parseIdentities(identityText).map(x25519Identity));
  const header = parseHeader(file);
  let fileKey = null;
  for (const stanza of header.stanzas) {
    for (const id of ids) {
      fileKey = await unwrap(stanza, id);
      if (fileKey) break;
    }
    if (fileKey) break;
  }
  if (!fileKey || fileKey.length !== 16) throw new ReplayError('not_for_you');
  const macKey = await crypto.subtle.importKey('raw', await hkdf(fileKey, new Uint8Array(0), 'header'),
    { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']);
  if (!await crypto.subtle.verify('HMAC', macKey, header.mac, header.macked)) {
    throw new ReplayError('altered');
  }
  const nonce = file.subarray(header.payload, header.payload + 16);
  if (nonce.length !== 16) throw new ReplayError('truncated');
  const key = await hkdf(fileKey, nonce, 'payload');
  const parts = [];
  let at = header.payload + 16;
  let complete = false;
  for (let counter = 0; at < file.length; counter++) {
    const sealed = file.subarray(at, Math.min(at + UNIT, file.length));
    const chunkNonce = new Uint8Array(12);
    new DataView(chunkNonce.buffer).setUint32(7, counter);  // 11-byte big-endian counter
    const open = (last) => {
      chunkNonce[11] = last ? 1 : 0;
      try { return chacha20poly1305(key, chunkNonce).decrypt(sealed); } catch (e) { return null; }
    };
    // A full unit is a middle chunk, or the last one when nothing follows.
    let plain = open(false);
    if (plain && sealed.length < UNIT) throw new ReplayError('altered');
    if (!plain) {
      plain = open(true);
      if (!plain || at + sealed.length !== file.length) {
        // Nothing opens it: a unit cut short by a bastion that died is the
        // end of what can be shown; anything else is an alteration.
        if (sealed.length < UNIT && !plain) break;
        throw new ReplayError('altered');
      }
      complete = true;
    }
    parts.push(plain);
    at += sealed.length;
  }
  return { text: new TextDecoder().decode(concat(...parts)), complete, payloadStart: header.payload };
}

// ---- asciicast v2 ----

export function parseCast(text) {
  const lines = text.split('\n').filter((l) => l !== '');
  if (lines.length === 0) throw new ReplayError('not_cast');
  let header;
  try { header = JSON.parse(lines[0]); } catch (e) { throw new ReplayError('not_cast'); }
  if (!header || header.version !== 2) throw new ReplayError('not_cast');
  const events = [];
  for (const line of lines.slice(1)) {
    let e;
    try { e = JSON.parse(line); } catch (err) { break; }  // a last line cut short
    if (!Array.isArray(e) || e.length !== 3 || typeof e[0] !== 'number' || typeof e[2] !== 'string') {
      throw new ReplayError('not_cast');
    }
    events.push({ time: e[0], type: e[1], data: e[2] });
  }
  return { header, events };
}

// A small screen: enough of a terminal to read a session — lines wrapped at
// the recording's width, carriage returns, backspaces, tabs —
// with every other control sequence parsed and dropped. Its text goes into
// the page as text, never markup. It erases nothing: what was overwritten
// on a line by a carriage return is the only text a later write replaces.
//
// Control sequences are parsed as a terminal does (ECMA-48 / the VT500
// parser): a C0 control inside a sequence is executed and the sequence goes
// on, ESC restarts one, CAN and SUB cancel it, and a character that cannot
// continue it ends it and is then printed. Nothing a terminal would show can
// be hidden from the replay by a malformed sequence (an attack review hid
// patient rows behind "ESC SOH"), and the parser's state, not held text,
// carries a sequence cut between two events. Strings (OSC, DCS, APC, PM,
// SOS: titles and the like) are dropped up to their terminator, at most
// kMaxString characters; what follows a longer one is shown. Bidirectional
// formatting characters are shown as U+FFFD: they would reorder the page's
// text, not a terminal's.
const CONTROL = /[\x00-\x1f\x7f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
const BIDI = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;
const kMaxString = 4096;

export class Screen {
  constructor(width = 80, maxLines = 5000) {
    this.width = Math.min(Math.max(Number(width) || 80, 20), 1000);
    this.lines = [''];
    this.col = 0;
    this.max = maxLines;
    this.state = 'ground';  // escape, csi, string, string_esc
    this.stringLength = 0;
  }

  newLine() {
    this.lines.push('');
    this.col = 0;
    if (this.lines.length > this.max) this.lines.shift();
  }

  // Writes printable characters at the cursor (over what is there),
  // wrapping at the width as a terminal does.
  putRun(run) {
    while (run.length > 0) {
      if (this.col >= this.width) this.newLine();
      const room = this.width - this.col;
      const part = run.slice(0, room);
      const row = this.lines.length - 1;
      const line = this.lines[row];
      this.lines[row] = line.slice(0, this.col).padEnd(this.col) + part + line.slice(this.col + part.length);
      this.col += part.length;
      run = run.slice(part.length);
    }
  }

  // A C0 control (or DEL) in any state but a string's.
  execute(c) {
    if (c === '\n') this.newLine();
    else if (c === '\r') this.col = 0;
    else if (c === '\b') this.col = Math.max(0, this.col - 1);
    else if (c === '\t') this.col = Math.min(this.width - 1, (Math.floor(this.col / 8) + 1) * 8);
  }

  // Every CSI sequence is dropped, erase in line (ESC [K) too: this screen
  // does not follow cursor moves (ESC [B, ESC [20;1H, ESC [30C…), so
  // erasing where it believes the cursor is could erase what a terminal
  // still shows (a second review hid rows with "CR ESC[B ESC[K ESC[A").
  // Ignoring an erase only ever shows more than the terminal did.
  endCsi() {
    this.state = 'ground';
  }

  write(data) {
    for (let i = 0; i < data.length; i++) {
      const c = data[i];
      const code = c.charCodeAt(0);
      if (this.state === 'string' || this.state === 'string_esc') {
        // BEL or ESC \ ends it; CAN/SUB cancel it; a string too long ends.
        if (c === '\x07' || (this.state === 'string_esc' && c === '\\') || c === '\x18' || c === '\x1a') {
          this.state = 'ground';
        } else if (this.state === 'string_esc') {
          this.state = 'escape';  // ESC and something else: a new sequence
          i--;
        } else if (c === '\x1b') {
          this.state = 'string_esc';
        } else if (++this.stringLength > kMaxString) {
          this.state = 'ground';
          i--;
        }
        continue;
      }
      if (c === '\x1b') {
        this.state = 'escape';
        continue;
      }
      if (c === '\x18' || c === '\x1a') {  // CAN, SUB: cancel
        this.state = 'ground';
        continue;
      }
      if (code < 0x20 || code === 0x7f) {  // executed in every state
        this.execute(c);
        continue;
      }
      if (this.state === 'escape') {
        if (c === '[') {
          this.state = 'csi';
        } else if (c === ']' || c === 'P' || c === 'X' || c === '^' || c === '_') {
          this.state = 'string';
          this.stringLength = 0;
        } else if (code >= 0x20 && code <= 0x2f) {
          // an intermediate: the sequence goes on
        } else if (code >= 0x30 && code <= 0x7e) {
          this.state = 'ground';  // ESC 7, ESC ( B, ESC = …: done
        } else {
          this.state = 'ground';  // cannot continue: shown
          i--;
        }
        continue;
      }
      if (this.state === 'csi') {
        if (code >= 0x20 && code <= 0x3f) {
          // a parameter or an intermediate
        } else if (code >= 0x40 && code <= 0x7e) {
          this.endCsi();
        } else {
          this.state = 'ground';
          i--;
        }
        continue;
      }
      // Ground: a run of printable characters at once.
      CONTROL.lastIndex = i;
      const next = CONTROL.exec(data);
      const end = next ? next.index : data.length;
      if (end > i) {
        this.putRun(data.slice(i, end));
        i = end - 1;
      } else if (BIDI.test(c)) {
        this.putRun('\ufffd');
      }
    }
  }

  text() { return this.lines.join('\n'); }
}
