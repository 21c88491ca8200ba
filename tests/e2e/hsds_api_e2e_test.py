#!/usr/bin/env python3
"""End-to-end tests of the Open Referral HSDS 3.0 API (/hsds/) on a real
civhubd, as an HSDS validator checks a feed: `/` first, then each list's
first, a middle and its last page (from total_pages), every item validated
against the specification's compiled schemas, and each item fetched by id
and validated again.

    hsds_api_e2e_test.py CIVHUBD CIVHUBCTL SOURCE_DIR HSDS_DIR

HSDS_DIR is the HSDS 3.0 specification's data (../shared/data/hsds-3.0:
schema/compiled/*.json, schema/openapi.json). Needs Debian's
python3-jsonschema (scripts/bootstrap).
"""
import csv
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.parse
import uuid

import jsonschema

CIVHUBD, CIVHUBCTL, SOURCE, HSDS_DIR = sys.argv[1:5]
del sys.argv[1:5]
sys.dont_write_bytecode = True  # No __pycache__ in the source tree.
sys.path.insert(0, os.path.join(SOURCE, "tests"))
import civhubd_process  # noqa: E402
import http_fetch  # noqa: E402

# The namespace of civhub's HSDS ids (node/records/hsds_ids.h): every hub
# derives the same id for the same record.
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:civhub:hsds:v1")
HUB = {}

# --- Schemas ---------------------------------------------------------------

if not os.path.isdir(os.path.join(HSDS_DIR, "schema", "compiled")):
    sys.exit(f"the HSDS 3.0 schemas are not at {HSDS_DIR}/schema/compiled: "
             "this test needs ../shared/data/hsds-3.0 beside the source tree "
             "(or -DCIVHUB_HSDS_DIR=...)")


def validator(name):
    """A validator for a schema of the specification: compiled/NAME.json
    (whole responses) or NAME.json (one table, its $refs resolved in
    schema/)."""
    compiled = os.path.join(HSDS_DIR, "schema", "compiled", name + ".json")
    path = compiled if os.path.exists(compiled) else os.path.join(
        HSDS_DIR, "schema", name + ".json")
    with open(path) as f:
        schema = json.load(f)
    resolver = jsonschema.RefResolver(
        base_uri="file://" + os.path.dirname(path) + "/", referrer=schema)
    return jsonschema.Draft202012Validator(
        schema, resolver=resolver, format_checker=jsonschema.FormatChecker())


with open(os.path.join(HSDS_DIR, "schema", "openapi.json")) as f:
    OPENAPI = json.load(f)
# The paged envelope of the API (components/schemas/Page), every field of
# it required: a list always gives them all.
PAGE = dict(OPENAPI["components"]["schemas"]["Page"])
PAGE["required"] = sorted(PAGE["properties"])
VALIDATORS = {}


def check(schema_name, item):
    if schema_name not in VALIDATORS:
        VALIDATORS[schema_name] = validator(schema_name)
    errors = sorted(VALIDATORS[schema_name].iter_errors(item), key=str)
    assert not errors, "%s: %s\n%s" % (
        schema_name, errors[0].message, json.dumps(item, indent=1)[:2000])


# Each list path, the schema of its items and the by-id path's schema.
LISTS = [
    ("/hsds/organizations", "organization_list", "organization"),
    ("/hsds/services", "service_list", "service"),
    ("/hsds/service_at_locations", "service_at_location_list",
     "service_at_location"),
    ("/hsds/taxonomies", "taxonomy", "taxonomy"),
    ("/hsds/taxonomy_terms", "taxonomy_term", "taxonomy_term"),
]

# --- The hub ---------------------------------------------------------------


def launch_hub(data):
    return civhubd_process.launch(CIVHUBD, data, "--sync-interval", "1")


