#!/usr/bin/env python3
"""End-to-end tests of the JSON API (/v1/) on a real civhubd: each endpoint
as a partner calls it, and every answer validated against the OpenAPI
document the hub serves (gateway/openapi.json).

    http_api_e2e_test.py CIVHUBD CIVHUBCTL SOURCE_DIR

Needs Debian's python3-jsonschema and python3-cryptography (scripts/bootstrap).
"""
import base64
import glob
import http.client
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.parse

import jsonschema
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

CIVHUBD, CIVHUBCTL, SOURCE = sys.argv[1:4]
del sys.argv[1:4]
sys.dont_write_bytecode = True  # No __pycache__ in the source tree.
sys.path.insert(0, os.path.join(SOURCE, "tests"))
import civhubd_process  # noqa: E402
import http_fetch  # noqa: E402

# --- The hub ---------------------------------------------------------------

HUB = {}


def launch_hub(data, *flags):
    """civhubd on loopback ports: (process, hub id, HTTP address)."""
    return civhubd_process.launch(CIVHUBD, data, *flags)


def start_hub():
    data = tempfile.mkdtemp(prefix="civhub-http-api-")
    proc, hub_id, http_addr = launch_hub(data)
    HUB.update(proc=proc, data=data, id=hub_id, addr=http_addr)
    for f in sorted(glob.glob(os.path.join(SOURCE, "examples/organizations/*.json"))):
        ctl("org", "put", f)
    for f in sorted(glob.glob(os.path.join(SOURCE, "examples/communities/*.json"))):
        ctl("community", "put", f)
    for f in sorted(glob.glob(os.path.join(SOURCE, "examples/services/*.json"))):
        ctl("service", "put", f)
    for kind in ("need", "offer", "event", "registration"):
        files = sorted(glob.glob(os.path.join(SOURCE, "examples/%ss/*.json" % kind)))
        # An event that replicates another after it: the hub refuses a
        # reference to one of its own records it does not hold yet.
        files.sort(key=lambda f: "replicates" in open(f).read())
        for f in files:
            ctl(kind, "put", f)


def stop_hub():
    if "proc" not in HUB:
        return
    HUB["proc"].terminate()
    HUB["proc"].wait(timeout=30)
    shutil.rmtree(HUB["data"], ignore_errors=True)


def ctl_run(*args):
    return subprocess.run([CIVHUBCTL, "--data-dir", HUB["data"], *args],
                          capture_output=True, text=True, timeout=30)


def ctl(*args):
    out = ctl_run(*args)
    assert out.returncode == 0, out.stderr
    return out.stdout


def get(path, headers=None):
    """(status, headers dict in lower case, body bytes) from the hub."""
    return http_fetch.get(HUB["addr"], path, headers)


def get_json(path, headers=None):
    return http_fetch.get_json(HUB["addr"], path, headers)


def request_raw(text):
    """(status, headers dict in lower case, JSON body) of a request sent as
    raw bytes, for those http.client will not send; the hub closes after."""
    with socket.create_connection(tuple(HUB["addr"].rsplit(":", 1)),
                                  timeout=10) as sock:
        sock.sendall(text.encode())
        resp = http.client.HTTPResponse(sock)
        resp.begin()
        body = resp.read()
        return (resp.status, {k.lower(): v for k, v in resp.getheaders()},
                json.loads(body))


class Stream:
    """An open /v1/changes response, read line by line."""

    def __init__(self, path, headers=None):
        self.conn = http.client.HTTPConnection(HUB["addr"], timeout=10)
        self.conn.request("GET", path, headers=headers or {})
        self.resp = self.conn.getresponse()

    def line(self):
        line = self.resp.readline()
        if not line:
            raise EOFError("the stream ended")
        return line.decode().rstrip("\n")

    def sse_event(self):
        """The next event as a dict of its fields (comments skipped)."""
        event = {}
        while True:
            line = self.line()
            if line == "":
                if event:
                    return event
                continue
            if line.startswith(":"):
                continue
            key, _, value = line.partition(": ")
            event[key] = value

    def close(self):
        self.conn.close()


# --- The OpenAPI document --------------------------------------------------

with open(os.path.join(SOURCE, "gateway/openapi.json")) as f:
    DOC = json.load(f)


def resolve(response):
    """A response object, its $ref into components/responses followed."""
    if "$ref" in response:
        return DOC["components"]["responses"][response["$ref"].split("/")[-1]]
    return response


