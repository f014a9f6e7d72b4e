#!/usr/bin/env python3
"""Compares `strata lint --json` with `squawk --reporter json` on the same up files.

    squawk_compare.py PROJECT_DIR STRATA.json SQUAWK.json [--list]

Squawk's rules are grouped by what they catch; a Squawk finding and a strata finding agree when
they are about the same statement of the same file and the same thing. Squawk's style advice
(prefer-*, require-*-timeout, ban-drop-default...) has no strata rule and is counted apart (an
int column Squawk flags is style unless strata's int-primary-key flags the same statement). Prints one JSON object of counts; with --list, the findings only
one side has, one per line, for reading.
"""
import json
import os
import sys

# Squawk rule -> the strata rules that catch the same thing.
SAME = {
    "require-concurrent-index-creation": {"index-not-concurrent"},
    "require-concurrent-index-deletion": {"drop-index-not-concurrent"},
    "constraint-missing-not-valid": {"constraint-not-valid", "unique-not-using-index", "primary-key-not-using-index"},
    "adding-foreign-key-constraint": {"constraint-not-valid"},
    "changing-column-type": {"type-change-rewrite", "narrowing-type-change"},
    "adding-field-with-default": {"add-column-default-rewrite"},
    "adding-not-nullable-field": {"set-not-null", "not-null-without-default"},
    "adding-required-field": {"not-null-without-default"},
    "ban-drop-column": {"drop-column"},
    "ban-drop-table": {"drop-table"},
    "renaming-column": {"rename-column"},
    "renaming-table": {"rename-table"},
    "disallowed-unique-constraint": {"unique-not-using-index"},
    "adding-primary-key-constraint": {"primary-key-not-using-index"},
    "adding-serial-primary-key-field": {"primary-key-not-using-index", "add-column-default-rewrite", "int-primary-key"},
    "prefer-bigint-over-int": {"int-primary-key"},
    "prefer-big-int": {"int-primary-key"},
    "transaction-nesting": {"transaction-control"},
    "ban-concurrent-index-creation-in-transaction": {"needs-no-transaction"},
    "ban-truncate-cascade": {"truncate-cascade"},
}
# Advice about style or session settings, not about what a statement does to a live table.
STYLE = {
    "prefer-robust-stmts", "require-lock-timeout", "require-statement-timeout", "prefer-text-field",
    "prefer-timestamptz", "prefer-timestamp-tz", "ban-char-field", "prefer-bigint-over-int",
    "prefer-big-int", "prefer-bigint-over-smallint", "ban-drop-not-null", "ban-drop-default", "ban-drop-view",
    "ban-drop-database", "ban-create-domain-with-constraint", "ban-alter-domain-with-add-constraint",
    "ban-uncommitted-transaction", "require-timeout-settings", "prefer-identity",
}


def statement_of(path, line, cache={}):
    """Which statement of the file `line` (1-based) is in: the semicolons before its line,
    comments left out."""
    if path not in cache:
        ends, count = [], 0
        for text in open(path, errors="replace").read().split("\n"):
            ends.append(count)
            count += text.split("--")[0].count(";")
        cache[path] = ends
    ends = cache[path]
    return ends[min(line, len(ends)) - 1]


def main():
    project, strata_json, squawk_json = sys.argv[1:4]
    strata = json.load(open(strata_json))["findings"]
    squawk = json.load(open(squawk_json))
    listing = "--list" in sys.argv
    for s in strata:
        s["path"] = os.path.join(project, s["file"])
        s["stmt"] = statement_of(s["path"], s["line"])
    for f in squawk:
        f["path"] = f["file"]
        f["first"] = f["line"] + 1
        f["stmt"] = statement_of(f["path"], f["first"])

    def same_place(s, f):
        return os.path.realpath(s["path"]) == os.path.realpath(f["path"]) and s["stmt"] == f["stmt"]

    def short(path):
        return "/".join(path.split("/")[-2:])

    both, style, squawk_only, matched = [], [], [], set()
    for f in squawk:
        wanted = SAME.get(f["rule_name"], set())
        hit = next((i for i, s in enumerate(strata) if s["rule"] in wanted and same_place(s, f)), None)
        if hit is not None:
            both.append(f)
            matched.add(hit)
        elif f["rule_name"] in STYLE:
            style.append(f)
        else:
            squawk_only.append(f)
    strata_only = [s for i, s in enumerate(strata) if i not in matched]
    print(json.dumps({
        "strata": len(strata),
        "squawk": len(squawk),
        "squawk_style": len(style),
        "both": len(both),
        "strata_in_both": len(matched),
        "squawk_only": len(squawk_only),
        "strata_only": len(strata_only),
    }))
    if listing:
        for f in squawk_only:
            print(f"squawk-only {short(f['path'])}:{f['first']} {f['rule_name']}: {f['message']}")
        for s in strata_only:
            print(f"strata-only {short(s['path'])}:{s['line']} {s['rule']}: {s['message'][:160]}")


if __name__ == "__main__":
    main()
