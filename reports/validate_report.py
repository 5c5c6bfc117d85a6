#!/usr/bin/python3
"""Validates crashlab reports against a report schema (reports/schema/).

Usage: validate_report.py SCHEMA REPORT...
Uses the `jsonschema` package (Debian: python3-jsonschema). Exit 0 when every
report is valid, 1 with one line per error otherwise, 2 on bad usage.
"""
import json
import sys

try:
    import jsonschema
except ImportError:
    print("validate_report.py: python3-jsonschema is not installed "
          "(apt-get install python3-jsonschema)", file=sys.stderr)
    sys.exit(2)


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    with open(argv[1]) as f:
        schema = json.load(f)
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    bad = 0
    for path in argv[2:]:
        with open(path) as f:
            report = json.load(f)
        for err in sorted(validator.iter_errors(report), key=str):
            where = "/".join(str(p) for p in err.absolute_path)
            print(f"{path}: {where or '(root)'}: {err.message}")
            bad += 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