def ctl(*args, data=None):
    out = subprocess.run([CIVHUBCTL, "--data-dir", data or HUB["data"], *args],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    return out.stdout


def status(data):
    return json.loads(ctl("status", "--json", data=data))


def put(kind, record):
    path = os.path.join(HUB["data"], "put.json")
    with open(path, "w") as f:
        json.dump(record, f)
    ctl(kind, "put", path)


def get_json(path):
    return http_fetch.get_json(HUB["addr"], path)


def hsds_id(record_id):
    if re.fullmatch(r"hsds-[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}",
                    record_id):
        return record_id[5:]
    return str(uuid.uuid5(NAMESPACE, HUB["id"] + "/" + record_id))


def setUpModule():
    data = tempfile.mkdtemp(prefix="civhub-hsds-api-")
    proc, hub_id, addr = launch_hub(data)
    HUB.update(proc=proc, data=data, id=hub_id, addr=addr)
    for sub, kind in (("organizations", "org"), ("communities", "community"),
                      ("services", "service")):
        folder = os.path.join(SOURCE, "examples", sub)
        for f in sorted(os.listdir(folder)):
            ctl(kind, "put", os.path.join(folder, f))
    # Enough organizations and services for lists of several pages, one of
    # them with an HSDS id of its own (as after an import).
    for i in range(7):
        put("org", {"recordId": "hsds-00000000-0000-4000-8000-%012d" % i
                    if i == 0 else "clinic-org-%d" % i, "organization": {
            "names": [{"lang": "en", "text": "Clinic network %d" % i}],
            "locations": [{"id": "main", "name": "Main site", "country": "KE",
                           "region": "KE-30", "city": "Nairobi",
                           "latitude": -1.28 - i / 100, "longitude": 36.82}],
            "topics": ["health"], "types": ["ngo"]}})
        for j in range(2):
            put("service", {"recordId": "clinic-%d-%d" % (i, j), "service": {
                "organization": {"recordId": "hsds-00000000-0000-4000-8000-%012d"
                                 % i if i == 0 else "clinic-org-%d" % i},
                "names": [{"lang": "en", "text": "Clinic %d.%d" % (i, j)}],
                "status": "active" if j == 0 else "temporarily closed",
                "topics": ["health"], "languages": ["sw", "en"],
                "areasServed": ["KE-30"],
                "phones": [{"number": "+254 20 000 %04d" % (10 * i + j),
                            "type": "voice"}],
                "locations": [{"id": "at-main", "locationId": "main"}]}})


def tearDownModule():
    HUB["proc"].terminate()
    HUB["proc"].wait(timeout=30)
    shutil.rmtree(HUB["data"], ignore_errors=True)


# --- Tests -----------------------------------------------------------------


class HsdsApiTest(unittest.TestCase):
    def walk(self, path, item_schema, by_id_schema):
        """The validator's walk of one list: returns every id seen."""
        status, _, first = get_json(path + "?per_page=2")
        self.assertEqual(status, 200, first)
        pages = first["total_pages"]
        self.assertEqual(pages, max(1, -(-first["total_items"] // 2)))
        seen = []
        for page in sorted({1, pages // 2 + 1, pages}):
            status, headers, body = get_json("%s?per_page=2&page=%d" % (path, page))
            self.assertEqual(status, 200, body)
            self.assertEqual(headers["access-control-allow-origin"], "*")
            self.assertEqual(body["page_number"], page)
            self.assertEqual(body["total_items"], first["total_items"])
            self.assertEqual(body["first_page"], page == 1)
            self.assertEqual(body["last_page"], page == pages)
            self.assertEqual(body["empty"], first["total_items"] == 0)
            expect = 2 if page < pages else first["total_items"] - 2 * (pages - 1)
            self.assertEqual(body["size"], expect, (path, page))
            self.assertEqual(len(body["contents"]), body["size"])
            # The envelope as the API's schema has it (compiled/*_list.json
            # are item schemas: a whole page fails them, as the
            # specification's own examples/*_list.json do).
            jsonschema.validate(body, PAGE)
            self.assertEqual(set(body) - set(PAGE["properties"]), {"contents"})
            for item in body["contents"]:
                check(item_schema, item)
                seen.append(item["id"])
                status, _, one = get_json("%s/%s" % (path, item["id"]))
                self.assertEqual(status, 200, one)
                check(by_id_schema, one)
                self.assertEqual(one["id"], item["id"])
        return seen

    def test_every_list_and_item_validates_as_a_validator_walks_it(self):
        status, _, root = get_json("/hsds/")
        self.assertEqual(status, 200)
        self.assertEqual(root["version"], "3.0")
        self.assertEqual(set(root), {"version", "profile", "openapi_url"})
        jsonschema.validate(root, OPENAPI["paths"]["/"]["get"]["responses"]
                            ["200"]["content"]["application/json"]["schema"])
        totals = {}
        for path, item_schema, by_id_schema in LISTS:
            self.walk(path, item_schema, by_id_schema)
            totals[path] = get_json(path)[2]["total_items"]
        # 8 example organizations and 7 more; 1 example service and 14 more,
        # each at one location.
        self.assertEqual(totals["/hsds/organizations"], 15)
        self.assertEqual(totals["/hsds/services"], 15)
        self.assertEqual(totals["/hsds/service_at_locations"], 15)
        self.assertEqual(totals["/hsds/taxonomies"], 2)

    def test_ids_are_derived_from_the_records_as_documented(self):
        _, _, org = get_json("/hsds/organizations/" + hsds_id("maji-safi-kenya"))
        self.assertEqual(org["name"], "Maji Safi Kenya")
        self.assertEqual(org["civhub"]["origin"], HUB["id"])
        self.assertEqual(org["civhub"]["record_id"], "maji-safi-kenya")
        # An "hsds-" record id keeps its UUID.
        _, _, kept = get_json("/hsds/organizations/00000000-0000-4000-8000-000000000000")
        self.assertEqual(kept["name"], "Clinic network 0")
        # The service names its provider, and its location is the
        # provider's own (the same id).
        _, _, svc = get_json("/hsds/services/" + hsds_id("maji-safi-water-kiosks"))
        self.assertEqual(svc["organization_id"], org["id"])
        self.assertEqual(svc["organization"]["id"], org["id"])
        self.assertEqual(svc["service_at_locations"][0]["location_id"],
                         org["locations"][0]["id"])
        self.assertEqual(svc["service_at_locations"][0]["location"]["name"],
                         "Kibera office")
        self.assertEqual(org["services"][0]["id"], svc["id"])
        # Upper-case ids are the same ids.
        status, _, same = get_json("/hsds/services/" + svc["id"].upper())
        self.assertEqual((status, same["id"]), (200, svc["id"]))

    def test_filters_combine_with_and(self):
        org = hsds_id("clinic-org-3")
        _, _, page = get_json("/hsds/services?organization_id=" + org)
        self.assertEqual(sorted(s["name"] for s in page["contents"]),
                         ["Clinic 3.0", "Clinic 3.1"])
        _, _, terms = get_json("/hsds/taxonomy_terms?search=water")
        water = [t for t in terms["contents"] if t["code"] == "water-sanitation"][0]
        _, _, page = get_json("/hsds/services?taxonomy_term_id=" + water["id"])
        self.assertEqual([s["name"] for s in page["contents"]],
                         ["Community water kiosks"])
        _, _, page = get_json("/hsds/services?organization_id=%s&taxonomy_term_id=%s"
                              % (org, water["id"]))
        self.assertEqual((page["total_items"], page["empty"]), (0, True))
        _, _, page = get_json("/hsds/services?search=kiosks")
        self.assertEqual(page["total_items"], 1)
        # Types are a taxonomy of organizations.
        _, _, terms = get_json("/hsds/taxonomy_terms?search=ngo")
        ngo = [t for t in terms["contents"] if t["code"] == "ngo"][0]
        _, _, page = get_json("/hsds/organizations?per_page=100&taxonomy_term_id="
                              + ngo["id"])
        self.assertIn("Maji Safi Kenya", [o["name"] for o in page["contents"]])
        # minimal and full.
        _, _, page = get_json("/hsds/services?minimal=true&per_page=1")
        self.assertEqual(set(page["contents"][0]),
                         {"id", "name", "status", "last_modified"})
        _, _, page = get_json("/hsds/services?full=true&per_page=100")
        check("service", page["contents"][0])
        self.assertTrue(all("organization" in s for s in page["contents"]))
        # Without full, items leave their rows out rather than show them
        # empty (found in a trial: "locations": [] read as "none").
        _, _, page = get_json("/hsds/organizations?per_page=100")
        maji = [o for o in page["contents"] if o["name"] == "Maji Safi Kenya"][0]
        for rows in ("locations", "phones", "attributes", "services",
                     "organization_identifiers"):
            self.assertNotIn(rows, maji)
        self.assertIn("description", maji)
        _, _, page = get_json("/hsds/organizations?full=true&per_page=100")
        maji = [o for o in page["contents"] if o["name"] == "Maji Safi Kenya"][0]
        self.assertTrue(maji["locations"])
        self.assertNotIn("services", maji)
        _, _, page = get_json("/hsds/services?per_page=100")
        for svc in page["contents"]:
            self.assertNotIn("service_at_locations", svc)
            self.assertNotIn("phones", svc)
            check("service_list", svc)
        # So do the services nested in an organization without full_service.
        org = hsds_id("clinic-org-3")
        _, _, one = get_json("/hsds/organizations/" + org)
        check("organization", one)
        self.assertEqual(sorted(s["name"] for s in one["services"]),
                         ["Clinic 3.0", "Clinic 3.1"])
        for svc in one["services"]:
            self.assertNotIn("service_at_locations", svc)
            self.assertIn("status", svc)
        _, _, one = get_json("/hsds/organizations/%s?full_service=true" % org)
        check("organization", one)
        self.assertTrue(all("service_at_locations" in s
                            for s in one["services"]))

    def test_modified_after_and_deletion(self):
        _, _, page = get_json("/hsds/services?modified_after=2000-01-01")
        self.assertEqual(page["total_items"], 15)
        _, _, page = get_json("/hsds/services?modified_after=2999-01-01T00:00:00Z")
        self.assertEqual(page["total_items"], 0)
        ctl("record", "rm", "clinic-6-1")
        status, _, err = get_json("/hsds/services/" + hsds_id("clinic-6-1"))
        self.assertEqual(status, 404, err)
        _, _, page = get_json("/hsds/services?per_page=100")
        self.assertNotIn(hsds_id("clinic-6-1"), [s["id"] for s in page["contents"]])
        put("service", {"recordId": "clinic-6-1", "service": {
            "organization": {"recordId": "clinic-org-6"},
            "names": [{"lang": "en", "text": "Clinic 6.1"}], "status": "active",
            "locations": [{"id": "at-main", "locationId": "main"}]}})

    def test_service_at_location_items_leave_out_lists_civhub_keeps_none_of(self):
        # They carried "phones": [], "attributes": [] and "languages": []
        # on the entry and its location, read as "none" (found in a trial).
        _, _, page = get_json("/hsds/service_at_locations?per_page=100")
        self.assertEqual(page["size"], 15)
        for at in page["contents"]:
            check("service_at_location", at)
            self.assertIn("location", at)
            for obj in (at, at["location"]):
                for rows in ("phones", "attributes", "languages"):
                    self.assertNotIn(rows, obj)
        # full nests the service with its rows and its provider; a nested
        # service without them said "phones": [] though it had a phone
        # (found with the fix above).
        _, _, page = get_json("/hsds/service_at_locations?per_page=100&full=true")
        for at in page["contents"]:
            check("service_at_location", at)
            self.assertIn("organization", at["service"], at["id"])
            self.assertNotIn("service_at_locations", at["service"])
        kiosk = [at for at in page["contents"]
                 if at["service_id"] == hsds_id("maji-safi-water-kiosks")][0]
        _, _, svc = get_json("/hsds/services/" + kiosk["service_id"])
        self.assertTrue(svc["phones"])
        numbers = [p["number"] for p in svc["phones"]]
        self.assertEqual([p["number"] for p in kiosk["service"]["phones"]], numbers)
        _, _, one = get_json("/hsds/service_at_locations/" + kiosk["id"])
        self.assertEqual([p["number"] for p in one["service"]["phones"]], numbers)
        self.assertNotIn("phones", one)
        # No empty list anywhere in them, the nested organization's
        # included ("services": [] said it provided none; found in a trial).
        for path in ("/hsds/service_at_locations?per_page=100",
                     "/hsds/service_at_locations?per_page=100&full=true",
                     "/hsds/service_at_locations?per_page=100&format=ndjson",
                     "/hsds/service_at_locations/" + kiosk["id"]):
            _, _, raw = http_fetch.get(HUB["addr"], path)
            self.assertNotIn(b'":[]', raw, path)
        self.assertNotIn("services", one["service"]["organization"])
        # A page past the end still has its (empty) contents.
        _, _, page = get_json("/hsds/service_at_locations?page=99")
        self.assertEqual((page["size"], page["contents"]), (0, []))
        # Nor does a service's nested organization say it has no services.
        self.assertNotIn("services", svc["organization"])
        _, _, page = get_json("/hsds/services?full=true&per_page=100")
        self.assertTrue(all("services" not in s["organization"]
                            for s in page["contents"]))

    def test_service_at_locations_near_a_point(self):
        _, _, page = get_json("/hsds/service_at_locations?near=-1.3133,36.7892"
                              "&proximity=1000&per_page=100")
        self.assertEqual([s["location"]["name"] for s in page["contents"]],
                         ["Kibera office"])
        _, _, page = get_json("/hsds/service_at_locations?near=-1.28,36.82"
                              "&proximity=10000&per_page=100")
        self.assertEqual(page["total_items"], 15)
        status, _, err = get_json("/hsds/service_at_locations?postcode=00100")
        self.assertEqual((status, err["field"]), (400, "postcode"))
        self.assertIn("near=LAT,LON", err["message"])
        # Clients that send a postcode to the other lists learn the same.
        for path in ("/hsds/services?postcode=00100",
                     "/hsds/organizations?postcode=00100"):
            status, _, err = get_json(path)
            self.assertEqual((status, err["field"]), (400, "postcode"), path)
            self.assertIn("near=LAT,LON", err["message"])
        status, _, err = get_json("/hsds/service_at_locations?proximity=10")
        self.assertEqual((status, err["field"]), (400, "proximity"))

    def test_bad_requests_name_the_parameter(self):
        for path, field in [("/hsds/services?per_page=0", "per_page"),
                            ("/hsds/services?page=x", "page"),
                            ("/hsds/services?organization_id=abc", "organization_id"),
                            ("/hsds/services?format=xml", "format"),
                            ("/hsds/services?modified_after=yesterday", "modified_after"),
                            ("/hsds/organizations?serch=water", "serch"),
                            # Opposites: answering one would leave the client
                            # believing it got the other.
                            ("/hsds/services?full=true&minimal=true", "minimal"),
                            # Named as sent, not as the search it becomes
                            # ("text"; found in a trial).
                            ("/hsds/organizations?search=%ff", "search")]:
            status, headers, err = get_json(path)
            self.assertEqual(status, 400, path)
            self.assertEqual(err["field"], field, path)
            self.assertEqual(headers["access-control-allow-origin"], "*")
        # An unknown parameter's answer lists those a client may send, not
        # postcode, which is always refused (found in a trial).
        _, _, err = get_json("/hsds/services?serch=water")
        self.assertIn("this path takes search,", err["message"])
        self.assertNotIn("postcode", err["message"])
        status, _, _ = get_json("/hsds/organizations/not-a-uuid")
        self.assertEqual(status, 400)
        status, _, _ = get_json("/hsds/organizations/" + str(uuid.uuid4()))
        self.assertEqual(status, 404)
        # The errors give the range a client may send (found in a trial).
        _, _, err = get_json("/hsds/services?per_page=0")
        self.assertIn("from 1 to 100", err["message"])
        # And any larger per_page is served as 100, as that message says,
        # however large (one past an int was refused; found in a trial).
        for per_page in ("101", "2147483648", "1000000000000000000000"):
            status, _, page = get_json("/hsds/services?per_page=" + per_page)
            self.assertEqual((status, page["size"]), (200, 15), per_page)
        # proximity is checked in metres, as sent (its error spoke of
        # kilometres and of a value the client never sent; found in a trial).
        for proximity in ("25000000", "99999999999", "0", "-5", "nan", "inf"):
            status, _, err = get_json("/hsds/service_at_locations?near=-1.29,36.82"
                                      "&proximity=" + proximity)
            self.assertEqual((status, err["field"]), (400, "proximity"), proximity)
            self.assertIn("metres, more than 0 and at most 20040000", err["message"])
            self.assertIn('"%s"' % proximity, err["message"])
        status, _, _ = get_json("/hsds/service_at_locations?near=-1.29,36.82"
                                "&proximity=20040000")
        self.assertEqual(status, 200)
        # Taxonomy terms are never deleted: their 404 does not say so.
        status, _, err = get_json("/hsds/taxonomy_terms/" + str(uuid.uuid4()))
        self.assertEqual(status, 404)
        self.assertNotIn("deleted", err["message"])
        _, _, err = get_json("/hsds/services?page=99999999999999999999")
        self.assertEqual(err["field"], "page")
        self.assertIn("too large", err["message"])
        # A page past the end is empty, not an error.
        _, _, page = get_json("/hsds/organizations?page=99")
        self.assertEqual((page["size"], page["last_page"], page["empty"],
                          page["contents"]), (0, True, True, []))

    def test_lists_and_items_answer_with_a_trailing_slash_too(self):
        # A 404 there was found in two trials, for lists, then for items.
        for path in ("organizations", "services", "service_at_locations",
                     "taxonomies", "taxonomy_terms"):
            status, _, slash = http_fetch.get(HUB["addr"], f"/hsds/{path}/?per_page=3")
            status_plain, _, plain = http_fetch.get(HUB["addr"], f"/hsds/{path}?per_page=3")
            self.assertEqual((status, slash), (status_plain, plain), path)
            self.assertEqual(status, 200, path)
            item = json.loads(plain)["contents"][0]["id"]
            status, _, slash = http_fetch.get(HUB["addr"], f"/hsds/{path}/{item}/")
            status_plain, _, plain = http_fetch.get(HUB["addr"], f"/hsds/{path}/{item}")
            self.assertEqual((status, slash), (status_plain, plain), path)
            self.assertEqual(status, 200, path)

    def test_answers_carry_an_etag_that_revalidates(self):
        # CORS exposed ETag, but /hsds sent none (found in a trial): a
        # client polling a list had to fetch it whole every time.
        _, _, svc = get_json("/hsds/services?per_page=1")
        _, _, taxonomies = get_json("/hsds/taxonomies")
        # Taxonomies are answered without the query queue, and had no tag
        # (found in a later trial).
        for path in ("/hsds/taxonomies",
                     "/hsds/taxonomies/" + taxonomies["contents"][0]["id"],
                     "/hsds/", "/hsds/services?per_page=3",
                     "/hsds/services/" + svc["contents"][0]["id"],
                     "/hsds/services?per_page=3&format=ndjson",
                     "/hsds/taxonomy_terms"):
            status, headers, body = http_fetch.get(HUB["addr"], path)
            self.assertEqual(status, 200, path)
            etag = headers.get("etag")
            self.assertTrue(etag, path)
            status, _, again = http_fetch.get(HUB["addr"], path,
                                              {"if-none-match": etag})
            self.assertEqual((status, again), (304, b""), path)
            status, _, again = http_fetch.get(HUB["addr"], path,
                                              {"if-none-match": '"stale"'})
            self.assertEqual((status, again), (200, body), path)
        # Another page is another body, so another tag.
        _, first, _ = http_fetch.get(HUB["addr"], "/hsds/services?per_page=3")
        _, second, _ = http_fetch.get(HUB["addr"], "/hsds/services?per_page=3&page=2")
        self.assertNotEqual(first["etag"], second["etag"])
        # Errors are not tagged (nor cached).
        _, headers, _ = http_fetch.get(HUB["addr"], "/hsds/services?per_page=0")
        self.assertNotIn("etag", headers)

    def test_ndjson_lists_one_object_per_line(self):
        status, headers, body = http_fetch.get(HUB["addr"],
                                               "/hsds/services?format=ndjson&per_page=5")
        self.assertEqual(status, 200)
        self.assertTrue(headers["content-type"].startswith("application/x-ndjson"))
        lines = body.decode().splitlines()
        self.assertEqual(len(lines), 5)
        for line in lines:
            check("service_list", json.loads(line))
        # The envelope's counts, as headers (NDJSON has no place for them;
        # found missing in a trial).
        _, _, envelope = http_fetch.get(HUB["addr"], "/hsds/services?per_page=5")
        envelope = json.loads(envelope)
        self.assertEqual((int(headers["x-total-items"]), int(headers["x-total-pages"]),
                          int(headers["x-page-number"])),
                         (envelope["total_items"], envelope["total_pages"], 1))
        self.assertGreater(envelope["total_pages"], 1)
        # The format's name in either case (found in a trial).
        status, headers, upper = http_fetch.get(
            HUB["addr"], "/hsds/services?format=NDJSON&per_page=5")
        self.assertEqual((status, upper), (200, body))


class HsdsExportTest(unittest.TestCase):
    def test_export_writes_the_specifications_tables_and_valid_json(self):
        out = os.path.join(HUB["data"], "export")
        ctl("hsds", "export", out)
        with open(os.path.join(HSDS_DIR, "examples", "csv", "datapackage.json")) as f:
            spec = json.load(f)
        with open(os.path.join(out, "datapackage.json")) as f:
            ours = json.load(f)
        self.assertEqual([(r["name"], r["path"]) for r in ours["resources"]],
                         [(r["name"], r["path"]) for r in spec["resources"]])
        rows = {}
        for r in spec["resources"]:
            with open(os.path.join(out, r["path"]), newline="") as f:
                table = list(csv.reader(f))
            self.assertEqual(table[0], [c["name"] for c in r["schema"]["fields"]],
                             r["path"])
            self.assertTrue(all(len(row) == len(table[0]) for row in table), r["path"])
            rows[r["name"]] = table[1:]
        # Every organization and service the API lists, once.
        _, _, orgs = get_json("/hsds/organizations?per_page=100")
        self.assertEqual(sorted(r[0] for r in rows["organization"]),
                         sorted(o["id"] for o in orgs["contents"]))
        _, _, services = get_json("/hsds/services?per_page=100")
        self.assertEqual(len(rows["service"]), services["total_items"])
        # A filtered export, as JSON: organization_full objects that validate.
        ctl("hsds", "export", out + "-json", "--format", "json", "--topic",
            "water-sanitation")
        with open(os.path.join(out + "-json", "organizations.json")) as f:
            page = json.load(f)
        self.assertGreaterEqual(page["total_items"], 1)
        for org in page["contents"]:
            check("organization", org)
            self.assertTrue(any(a["taxonomy_term"]["code"] == "water-sanitation"
                                for a in org["attributes"]))
        self.assertIn("Community water kiosks",
                      [s["name"] for o in page["contents"] for s in o["services"]])
        # --origin takes an id's start as tables show it.
        ctl("hsds", "export", out + "-mine", "--origin", HUB["id"][:12] + "…")
        self.assertTrue(os.path.exists(os.path.join(out + "-mine", "organizations.csv")))

    def test_export_filters_that_match_nothing_write_nothing(self):
        # Found in a trial: --origin garbage wrote an empty package over a
        # good one, exit 0.
        out = os.path.join(HUB["data"], "export-kept")
        ctl("hsds", "export", out)
        with open(os.path.join(out, "organizations.csv"), "rb") as f:
            before = f.read()
        for flags, says in [(["--origin", "garbage"], "garbage"),
                            (["--topic", "watr-sanitation"], "water-sanitation"),
                            (["--country", "AQ"], "nothing written")]:
            run = subprocess.run([CIVHUBCTL, "--data-dir", HUB["data"], "hsds",
                                  "export", out, *flags],
                                 capture_output=True, text=True, timeout=30)
            self.assertEqual(run.returncode, 1, (flags, run.stderr))
            self.assertIn(says, run.stderr, flags)
        with open(os.path.join(out, "organizations.csv"), "rb") as f:
            self.assertEqual(f.read(), before)


class HsdsRoundTripTest(unittest.TestCase):
    def test_export_import_export_gives_the_same_tables(self):
        """Export from this hub, import into a fresh one, export again: the
        same rows under the same ids (only last_modified, when each hub
        signed its version, differs)."""
        first = os.path.join(HUB["data"], "round-1")
        ctl("hsds", "export", first)
        data = tempfile.mkdtemp(prefix="civhub-hsds-round-")
        proc, _, _ = launch_hub(data)
        try:
            out = subprocess.run([CIVHUBCTL, "--data-dir", data, "hsds", "import",
                                  first], capture_output=True, text=True, timeout=120)
            self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
            second = os.path.join(data, "round-2")
            ctl("hsds", "export", second, data=data)
        finally:
            proc.terminate()
            proc.wait(timeout=30)

        def table(folder, name):
            with open(os.path.join(folder, name), newline="") as f:
                rows = list(csv.reader(f))
            drop = rows[0].index("last_modified") if "last_modified" in rows[0] else None
            return [[c for i, c in enumerate(r) if i != drop] for r in rows]
        try:
            names = sorted(n for n in os.listdir(first) if n.endswith(".csv"))
            self.assertEqual(names, sorted(n for n in os.listdir(second)
                                           if n.endswith(".csv")))
            for name in names:
                self.assertEqual(table(first, name), table(second, name), name)
            self.assertGreater(len(table(first, "organizations.csv")), 10)
        finally:
            shutil.rmtree(data, ignore_errors=True)


class HsdsFederationTest(unittest.TestCase):
    def test_a_linked_hub_serves_the_same_records_under_the_same_ids(self):
        data = tempfile.mkdtemp(prefix="civhub-hsds-b-")
        proc, _, addr = launch_hub(data)
        try:
            a = status(HUB["data"])
            ctl("peer", "add", a["federationAddress"], a["hubId"], data=data)
            ctl("peer", "approve", status(data)["hubId"])
            want = {}
            for path in ("/hsds/organizations", "/hsds/services"):
                _, _, page = get_json(path + "?per_page=100")
                want[path] = sorted(x["id"] for x in page["contents"])

            def listed(path):
                _, _, page = http_fetch.get_json(addr, path + "?per_page=100")
                return sorted(x["id"] for x in page.get("contents", []))
            deadline = time.time() + 60
            while any(listed(p) != ids for p, ids in want.items()):
                self.assertLess(time.time(), deadline,
                                "the second hub did not get the records in 60 s")
                time.sleep(0.2)  # polling another process's state
            # One service fetched by id from both hubs: the same object.
            sid = hsds_id("maji-safi-water-kiosks")
            _, _, here = get_json("/hsds/services/" + sid)
            _, _, there = http_fetch.get_json(addr, "/hsds/services/" + sid)
            self.assertEqual(here, there)
            check("service", there)
        finally:
            proc.terminate()
            proc.wait(timeout=30)
            shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
