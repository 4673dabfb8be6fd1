"""Compares the verdicts of python3-jsonschema on `rprotoc --emit jsonschema` output with
those of `rprotoc validate` (strict mode), over the residue capture vectors and a corpus of
documents with known verdicts (tests/specs/jsonschema/cases.ndjson). Used by
tests/scripts/jsonschema.sh; prints one line per disagreement and a summary.

usage: jsonschema_verdicts.py RPROTOC WORKDIR
"""
import glob
import json
import os
import subprocess
import sys

import jsonschema

rprotoc, work = sys.argv[1], sys.argv[2]
SPECS = {"residue": "spec/residue.rproto", "every": "tests/specs/valid/all-constructs.rproto"}


def schema_of(name):
    out = subprocess.run([rprotoc, "--emit", "jsonschema", SPECS[name]], check=True,
                         capture_output=True, text=True).stdout
    doc = json.loads(out)
    jsonschema.Draft202012Validator.check_schema(doc)
    return doc


schemas = {name: schema_of(name) for name in SPECS}


def schema_verdict(spec, message, doc):
    root = dict(schemas[spec])
    root["$ref"] = "#/$defs/" + message
    v = jsonschema.Draft202012Validator(root, format_checker=None)
    return v.is_valid(doc)


def rprotoc_invalid(spec, message, docs):
    """Indexes (0-based) of docs that `rprotoc validate` finds invalid, checked as NDJSON."""
    path = os.path.join(work, "%s-%s.ndjson" % (spec, message))
    with open(path, "w", encoding="utf-8") as f:
        for d in docs:
            f.write(json.dumps(d, ensure_ascii=False, separators=(",", ":")) + "\n")
    r = subprocess.run([rprotoc, "validate", "--format", "json", SPECS[spec], message, path],
                       capture_output=True, text=True)
    if r.returncode not in (0, 1):
        raise SystemExit("rprotoc validate failed: %s" % r.stderr)
    bad = set()
    for line in r.stdout.splitlines():
        row = json.loads(line)
        if row["kind"] == "problem":
            bad.add(row["line"] - 1)
    return bad


def message_of(step):
    """The message a capture step carries (index.json names steps, not messages)."""
    name, port, d = step["step"], step["port_role"], step["direction"]
    if port == "connect" and d == "c2s":
        if name.startswith("connect"):
            return "Connect"
        if name.startswith("touch"):
            return "Touch"
        return "Acknowledgement"  # ack, re-ack, ack-*, envelope-unknown-client-id
    if port == "connect":
        if name.startswith("hello"):
            return "Hello"
        if name.startswith("established"):
            return "Established"
        return "ConnectError"
    if d == "c2s":
        return "LogBulk" if name.startswith("bulk") else "LogRequest"
    return "LogReply"


cases = []  # (label, spec, message, doc, expected or None)
for index in sorted(glob.glob("../shared/vectors/*/index.json")):
    scenario = os.path.dirname(index)
    for step in json.load(open(index, encoding="utf-8"))["steps"]:
        plain = step.get("plaintext_file") or ""
        if not plain.endswith(".plain.json"):
            continue  # not JSON (garbage, empty packet)
        with open(os.path.join(scenario, plain), encoding="utf-8") as f:
            doc = json.load(f)
        cases.append(("%s/%s" % (os.path.basename(scenario), plain), "residue", message_of(step), doc, None))
with open("tests/specs/jsonschema/cases.ndjson", encoding="utf-8") as f:
    for n, line in enumerate(f, 1):
        c = json.loads(line)
        cases.append(("cases.ndjson:%d (%s)" % (n, c["why"]), c["spec"], c["message"], c["doc"], c["valid"]))

groups = {}
for i, (label, spec, message, doc, want) in enumerate(cases):
    groups.setdefault((spec, message), []).append(i)
rp_valid = {}
for (spec, message), idx in groups.items():
    bad = rprotoc_invalid(spec, message, [cases[i][3] for i in idx])
    for k, i in enumerate(idx):
        rp_valid[i] = k not in bad

disagree = 0
stats = {"vectors": 0, "corpus": 0, "valid": 0, "invalid": 0}
for i, (label, spec, message, doc, want) in enumerate(cases):
    js = schema_verdict(spec, message, doc)
    rp = rp_valid[i]
    stats["corpus" if want is not None else "vectors"] += 1
    stats["valid" if rp else "invalid"] += 1
    if js != rp or (want is not None and rp != want):
        disagree += 1
        print("jsonschema: FAIL %s as %s: rprotoc says %s, jsonschema says %s%s" % (
            label, message, "valid" if rp else "invalid", "valid" if js else "invalid",
            "" if want is None else ", expected %s" % ("valid" if want else "invalid")))
print("jsonschema: %d vectors and %d corpus documents, %d valid and %d invalid: %d disagreements" % (
    stats["vectors"], stats["corpus"], stats["valid"], stats["invalid"], disagree))
sys.exit(1 if disagree else 0)
