// The ledger's evidence checked in the browser, so that a DPO's page takes
// no server's word for it: the checkpoint's signature (C2SP signed-note,
// Ed25519), each event's inclusion in it and the consistency of the ledger
// with the checkpoint this browser saw last (RFC 9162 §2.1.3.2, §2.1.4.2).
// Written from those specifications; tests/ledger_verifier.py is the same
// reading in Python, and the scenario tests hold both to cordon's proofs.
// SHA-256 is @noble/hashes' (synchronous): a report proves thousands of
// events, and WebCrypto's digest costs a promise per 65-byte node.
import { sha256 } from './vendor/noble-hashes/sha2.js';

const enc = new TextEncoder();

export class ProofError extends Error {}

function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}


// Padded base64 only, as the exchange writes it (and as Python's
// b64decode(validate=True) reads it); anything else is a ProofError.
export function fromB64(s) {
  if (typeof s !== 'string' || s.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(s)) {
    throw new ProofError('not base64');
  }
  let text;
  try { text = atob(s); } catch (e) { throw new ProofError('not base64'); }
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
}

export function toB64(bytes) {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

export function sameBytes(a, b) {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

// A report's evidence (format cordon-report-evidence-v2: each hash once in
// "nodes", each proof as the numbers of its hashes there) as the entries
// to check: [{index, entry (bytes), proof (hashes)}]. Throws ProofError on
// anything malformed; says nothing yet of whether the proofs hold.
export function openEvidence(evidence) {
  // Never empty: the reading itself is recorded under the order.
  if (!evidence || evidence.format !== 'cordon-report-evidence-v2' ||
      !Array.isArray(evidence.entries) || evidence.entries.length === 0) {
    throw new ProofError('not a report\u2019s evidence');
  }
  const nodes = fromB64(evidence.nodes);
  if (nodes.length % 32 !== 0) throw new ProofError('the proofs\u2019 hashes are not 32 bytes each');
  const count = nodes.length / 32;
  const node = (n) => {
    if (!Number.isSafeInteger(n) || n < 0 || n >= count) throw new ProofError('a proof names no hash');
    return nodes.subarray(32 * n, 32 * n + 32);
  };
  return evidence.entries.map((e) => {
    if (!e || !Array.isArray(e.proof)) throw new ProofError('an entry without its proof');
    return { index: e.index, entry: fromB64(e.entry), proof: e.proof.map(node) };
  });
}

// RFC 6962's hashes, written into one reused buffer: a report hashes tens
// of thousands of short inputs, and a fresh array for each was most of the
// time (sha256 keeps no reference to its input).
let scratch = new Uint8Array(1024);
function prefixed(prefix, ...parts) {
  const n = 1 + parts.reduce((total, p) => total + p.length, 0);
  if (n > scratch.length) scratch = new Uint8Array(2 * n);
  scratch[0] = prefix;
  let at = 1;
  for (const p of parts) { scratch.set(p, at); at += p.length; }
  return sha256(scratch.subarray(0, n));
}
const leafHash = (entry) => prefixed(0, entry);
const nodeHash = (left, right) => prefixed(1, left, right);

// A signed note's checkpoint, once its signature by `vkey` (name+keyid+key)
// is verified: {origin, size, root}. Throws ProofError otherwise.
export async function openCheckpoint(note, vkey) {
  // name+keyid+key, split at the first two '+' only: base64 holds '+' too.
  const [name, keyIdHex, ...rest] = String(vkey).trim().split('+');
  const keyB64 = rest.join('+');
  const key = fromB64(keyB64 || '');
  if (key.length !== 33 || key[0] !== 1) throw new ProofError('the verifier key is not Ed25519');
  const keyId = sha256(concat(enc.encode(name + '\n'), key)).slice(0, 4);
  if (Array.from(keyId, (b) => b.toString(16).padStart(2, '0')).join('') !== keyIdHex) {
    throw new ProofError('the verifier key\u2019s id does not match its key');
  }
  const split = note.lastIndexOf('\n\n');
  if (split < 0) throw new ProofError('the checkpoint is not a signed note');
  const text = note.slice(0, split + 1);
  const publicKey = await crypto.subtle.importKey('raw', key.slice(1), { name: 'Ed25519' }, false,
    ['verify']);
  let verified = false;
  for (const line of note.slice(split + 2).split('\n')) {
    if (!line) continue;
    const m = /^\u2014 (\S+) (\S+)$/.exec(line);
    if (!m) throw new ProofError('a malformed signature line');
    const sig = fromB64(m[2]);
    if (m[1] !== name || sig.length !== 68 || !sameBytes(sig.slice(0, 4), keyId)) continue;
    verified = await crypto.subtle.verify({ name: 'Ed25519' }, publicKey, sig.slice(4),
      enc.encode(text));
    if (!verified) throw new ProofError('the checkpoint\u2019s signature does not verify');
  }
  if (!verified) throw new ProofError('the checkpoint is not signed by the ledger\u2019s key');
  const lines = text.split('\n');
  if (lines[0] !== name || !/^[0-9]{1,19}$/.test(lines[1])) {
    throw new ProofError('the checkpoint is not this ledger\u2019s');
  }
  return { origin: lines[0], size: BigInt(lines[1]), root: fromB64(lines[2]) };
}

// RFC 9162 §2.1.3.2 for every entry of a report at once: each {index,
// entry (bytes), proof (hashes)} is in the tree of `size` leaves (a BigInt)
// whose root is `root`. Each parent is computed once: a parent depends only
// on its two children and on where it is (fn and sn fix which side is
// which), so a step whose position and children equal one already done
// takes that parent instead of hashing again. Thousands of proofs into one
// tree share most of their upper nodes. Positions are Numbers (exact below
// 2^53 leaves: a larger tree is refused). Returns the first entry that
// fails, or null.
export function verifyInclusions(entries, size, root) {
  if (size > BigInt(Number.MAX_SAFE_INTEGER)) return entries[0] || null;
  const leaves = Number(size);
  // Both fn and sn are halved at every move up, so after `level` halvings
  // sn is fixed by the level: (level, fn) names the position, and each
  // level's parents are kept by fn (number keys: no string per step).
  const levels = [];  // levels[level]: fn -> {left, right, hash}
  const parent = (level, fn, left, right) => {
    const known = (levels[level] ||= new Map()).get(fn);
    if (known && sameBytes(known.left, left) && sameBytes(known.right, right)) return known.hash;
    const hash = nodeHash(left, right);
    levels[level].set(fn, { left, right, hash });
    return hash;
  };
  const one = (e) => {
    if (!Number.isSafeInteger(e.index) || e.index < 0 || e.index >= leaves) return false;
    // Halving with Math.floor, not >>: positions pass 2^32.
    let fn = e.index, sn = leaves - 1, level = 0;
    const up = () => { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); level++; };
    let r = leafHash(e.entry);
    for (const p of e.proof) {
      if (sn === 0) return false;
      if (fn % 2 === 1 || fn === sn) {
        r = parent(level, fn, p, r);
        while (fn % 2 === 0 && fn !== 0) up();
      } else {
        r = parent(level, fn, r, p);
      }
      up();
    }
    return sn === 0 && sameBytes(r, root);
  };
  return entries.find((e) => !one(e)) || null;
}

// RFC 9162 §2.1.4.2: the tree of size2 (root2) extends the one of size1
// (root1): nothing in the first size1 leaves was changed or removed.
export function verifyConsistency(size1, size2, root1, root2, proof) {
  if (size1 === size2) return proof.length === 0 && sameBytes(root1, root2);
  if (size1 === 0n || size1 > size2 || proof.length === 0) return false;
  const path = (size1 & (size1 - 1n)) === 0n ? [root1, ...proof] : proof;
  let fn = size1 - 1n, sn = size2 - 1n;
  while ((fn & 1n) === 1n) { fn >>= 1n; sn >>= 1n; }
  let fr = path[0], sr = path[0];
  for (const c of path.slice(1)) {
    if (sn === 0n) return false;
    if ((fn & 1n) === 1n || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      while ((fn & 1n) === 0n && fn !== 0n) { fn >>= 1n; sn >>= 1n; }
    } else {
      sr = nodeHash(sr, c);
    }
    fn >>= 1n; sn >>= 1n;
  }
  return sn === 0n && sameBytes(fr, root1) && sameBytes(sr, root2);
}
