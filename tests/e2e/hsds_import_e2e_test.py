#!/usr/bin/env python3
"""End-to-end test of `civhubctl hsds import` on a real civhubd: the HSDS
3.0 specification's examples (its CSV data package and JSON objects) go in,
re-importing changes nothing, an edited row becomes a new version, a hostile
package is imported as far as it is good (exit status 4, every problem
printed) while the hub keeps serving, --dry-run publishes nothing, and what
was acknowledged survives kill -9.

    hsds_import_e2e_test.py CIVHUBD CIVHUBCTL HSDS_DIR
"""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import unittest

CIVHUBD, CIVHUBCTL, HSDS = sys.argv[1:4]
del sys.argv[1:4]
sys.dont_write_bytecode = True  # No __pycache__ in the source tree.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import civhubd_process  # noqa: E402
EXAMPLES = os.path.join(HSDS, "examples")
ORG = "hsds-d9d5e0f5-d3ce-4f73-9a2f-4dd0ecc6c610"
SERVICE = "hsds-ac148810-d857-441c-9679-408f346de14b"
SUMMARY = re.compile(
    r"published ([\d,]+), unchanged ([\d,]+), rejected ([\d,]+), skipped "
    r"([\d,]+) rows; ([\d,]+) values? not kept")
DRY_SUMMARY = re.compile(
    r"^dry run: would publish ([\d,]+), unchanged ([\d,]+), rejected "
    r"([\d,]+), skipped ([\d,]+) rows; ([\d,]+) values? not kept", re.M)


class Hub:
    def __init__(self):
        self.data = tempfile.mkdtemp(prefix="civhub-hsds-import-")
        self.proc = None

    def start(self):
        self.proc, _, _ = civhubd_process.launch(CIVHUBD, self.data)

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=30)
        shutil.rmtree(self.data, ignore_errors=True)

    def ctl(self, *args, timeout=120):
        return subprocess.run([CIVHUBCTL, "--data-dir", self.data, *args],
                              capture_output=True, text=True, timeout=timeout)


HUB = Hub()


def summary(out, dry_run=False):
    m = (DRY_SUMMARY if dry_run else SUMMARY).search(out.stdout)
    assert m, out.stdout + out.stderr
    return tuple(int(x.replace(",", "")) for x in m.groups()[:4])


def documented_session():
    """The example session of docs/hsds.md: (the lines it shows the first
    import printing, "..." left out; the last line of the second)."""
    docs = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                        "..", "docs", "hsds.md")
    with open(docs, encoding="utf-8") as f:
        text = f.read()
    block = text.split("### Example session\n\n```\n", 1)[1].split("```")[0]
    lines = block.splitlines()
    first = lines[1:lines.index("$ echo $?")]
    second = lines[lines.index(next(l for l in lines if l.endswith(
        "| tail -1"))) + 1]
    return [l for l in first if l != "..."], second


def version(record_id):
    out = HUB.ctl("--json", "record", "get", record_id)
    assert out.returncode == 0, out.stderr
    return int(json.loads(out.stdout)["body"]["version"])


def copy_package(dest):
    shutil.copytree(os.path.join(EXAMPLES, "csv"), dest)
    for name in os.listdir(dest):
        os.chmod(os.path.join(dest, name), 0o644)
    os.chmod(dest, 0o755)


