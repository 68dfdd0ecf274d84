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


export function fromB64(s) {
  if (typeof s !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(s)) throw new ProofError('not base64');
  return Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
}

export function toB64(bytes) {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

export function sameBytes(a, b) {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

const leafHash = (entry) => sha256(concat(Uint8Array.of(0), entry));
const nodeHash = (left, right) => sha256(concat(Uint8Array.of(1), left, right));

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
// entry (bytes), proof (hashes)} is in the tree of `size` leaves (a BigInt:
// no 32-bit bitwise) whose root is `root`. Each parent is computed once: a parent depends only on
// its two children and on where it is (fn and sn fix which side is which),
// so a step whose position and children equal one already done takes that
// parent instead of hashing again. Thousands of proofs into one tree share
// most of their upper nodes. Returns the first entry that fails, or null.
export function verifyInclusions(entries, size, root) {
  const parents = new Map();  // "fn:sn" -> {left, right, hash}
  const parent = (key, left, right) => {
    const known = parents.get(key);
    if (known && sameBytes(known.left, left) && sameBytes(known.right, right)) return known.hash;
    const hash = nodeHash(left, right);
    parents.set(key, { left, right, hash });
    return hash;
  };
  const one = (e) => {
    if (!Number.isSafeInteger(e.index) || e.index < 0) return false;
    let fn = BigInt(e.index), sn = size - 1n;
    if (fn >= size) return false;
    let r = leafHash(e.entry);
    for (const p of e.proof) {
      if (sn === 0n) return false;
      const key = fn + ':' + sn;
      if ((fn & 1n) === 1n || fn === sn) {
        r = parent(key, p, r);
        while ((fn & 1n) === 0n && fn !== 0n) { fn >>= 1n; sn >>= 1n; }
      } else {
        r = parent(key, r, p);
      }
      fn >>= 1n; sn >>= 1n;
    }
    return sn === 0n && sameBytes(r, root);
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
