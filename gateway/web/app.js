// The web directory (docs/api.md, "The web directory"): search with
// filters, a record page, every record checked by verify.js. Plain DOM, no
// build step; the state lives in the URL so every view can be shared:
//   /?q=water&kind=organization&country=KE&topic=…&type=…&language=…
//     &region=…&near=LAT,LON&km=50&capability=…&from=YYYY-MM-DD&to=…&hl=fr
//   /record/{origin}/{record_id}?hl=ar
// Needs, offers, events and registrations have their pages in
// matchmaking.js, which uses the toolkit this file exports (CivhubUi).
'use strict';
(function () {
  const MESSAGES = window.CIVHUB_MESSAGES;
  const V = window.CivhubVerify;
  const LANGS = ['en', 'es', 'fr', 'ar', 'sw'];
  const FILTERS = ['kind', 'country', 'region', 'topic', 'type', 'language', 'near', 'km', 'capability', 'from', 'to'];
  const $ = (id) => document.getElementById(id);
  let ui = 'en';
  let options = {countries: [], regions: [], languages: [], topics: [], organizationTypes: []};
  let searchSeq = 0;
  let nextToken = '';
  let debounce = null;

  // --- Messages ---
  function t(key, vars) {
    let s = (MESSAGES[ui] && MESSAGES[ui][key]) || MESSAGES.en[key] || key;
    for (const k in vars || {}) s = s.split('{' + k + '}').join(vars[k]);
    return s;
  }
  // The message for `n` in the reader's language's plural rules: key_two,
  // key_few… where the language has them (Arabic: 3 to 10 take the plural,
  // 11 and up the singular), keyOne for one, else key.
  function pluralKey(key, n) {
    const category = new Intl.PluralRules(ui).select(n);
    if (MESSAGES[ui] && MESSAGES[ui][key + '_' + category]) return key + '_' + category;
    return category === 'one' ? key + 'One' : key;
  }
  // A list in the reader's script: Arabic separates with "،".
  const joinList = (items) => items.join(ui === 'ar' ? '، ' : ', ');
  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const k in attrs || {}) {
      if (attrs[k] === undefined || attrs[k] === null) continue;
      if (k === 'text') e.textContent = attrs[k];
      else if (k === 'class') e.className = attrs[k];
      else e.setAttribute(k, attrs[k]);
    }
    for (const c of children) if (c) e.append(c);
    return e;
  }
  // Names from the browser in the reader's language. Where its data has
  // none (Chromium's ICU lacks about 30 ISO 639-1 languages, such as "ki"
  // and "rn", in every language), the hub's English name from
  // options.json; else the code.
  const displayNames = new Map();
  function displayName(type, code, known) {
    const key = ui + '/' + type;
    try {
      if (!displayNames.has(key)) displayNames.set(key, new Intl.DisplayNames([ui], {type, fallback: 'none'}));
      const n = displayNames.get(key).of(code);
      if (n) return n;
    } catch (e) { /* not a code the browser knows */ }
    const k = known.find((x) => x.code === code);
    return (k && k.name) || code;
  }
  const countryName = (c) => displayName('region', c, options.countries);
  const languageName = (c) => displayName('language', c, options.languages);
  // A country (KE) or a subdivision (KE-30): browsers have no names of
  // ISO 3166-2 subdivisions, so the code with its country's name.
  function areaName(code) {
    const m = /^([A-Z]{2})-[A-Z0-9]{1,3}$/.exec(code);
    if (m) return t('regionOf', {region: code, country: countryName(m[1])});
    return /^[A-Z]{2}$/.test(code) ? countryName(code) : code;
  }
  function termName(list, code) {
    const term = list.find((x) => x.code === code);
    return (MESSAGES[ui].terms && MESSAGES[ui].terms[code]) || (term ? term.name : code);
  }
  // The writing direction of a language ("rtl" for ar, fa, he, ur…), from
  // the browser's Intl.Locale; "auto" (from the text) when it cannot say.
  function langDir(lang) {
    try {
      const l = new Intl.Locale(lang);
      const info = l.getTextInfo ? l.getTextInfo() : l.textInfo;
      if (info && info.direction) return info.direction;
    } catch (e) { /* no or unknown language */ }
    return 'auto';
  }
  // The text in the reader's language, else English, else the first.
  function pick(texts) {
    if (!texts || !texts.length) return null;
    return texts.find((x) => x.lang === ui) || texts.find((x) => x.lang === 'en') || texts[0];
  }
  // A record's text in its own language and direction, isolated inline:
  // the block around it keeps the page's direction, so an English name on
  // the Arabic page reads left to right yet aligns right like the rest.
  function langText(lt, attrs) {
    return el('bdi', Object.assign({text: lt.text, lang: lt.lang || null, dir: langDir(lt.lang)}, attrs || {}));
  }
  // A paragraph in a record's language: a block with its own direction.
  function textEl(tag, lt) {
    return el(tag, {text: lt.text, lang: lt.lang || null, dir: langDir(lt.lang)});
  }

  // --- URL state ---
  function readUrl() {
    const url = new URL(location.href);
    const p = url.searchParams;
    const m = url.pathname.match(/^\/record\/([^/]+)\/([^/]+)$/);
    return {
      record: m ? {origin: decodeURIComponent(m[1]), recordId: decodeURIComponent(m[2])} : null,
      params: p,
    };
  }
  function pageUrl(path, params) {
    const p = new URLSearchParams();
    for (const [k, v] of params) if (v) p.set(k, v);
    if (ui !== document.documentElement.dataset.serverLang || p.has('hl')) p.set('hl', ui);
    const q = p.toString();
    return path + (q ? '?' + q : '');
  }
  // Country and region codes are upper case ("ke-30" is typed as KE-30).
  function filterValue(f, v) {
    v = (v || '').trim();
    return f === 'country' || f === 'region' ? v.toUpperCase() : v;
  }
  // Sets a filter; a select keeps a value it has no option for (an unknown
  // code in a shared URL), so the search sends it and the hub says why it
  // is wrong, rather than the page searching without it.
  function setFilter(f, v) {
    const e = $(f);
    v = filterValue(f, v);
    if (e.tagName === 'SELECT' && v && ![...e.options].some((o) => o.value === v)) {
      e.append(el('option', {value: v, text: v}));
    }
    e.value = v;
  }
  function formParams() {
    const p = [['q', $('q').value.trim()]];
    for (const f of FILTERS) {
      const v = filterValue(f, $(f).value);
      if ($(f).value !== v && $(f).tagName === 'INPUT') $(f).value = v;
      if (f === 'km' && !$('near').value.trim()) continue;
      p.push([f, v]);
    }
    return p;
  }
  function recordHref(origin, recordId) {
    return pageUrl('/record/' + encodeURIComponent(origin) + '/' + encodeURIComponent(recordId), []);
  }

  // --- Interface language ---
  function setLanguage(lang) {
    ui = LANGS.includes(lang) ? lang : 'en';
    document.documentElement.lang = ui;
    document.documentElement.dir = ui === 'ar' ? 'rtl' : 'ltr';
    $('hl').value = ui;
    document.title = t('title');
    for (const e of document.querySelectorAll('[data-i18n]')) e.textContent = t(e.dataset.i18n);
    fillOptions();
  }
  function initialLanguage(params) {
    const hl = params.get('hl');
    if (LANGS.includes(hl)) return hl;
    // The hub chose from Accept-Language when it served the page.
    const server = document.documentElement.lang;
    if (LANGS.includes(server)) return server;
    for (const l of navigator.languages || []) {
      const p = l.split('-')[0].toLowerCase();
      if (LANGS.includes(p)) return p;
    }
    return 'en';
  }

  // --- Filter options ---
  function fillSelect(id, items) {
    const select = $(id);
    const value = select.value;
    select.replaceChildren(el('option', {value: '', text: t('any')}));
    // Two codes with one name (ak and tw are both "Akan") are told apart
    // by their codes.
    const seen = new Map();
    for (const it of items) seen.set(it.label, (seen.get(it.label) || 0) + 1);
    for (const it of items) if (seen.get(it.label) > 1) it.label += ' (' + it.code + ')';
    items.sort((a, b) => a.label.localeCompare(b.label, ui));
    for (const it of items) select.append(el('option', {value: it.code, text: it.label}));
    setFilter(id, value);
  }
  function fillOptions() {
    fillSelect('country', options.countries.map((c) => ({code: c.code, label: countryName(c.code)})));
    fillSelect('language', options.languages.map((c) => ({code: c.code, label: languageName(c.code)})));
    fillSelect('topic', options.topics.map((c) => ({code: c.code, label: termName(options.topics, c.code)})));
    fillSelect('type', options.organizationTypes.map((c) => ({code: c.code, label: termName(options.organizationTypes, c.code)})));
    fillSelect('capability', (options.capabilities || []).map((c) => ({code: c.code, label: window.CivhubMatchmaking.capabilityName(c.code)})));
    fillRegions();
  }
  function fillRegions() {
    const country = $('country').value;
    const list = $('regions');
    list.replaceChildren();
    if (!country) return;
    for (const r of options.regions) if (r.startsWith(country + '-')) list.append(el('option', {value: r}));
  }

  // --- Errors next to the filter they concern ---
  // The API's parameter (its error's "field") → the page's input.
  const INPUT_OF = {text: 'q', lang: 'language'};
  function describedBy(input) {
    return (input.getAttribute('aria-describedby') || '').split(' ').filter(Boolean);
  }
  function clearFieldErrors() {
    for (const p of document.querySelectorAll('.field-error')) {
      const input = $(p.dataset.for);
      input.removeAttribute('aria-invalid');
      const ids = describedBy(input).filter((id) => id !== p.id);
      if (ids.length) input.setAttribute('aria-describedby', ids.join(' '));
      else input.removeAttribute('aria-describedby');
      p.remove();
    }
  }
  function showFieldError(field, message, lang) {
    const id = INPUT_OF[field] || field;
    const input = id && $(id);
    if (!input || !input.closest('.field')) return;
    const p = el('p', {class: 'field-error', id: id + '-error', 'data-for': id},
      lang ? langText({lang, text: message}) : document.createTextNode(message));
    input.closest('.field').append(p);
    input.setAttribute('aria-invalid', 'true');
    input.setAttribute('aria-describedby', describedBy(input).concat(p.id).join(' '));
  }

  // --- The API ---
  async function api(path) {
    const response = await fetch(path, {headers: {accept: 'application/json'}});
    const body = await response.json().catch(() => ({}));
    if (!response.ok) {
      const err = new Error(body.message || response.statusText);
      err.status = response.status;
      err.field = body.field;
      throw err;
    }
    return body;
  }
  const enc = encodeURIComponent;
  function recordPath(origin, id) { return '/v1/records/' + enc(origin) + '/' + enc(id); }

  // Each hub's signed profile record "~hub" (name, region, contact) when
  // this hub holds it and it verifies; else null.
  const hubProfiles = new Map();
  function hubProfile(origin) {
    if (!hubProfiles.has(origin)) {
      hubProfiles.set(origin, api(recordPath(origin, '~hub'))
        .then((r) => V.verifyRecord(r, {origin, recordId: '~hub'}))
        .then((v) => (v.state !== 'bad' && v.body.hubProfile) || null)
        .catch(() => null));
    }
    return hubProfiles.get(origin);
  }
  // Hub names, from the profile; else a short hub id.
  function shortId(origin) { return origin.slice(0, 12) + '…' + origin.slice(-4); }
  async function hubName(origin) {
    const profile = await hubProfile(origin);
    return (profile && profile.name) || shortId(origin);
  }

  // The signature mark: "signed by <hub> · <fingerprint>", or a warning.
  function mark(v, name, full) {
    if (v.state === 'signed') {
      // U+2068/U+2069 isolate the hub's name and the fingerprint, so an
      // Arabic sentence keeps them whole.
      return el('p', {class: 'mark signed', 'data-verified': 'signed',
        text: '✔ ' + t('signedBy', {hub: '\u2068' + name + '\u2069', fp: '\u2068' + v.fingerprint + '\u2069'})});
    }
    if (v.state === 'unverifiable') {
      return el('p', {class: 'mark unverified', 'data-verified': 'unverifiable',
        text: t('cannotVerify', {hub: name})});
    }
    return el('p', {class: 'mark bad', role: full ? 'alert' : null, 'data-verified': 'bad',
      text: '⚠ ' + (full ? t('badSignature') : t('badSignatureShort'))});
  }

  function kindOf(body) {
    if (body.organization) return 'kindOrganization';
    if (body.community) return 'kindCommunity';
    if (body.service) return 'kindService';
    if (body.need) return 'kindNeed';
    if (body.offer) return 'kindOffer';
    if (body.event) return 'kindEvent';
    if (body.registration) return 'kindRegistration';
    if (body.hubProfile) return 'kindHubProfile';
    if (body.tombstone) return 'kindTombstone';
    return 'kindOther';
  }
  function payloadNames(body) {
    const p = body.organization || body.community || body.service || body.event;
    if (p && p.names) return p.names;
    const w = body.need || body.offer;
    if (w && w.titles) return w.titles;
    if (body.registration) return [{lang: '', text: t('kindRegistration') + ' ' + body.recordId}];
    if (body.hubProfile) return [{lang: '', text: body.hubProfile.name}];
    return [{lang: '', text: body.recordId}];
  }
  function placeText(loc) {
    // A place imported from a calendar holds its whole address in `city`
    // ("Quezon City, Metro Manila, Philippines"): the country once.
    const country = loc.country ? countryName(loc.country) : '';
    const named = (loc.city || '').toLowerCase().endsWith(country.toLowerCase());
    return joinList([loc.city, loc.region, named ? '' : country].filter(Boolean));
  }

  // --- Search ---
  function scheduleSearch() {
    clearTimeout(debounce);
    debounce = setTimeout(() => runSearch(false), 300);
  }
  function searchQuery(params) {
    const api = new URLSearchParams();
    const map = {q: 'text', kind: 'kind', country: 'country', region: 'region',
      topic: 'topic', type: 'type', language: 'lang', near: 'near', km: 'km', capability: 'capability'};
    for (const [k, v] of params) if (v && map[k]) api.set(map[k], v);
    const dates = Object.fromEntries(params.filter(([k]) => k === 'from' || k === 'to'));
    if (dates.from || dates.to) {
      // Whole days in UTC, the end date included; "to" alone: from today.
      const from = dates.from || new Date().toISOString().slice(0, 10);
      api.set('from', from + 'T00:00:00Z');
      if (dates.to) {
        if (dates.to < from) return {field: 'to', message: t('badDates')};
        api.set('to', new Date(Date.parse(dates.to + 'T00:00:00Z') + 86400000).toISOString().replace('.000Z', 'Z'));
      }
    }
    if (api.has('near')) {
      const near = api.get('near').replace(/\s+/g, '');
      if (!/^-?\d+(\.\d+)?,-?\d+(\.\d+)?$/.test(near)) return {field: 'near', message: t('badNear')};
      // A text field, not type=number: a browser empties a number field
      // that a shared URL filled with "abc", and 50 km would be searched.
      if (!/^\d+(\.\d+)?$/.test(api.get('km') || '50')) return {field: 'km', message: t('badKm')};
      api.set('near', near);
      if (!api.has('km')) api.set('km', '50');
    } else api.delete('km');
    api.set('page_size', '20');
    return api;
  }
  // A search that cannot run: no results from before stay on screen (the
  // reader would take them for this search's), and the reason shows in the
  // status and next to the filter at fault.
  function failSearch(field, status, message, lang) {
    ++searchSeq;  // A search still under way must not fill the list.
    nextToken = '';
    $('results').replaceChildren();
    $('more').hidden = true;
    $('status').textContent = status;
    showFieldError(field, message, lang);
  }
  async function runSearch(more) {
    const params = formParams();
    if (!more) history.replaceState(null, '', pageUrl('/', params));
    clearFieldErrors();
    const query = searchQuery(params);
    const status = $('status');
    if (query.field) { failSearch(query.field, query.message, query.message, ''); return; }
    if (more && nextToken) query.set('page_token', nextToken);
    const seq = ++searchSeq;
    status.textContent = t('searching');
    let response;
    try {
      response = await api('/v1/search?' + query.toString());
    } catch (e) {
      // The hub's message (in English) goes next to the filter it names.
      if (seq === searchSeq) failSearch(e.field, t('searchError', {msg: e.message}), e.message, 'en');
      return;
    }
    if (seq !== searchSeq) return;  // A newer search has begun.
    const hits = response.hits || [];
    const total = Number(response.totalCount || 0);
    // Past the hub's cap (10,000) a filter search stops counting: "more than".
    const countKey = response.totalCountIsLowerBound ? 'resultCountMore' : pluralKey('resultCount', total);
    status.textContent = total ? t(countKey, {n: total.toLocaleString(ui)}) : t('noResults');
    if (!more) $('results').replaceChildren();
    nextToken = response.nextPageToken || '';
    $('more').hidden = !nextToken;
    for (const hit of hits) $('results').append(resultItem(hit));
  }
  function resultItem(hit) {
    const record = hit.record;
    const li = el('li', {class: 'result'});
    const link = el('a', {href: recordHref(record.origin, record.recordId), class: 'result-link'});
    const heading = el('h2', {}, link);
    li.append(heading);
    V.verifyRecord(record).then(async (v) => {
      const body = v.body || {recordId: record.recordId};
      const name = pick(payloadNames(body));
      link.textContent = name.text;
      if (name.lang) link.lang = name.lang;
      link.dir = langDir(name.lang);
      const p = body.organization || body.community || body.service || {};
      const meta = el('p', {class: 'meta'});
      meta.append(el('span', {class: 'kind', text: t(kindOf(body))}));
      const more = window.CivhubMatchmaking.summary(body, hit);
      if (more) {
        for (const [cls, text] of [['place', more.place], ['when', more.extra], ['status', more.status]]) {
          if (text) meta.append(el('span', {class: cls, text}));
        }
      }
      const loc = body.service ? ((p.locations || [])[0] || {}).location : (p.locations || [])[0];
      if (loc) meta.append(el('span', {class: 'place', text: placeText(loc)}));
      else if (p.regionScope && p.regionScope.length) {
        meta.append(el('span', {class: 'place', text: joinList(p.regionScope.map(areaName))}));
      } else if (p.areasServed && p.areasServed.length) {
        meta.append(el('span', {class: 'place', text: joinList(p.areasServed.map(areaName))}));
      }
      if (body.service && p.status && p.status !== 'active') {
        meta.append(el('span', {class: 'status', text: t('status_' + p.status)}));
      }
      if (hit.distanceKm !== undefined) {
        meta.append(el('span', {class: 'distance', text: t('distance', {km: Math.round(hit.distanceKm).toLocaleString(ui)})}));
      }
      li.append(meta);
      if (p.topics && p.topics.length) {
        li.append(el('p', {class: 'topics', text: p.topics.map((c) => termName(options.topics, c)).join(' · ')}));
      }
      const hub = await hubName(record.origin);
      li.append(el('p', {class: 'publisher', text: t('publishedBy', {hub})}));
      li.append(mark(v, hub, false));
    });
    return li;
  }

  // --- Record page ---
  function section(title, ...content) {
    const s = el('section', {class: 'part'}, el('h2', {text: title}));
    for (const c of content) if (c) s.append(c);
    return s;
  }
  function list(items) {
    const ul = el('ul');
    for (const it of items) ul.append(el('li', {}, it instanceof Node ? it : langText({text: it})));
    return ul;
  }
  // Names (short: isolated inline, aligned with the page) or paragraphs
  // (block: each in its own language's direction).
  function languageTexts(texts, block) {
    const dl = el('dl', {class: 'langs'});
    for (const lt of texts || []) {
      dl.append(el('dt', {text: languageName(lt.lang)}), block ? textEl('dd', lt) : el('dd', {}, langText(lt)));
    }
    return dl;
  }
  function safeLink(href, text) {
    if (/^https?:\/\//i.test(href)) return el('a', {href, dir: 'ltr', rel: 'nofollow noopener', text: text || href});
    return el('span', {dir: 'ltr', text: href});
  }

  async function showRecord(ref) {
    $('search-view').hidden = true;
    const view = $('record-view');
    view.hidden = false;
    $('back').href = pageUrl('/', lastSearch);
    const title = $('record-title');
    const body = $('record-body');
    title.textContent = t('loading');
    $('record-mark').replaceChildren();
    body.replaceChildren();
    let record;
    try {
      record = await api(recordPath(ref.origin, ref.recordId));
    } catch (e) {
      title.textContent = e.status === 404 ? t('notFound') : t('loadError', {msg: e.message});
      return;
    }
    const v = await V.verifyRecord(record, ref);
    const hub = await hubName(ref.origin);
    $('record-mark').replaceChildren(mark(v, hub, true));
    if (!v.body) { title.textContent = ref.recordId; return; }
    const b = v.body;
    const name = pick(payloadNames(b));
    title.replaceChildren(langText(name));
    document.title = name.text + ' — ' + t('title');
    const p = b.organization || b.community;
    body.append(el('p', {class: 'kind', text: t(kindOf(b))}));
    if (b.tombstone) body.append(el('p', {text: t('deleted')}));
    if (b.service) await servicePage(b.service, body);
    await window.CivhubMatchmaking.page(b, body, ref);
    if (p) {
      body.append(section(t('names'), languageTexts(p.names, false)));
      if (b.organization) {
        const o = b.organization;
        if (o.descriptions) body.append(section(t('descriptions'), languageTexts(o.descriptions, true)));
      } else {
        if (p.missions) body.append(section(t('missions'), languageTexts(p.missions, true)));
        if (p.meetingInfo) body.append(section(t('meetingInfo'), languageTexts(p.meetingInfo, true)));
      }
      const facts = el('dl', {class: 'facts'});
      const fact = (label, value) => { if (value) facts.append(el('dt', {text: label}), el('dd', {}, value)); };
      if (b.organization) {
        fact(t('acronym'), b.organization.acronym && langText({text: b.organization.acronym}));
        fact(t('alternateName'), b.organization.alternateName && langText({text: b.organization.alternateName}));
      }
      fact(t('topics'), p.topics && joinList(p.topics.map((c) => termName(options.topics, c))));
      if (b.organization) {
        const o = b.organization;
        fact(t('types'), o.types && joinList(o.types.map((c) => termName(options.organizationTypes, c))));
        fact(t('languagesWorked'), o.languages && joinList(o.languages.map(languageName)));
        fact(t('areasServed'), o.areasServed && joinList(o.areasServed.map(areaName)));
        fact(t('website'), o.website && safeLink(o.website));
        fact(t('email'), o.email && el('a', {href: 'mailto:' + o.email, dir: 'ltr', text: o.email}));
        fact(t('phone'), o.phone && el('a', {href: 'tel:' + o.phone.replace(/[^+\d]/g, ''), dir: 'ltr', text: o.phone}));
        fact(t('yearIncorporated'), o.yearIncorporated && String(o.yearIncorporated));
        fact(t('legalStatus'), o.legalStatus);
      } else {
        fact(t('regionScope'), p.regionScope && joinList(p.regionScope.map(areaName)));
        fact(t('website'), p.website && safeLink(p.website));
      }
      body.append(section(t('details'), facts));
      if (b.organization) {
        const o = b.organization;
        if (o.identifiers) body.append(section(t('identifiers'), list(o.identifiers.map((i) => i.scheme + ': ' + i.identifier))));
        body.append(locationsPart(o.locations || []));
        body.append(await servicesPart(ref));
        body.append(await communitiesPart(ref));
      } else {
        body.append(await membersPart(ref, p.memberships || []));
      }
    }
    const updated = b.issuedAt && b.issuedAt.seconds
      ? new Date(b.issuedAt.seconds * 1000).toLocaleString(ui, {dateStyle: 'long', timeStyle: 'short'}) : '';
    const pub = el('dl', {class: 'facts'});
    pub.append(el('dt', {text: t('lastUpdate')}), el('dd', {text: updated + ' (' + t('version', {n: b.version || 0}) + ')'}));
    pub.append(el('dt', {text: t('publisher')}), el('dd', {}, langText({text: hub})));
    pub.append(el('dt', {text: t('fingerprintLabel')}), el('dd', {}, el('bdi', {class: 'mono', dir: 'ltr', text: v.fingerprint || '—'})));
    pub.append(el('dt', {text: t('hubId')}), el('dd', {}, el('bdi', {class: 'mono', dir: 'ltr', text: ref.origin})));
    body.append(section(t('publishedHeading'), pub));
  }

  function locationsPart(locations) {
    const s = section(t('locations'));
    if (!locations.length) { s.append(el('p', {text: t('noLocations')})); return s; }
    // The place and its coordinates isolated apart: in an Arabic line
    // "(-1.3133, 36.7892)" must not turn into "(36.7892 ,1.3133-)".
    s.append(list(locations.map((l) => {
      const item = el('span', {}, langText({text: [l.name, l.address, l.postalCode, placeText(l)].filter(Boolean).join(', ')}));
      if (l.latitude !== undefined) {
        item.append(' ', el('bdi', {dir: 'ltr', text: '(' + l.latitude.toFixed(4) + ', ' + l.longitude.toFixed(4) + ')'}));
      }
      return item;
    })));
    const points = locations.filter((l) => l.latitude !== undefined && l.longitude !== undefined);
    if (points.length) {
      const box = el('div', {id: 'map', class: 'map', role: 'region', 'aria-label': t('map')});
      s.append(box);
      loadLeaflet().then((L) => {
        if (!L) { box.remove(); return; }
        const map = L.map(box, {scrollWheelZoom: false});
        let loaded = false;
        const tiles = L.tileLayer('https://tile.openstreetmap.org/{z}/{x}/{y}.png', {
          maxZoom: 18, attribution: '© OpenStreetMap contributors'});
        tiles.on('tileload', () => { loaded = true; });
        tiles.on('tileerror', () => {
          if (loaded || !box.isConnected) return;
          map.remove();
          box.replaceWith(el('p', {class: 'help', text: t('mapUnavailable')}));
        });
        tiles.addTo(map);
        const markers = points.map((l) => L.marker([l.latitude, l.longitude], {title: placeText(l)}).addTo(map));
        if (markers.length === 1) map.setView(markers[0].getLatLng(), 10);
        else map.fitBounds(L.featureGroup(markers).getBounds().pad(0.2));
      });
    }
    return s;
  }
  let leaflet = null;
  function loadLeaflet() {
    if (!leaflet) {
      leaflet = new Promise((resolve) => {
        const css = el('link', {rel: 'stylesheet', href: '/static/leaflet/leaflet.css'});
        document.head.append(css);
        const js = el('script', {src: '/static/leaflet/leaflet.js'});
        js.onload = () => resolve(window.L || null);
        js.onerror = () => resolve(null);
        document.head.append(js);
      });
    }
    return leaflet;
  }

  async function refItem(record, fallback, extra) {
    if (!record) return el('span', {class: 'mono', text: fallback.origin.slice(0, 12) + '…/' + fallback.recordId + extra});
    const v = await V.verifyRecord(record);
    const name = v.body ? pick(payloadNames(v.body)) : {text: record.recordId, lang: ''};
    const li = el('span', {}, el('a', {href: recordHref(record.origin, record.recordId), lang: name.lang || null, dir: langDir(name.lang), text: name.text}));
    if (extra) li.append(document.createTextNode(extra));
    if (v.state === 'bad') li.append(' ', mark(v, '', false));
    return li;
  }
  // A service: what it is, who provides it, for whom and where.
  async function servicePage(svc, body) {
    body.append(section(t('names'), languageTexts(svc.names || [], false)));
    if (svc.descriptions) body.append(section(t('descriptions'), languageTexts(svc.descriptions, true)));
    const facts = el('dl', {class: 'facts'});
    const fact = (label, value) => { if (value) facts.append(el('dt', {text: label}), el('dd', {}, value)); };
    const provider = svc.organization || {origin: '', recordId: ''};
    let providerRecord = null;
    try {
      providerRecord = await api('/v1/records/' + enc(provider.origin) + '/' + enc(provider.recordId));
    } catch (e) { /* not held here: shown by reference */ }
    fact(t('providedBy'), await refItem(providerRecord, provider, ''));
    fact(t('serviceStatus'), svc.status && t('status_' + svc.status));
    fact(t('alternateName'), svc.alternateName && langText({text: svc.alternateName}));
    fact(t('topics'), svc.topics && joinList(svc.topics.map((c) => termName(options.topics, c))));
    fact(t('languagesOffered'), svc.languages && joinList(svc.languages.map(languageName)));
    const areas = el('span');
    if (svc.areasServed) areas.append(joinList(svc.areasServed.map(areaName)));
    if (svc.areaDescriptions) {
      if (svc.areasServed) areas.append('; ');
      areas.append(langText(pick(svc.areaDescriptions)));
    }
    fact(t('areasServed'), areas.childNodes.length && areas);
    if (svc.minimumAge !== undefined || svc.maximumAge !== undefined) {
      fact(t('ages'), el('bdi', {dir: 'ltr', text: (svc.minimumAge !== undefined ? svc.minimumAge : '') + '–' + (svc.maximumAge !== undefined ? svc.maximumAge : '')}));
    }
    fact(t('website'), svc.url && safeLink(svc.url));
    fact(t('email'), svc.email && el('a', {href: 'mailto:' + svc.email, dir: 'ltr', text: svc.email}));
    for (const ph of svc.phones || []) {
      const line = el('span', {}, el('a', {href: 'tel:' + ph.number.replace(/[^+\d]/g, ''), dir: 'ltr', text: ph.number + (ph.extension ? ' ext. ' + ph.extension : '')}));
      if (ph.description) line.append(' — ', langText({text: ph.description}));
      fact(t('phone'), line);
    }
    body.append(section(t('details'), facts));
    for (const [key, texts] of [['fees', svc.fees], ['eligibility', svc.eligibility], ['applicationProcess', svc.applicationProcess]]) {
      if (texts) body.append(section(t(key), languageTexts(texts, true)));
    }
    const at = svc.locations || [];
    const part = locationsPart(at.map((l) => l.location || {}));
    part.querySelector('h2').textContent = t('offeredAt');
    body.append(part);
  }
  async function servicesPart(ref) {
    const s = section(t('servicesOf'));
    try {
      const r = await api('/v1/search?kind=service&page_size=100&provided_by=' + enc(ref.origin + '/' + ref.recordId));
      const items = await Promise.all((r.hits || []).map((h) => refItem(h.record, {origin: '', recordId: ''}, '')));
      s.append(items.length ? list(items) : el('p', {text: t('none')}));
    } catch (e) {
      s.append(el('p', {text: t('loadError', {msg: e.message})}));
    }
    return s;
  }
  async function communitiesPart(ref) {
    const s = section(t('communitiesOf'));
    try {
      const r = await api('/v1/organizations/' + enc(ref.origin) + '/' + enc(ref.recordId) + '/communities?page_size=100');
      const items = await Promise.all((r.communities || []).map((c) =>
        refItem(c.community, {origin: '', recordId: ''}, c.membership && c.membership.role ? ' — ' + c.membership.role : '')));
      s.append(items.length ? list(items) : el('p', {text: t('none')}));
    } catch (e) {
      s.append(el('p', {text: t('loadError', {msg: e.message})}));
    }
    return s;
  }
  async function membersPart(ref, signedMemberships) {
    const s = section(t('members'));
    // The signed memberships are the truth; the hub's answer adds the
    // members' records (names) when it holds them.
    const records = new Map();
    try {
      const r = await api('/v1/communities/' + enc(ref.origin) + '/' + enc(ref.recordId) + '/members?page_size=100');
      for (const m of r.members || []) {
        const o = m.membership && m.membership.organization;
        if (o && m.organization) records.set(o.origin + '/' + o.recordId, m.organization);
      }
    } catch (e) { /* names unknown; the list below still shows the refs */ }
    const items = await Promise.all(signedMemberships.map((m) => {
      const o = m.organization || {origin: '', recordId: ''};
      const extra = [m.role, m.since ? t('since', {date: m.since}) : ''].filter(Boolean).join(', ');
      return refItem(records.get(o.origin + '/' + o.recordId), o, extra ? ' — ' + extra : '');
    }));
    s.append(items.length ? list(items) : el('p', {text: t('none')}));
    return s;
  }

  // --- Wiring ---
  let lastSearch = [];
  function render() {
    const state = readUrl();
    if (state.record) {
      showRecord(state.record);
    } else {
      document.title = t('title');
      $('record-view').hidden = true;
      $('search-view').hidden = false;
      $('q').value = state.params.get('q') || '';
      for (const f of FILTERS) setFilter(f, state.params.get(f) || (f === 'km' ? '50' : ''));
      fillRegions();
      runSearch(false);
    }
  }
  function navigate(url) {
    if (!readUrl().record) lastSearch = formParams();
    history.pushState(null, '', url);
    render();
    $('main').focus();
  }

  async function start() {
    document.documentElement.dataset.serverLang = document.documentElement.lang;
    const state = readUrl();
    setLanguage(initialLanguage(state.params));
    if (!V.canVerify()) $('verify-note').dataset.i18n = 'footerInsecure';
    try { options = await api('/static/options.json'); } catch (e) { /* filters stay "Any" */ }
    setLanguage(ui);
    api('/v1/hub').then((h) => {
      const name = h.profile && h.profile.name;
      if (name) $('hub-name').textContent = name;
    }).catch(() => {});

    $('q').addEventListener('input', scheduleSearch);
    for (const f of FILTERS) {
      // A region code is searched once complete (on change), not while it
      // is typed: "KE-3" is not a code yet.
      $(f).addEventListener(f === 'near' || f === 'km' ? 'input' : 'change', scheduleSearch);
    }
    $('country').addEventListener('change', fillRegions);
    $('search-form').addEventListener('submit', (e) => { e.preventDefault(); clearTimeout(debounce); runSearch(false); });
    $('more').addEventListener('click', () => runSearch(true));
    $('hl').addEventListener('change', () => {
      setLanguage($('hl').value);
      const url = new URL(location.href);
      url.searchParams.set('hl', ui);
      history.replaceState(null, '', url.pathname + url.search);
      render();
    });
    $('needs-near-me').addEventListener('click', () => {
      setFilter('kind', 'need');
      $('locate').click();
    });
    $('locate').addEventListener('click', () => {
      if (!navigator.geolocation) { $('status').textContent = t('locationUnavailable'); return; }
      $('status').textContent = t('locating');
      navigator.geolocation.getCurrentPosition((pos) => {
        $('near').value = pos.coords.latitude.toFixed(4) + ', ' + pos.coords.longitude.toFixed(4);
        runSearch(false);
      }, () => { $('status').textContent = t('locationUnavailable'); }, {timeout: 10000});
    });
    // Links inside the page change the view without reloading it.
    document.addEventListener('click', (e) => {
      const a = e.target.closest && e.target.closest('a[href]');
      if (!a || e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return;
      const url = new URL(a.href, location.href);
      if (url.origin !== location.origin || url.pathname.startsWith('/static/') || url.pathname.startsWith('/v1/')) return;
      e.preventDefault();
      navigate(url.pathname + url.search);
    });
    window.addEventListener('popstate', render);
    render();
  }
  // For matchmaking.js.
  window.CivhubUi = {
    t, el, pluralKey, joinList, pick, langText, languageTexts, section, list, safeLink,
    placeText, languageName, termName, recordHref, recordPath, api, enc, hubName, hubProfile, mark,
    refItem, locationsPart,
    lang: () => ui,
    options: () => options,
  };
  document.addEventListener('DOMContentLoaded', start);
})();