class HsdsImportTest(unittest.TestCase):
    # Named in the order they run: each builds on the hub the last left.

    def test_1_example_package_imports_and_reimports_unchanged(self):
        out = HUB.ctl("hsds", "import", os.path.join(EXAMPLES, "csv"))
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        self.assertEqual(summary(out), (2, 0, 0, 0))
        # The problems and what is not kept are printed, with where.
        self.assertIn("locations.csv:2 id=3a19ff88-4620-4d17-9830-ac1d859eb5d5 "
                      "location.latitude: 100,101", out.stdout)
        self.assertIn("not kept: organization.tax_id (1 value, first at "
                      "organizations.csv:2)", out.stdout)
        self.assertEqual(version(ORG), 1)
        found = HUB.ctl("--json", "search", "--kind", "service", "Counselling")
        self.assertEqual(found.returncode, 0, found.stderr)
        self.assertIn(SERVICE, found.stdout)
        # Through the datapackage.json path too; nothing new either way.
        again = HUB.ctl("hsds", "import",
                        os.path.join(EXAMPLES, "csv", "datapackage.json"))
        self.assertEqual(again.returncode, 0, again.stdout + again.stderr)
        self.assertEqual(summary(again), (0, 2, 0, 0))
        # docs/hsds.md shows what these two imports print (found in a
        # trial: it said 44 values not kept where the import said 43).
        shown, last = documented_session()
        printed = out.stdout.splitlines()
        for line in shown:
            self.assertIn(line, printed)
        self.assertEqual(again.stdout.splitlines()[-1], last)

    def test_2_an_edited_row_is_a_new_version(self):
        tmp = tempfile.mkdtemp(prefix="civhub-hsds-edit-")
        try:
            pkg = os.path.join(tmp, "pkg")
            copy_package(pkg)
            path = os.path.join(pkg, "organizations.csv")
            with open(path, encoding="utf-8") as f:
                text = f.read()
            with open(path, "w", encoding="utf-8") as f:
                f.write(text.replace("Example Organization Inc.",
                                     "Example Organization Ltd."))
            # A dry run asks the hub: the edited organization would be its
            # version 2, the service is unchanged, nothing is stored (found
            # in a trial: it said "would publish 2" of an imported package).
            dry = HUB.ctl("hsds", "import", "--dry-run", pkg)
            self.assertEqual(dry.returncode, 0, dry.stdout + dry.stderr)
            self.assertEqual(summary(dry, dry_run=True), (1, 1, 0, 0))
            self.assertIn('would publish %s organization "Example '
                          'Organization Ltd." (organizations.csv:2) as '
                          'version 2' % ORG, dry.stdout)
            self.assertNotIn(SERVICE, dry.stdout)
            self.assertEqual(version(ORG), 1)
            out = HUB.ctl("hsds", "import", pkg)
            self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
            self.assertEqual(summary(out), (1, 1, 0, 0))
            self.assertEqual(version(ORG), 2)
            self.assertEqual(version(SERVICE), 1)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    def test_3_json_examples_import_and_reimport_unchanged(self):
        # organization_list.json's item leaves out the organization's rows:
        # importing it over the package's version says what that version
        # had and the new one has not (found in a trial, where it was
        # silent), in a dry run too.
        emptied = ("id=%s organization.identifiers, organization.locations — "
                   % ORG)
        dry = HUB.ctl("hsds", "import", "--dry-run",
                      os.path.join(EXAMPLES, "organization_list.json"))
        self.assertEqual(dry.returncode, 0, dry.stdout + dry.stderr)
        self.assertIn(emptied + "the hub's current version has them and this "
                      "import gives none: the new version would have none",
                      dry.stdout)
        for name in ["organization_full.json", "service_full.json",
                     "organization_list.json", "service_list.json",
                     "service_at_location_full.json"]:
            path = os.path.join(EXAMPLES, name)
            out = HUB.ctl("hsds", "import", path)
            self.assertEqual(out.returncode, 0, name + out.stdout + out.stderr)
            if name == "organization_list.json":
                self.assertIn(emptied + "the hub's previous version had them",
                              out.stdout)
            elif name == "service_list.json":
                # Its item leaves out the service's rows the same way.
                self.assertIn("id=%s service.phones, service.languages, "
                              "service.area_descriptions, service.locations — "
                              "the hub's previous version had them" % SERVICE,
                              out.stdout)
            else:
                self.assertNotIn("version had them", out.stdout, name)
            again = HUB.ctl("hsds", "import", path)
            self.assertEqual(again.returncode, 0, again.stdout + again.stderr)
            published, unchanged, rejected, skipped = summary(again)
            self.assertEqual((published, rejected, skipped), (0, 0, 0), name)
            self.assertGreater(unchanged, 0, name)

    def test_4_hostile_package_imports_the_good_rows(self):
        tmp = tempfile.mkdtemp(prefix="civhub-hsds-hostile-")
        try:
            with open(os.path.join(tmp, "datapackage.json"), "w") as f:
                json.dump({"resources": [
                    {"name": "organization", "path": "organizations.csv"},
                    {"name": "service", "path": "services.csv"}]}, f)
            with open(os.path.join(tmp, "organizations.csv"), "wb") as f:
                f.write(b"id,name,parent_organization_id\n"
                        b"11111111-1111-4111-8111-111111111111,Good One,\n"
                        b"22222222-2222-4222-8222-222222222222,Short\n"
                        b"not-a-uuid,Bad Id,\n"
                        b"33333333-3333-4333-8333-333333333333,Self,"
                        b"33333333-3333-4333-8333-333333333333\n"
                        b"44444444-4444-4444-8444-444444444444,Bad \xff,\n"
                        b"66666666-6666-4666-8666-666666666666,")
                chunk = b"a" * (1 << 20)
                for _ in range(100):  # a 100 MB cell
                    f.write(chunk)
                f.write(b",\n77777777-7777-4777-8777-777777777777,Good Two,\n")
            out = HUB.ctl("hsds", "import", tmp)
            self.assertEqual(out.returncode, 4, out.stdout + out.stderr)
            self.assertEqual(summary(out), (3, 0, 0, 5))
            for expected in [
                    "services.csv service — the table is listed in datapackage.json "
                    "but its file is missing",
                    "organizations.csv:3 id=22222222-2222-4222-8222-"
                    "222222222222 organization — line 3: 2 cells, the header "
                    "has 3",
                    "organizations.csv:4 id=not-a-uuid organization.id: "
                    "not-a-uuid — is not a UUID",
                    "organizations.csv:5 id=33333333-3333-4333-8333-"
                    "333333333333 organization.parent_organization_id",
                    "organizations.csv:6",
                    "organizations.csv:7"]:
                self.assertIn(expected, out.stdout)
            self.assertIn("UTF-8", out.stdout)
            self.assertIn("more than the limit", out.stdout)
            # The hub still serves, with the good rows.
            self.assertEqual(HUB.ctl("status").returncode, 0)
            found = HUB.ctl("--json", "search", "Good")
            self.assertEqual(found.returncode, 0, found.stderr)
            self.assertIn("hsds-11111111-1111-4111-8111-111111111111",
                          found.stdout)
            self.assertIn("hsds-77777777-7777-4777-8777-777777777777",
                          found.stdout)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    def test_5_dry_run_publishes_nothing(self):
        tmp = tempfile.mkdtemp(prefix="civhub-hsds-dry-")
        try:
            path = os.path.join(tmp, "orgs.ndjson")
            with open(path, "w") as f:
                f.write(json.dumps({"id": "88888888-8888-4888-8888-"
                                    "888888888888", "name": "Dry"}) + "\n")
            out = HUB.ctl("hsds", "import", "--dry-run", path)
            self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
            self.assertIn("would publish hsds-88888888-8888-4888-8888-"
                          "888888888888 organization \"Dry\"", out.stdout)
            missing = HUB.ctl("record", "get",
                              "hsds-88888888-8888-4888-8888-888888888888")
            self.assertEqual(missing.returncode, 2)
            # With no hub to ask, the input alone is checked, and said so.
            alone = subprocess.run(
                [CIVHUBCTL, "--data-dir", os.path.join(tmp, "no-hub"),
                 "hsds", "import", "--dry-run", path],
                capture_output=True, text=True, timeout=60)
            self.assertEqual(alone.returncode, 0, alone.stdout + alone.stderr)
            self.assertIn("checks the input only", alone.stderr)
            self.assertEqual(summary(alone, dry_run=True), (1, 0, 0, 0))
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    def test_6_unreadable_input_is_a_usage_error(self):
        out = HUB.ctl("hsds", "import", "/nonexistent/package")
        self.assertEqual(out.returncode, 1)

    def test_7_acknowledged_imports_survive_kill_9(self):
        tmp = tempfile.mkdtemp(prefix="civhub-hsds-kill-")
        try:
            path = os.path.join(tmp, "orgs.ndjson")
            with open(path, "w") as f:
                for i in range(1200):  # three PublishBatch calls
                    f.write(json.dumps({
                        "id": "99999999-9999-4999-8999-%012d" % i,
                        "name": "Durable %d" % i}) + "\n")
            out = HUB.ctl("hsds", "import", path)
            self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
            self.assertEqual(summary(out), (1200, 0, 0, 0))
            HUB.kill9()
            HUB.start()
            self.assertEqual(version("hsds-99999999-9999-4999-8999-%012d"
                                     % 1199), 1)
            again = HUB.ctl("hsds", "import", path)
            self.assertEqual(summary(again), (0, 1200, 0, 0))
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    def test_8_bad_rows_among_batches_in_flight_are_reported_in_order(self):
        # 1,500 rows: three PublishBatch calls, two in flight while the rest
        # is mapped (issue 17). A bad row in each batch is still reported
        # with its line, in input order, and the import exits 4.
        tmp = tempfile.mkdtemp(prefix="civhub-hsds-pipeline-")
        try:
            path = os.path.join(tmp, "orgs.ndjson")
            bad = {10: "not-a-uuid", 700: "also-not-a-uuid",
                   1400: "still-not-a-uuid"}
            with open(path, "w") as f:
                for i in range(1500):
                    f.write(json.dumps({
                        "id": bad.get(i, "aaaaaaaa-9999-4999-8999-%012d" % i),
                        "name": "Pipelined %d" % i}) + "\n")
            for expected in [(1497, 0, 0, 3), (0, 1497, 0, 3)]:
                out = HUB.ctl("hsds", "import", path)
                self.assertEqual(out.returncode, 4, out.stdout + out.stderr)
                self.assertEqual(summary(out), expected)
                lines = [line for line in out.stdout.splitlines()
                         if "is not a UUID" in line]
                self.assertEqual(
                    [line.split(" ")[0] for line in lines],
                    ["orgs.ndjson:11:$", "orgs.ndjson:701:$",
                     "orgs.ndjson:1401:$"], out.stdout)
            self.assertEqual(version("hsds-aaaaaaaa-9999-4999-8999-%012d"
                                     % 1499), 1)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    def test_10_problems_are_listed_by_file_and_row(self):
        # Found in a trial: problems came step by step (locations, services,
        # organizations), so organizations.csv:2 followed
        # service_at_location.csv:3; an address of a skipped location went
        # without a word; a lone latitude was named without its value.
        tmp = tempfile.mkdtemp(prefix="civhub-hsds-order-")
        try:
            pkg = os.path.join(tmp, "pkg")
            copy_package(pkg)
            with open(os.path.join(pkg, "locations.csv"), "a") as f:
                f.write("not-a-uuid,physical,,d9d5e0f5-d3ce-4f73-9a2f-"
                        "4dd0ecc6c610,Bad Id,,,,,,,\n"
                        "55555555-5555-4555-8555-555555555555,physical,,"
                        "d9d5e0f5-d3ce-4f73-9a2f-4dd0ecc6c610,Half Point,,,,"
                        "40.7,,,\n")
            with open(os.path.join(pkg, "addresses.csv"), "a") as f:
                f.write("a0000000-0000-4000-8000-000000000001,not-a-uuid,,"
                        "1 Main St,,Nairobi,,,,KE,physical\n"
                        "a0000000-0000-4000-8000-000000000002,"
                        "55555555-5555-4555-8555-555555555555,,2 Main St,,"
                        "Nairobi,,,,KE,physical\n")
            out = HUB.ctl("hsds", "import", "--dry-run", pkg)
            self.assertEqual(out.returncode, 4, out.stdout + out.stderr)
            wheres = [line.split(" ")[0] for line in out.stdout.splitlines()
                      if " — " in line and not line.startswith("would ")]
            self.assertEqual(wheres, [
                "addresses.csv:2", "addresses.csv:2", "addresses.csv:3",
                "locations.csv:2", "locations.csv:3", "locations.csv:4",
                "organizations.csv:2", "service_at_location.csv:2"],
                out.stdout)
            self.assertIn("addresses.csv:3 id=a0000000-0000-4000-8000-"
                          "000000000001 address.location_id: not-a-uuid — "
                          "names no location of the input (or one that was "
                          "skipped); the address is not imported", out.stdout)
            self.assertIn("locations.csv:4 id=55555555-5555-4555-8555-"
                          "555555555555 location.latitude: 40.7 — is given "
                          "without the other coordinate", out.stdout)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    def test_9_a_hub_stopped_mid_import_is_told_with_what_was_published(self):
        # Found in a trial: SIGTERM to the hub mid-import left only "cannot
        # reach civhubd ... (no socket there)" and no summary. The hub is
        # stopped once civhubctl reports progress (its first progress line
        # comes a second into the sending, after a batch is acknowledged).
        tmp = tempfile.mkdtemp(prefix="civhub-hsds-stop-")
        rows = 100000
        try:
            path = os.path.join(tmp, "orgs.ndjson")
            with open(path, "w") as f:
                for i in range(rows):
                    f.write(json.dumps({
                        "id": "cccccccc-9999-4999-8999-%012d" % i,
                        "name": "Cut off %d" % i}) + "\n")
            ctl = subprocess.Popen(
                [CIVHUBCTL, "--data-dir", HUB.data, "hsds", "import", path],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            progress = ctl.stderr.readline()
            m = re.match(r"hsds import: ([\d,]+)/", progress)
            self.assertTrue(m, "no progress before the import ended: "
                            + progress)
            HUB.proc.terminate()
            HUB.proc.wait(timeout=30)
            out, err = ctl.communicate(timeout=60)
            self.assertEqual(ctl.returncode, 2, out + err)
            self.assertIn("stopped answering part way", err)
            self.assertNotIn("no socket there", err)
            m2 = re.search(r"before that the hub acknowledged ([\d,]+) of "
                           r"([\d,]+) records: published ([\d,]+), "
                           r"unchanged ([\d,]+), rejected ([\d,]+)", err)
            self.assertTrue(m2, err)
            acked, total, published, unchanged, rejected = (
                int(x.replace(",", "")) for x in m2.groups())
            self.assertEqual(total, rows)
            self.assertEqual((acked, unchanged, rejected),
                             (published, 0, 0))
            self.assertGreaterEqual(published, int(m.group(1).replace(",", "")))
            self.assertLess(published, rows)
            self.assertIn("start the hub and run the same import again: "
                          "records already published come back unchanged",
                          err)
            # What it said was published is on the hub: run again, and at
            # least those come back unchanged (a batch the hub finished as
            # it stopped may have lost its answer: stored, not reported).
            HUB.start()
            again = HUB.ctl("hsds", "import", path)
            self.assertEqual(again.returncode, 0, again.stderr)
            new, same, refused, skipped = summary(again)
            self.assertGreaterEqual(same, published)
            self.assertEqual((new + same, refused, skipped), (rows, 0, 0))
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    HUB.start()
    try:
        result = unittest.main(exit=False, verbosity=2).result
    finally:
        HUB.stop()
    sys.exit(0 if result.wasSuccessful() else 1)
