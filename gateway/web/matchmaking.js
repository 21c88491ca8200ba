// The web directory's pages for needs, offers, events and registrations
// (docs/matchmaking.md): a need's page ranks the offers that match it and
// an offer's page the needs, each with the reasons; an event's page shows
// when it happens in its own time zone, its lineage (the events it was
// modeled on) and who is coming, from which hubs. Uses app.js's toolkit
// (window.CivhubUi); every record shown is verified like the rest.
'use strict';
(function () {
  const V = window.CivhubVerify;
  const LINEAGE_DEPTH = 8;  // events followed back through `replicates`

  function ui() { return window.CivhubUi; }
  function t(key, vars) { return ui().t(key, vars); }
  function el(...args) { return ui().el(...args); }

  // The capability's name: the reader's language's where messages.js has
  // one, else the hub's English name, else the code (an "x-" extension).
  function capabilityName(code) {
    const M = window.CIVHUB_MESSAGES;
    const lang = ui().lang();
    const own = M[lang] && M[lang].capabilityNames && M[lang].capabilityNames[code];
    if (own) return own;
    const c = (ui().options().capabilities || []).find((x) => x.code === code);
    return (c && c.name) || code;
  }
  function dateText(ts, zone, withTime) {
    if (!ts) return '';
    const opts = withTime ? {dateStyle: 'long', timeStyle: 'short'} : {dateStyle: 'long'};
    if (zone) opts.timeZone = zone;
    try {
      return new Date(ts).toLocaleString(ui().lang(), opts);
    } catch (e) {  // A zone this browser does not know.
      delete opts.timeZone;
      return new Date(ts).toLocaleString(ui().lang(), opts);
    }
  }
  function windowText(w) {
    if (!w || (!w.start && !w.end)) return t('ongoing');
    if (w.start && w.end) return t('fromTo', {from: dateText(w.start), to: dateText(w.end)});
    return w.start ? t('fromOnly', {from: dateText(w.start)}) : t('untilOnly', {to: dateText(w.end)});
  }
  function workPlaceText(wp) {
    if (!wp) return '';
    const mode = t('mode_' + wp.mode);
    const loc = wp.location;
    if (!loc || wp.mode === 'remote') return mode;
    const place = ui().placeText(loc);
    return wp.radiusKm ? mode + ' — ' + t('withinKm', {km: Math.round(wp.radiusKm).toLocaleString(ui().lang()), place})
      : mode + ' — ' + place;
  }
  function expired(p) {
    return p.expiresAt && Date.parse(p.expiresAt) <= Date.now();
  }

  // What a result line shows of a record of these kinds; an event's date
  // is its next occurrence (the search hit's), not its first.
  function summary(body, hit) {
    const p = body.need || body.offer || body.event;
    if (!p) return null;
    const out = {place: null, status: null, extra: null};
    if (body.event) {
      out.place = p.place ? ui().placeText(p.place) : (p.onlineUrl ? t('online') : null);
      const next = hit && hit.nextOccurrence && hit.nextOccurrence.start;
      const date = dateText(next || p.startsAt, p.allDay ? 'UTC' : p.timeZone, !p.allDay);
      out.extra = next && p.recurrence ? t('nextOn', {date}) : date;
      if (p.status && p.status !== 'scheduled') out.status = t('eventStatus_' + p.status);
    } else {
      out.place = workPlaceText(p.workPlace);
      if (expired(p)) out.status = t('expired');
      else if (p.status && p.status !== 'open') out.status = t('needStatus_' + p.status);
      out.extra = (p.capabilities || []).map(capabilityName).join(' · ');
    }
    return out;
  }

  // The needed capabilities a hit covers neither exactly nor partly
  // ("web-development~website": the offer's code, then the need's).
  function uncovered(needed, f) {
    const partly = new Set((f.partialCapabilities || []).map((pair) => pair.split('~')[1]));
    const shared = new Set(f.sharedCapabilities || []);
    return (needed || []).filter((c) => !shared.has(c) && !partly.has(c));
  }
  // Who stands behind a need or an offer: its organization's name (from
  // the organization's record when this hub holds it), or the volunteer's.
  async function whoPart(p) {
    if (p.volunteer) return ui().langText({text: t('volunteerNamed', {name: p.volunteer.displayName})});
    if (p.organization) return recordOrRef(p.organization);
    return null;
  }

  // "Match 82 %" and why: each feature as a coordinator reads it. `subject`
  // is the need or offer of the page.
  function reasons(hit, subject) {
    const f = hit.features || {};
    const lang = ui().lang();
    const pct = (x) => Math.round((x || 0) * 100).toLocaleString(lang);
    const parts = [];
    if (f.sharedCapabilities && f.sharedCapabilities.length) {
      parts.push(t('reasonSkills', {list: ui().joinList(f.sharedCapabilities.map(capabilityName))}));
    }
    if (f.partialCapabilities && f.partialCapabilities.length) {
      parts.push(t('reasonPartly', {list: ui().joinList(f.partialCapabilities.map((pair) =>
        pair.split('~').map(capabilityName).join(' ≈ ')))}));
    }
    parts.push(f.distanceKm !== undefined
      ? t('reasonDistance', {km: Math.round(f.distanceKm).toLocaleString(lang)}) : t('reasonRemote'));
    parts.push(t('reasonWindow', {pct: pct(f.windowOverlap)}));
    parts.push(t('reasonHours', {pct: pct(f.capacityFit)}));
    if (f.sharedLanguages && f.sharedLanguages.length) {
      parts.push(t('reasonLanguages', {list: ui().joinList(f.sharedLanguages.map(ui().languageName))}));
    }
    const li = el('li', {class: 'match'});
    const link = el('a', {href: ui().recordHref(hit.record.origin, hit.record.recordId)});
    li.append(el('p', {}, el('span', {class: 'score', text: t('matchScore', {pct: pct(hit.score)})}), ' ', link));
    li.append(el('p', {class: 'why', text: t('why') + ' ' + parts.join(' · ')}));
    V.verifyRecord(hit.record).then(async (v) => {
      const b = v.body || {};
      const p = b.need || b.offer || {};
      const title = ui().pick(p.titles) || {text: hit.record.recordId, lang: ''};
      link.textContent = title.text;
      if (title.lang) link.lang = title.lang;
      const who = await whoPart(p);
      if (who) li.append(el('p', {class: 'who'}, t(b.need ? 'neededBy' : 'offeredBy') + ' ', who));
      const missing = uncovered(b.need ? p.capabilities : subject.capabilities, f);
      if (missing.length) {
        li.append(el('p', {class: 'uncovered', text: t('notCovered', {list: ui().joinList(missing.map(capabilityName))})}));
      }
      const hub = await ui().hubName(hit.record.origin);
      li.append(el('p', {class: 'publisher', text: t('publishedBy', {hub})}));
      li.append(ui().mark(v, hub, false));
    });
    return li;
  }
  // Whether the hub matches `p` now; else why not, in the reader's words
  // (the hub refuses to match an expired or closed one).
  function notMatchedReason(p, side) {
    if (expired(p)) return t('expiredNotMatched', {date: dateText(p.expiresAt)});
    const open = side === 'need' ? ['open', 'partly-met'] : ['open'];
    if (p.status && !open.includes(p.status)) {
      return t('notMatchedStatus', {status: t('needStatus_' + p.status)});
    }
    return null;
  }
  async function matchesPart(side, ref, p) {
    const s = ui().section(t(side === 'need' ? 'matchingOffers' : 'matchingNeeds'));
    const why = notMatchedReason(p, side);
    if (why) { s.append(el('p', {class: 'not-matched', text: why})); return s; }
    try {
      const r = await ui().api('/v1/match?' + side + '=' + ui().enc(ref.origin + '/' + ref.recordId) + '&page_size=20');
      const hits = r.hits || [];
      if (!hits.length) { s.append(el('p', {text: t('noMatches')})); return s; }
      s.append(el('p', {class: 'help', text: t(ui().pluralKey('matchCount', Number(r.totalCount || hits.length)),
        {n: Number(r.totalCount || hits.length).toLocaleString(ui().lang())})}));
      const ol = el('ol', {class: 'matches'});
      for (const h of hits) ol.append(reasons(h, p));
      s.append(ol);
    } catch (e) {
      s.append(el('p', {text: t('loadError', {msg: e.message})}));
    }
    return s;
  }

  // The publishing hub's name and contact (an email address or a URL),
  // from its signed profile: how a volunteer who published neither email
  // nor phone is reached.
  async function hubContactPart(origin) {
    const profile = await ui().hubProfile(origin);
    const name = await ui().hubName(origin);
    const out = el('span', {class: 'hub-contact'}, ui().langText({text: name}));
    const c = profile && profile.contact;
    if (!c) return out;
    const link = /^[^@\s]+@[^@\s]+$/.test(c)
      ? el('a', {href: 'mailto:' + c, dir: 'ltr', text: c}) : ui().safeLink(c);
    out.append(': ', link);
    return out;
  }

  async function recordOrRef(ref, extra) {
    let record = null;
    try { record = await ui().api(ui().recordPath(ref.origin, ref.recordId)); } catch (e) { /* not held */ }
    return ui().refItem(record, ref, extra || '');
  }

  // A need or an offer.
  async function needOrOffer(b, body, ref) {
    const p = b.need || b.offer;
    const side = b.need ? 'need' : 'offer';
    if (expired(p)) {
      body.append(el('p', {class: 'mark unverified expired', text: t('expiredOn', {date: dateText(p.expiresAt)})}));
    }
    body.append(ui().section(t('titles'), ui().languageTexts(p.titles || [], false)));
    if (p.descriptions) body.append(ui().section(t('descriptions'), ui().languageTexts(p.descriptions, true)));
    const facts = el('dl', {class: 'facts'});
    const fact = (label, value) => { if (value) facts.append(el('dt', {text: label}), el('dd', {}, value)); };
    if (p.organization) fact(t(side === 'need' ? 'neededBy' : 'offeredBy'), await recordOrRef(p.organization));
    if (p.volunteer) {
      const v = p.volunteer;
      const who = el('span', {}, ui().langText({text: t('volunteerNamed', {name: v.displayName})}));
      if (v.email) who.append(' · ', el('a', {href: 'mailto:' + v.email, dir: 'ltr', text: v.email}));
      if (v.phone) who.append(' · ', el('a', {href: 'tel:' + v.phone.replace(/[^+\d]/g, ''), dir: 'ltr', text: v.phone}));
      if (!v.email && !v.phone) who.append(' — ', t('throughHub'));
      fact(t('offeredBy'), who);
      if (!v.email && !v.phone) fact(t('hubContact'), await hubContactPart(ref.origin));
    }
    fact(t('capabilities'), ui().list((p.capabilities || []).map(capabilityName)));
    fact(t('workPlace'), workPlaceText(p.workPlace));
    fact(t('languagesWork'), p.languages && ui().joinList(p.languages.map(ui().languageName)));
    fact(t('when'), windowText(p.window));
    if (b.need) {
      fact(t('effort'), p.effortHours && t('hoursN', {n: p.effortHours.toLocaleString(ui().lang())}));
      fact(t('priority'), t('priority_' + (p.priority || 'normal')));
    } else {
      fact(t('capacity'), p.hoursPerMonth && t('hoursMonth', {n: p.hoursPerMonth.toLocaleString(ui().lang())}));
    }
    if (expired(p)) {
      fact(t('needStatus'), t('expiredOn', {date: dateText(p.expiresAt)}));
    } else {
      fact(t('needStatus'), p.status && t('needStatus_' + p.status));
      fact(t('openUntil'), dateText(p.expiresAt));
    }
    fact(t('topics'), p.topics && ui().joinList(p.topics.map((c) => ui().termName(ui().options().topics, c))));
    body.append(ui().section(t('details'), facts));
    if (p.workPlace && p.workPlace.location && p.workPlace.mode !== 'remote') {
      body.append(ui().locationsPart([p.workPlace.location]));
    }
    body.append(await matchesPart(side, ref, p));
  }

  // "Every week on Tuesday, 4 times": the documented RRULE subset in words;
  // the rule itself where a part is not one of them.
  function recurrenceText(rule) {
    const parts = Object.fromEntries(rule.split(';').map((kv) => kv.split('=')));
    const freq = parts.FREQ;
    const n = Number(parts.INTERVAL || 1);
    if (!['DAILY', 'WEEKLY', 'MONTHLY', 'YEARLY'].includes(freq)) return rule;
    let s = n === 1 ? t('every_' + freq) : t('everyN_' + freq, {n});
    if (parts.BYDAY) {
      const base = new Date(Date.UTC(2024, 0, 1));  // a Monday
      const names = {MO: 0, TU: 1, WE: 2, TH: 3, FR: 4, SA: 5, SU: 6};
      const days = parts.BYDAY.split(',').map((d) => {
        const m = /^([+-]?\d+)?(MO|TU|WE|TH|FR|SA|SU)$/.exec(d);
        if (!m) return d;
        const date = new Date(base.getTime() + names[m[2]] * 86400000);
        const day = date.toLocaleDateString(ui().lang(), {weekday: 'long', timeZone: 'UTC'});
        return m[1] ? m[1] + ' ' + day : day;
      });
      s += ' — ' + ui().joinList(days);
    }
    if (parts.COUNT) s += ' — ' + t('times', {n: parts.COUNT});
    if (parts.UNTIL) {
      const u = parts.UNTIL.replace(/^(\d{4})(\d{2})(\d{2}).*$/, '$1-$2-$3');
      s += ' — ' + t('untilOnly', {to: dateText(u + 'T00:00:00Z', 'UTC')});
    }
    return s;
  }

  async function lineagePart(event) {
    const chain = [];
    let next = event.replicates;
    const seen = new Set();
    while (next && next.recordId && chain.length < LINEAGE_DEPTH && !seen.has(next.origin + '/' + next.recordId)) {
      seen.add(next.origin + '/' + next.recordId);
      let record = null;
      try { record = await ui().api(ui().recordPath(next.origin, next.recordId)); } catch (e) { /* not held */ }
      chain.push(await ui().refItem(record, next, ''));
      if (!record) break;
      const v = await V.verifyRecord(record);
      next = v.body && v.body.event && v.body.event.replicates;
    }
    if (!chain.length) return null;
    return ui().section(t('lineage'), el('p', {class: 'help', text: t('lineageHelp')}), ui().list(chain));
  }

  // Who is coming: the registrations this hub holds (from every hub), by
  // the attendee's hub.
  async function registrationsPart(ref, capacity) {
    const s = ui().section(t('registrations'));
    try {
      const r = await ui().api('/v1/search?kind=registration&page_size=100&event=' + ui().enc(ref.origin + '/' + ref.recordId));
      const hits = r.hits || [];
      const going = [];
      const people = {going: 0, interested: 0};
      const hubs = new Set();
      for (const h of hits) {
        const v = await V.verifyRecord(h.record);
        const reg = v.body && v.body.registration;
        if (!reg || v.state === 'bad' || reg.status === 'cancelled') continue;
        hubs.add(h.record.origin);
        if (reg.status in people) people[reg.status] += reg.attendees || 0;
        const hub = await ui().hubName(h.record.origin);
        const extra = ' — ' + t('regStatus_' + reg.status) +
          (reg.attendees ? ', ' + t(ui().pluralKey('peopleN', reg.attendees), {n: reg.attendees}) : '') + ' · ' + t('viaHub', {hub});
        const item = el('span', {class: 'registration'},
          await recordOrRef(reg.organization || {origin: '', recordId: ''}, extra));
        item.append(ui().mark(v, hub, false));
        going.push(item);
      }
      if (!going.length) { s.append(el('p', {text: t('noRegistrations')})); return s; }
      s.append(el('p', {class: 'registration-summary',
        text: t('registrationsSummary', {orgs: going.length, hubs: hubs.size, going: people.going,
          interested: people.interested}) +
              (capacity ? ' ' + t('ofCapacity', {n: capacity}) : '')}));
      s.append(ui().list(going));
    } catch (e) {
      s.append(el('p', {text: t('loadError', {msg: e.message})}));
    }
    return s;
  }

  async function eventPage(b, body, ref) {
    const e = b.event;
    body.append(ui().section(t('names'), ui().languageTexts(e.names || [], false)));
    if (e.descriptions) body.append(ui().section(t('descriptions'), ui().languageTexts(e.descriptions, true)));
    const facts = el('dl', {class: 'facts'});
    const fact = (label, value) => { if (value) facts.append(el('dt', {text: label}), el('dd', {}, value)); };
    fact(t('eventType'), e.eventType && t('eventType_' + e.eventType));
    fact(t('eventStatus'), t('eventStatus_' + (e.status || 'scheduled')));
    const when = e.allDay
      ? t('fromTo', {from: dateText(e.startsAt, 'UTC'), to: dateText(new Date(Date.parse(e.endsAt) - 86400000).toISOString(), 'UTC')})
      : t('fromTo', {from: dateText(e.startsAt, e.timeZone, true), to: dateText(e.endsAt, e.timeZone, true)}) +
        (e.timeZone ? ' (' + e.timeZone + ')' : '');
    fact(t('when'), when);
    fact(t('repeats'), e.recurrence && recurrenceText(e.recurrence));
    // Occurrences that do not happen (iCalendar EXDATE).
    fact(t('except'), e.excludedStarts && ui().joinList(e.excludedStarts.map((s) =>
      e.allDay ? dateText(s, 'UTC') : dateText(s, e.timeZone, true))));
    fact(t('place'), e.place && ui().placeText(e.place));
    fact(t('online'), e.onlineUrl && ui().safeLink(e.onlineUrl));
    const organizers = await Promise.all((e.organizers || []).map((o) => recordOrRef(o)));
    fact(t('organizers'), organizers.length && ui().list(organizers));
    if (e.community) fact(t('community'), await recordOrRef(e.community));
    fact(t('languagesWork'), e.languages && ui().joinList(e.languages.map(ui().languageName)));
    fact(t('topics'), e.topics && ui().joinList(e.topics.map((c) => ui().termName(ui().options().topics, c))));
    fact(t('capacity'), e.capacity && t(ui().pluralKey('peopleN', e.capacity), {n: e.capacity}));
    fact(t('website'), e.url && ui().safeLink(e.url));
    // The organizer's events as a feed calendar apps subscribe to
    // (docs/calendars.md).
    const first = (e.organizers || [])[0];
    if (first) {
      const feed = '/v1/events.ics?organization=' + ui().enc(first.origin + '/' + first.recordId);
      fact(t('calendarFeed'), el('a', {href: feed, class: 'feed', type: 'text/calendar', text: t('subscribe')}));
    }
    body.append(ui().section(t('details'), facts));
    if (e.place) body.append(ui().locationsPart([e.place]));
    const lineage = await lineagePart(e);
    if (lineage) body.append(lineage);
    body.append(await registrationsPart(ref, e.capacity));
  }

  async function registrationPage(b, body) {
    const r = b.registration;
    const facts = el('dl', {class: 'facts'});
    const fact = (label, value) => { if (value) facts.append(el('dt', {text: label}), el('dd', {}, value)); };
    fact(t('event'), r.event && await recordOrRef(r.event));
    fact(t('attendee'), r.organization && await recordOrRef(r.organization));
    fact(t('regStatusLabel'), r.status && t('regStatus_' + r.status));
    fact(t('attendees'), r.attendees && t(ui().pluralKey('peopleN', r.attendees), {n: r.attendees}));
    body.append(ui().section(t('details'), facts));
    if (r.notes) body.append(ui().section(t('notes'), ui().languageTexts(r.notes, true)));
  }

  async function page(b, body, ref) {
    if (b.need || b.offer) return needOrOffer(b, body, ref);
    if (b.event) return eventPage(b, body, ref);
    if (b.registration) return registrationPage(b, body, ref);
  }

  window.CivhubMatchmaking = {page, summary, capabilityName};
})();
