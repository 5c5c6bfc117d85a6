#!/usr/bin/env python3
"""A complete crashlab driver in one file (engines/PROTOCOL.md), for a toy
engine: every table lives in DIR/data.json, rewritten on each commit with
write-to-temp, fsync, rename, fsync(dir) -- so it is atomic and durable if
the file system keeps its promises.

Run it through crashlab with
    --engine external --set driver='python3 examples/drivers/toy_driver.py'

It is a template: replace the Toy class with calls into your engine and keep
main() as it is. engines/PROTOCOL.md, "Write your own driver in an
afternoon", has the checklist and the commands that test it.
"""
import copy
import json
import os
import sys


class Fail(Exception):
    """An error reply. definite: for apply, True when nothing persisted."""

    def __init__(self, kind, message, definite=None):
        super().__init__(message)
        self.kind, self.message, self.definite = kind, message, definite


class Toy:
    def __init__(self):
        self.dir = None  # set while open

    def open(self, req):
        if self.dir:
            raise Fail("protocol", "already open; send close first")
        if req.get("settings"):
            raise Fail("settings", "unknown settings %s; this driver has none"
                       % ", ".join(req["settings"]))
        self.keys = {t["name"]: t["key"] for t in req["schema"]["tables"]}
        self.path = os.path.join(req["dir"], "data.json")
        if req.get("create"):
            self.tables = {name: {} for name in self.keys}
            self.dir = req["dir"]
            self._save(self.tables)
            return {}
        try:  # this is where a real engine would recover
            with open(self.path) as f:
                self.tables = json.load(f)
        except (OSError, ValueError) as e:
            raise Fail("open", str(e))
        self.dir = req["dir"]
        return {}

    def apply(self, req):
        self._need_open(definite=True)
        new = copy.deepcopy(self.tables)  # all or nothing
        for m in req["op"]["mutations"]:
            rows, key = new.get(m["table"]), m["key"]
            values = m.get("values", {})
            if rows is None:
                raise Fail("protocol", "no table " + m["table"], True)
            if m["kind"] == "insert":
                if key in rows:
                    raise Fail("constraint", "duplicate key " + key, True)
                rows[key] = dict(values, **{self.keys[m["table"]]: key})
            elif m["kind"] == "update" and key in rows:
                rows[key].update(values)
            elif m["kind"] == "increment" and key in rows:
                for col, delta in values.items():
                    if rows[key].get(col) is not None:
                        rows[key][col] += delta
            elif m["kind"] == "delete":
                rows.pop(key, None)
        try:
            self._save(new)
        except OSError as e:  # the rename may or may not have happened
            raise Fail("io", str(e), False)
        self.tables = new
        return {}

    def dump(self, req):
        self._need_open()
        return {"tables": {name: [rows[k] for k in sorted(rows)]
                           for name, rows in self.tables.items()},
                "check": "ok"}

    def close(self, req):
        self.dir = None
        return {}

    def _need_open(self, definite=None):
        if not self.dir:
            raise Fail("protocol", "not open", definite)

    def _save(self, tables):
        tmp = self.path + ".tmp"
        with open(tmp, "w") as f:
            json.dump(tables, f)
            f.flush()
            os.fsync(f.fileno())
        os.rename(tmp, self.path)
        fd = os.open(self.dir, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def main():
    engine = Toy()
    commands = {"open": engine.open, "apply": engine.apply,
                "dump": engine.dump, "close": engine.close}

    def send(reply):
        print(json.dumps(reply), flush=True)

    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            req = json.loads(line)
            if not isinstance(req, dict):
                raise ValueError("not an object")
        except ValueError as e:
            send({"id": None, "ok": False,
                  "error": {"kind": "protocol", "message": str(e)}})
            continue
        rid, cmd = req.get("id"), req.get("cmd")
        try:
            if cmd == "hello":
                fields = {"engine": "toy", "version": "1", "protocol": 1}
            elif cmd == "quit":
                send({"id": rid, "ok": True})
                return 0
            elif cmd in commands:
                fields = commands[cmd](req)
            else:
                raise Fail("protocol", "unknown cmd %r" % cmd)
            send(dict(fields, id=rid, ok=True))
        except Fail as e:
            error = {"kind": e.kind, "message": e.message}
            if e.definite is not None:
                error["definite"] = e.definite
            send({"id": rid, "ok": False, "error": error})
        except Exception as e:  # a bug here must not kill the driver
            send({"id": rid, "ok": False,
                  "error": {"kind": "other", "message": repr(e)}})
    return 0


if __name__ == "__main__":
    sys.exit(main())
