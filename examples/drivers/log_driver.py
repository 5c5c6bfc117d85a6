#!/usr/bin/env python3
"""A crashlab driver (engines/PROTOCOL.md) for a toy engine that does NOT
sync every commit: the test subject of crashlab's order oracles
(checkers/order_oracles.cc). Two layouts, chosen by command-line flags:

  --layout log    (default) every commit appends one line to DIR/log;
                  recovery replays lines up to the first one that does not
                  parse. A crash loses the log's tail only: what survives is
                  a prefix of the commits (claim=prefix holds).
  --layout files  every commit is its own file DIR/op-SEQ; recovery replays
                  every file that parses, in SEQ order. A crash can keep a
                  later commit's file and lose an earlier one: the files are
                  deliberately written out of order (claim=prefix breaks).

  --sync-every N  every Nth commit is synced before it is acknowledged
                  (the log, or that commit's file and the directory):
                  LevelDB's "hybrid scheme". With --layout log everything
                  before it is then durable (claim=sync-barrier holds); with
                  --layout files only that commit is (sync-barrier breaks).

Run it through crashlab with
    --engine external --set claim=prefix,sync-barrier \
    --set driver='python3 examples/drivers/log_driver.py --layout files'
"""
import argparse
import json
import os
import sys


class Fail(Exception):
    def __init__(self, kind, message, definite=None):
        super().__init__(message)
        self.kind, self.message, self.definite = kind, message, definite


def apply_mutations(tables, keys, mutations):
    for m in mutations:
        rows, key = tables.setdefault(m["table"], {}), m["key"]
        values = m.get("values", {})
        if m["kind"] == "insert":
            rows[key] = dict(values, **{keys[m["table"]]: key})
        elif m["kind"] == "update" and key in rows:
            rows[key].update(values)
        elif m["kind"] == "increment" and key in rows:
            for col, delta in values.items():
                if rows[key].get(col) is not None:
                    rows[key][col] += delta
        elif m["kind"] == "delete":
            rows.pop(key, None)


class LogEngine:
    def __init__(self, layout, sync_every):
        self.layout, self.sync_every = layout, sync_every
        self.dir = None

    def open(self, req):
        if req.get("settings"):
            raise Fail("settings", "no settings; use the driver's flags")
        self.keys = {t["name"]: t["key"] for t in req["schema"]["tables"]}
        self.tables = {name: {} for name in self.keys}
        self.dir, self.seq = req["dir"], 0
        if req.get("create"):
            return {}
        for mutations in self._recover():
            apply_mutations(self.tables, self.keys, mutations)
            self.seq += 1
        return {}

    def _recover(self):
        if self.layout == "log":
            try:
                with open(os.path.join(self.dir, "log"), "rb") as f:
                    lines = f.read().split(b"\n")
            except FileNotFoundError:
                return
            for line in lines[:-1]:  # the last one has no newline yet
                try:
                    yield json.loads(line)
                except ValueError:
                    return  # a torn or missing record ends the log
            return
        names = [n for n in os.listdir(self.dir) if n.startswith("op-")]
        for name in sorted(names, key=lambda n: int(n[3:])):
            try:
                with open(os.path.join(self.dir, name), "rb") as f:
                    yield json.loads(f.read())
            except ValueError:
                continue  # skip it, keep the later ones: out of order

    def apply(self, req):
        mutations = req["op"]["mutations"]
        self.seq += 1
        sync = self.sync_every > 0 and self.seq % self.sync_every == 0
        data = json.dumps(mutations).encode()
        if self.layout == "log":
            path = os.path.join(self.dir, "log")
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
            os.write(fd, data + b"\n")
        else:
            path = os.path.join(self.dir, "op-%d" % self.seq)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            os.write(fd, data)
        try:
            if sync:
                os.fsync(fd)
        finally:
            os.close(fd)
        if sync:
            dfd = os.open(self.dir, os.O_RDONLY)
            try:
                os.fsync(dfd)
            finally:
                os.close(dfd)
        apply_mutations(self.tables, self.keys, mutations)
        return {}

    def dump(self, req):
        return {"tables": {name: [rows[k] for k in sorted(rows)]
                           for name, rows in self.tables.items()},
                "check": "ok"}

    def close(self, req):
        self.dir = None
        return {}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--layout", choices=["log", "files"], default="log")
    parser.add_argument("--sync-every", type=int, default=0)
    args = parser.parse_args()
    engine = LogEngine(args.layout, args.sync_every)
    commands = {"open": engine.open, "apply": engine.apply,
                "dump": engine.dump, "close": engine.close}
    for line in sys.stdin:
        if not line.strip():
            continue
        req = json.loads(line)
        rid, cmd = req.get("id"), req.get("cmd")
        try:
            if cmd == "hello":
                fields = {"engine": "log-" + args.layout, "version": "1",
                          "protocol": 1}
            elif cmd == "quit":
                print(json.dumps({"id": rid, "ok": True}), flush=True)
                return 0
            elif cmd in commands:
                fields = commands[cmd](req)
            else:
                raise Fail("protocol", "unknown cmd %r" % cmd)
            reply = dict(fields, id=rid, ok=True)
        except Fail as e:
            error = {"kind": e.kind, "message": e.message}
            if e.definite is not None:
                error["definite"] = e.definite
            reply = {"id": rid, "ok": False, "error": error}
        except Exception as e:
            reply = {"id": rid, "ok": False,
                     "error": {"kind": "other", "message": repr(e)}}
        print(json.dumps(reply), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