def schema_for(path, status, content_type="application/json"):
    op = DOC["paths"][path]["get"]
    response = resolve(op["responses"][str(status)])
    schema = response["content"][content_type]["schema"]
    return dict(schema, components=DOC["components"])


def check(path, status, body, content_type="application/json"):
    jsonschema.Draft7Validator(schema_for(path, status, content_type)).validate(body)


def bech32_decode_key(hub_id):
    """The 32-byte Ed25519 key in a hub id ("civhub1" + bech32m)."""
    charset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
    data = [charset.index(c) for c in hub_id[len("civhub1"):]][:-6]
    acc, bits, out = 0, 0, bytearray()
    for v in data:
        acc = (acc << 5) | v
        bits += 5
        while bits >= 8:
            bits -= 8
            out.append((acc >> bits) & 0xFF)
    return bytes(out)


# --- Tests -----------------------------------------------------------------


class HttpApiTest(unittest.TestCase):

    def record_path(self, rid):
        return "/v1/records/%s/%s" % (HUB["id"], rid)

    def test_record_verifies_and_revalidates_with_etag(self):
        status, h, rec = get_json(self.record_path("maji-safi-kenya"))
        self.assertEqual(status, 200)
        check("/v1/records/{origin}/{record_id}", 200, rec)
        self.assertEqual(rec["recordId"], "maji-safi-kenya")
        self.assertEqual(rec["kind"], "RECORD_KIND_ORGANIZATION")
        self.assertEqual(h["access-control-allow-origin"], "*")
        # A client verifies the signed bytes with the key in the hub id.
        key = Ed25519PublicKey.from_public_bytes(bech32_decode_key(rec["origin"]))
        body = base64.b64decode(rec["signed"]["body"])
        key.verify(base64.b64decode(rec["signed"]["signature"]),
                   b"civhub.record.v1\0" + body)
        etag = h["etag"]
        status, h2, body = get(self.record_path("maji-safi-kenya"),
                               {"If-None-Match": etag})
        self.assertEqual(status, 304)
        self.assertEqual(body, b"")
        status, _, _ = get(self.record_path("maji-safi-kenya"),
                           {"If-None-Match": '"other"'})
        self.assertEqual(status, 200)

    def test_missing_record_is_404(self):
        status, _, err = get_json(self.record_path("no-such-record"))
        self.assertEqual(status, 404)
        check("/v1/records/{origin}/{record_id}", 404, err)
        self.assertEqual(err["code"], "NOT_FOUND")
        status, _, err = get_json("/v1/records/civhub1nothubid/x")
        self.assertEqual(status, 400)
        self.assertEqual(err["field"], "origin")

    def test_search_filters_and_pages(self):
        status, _, res = get_json("/v1/search?text=water")
        self.assertEqual(status, 200)
        check("/v1/search", 200, res)
        ids = {hit["record"]["recordId"] for hit in res["hits"]}
        self.assertIn("maji-safi-kenya", ids)
        _, _, res = get_json("/v1/search?kind=community")
        self.assertEqual(int(res["totalCount"]), 3)
        self.assertTrue(all(hit["record"]["kind"] == "RECORD_KIND_COMMUNITY"
                            for hit in res["hits"]))
        _, _, res = get_json("/v1/search?country=KE&kind=organization")
        self.assertIn("maji-safi-kenya",
                      {hit["record"]["recordId"] for hit in res["hits"]})
        _, _, res = get_json("/v1/search?near=-1.29,36.82&km=100")
        self.assertTrue(res["hits"] and "distanceKm" in res["hits"][0])
        # Paging: two pages of 5 cover the first 10 records, without overlap.
        _, _, first = get_json("/v1/search?page_size=5")
        self.assertEqual(len(first["hits"]), 5)
        token = urllib.parse.quote(first["nextPageToken"])
        _, _, second = get_json("/v1/search?page_size=5&page_token=" + token)
        check("/v1/search", 200, second)
        seen = [h["record"]["recordId"] for h in first["hits"] + second["hits"]]
        self.assertEqual(len(set(seen)), 10)
        status, _, empty = get_json("/v1/search?text=zzzqqq")
        self.assertEqual((status, empty), (200, {}))
        check("/v1/search", 200, empty)

    def test_services_are_searched_by_kind_and_provider(self):
        status, _, res = get_json("/v1/search?kind=service")
        self.assertEqual(status, 200)
        check("/v1/search", 200, res)
        self.assertEqual([h["record"]["recordId"] for h in res["hits"]],
                         ["maji-safi-water-kiosks"])
        svc = res["hits"][0]["record"]
        self.assertEqual(svc["kind"], "RECORD_KIND_SERVICE")
        body = svc["body"]["service"]
        self.assertEqual(body["organization"],
                         {"origin": HUB["id"], "recordId": "maji-safi-kenya"})
        # civhubctl copied the provider's location named by locationId.
        self.assertEqual(body["locations"][0]["location"]["city"], "Nairobi")
        _, _, res = get_json("/v1/search?provided_by=%s/maji-safi-kenya"
                             % HUB["id"])
        self.assertEqual([h["record"]["recordId"] for h in res["hits"]],
                         ["maji-safi-water-kiosks"])
        _, _, res = get_json("/v1/search?kind=service&near=-1.31,36.79&km=5")
        self.assertEqual(len(res["hits"]), 1)
        status, _, hub = get_json("/v1/hub")
        check("/v1/hub", 200, hub)
        self.assertEqual(hub["services"], "1")

    def test_bad_parameters_name_the_field(self):
        for query, field in [("near=abc", "near"), ("near=1,2&km=far", "km"),
                             ("page_size=ten", "page_size"),
                             ("contry=KE", "contry"), ("kind=person", "kind"),
                             ("country=XXX", "country"),
                             ("member_of=noslash", "member_of"),
                             ("provided_by=noslash", "provided_by")]:
            status, h, err = get_json("/v1/search?" + query)
            self.assertEqual(status, 400, query)
            check("/v1/search", 400, err)
            self.assertEqual(err["code"], "INVALID_ARGUMENT")
            self.assertEqual(err.get("field"), field, query)
            self.assertEqual(h["access-control-allow-origin"], "*")

    def test_taxonomy_codes_off_the_list_are_refused(self):
        for query, field, code in [("topic=helth", "topic", "helth"),
                                   ("type=ngoo", "type", "ngoo"),
                                   ("topic=Health", "topic", "Health")]:
            status, _, err = get_json("/v1/search?" + query)
            self.assertEqual(status, 400, query)
            check("/v1/search", 400, err)
            self.assertEqual((err["code"], err["field"]),
                             ("INVALID_ARGUMENT", field), query)
            self.assertTrue(err["message"].startswith(
                '%s: "%s" is not ' % (field, code)), err["message"])
            self.assertIn("/static/options.json", err["message"])
        _, _, err = get_json("/v1/search?topic=helth")
        self.assertIn("did you mean health?", err["message"])
        # Where the message sends a partner: the lists are there.
        _, _, options = get_json("/static/options.json")
        self.assertIn("health", {t["code"] for t in options["topics"]})
        self.assertIn("ngo", {t["code"] for t in options["organizationTypes"]})
        # A listed code, or a local extension, is a search like any other.
        for query in ("topic=health", "type=ngo", "topic=x-mangroves"):
            status, _, res = get_json("/v1/search?" + query)
            self.assertEqual(status, 200, query)
            check("/v1/search", 200, res)
        # gRPC (civhubctl) answers the same.
        out = ctl_run("search", "--topic", "helth")
        self.assertNotEqual(out.returncode, 0)
        self.assertIn('topic: "helth" is not a topic code', out.stderr)
        out = ctl_run("search", "--type", "ngoo")
        self.assertNotEqual(out.returncode, 0)
        self.assertIn('organization_type: "ngoo"', out.stderr)

    def test_messages_name_the_http_parameters(self):
        for query, field in [("lang=xx", "lang"), ("type=ngoo", "type"),
                             ("near=1,2&km=30000", "km"),
                             ("identifier=GB-CHC", "identifier"),
                             ("member_of=civhub1nothubid/x", "member_of"),
                             ("page_size=-1", "page_size"),
                             ("page_token=garbage!", "page_token")]:
            status, _, err = get_json("/v1/search?" + query)
            self.assertEqual((status, err["field"]), (400, field), query)
            self.assertTrue(err["message"].startswith(field + ": "),
                            (query, err["message"]))
        _, _, err = get_json("/v1/search?member_of=civhub1nothubid/x")
        self.assertTrue(err["message"].startswith("member_of: ORIGIN "),
                        err["message"])
        _, _, err = get_json("/v1/search?lang=xx")
        self.assertNotIn("language", err["message"])

    def test_identifier_scheme_matches_in_any_case(self):
        for scheme in ("KE-NGO", "ke-ngo", "Ke-Ngo"):
            status, _, res = get_json(
                "/v1/search?identifier=%s:OP.218/051/2009/0412" % scheme)
            self.assertEqual(status, 200, scheme)
            self.assertEqual([h["record"]["recordId"] for h in res["hits"]],
                             ["maji-safi-kenya"], scheme)
        _, _, err = get_json("/v1/search?identifier=nocolon")
        self.assertIn('"KE-NGO:', err["message"])

    def test_country_codes_are_taken_in_either_case(self):
        # Found in a trial: `--country ke` and `country=ke` were refused.
        for code in ("KE", "ke", "Ke"):
            status, _, res = get_json(
                "/v1/search?kind=organization&country=" + code)
            self.assertEqual(status, 200, code)
            self.assertIn("maji-safi-kenya",
                          {h["record"]["recordId"] for h in res["hits"]}, code)
            out = ctl("search", "--kind", "org", "--country", code)
            self.assertIn("maji-safi-kenya", out, code)
        status, _, _ = get("/v1/events.ics?country=ke")
        self.assertEqual(status, 200)
        # A non-code is still refused, naming the field.
        # A country's name is taken for its code; a name of two countries
        # is refused with the codes meant (found in a trial).
        for name in ("kenya", "Kenia", "KEN"):
            status, _, res = get_json("/v1/search?country=" + name)
            self.assertEqual(status, 200, name)
            self.assertIn("maji-safi-kenya",
                          {h["record"]["recordId"] for h in res["hits"]}, name)
        self.assertIn("maji-safi-kenya", ctl("search", "--country", "kenya"))
        status, _, err = get_json("/v1/search?country=congo")
        self.assertEqual((status, err["field"]), (400, "country"))
        self.assertIn("did you mean CD", str(err))
        out = ctl_run("search", "--country", "congo")
        self.assertEqual(out.returncode, 1)
        self.assertIn('--country: "congo" is not an ISO 3166-1 alpha-2',
                      out.stderr)
        self.assertIn("or CG (Congo)?", out.stderr)
        # civhubctl's short kind name works on the HTTP API too.
        status, _, res = get_json("/v1/search?kind=org&country=KE")
        self.assertEqual(status, 200)
        self.assertIn("maji-safi-kenya",
                      {h["record"]["recordId"] for h in res["hits"]})

    def test_region_codes_are_taken_in_either_case(self):
        # Found in a trial: `--region ke-30` and `region=ke-30` were refused
        # while the country in either case was taken.
        for code in ("KE-30", "ke-30", "Ke-30"):
            status, _, res = get_json(
                "/v1/search?kind=organization&region=" + code)
            self.assertEqual(status, 200, code)
            self.assertIn("maji-safi-kenya",
                          {h["record"]["recordId"] for h in res["hits"]}, code)
            out = ctl("search", "--kind", "org", "--region", code)
            self.assertIn("maji-safi-kenya", out, code)
        # A non-code is still refused, naming the field.
        status, _, err = get_json("/v1/search?region=nairobi")
        self.assertEqual((status, err["field"]), (400, "region"))
        out = ctl_run("search", "--region", "nairobi")
        self.assertEqual(out.returncode, 1)
        self.assertIn('--region: "nairobi" is not an ISO 3166-2 region code',
                      out.stderr)

    def test_ctl_search_takes_unquoted_words(self):
        # Found in a trial: `civhubctl search drought relief` failed with
        # "The following argument was not expected: relief".
        quoted = ctl("search", "maji safi", "--kind", "org")
        self.assertIn("maji-safi-kenya", quoted)
        for args in (("maji", "safi", "--kind", "org"),
                     ("maji", "--kind", "org", "safi"),
                     ("--kind", "org", "maji", "safi"),
                     ("maji", "safi", "--kind", "org", "--json")):
            out = ctl("search", *args)
            if "--json" in args:
                self.assertIn('"recordId": "maji-safi-kenya"', out, args)
            else:
                self.assertEqual(out, quoted, args)

    def test_unknown_list_records_are_404_and_bad_ids_400(self):
        for path, kind in [("/v1/organizations/%s/nope/communities",
                            "organization"),
                           ("/v1/communities/%s/nope/members", "community")]:
            doc_path = re.sub(r"%s/nope", "{origin}/{id}", path)
            status, h, err = get_json(path % HUB["id"])
            self.assertEqual(status, 404, path)
            check(doc_path, 404, err)
            self.assertEqual(err["code"], "NOT_FOUND")
            self.assertEqual(err["message"], "%s %s/nope is not on this hub"
                             % (kind, HUB["id"]))
            self.assertEqual(h["access-control-allow-origin"], "*")
            status, _, err = get_json((path % HUB["id"]).replace("nope", "bad%20id"))
            self.assertEqual((status, err["field"]), (400, "id"), path)
            check(doc_path, 400, err)
            self.assertTrue(err["message"].startswith("id: "), err["message"])
            status, _, err = get_json(path.replace("%s", "civhub1nothubid"))
            self.assertEqual((status, err["field"]), (400, "origin"), path)
        # gRPC (civhubctl) answers the same.
        for cmd in ("communities", "members"):
            out = ctl_run(cmd, "%s/nope" % HUB["id"])
            self.assertNotEqual(out.returncode, 0, cmd)
            self.assertIn("nope is not on this hub", out.stderr, cmd)

    def test_members_and_communities(self):
        path = "/v1/communities/%s/disaster-response-network/members" % HUB["id"]
        status, _, res = get_json(path + "?page_size=1")
        self.assertEqual(status, 200)
        check("/v1/communities/{origin}/{id}/members", 200, res)
        self.assertEqual(len(res["members"]), 1)
        self.assertGreater(int(res["totalCount"]), 1)
        self.assertIn("nextPageToken", res)
        status, _, err = get_json(path + "?page=2")
        self.assertEqual((status, err["field"]), (400, "page"))
        path = "/v1/organizations/%s/maji-safi-kenya/communities" % HUB["id"]
        status, _, res = get_json(path)
        self.assertEqual(status, 200)
        check("/v1/organizations/{origin}/{id}/communities", 200, res)
        self.assertIn("east-africa-wash",
                      {c["community"]["recordId"] for c in res["communities"]})

    def test_changes_ndjson_catches_up_and_resumes(self):
        s = Stream("/v1/changes")
        self.assertEqual(s.resp.getheader("content-type"), "application/x-ndjson")
        cursors = []
        while True:
            msg = json.loads(s.line())
            check("/v1/changes", 200, msg, "application/x-ndjson")
            cursors += [int(c["cursor"]) for c in msg.get("changes", [])]
            if msg.get("caughtUp"):
                break
        s.close()
        self.assertGreaterEqual(len(cursors), 11)  # The examples, at least.
        self.assertEqual(cursors, sorted(cursors))
        s = Stream("/v1/changes?after=%d" % cursors[-3])
        msg = json.loads(s.line())
        s.close()
        self.assertEqual([int(c["cursor"]) for c in msg["changes"]], cursors[-2:])
        self.assertTrue(msg["caughtUp"])
        status, _, err = get_json("/v1/changes?after=minus")
        self.assertEqual((status, err["field"]), (400, "after"))

    def test_changes_sse_resumes_and_delivers_new_changes(self):
        s = Stream("/v1/changes?after=0", {"Accept": "text/event-stream"})
        self.assertTrue(s.resp.getheader("content-type").startswith("text/event-stream"))
        events = []
        while True:
            e = s.sse_event()
            events.append(e)
            if e["event"] == "caught_up":
                break
        s.close()
        changes = [e for e in events if e["event"] == "change"]
        for e in changes:
            change = json.loads(e["data"])
            jsonschema.Draft7Validator(dict(
                DOC["components"]["schemas"]["Change"],
                components=DOC["components"])).validate(change)
            self.assertEqual(e["id"], change["cursor"])
        last = int(changes[-1]["id"])
        # Last-Event-ID wins over after=0: only the last change comes again.
        s = Stream("/v1/changes?after=0&format=sse",
                   {"Last-Event-ID": str(last - 1)})
        e = s.sse_event()
        self.assertEqual((e["event"], int(e["id"])), ("change", last))
        self.assertEqual(s.sse_event()["event"], "caught_up")
        # A record published while the client waits arrives on the stream.
        with open(os.path.join(SOURCE, "examples/organizations/sahel-education.json")) as f:
            org = json.load(f)
        org["recordId"] = "sahel-education-sse"
        path = os.path.join(HUB["data"], "new-org.json")
        with open(path, "w") as f:
            json.dump(org, f)
        ctl("org", "put", path)
        published = time.time()
        e = s.sse_event()
        s.close()
        self.assertEqual(e["event"], "change")
        self.assertGreater(int(e["id"]), last)
        self.assertEqual(json.loads(e["data"])["record"]["recordId"],
                         "sahel-education-sse")
        self.assertLess(time.time() - published, 5)

    def test_matchmaking_search(self):
        def ids(query):
            status, _, res = get_json("/v1/search?" + query)
            self.assertEqual(status, 200, res)
            check("/v1/search", 200, res)
            return sorted(hit["record"]["recordId"] for hit in res["hits"])
        # A group finds its members' needs and offers.
        self.assertEqual(ids("capability=web"), [
            "ana-web-developer-lima", "kyiv-tech-hosting",
            "maji-safi-kiosk-website"])
        self.assertEqual(ids("capability=web&kind=need"),
                         ["maji-safi-kiosk-website"])
        # The weekly Manila clinic (Thursdays from March 4) and the Lima
        # TechCamp (March 18-19) happen in March; Nairobi's is in February.
        self.assertEqual(ids("from=2027-03-01T00:00:00Z&to=2027-04-01T00:00:00Z"),
                         ["manila-security-clinic-weekly", "techcamp-lima-2027"])
        self.assertEqual(ids("from=2027-04-20T00:00:00%2B08:00&to=2027-04-23T00:00:00Z"),
                         ["manila-security-clinic-weekly"])  # the 8th, April 22
        self.assertEqual(ids("event=%s/techcamp-lima-2027" % HUB["id"]), [
            "kalayaan-at-techcamp-lima", "maji-safi-at-techcamp-lima"])
        self.assertEqual(ids("organization=%s/kalayaan-digital" % HUB["id"]), [
            "kalayaan-at-techcamp-lima", "kalayaan-newsroom-security",
            "kalayaan-security-clinic", "manila-security-clinic-weekly"])
        status, _, err = get_json("/v1/search?capability=blokchain")
        self.assertEqual(status, 400)
        self.assertEqual(err["field"], "capability")
        status, _, err = get_json("/v1/search?to=2027-03-01T00:00:00Z")
        self.assertEqual((status, err["field"]), (400, "to"))
        # A volunteer's offer as served, checked against the document.
        status, _, rec = get_json(self.record_path("ana-web-developer-lima"))
        self.assertEqual(status, 200)
        check("/v1/records/{origin}/{record_id}", 200, rec)
        self.assertEqual(rec["kind"], "RECORD_KIND_OFFER")
        self.assertEqual(rec["body"]["offer"]["volunteer"]["displayName"], "Ana M.")
        # A need put without expiresAt runs until its window ends (it used
        # to expire after 180 days, in the middle of this one's window).
        status, _, rec = get_json(self.record_path("maji-safi-kiosk-website"))
        need = rec["body"]["need"]
        self.assertEqual(need["expiresAt"], need["window"]["end"])
        # Dates alone: from= its midnight, to= the day included.
        self.assertEqual(ids("from=2027-03-01&to=2027-03-31"),
                         ["manila-security-clinic-weekly", "techcamp-lima-2027"])

    def test_match_ranks_with_features_and_names_bad_parameters(self):
        def match(query, status=200):
            code, _, res = get_json("/v1/match?" + query)
            self.assertEqual(code, status, res)
            check("/v1/match", status, res)
            return res
        # Offers for Maji Safi's website, best first, with their reasons.
        res = match("need=%s/maji-safi-kiosk-website" % HUB["id"])
        self.assertEqual([hit["record"]["recordId"] for hit in res["hits"]], [
            "ana-web-developer-lima", "kyiv-tech-hosting",
            "wanjiru-translation-nairobi"])
        self.assertEqual(res["subject"]["recordId"], "maji-safi-kiosk-website")
        self.assertEqual(int(res["totalCount"]), 3)
        ana = res["hits"][0]
        self.assertEqual(ana["features"]["sharedCapabilities"],
                         ["website", "content-management"])
        self.assertEqual(ana["features"]["partialCapabilities"],
                         ["web-development~web-design"])
        self.assertGreater(ana["score"], res["hits"][1]["score"])
        # Needs for an offer, and ad-hoc criteria.
        res = match("offer=%s/kalayaan-security-clinic" % HUB["id"])
        self.assertEqual([hit["record"]["recordId"] for hit in res["hits"]],
                         ["kalayaan-newsroom-security"])
        res = match("want=offer&capability=privacy&mode=on-site"
                    "&near=14.6,120.98&km=20")
        self.assertEqual([hit["record"]["recordId"] for hit in res["hits"]],
                         ["kalayaan-security-clinic"])
        self.assertEqual(match("want=offer&capability=privacy&mode=on-site"
                               "&near=-12.05,-77.04&km=20"), {})
        # Errors name the parameter.
        for query, field in [
                ("", "need"),
                ("want=offer&capability=websites", "capability"),
                ("want=offer&capability=website&mode=on-site", "near"),
                ("want=offer&capability=website&lang=xx", "lang"),
                ("need=%s/maji-safi-kiosk-website&lang=en" % HUB["id"], "lang"),
                ("need=%s/maji-safi-kenya" % HUB["id"], "need")]:
            self.assertEqual(match(query, 400)["field"], field, query)
        err = match("need=%s/no-such-need" % HUB["id"], 404)
        self.assertEqual(err["code"], "NOT_FOUND")

    def test_hub(self):
        status, h, res = get_json("/v1/hub")
        self.assertEqual(status, 200)
        check("/v1/hub", 200, res)
        self.assertEqual(res["hubId"], HUB["id"])
        self.assertGreaterEqual(int(res["organizations"]), 8)
        self.assertEqual(int(res["communities"]), 3)
        self.assertEqual(int(res["needs"]), 5)
        self.assertEqual(int(res["offers"]), 4)
        self.assertEqual(int(res["events"]), 3)
        self.assertEqual(int(res["registrations"]), 2)
        self.assertNotIn("dataDir", res)
        self.assertNotIn("memory", res)

    def test_network_json_and_dot(self):
        status, _, res = get_json("/v1/network")
        self.assertEqual(status, 200)
        check("/v1/network", 200, res)
        me = [h for h in res["hubs"] if h.get("isSelf")]
        self.assertEqual(len(me), 1)
        self.assertEqual(me[0]["hubId"], HUB["id"])
        status, h, dot = get("/v1/network?format=dot")
        self.assertEqual(status, 200)
        self.assertTrue(h["content-type"].startswith("text/vnd.graphviz"))
        self.assertTrue(dot.startswith(b"graph civhub {"))
        self.assertIn(HUB["id"].encode(), dot)
        status, _, err = get_json("/v1/network?format=svg")
        self.assertEqual((status, err["field"]), (400, "format"))

    def test_record_etag_is_weak_when_gzipped(self):
        path = self.record_path("maji-safi-kenya")
        _, plain, _ = get(path)
        self.assertNotIn("content-encoding", plain)
        self.assertRegex(plain["etag"], r'^"[0-9a-f]+"$')
        status, zipped, _ = get(path, {"Accept-Encoding": "gzip"})
        self.assertEqual(status, 200)
        self.assertEqual(zipped.get("content-encoding"), "gzip")
        self.assertEqual(zipped["etag"], "W/" + plain["etag"])
        # Either form revalidates (If-None-Match compares weakly).
        for etag in (plain["etag"], zipped["etag"]):
            status, _, _ = get(path, {"If-None-Match": etag,
                                      "Accept-Encoding": "gzip"})
            self.assertEqual(status, 304, etag)
        # The document says so where it declares the header.
        described = DOC["components"]["headers"]["ETag"]["description"]
        self.assertIn('W/"', described)
        op = DOC["paths"]["/v1/records/{origin}/{record_id}"]["get"]
        for status in ("200", "304"):
            self.assertIn("ETag", op["responses"][status]["headers"])

    def test_every_429_declares_retry_after_and_sends_it(self):
        declared = 0
        for path, item in DOC["paths"].items():
            response = item["get"]["responses"].get("429")
            if response is None:
                continue
            declared += 1
            if "$ref" in response:
                response = DOC["components"]["responses"][
                    response["$ref"].split("/")[-1]]
            self.assertIn("Retry-After", response.get("headers", {}), path)
        self.assertGreater(declared, 5)
        # A hub that takes one request at a time from a client: the second,
        # at once, is refused with Retry-After.
        data = tempfile.mkdtemp(prefix="civhub-http-api-429-")
        proc, _, addr = launch_hub(data, "--http-requests-per-second", "0.01",
                                   "--http-request-burst", "1")
        try:
            first, _, _ = http_fetch.get(addr, "/v1/hub")
            self.assertEqual(first, 200)
            status, h, body = http_fetch.get_json(addr, "/v1/hub")
            self.assertEqual(status, 429)
            check("/v1/hub", 429, body)
            self.assertGreaterEqual(int(h["retry-after"]), 1)
        finally:
            proc.terminate()
            proc.wait(timeout=30)
            shutil.rmtree(data, ignore_errors=True)

    def test_every_path_declares_405_413_431_and_the_hub_sends_them(self):
        for path, item in DOC["paths"].items():
            responses = item["get"]["responses"]
            for status in ("405", "413", "429", "431"):
                self.assertIn(status, responses, path)
            self.assertIn("Allow", resolve(responses["405"])["headers"], path)
        # A method the path does not take: 405, naming those it takes.
        for documented, path in [
                ("/v1/search", "/v1/search"),
                ("/v1/records/{origin}/{record_id}", self.record_path("x"))]:
            status, h, err = request_raw(
                "DELETE %s HTTP/1.1\r\nHost: x\r\n\r\n" % path)
            self.assertEqual(status, 405, path)
            self.assertEqual(h["allow"], "GET, HEAD, OPTIONS")
            self.assertEqual(h["access-control-allow-origin"], "*")
            check(documented, 405, err)
            self.assertEqual(err["code"], "UNIMPLEMENTED")
        # Headers past the hub's 16 KiB: 431.
        status, _, err = request_raw(
            "GET /v1/hub HTTP/1.1\r\nHost: x\r\nX-Padding: %s\r\n\r\n"
            % ("a" * 17000))
        self.assertEqual(status, 431)
        check("/v1/hub", 431, err)
        self.assertIn("request headers are larger than", err["message"])
        # A body past the hub's 64 KiB, announced: 413.
        status, _, err = request_raw(
            "GET /v1/hub HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n")
        self.assertEqual(status, 413)
        check("/v1/hub", 413, err)
        self.assertIn("request body is larger than", err["message"])

    def test_openapi_document_is_served_and_matches_the_routes(self):
        status, _, served = get_json("/v1/openapi.json")
        self.assertEqual(status, 200)
        self.assertEqual(served, DOC)
        # Every route the API registers is documented, and nothing more.
        source = ""
        for name in ("gateway/api.cc", "gateway/events_feed.cc"):
            with open(os.path.join(SOURCE, name)) as f:
                source += f.read()
        routes = set(re.findall(r'router->Add\(\s*"GET",\s*"(/v1/[^"]*)"', source))
        self.assertEqual(routes, set(DOC["paths"]))
        # Every documented path answers (not the router's 404).
        for path in DOC["paths"]:
            if path == "/v1/changes":
                continue  # Streams: tested above.
            url = path.replace("{origin}", HUB["id"]).replace(
                "{record_id}", "maji-safi-kenya").replace(
                "{id}", "disaster-response-network" if "communities/" in path
                else "maji-safi-kenya")
            if path == "/v1/match":
                url += "?need=%s/maji-safi-kiosk-website" % HUB["id"]
            status, _, _ = get(url)
            self.assertEqual(status, 200, url)

    def test_z_change_streams_are_bounded_per_client(self):
        # Last (z): the hub notices closed streams only at their next
        # heartbeat, so the streams opened here hold slots for a while.
        streams, refused = [], None
        try:
            for _ in range(9):
                s = Stream("/v1/changes?format=sse")
                if s.resp.status != 200:
                    refused = s
                    break
                streams.append(s)
            self.assertIsNotNone(refused, "9 streams from one client admitted")
            self.assertLessEqual(len(streams), 8)
            self.assertEqual(refused.resp.status, 429)
            err = json.loads(refused.resp.read())
            self.assertEqual(err["code"], "RESOURCE_EXHAUSTED")
            self.assertIn("change streams", err["message"])
            refused.close()
        finally:
            for s in streams:
                s.close()


if __name__ == "__main__":
    try:
        # Inside the try: a publish failing while the hub is set up must not
        # leave its civhubd running after the test (one did, for hours).
        start_hub()
        result = unittest.main(exit=False, verbosity=2).result
    finally:
        stop_hub()
    sys.exit(0 if result.wasSuccessful() else 1)
