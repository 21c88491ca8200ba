// Checks civhub records in the browser, trusting nothing the serving hub
// adds: the origin's Ed25519 key comes from its hub id (bech32m, as
// crypto/bech32.cc encodes it), the signature covers
// "civhub.record.v1\0" || body bytes (crypto/keys.h, SigningDomain::kRecord),
// and what the page shows is decoded from those same signed bytes, never
// from the JSON copy beside them.
'use strict';
(function () {
  const CHARSET = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';
  const BECH32M = 0x2bc830a3;
  const HRP = 'civhub';

  function polymod(values) {
    const gen = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];
    let chk = 1;
    for (const v of values) {
      const top = chk >>> 25;
      chk = (((chk & 0x1ffffff) << 5) ^ v) >>> 0;
      for (let i = 0; i < 5; i++) if ((top >>> i) & 1) chk = (chk ^ gen[i]) >>> 0;
    }
    return chk;
  }

  // The 32-byte key of a hub id, or null when it is not one.
  function hubIdKey(id) {
    if (typeof id !== 'string' || id !== id.toLowerCase()) return null;
    const sep = id.lastIndexOf('1');
    if (id.slice(0, sep) !== HRP || id.length - sep - 1 < 6) return null;
    const data = [];
    for (const c of id.slice(sep + 1)) {
      const v = CHARSET.indexOf(c);
      if (v < 0) return null;
      data.push(v);
    }
    const hrpx = [];
    for (const c of HRP) hrpx.push(c.charCodeAt(0) >> 5);
    hrpx.push(0);
    for (const c of HRP) hrpx.push(c.charCodeAt(0) & 31);
    if (polymod(hrpx.concat(data)) !== BECH32M) return null;
    let acc = 0, bits = 0;
    const out = [];
    for (const v of data.slice(0, -6)) {
      acc = (acc << 5) | v;
      bits += 5;
      if (bits >= 8) { bits -= 8; out.push((acc >> bits) & 0xff); }
    }
    if (bits >= 5 || (acc & ((1 << bits) - 1))) return null;
    return out.length === 32 ? new Uint8Array(out) : null;
  }

  function base64Bytes(s) {
    const bin = atob(s || '');
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }

  // --- A protobuf reader for RecordBody (proto/civhub/v1/record.proto). ---
  // Field tables: number -> [name, type, repeated]; type is 'string',
  // 'bytes', 'uint', 'double', or a nested table.
  const LT = {1: ['lang', 'string'], 2: ['text', 'string']};
  const REF = {1: ['origin', 'string'], 2: ['recordId', 'string']};
  const LOCATION = {
    1: ['country', 'string'], 2: ['region', 'string'], 3: ['city', 'string'],
    4: ['address', 'string'], 5: ['postalCode', 'string'],
    6: ['latitude', 'double'], 7: ['longitude', 'double'],
    8: ['id', 'string'], 9: ['name', 'string']};
  // google.protobuf.Timestamp, read as the RFC 3339 text its JSON form has.
  const TIMESTAMP = {1: ['seconds', 'uint'], 2: ['nanos', 'uint']};
  const WINDOW = {1: ['start', 'timestamp'], 2: ['end', 'timestamp']};
  const WORK_PLACE = {1: ['mode', 'string'], 2: ['location', LOCATION], 3: ['radiusKm', 'double']};
  const SCHEMA = {
    1: ['origin', 'bytes'], 2: ['recordId', 'string'], 3: ['version', 'uint'],
    4: ['sequence', 'uint'],
    5: ['issuedAt', TIMESTAMP],
    10: ['organization', {
      1: ['identifiers', {1: ['scheme', 'string'], 2: ['identifier', 'string']}, true],
      2: ['names', LT, true], 3: ['descriptions', LT, true],
      4: ['alternateName', 'string'], 5: ['acronym', 'string'],
      6: ['types', 'string', true], 7: ['website', 'string'],
      8: ['email', 'string'], 9: ['phone', 'string'],
      10: ['locations', LOCATION, true],
      11: ['areasServed', 'string', true], 12: ['languages', 'string', true],
      13: ['topics', 'string', true], 14: ['yearIncorporated', 'uint'],
      15: ['legalStatus', 'string'], 16: ['parent', REF]}],
    11: ['community', {
      1: ['names', LT, true], 2: ['missions', LT, true],
      3: ['topics', 'string', true], 4: ['regionScope', 'string', true],
      5: ['website', 'string'], 6: ['meetingInfo', LT, true],
      7: ['memberships', {1: ['organization', REF], 2: ['role', 'string'],
                          3: ['since', 'string']}, true]}],
    12: ['tombstone', {1: ['reason', 'string']}],
    13: ['hubProfile', {1: ['name', 'string'], 2: ['region', 'string'],
                        3: ['contact', 'string'], 4: ['federationAddress', 'string']}],
    14: ['peerLink', {1: ['peer', 'string']}],
    15: ['service', {
      1: ['organization', REF], 2: ['names', LT, true], 3: ['descriptions', LT, true],
      4: ['alternateName', 'string'], 5: ['status', 'string'], 6: ['url', 'string'],
      7: ['email', 'string'],
      8: ['phones', {1: ['number', 'string'], 2: ['extension', 'string'],
                     3: ['type', 'string'], 4: ['description', 'string']}, true],
      9: ['languages', 'string', true], 10: ['areasServed', 'string', true],
      11: ['areaDescriptions', LT, true], 12: ['topics', 'string', true],
      13: ['fees', LT, true], 14: ['eligibility', LT, true],
      15: ['applicationProcess', LT, true],
      16: ['locations', {1: ['id', 'string'], 2: ['locationId', 'string'],
                         3: ['location', LOCATION], 4: ['descriptions', LT, true]}, true],
      17: ['minimumAge', 'uint'], 18: ['maximumAge', 'uint']}],
    16: ['need', {
      1: ['organization', REF], 2: ['titles', LT, true], 3: ['descriptions', LT, true],
      4: ['capabilities', 'string', true], 5: ['workPlace', WORK_PLACE],
      6: ['languages', 'string', true], 7: ['window', WINDOW],
      8: ['effortHours', 'uint'], 9: ['priority', 'string'], 10: ['status', 'string'],
      11: ['expiresAt', 'timestamp'], 12: ['topics', 'string', true]}],
    17: ['offer', {
      1: ['organization', REF],
      2: ['volunteer', {1: ['displayName', 'string'], 2: ['email', 'string'], 3: ['phone', 'string']}],
      3: ['titles', LT, true], 4: ['descriptions', LT, true],
      5: ['capabilities', 'string', true], 6: ['workPlace', WORK_PLACE],
      7: ['languages', 'string', true], 8: ['window', WINDOW],
      9: ['hoursPerMonth', 'uint'], 10: ['status', 'string'],
      11: ['expiresAt', 'timestamp'], 12: ['topics', 'string', true]}],
    18: ['event', {
      1: ['names', LT, true], 2: ['descriptions', LT, true], 3: ['eventType', 'string'],
      4: ['organizers', REF, true], 5: ['community', REF],
      6: ['startsAt', 'timestamp'], 7: ['endsAt', 'timestamp'],
      8: ['timeZone', 'string'], 9: ['allDay', 'bool'], 10: ['recurrence', 'string'],
      11: ['place', LOCATION], 12: ['onlineUrl', 'string'],
      13: ['languages', 'string', true], 14: ['topics', 'string', true],
      15: ['capacity', 'uint'], 16: ['status', 'string'], 17: ['replicates', REF],
      18: ['url', 'string'], 19: ['icalUid', 'string'],
      20: ['excludedStarts', 'timestamp', true]}],
    19: ['registration', {
      1: ['event', REF], 2: ['organization', REF], 3: ['attendees', 'uint'],
      4: ['status', 'string'], 5: ['notes', LT, true]}],
  };
  const utf8 = new TextDecoder('utf-8', {fatal: true});

  // As protobuf's JSON mapping prints a Timestamp: UTC, "Z", and 0, 3, 6 or
  // 9 digits of fraction.
  function rfc3339(ts) {
    const seconds = ts.seconds || 0, nanos = ts.nanos || 0;
    const whole = new Date(seconds * 1000).toISOString().replace(/\.\d+Z$/, '');
    if (!nanos) return whole + 'Z';
    let frac = String(nanos).padStart(9, '0');
    while (frac.length > 3 && frac.endsWith('000')) frac = frac.slice(0, -3);
    return whole + '.' + frac + 'Z';
  }

  function decode(bytes, schema) {
    let pos = 0;
    const out = {};
    function varint() {
      let v = 0, mul = 1;
      for (let i = 0; i < 10; i++) {
        if (pos >= bytes.length) throw new Error('truncated');
        const b = bytes[pos++];
        v += (b & 0x7f) * mul;
        mul *= 128;
        if (!(b & 0x80)) return v;
      }
      throw new Error('bad varint');
    }
    while (pos < bytes.length) {
      const tag = varint();
      const field = Math.floor(tag / 8), wire = tag & 7;
      const spec = schema[field];
      let value, raw;
      if (wire === 0) value = varint();
      else if (wire === 1) {
        if (pos + 8 > bytes.length) throw new Error('truncated');
        raw = bytes.subarray(pos, pos + 8); pos += 8;
        value = new DataView(raw.buffer, raw.byteOffset, 8).getFloat64(0, true);
      } else if (wire === 5) {
        if (pos + 4 > bytes.length) throw new Error('truncated');
        pos += 4; continue;
      } else if (wire === 2) {
        const len = varint();
        if (pos + len > bytes.length) throw new Error('truncated');
        raw = bytes.subarray(pos, pos + len); pos += len;
      } else throw new Error('bad wire type');
      if (!spec) continue;
      const [name, type, repeated] = spec;
      if (type === 'timestamp') value = rfc3339(decode(raw, TIMESTAMP));
      else if (typeof type === 'object') value = decode(raw, type);
      else if (type === 'string') value = utf8.decode(raw);
      else if (type === 'bytes') value = raw;
      else if ((type === 'uint' || type === 'bool') && wire !== 0) throw new Error('bad wire type');
      else if (type === 'bool') value = value !== 0;
      else if (type === 'double' && wire !== 1) throw new Error('bad wire type');
      if (repeated) (out[name] = out[name] || []).push(value);
      else out[name] = value;
    }
    return out;
  }

  const PREFIX = new TextEncoder().encode('civhub.record.v1\0');
  const keys = new Map();  // hub id -> Promise<CryptoKey>

  function canVerify() {
    return !!(window.isSecureContext && window.crypto && crypto.subtle);
  }

  function equalBytes(a, b) {
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }

  // The fingerprint crypto/keys.cc prints: SHA-256("civhub.fingerprint.v1"
  // || key), first 80 bits in base32, "XXXX-XXXX-XXXX-XXXX".
  async function fingerprint(key) {
    const input = new Uint8Array(21 + key.length);
    input.set(new TextEncoder().encode('civhub.fingerprint.v1'));
    input.set(key, 21);
    const md = new Uint8Array(await crypto.subtle.digest('SHA-256', input));
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
    let acc = 0, bits = 0, s = '';
    for (let i = 0; i < 10; i++) {
      acc = ((acc << 8) | md[i]) & 0xffff; bits += 8;
      while (bits >= 5) { bits -= 5; s += alphabet[(acc >> bits) & 31]; }
    }
    return s.match(/.{4}/g).join('-');
  }

  // Checks one Record of the JSON API. Resolves to
  //   {state: 'signed'|'bad'|'unverifiable', body, origin, fingerprint, reason}
  // where body is decoded from the signed bytes (null when they do not
  // decode) and origin is the hub id the key came from. `expect` may hold
  // {origin, recordId} the caller asked for.
  async function verifyRecord(record, expect) {
    const origin = record && record.origin;
    const result = {state: 'bad', body: null, origin: origin, fingerprint: '', reason: ''};
    const key = hubIdKey(origin);
    if (!key) { result.reason = 'origin'; return result; }
    let body, sig;
    try {
      body = base64Bytes(record.signed && record.signed.body);
      sig = base64Bytes(record.signed && record.signed.signature);
      result.body = decode(body, SCHEMA);
    } catch (e) {
      result.reason = 'decode';
      return result;
    }
    if (!result.body.origin || !equalBytes(result.body.origin, key)) {
      result.reason = 'origin'; return result;
    }
    if (expect && ((expect.origin && expect.origin !== origin) ||
                   (expect.recordId && expect.recordId !== result.body.recordId))) {
      result.reason = 'other'; return result;
    }
    if (!canVerify()) { result.state = 'unverifiable'; return result; }
    try {
      if (!keys.has(origin)) {
        keys.set(origin, crypto.subtle.importKey('raw', key, {name: 'Ed25519'}, false, ['verify']));
      }
      const message = new Uint8Array(PREFIX.length + body.length);
      message.set(PREFIX);
      message.set(body, PREFIX.length);
      const ok = sig.length === 64 &&
          await crypto.subtle.verify({name: 'Ed25519'}, await keys.get(origin), sig, message);
      result.fingerprint = await fingerprint(key);
      if (ok) result.state = 'signed';
      else result.reason = 'signature';
    } catch (e) {
      // A browser without Ed25519 in WebCrypto.
      result.state = 'unverifiable';
      result.reason = 'nocrypto';
    }
    return result;
  }

  window.CivhubVerify = {verifyRecord, hubIdKey, canVerify, fingerprint};
})();
