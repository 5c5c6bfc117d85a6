#!/usr/bin/env python3
"""A stand-in for skyd, for testing crashlab's process handling ONLY.

It is not Skytable and proves nothing about Skytable: it speaks the Skyhash 2
bytes recorded in transcript.json for the few BlueQL statements crashlab
sends, keeps rows in memory, writes them to fake-state.json only on SIGTERM
(DDL at once), and, like 0.8.0, refuses to start when the `.sky_pid` of an
unclean stop is still there, printing the log lines recorded in events.json.

Behaviour switches, read from the file `fake-mode` in the data directory:
  hang           never listen
  bad-password   refuse every handshake
  slow-stop      ignore SIGTERM
It also checks what crashlab promises: argv is exactly `--config FILE`, the
file is mode 0600 in a 0700 directory outside the working directory.
"""
import json
import os
import re
import signal
import socket
import stat
import sys
import time

STATE = "fake-state.json"


def fail(lines, code=1):
    for line in lines:
        print(line, file=sys.stderr, flush=True)
    sys.exit(code)


def read_config(path):
    st = os.stat(path)
    dir_st = os.stat(os.path.dirname(path))
    if stat.S_IMODE(st.st_mode) != 0o600 or stat.S_IMODE(dir_st.st_mode) != 0o700:
        fail(["fake skyd: config file or its directory is not private"], 2)
    if os.path.dirname(os.path.abspath(path)) == os.getcwd():
        fail(["fake skyd: config file inside the data directory"], 2)
    cfg = {}
    for line in open(path):
        m = re.match(r"\s*(\w+):\s*\"?([^\"]*)\"?\s*$", line)
        if m and m.group(2):
            cfg[m.group(1)] = m.group(2)
    return cfg


def num(buf, i):
    j = buf.index(b"\n", i)
    return int(buf[i:j]), j + 1


def params_of(buf):
    out, i = [], 0
    while i < len(buf):
        t, i = buf[i], i + 1
        if t == 0:
            out.append(None)
        elif t == 1:
            out.append(buf[i] == 1)
            i += 1
        elif t in (2, 3):
            v, i = num(buf, i)
            out.append(v)
        elif t == 6:
            n, i = num(buf, i)
            out.append(buf[i:i + n].decode())
            i += n
        else:
            raise ValueError("param type %d" % t)
    return out


def cell(v):
    if isinstance(v, bool):
        return b"\x01" + (b"\x01" if v else b"\x00")
    if isinstance(v, int):
        return b"\x05" + str(v).encode() + b"\n"
    raw = v.encode()
    return b"\x0d" + str(len(raw)).encode() + b"\n" + raw


EMPTY, DUP, NOT_FOUND = b"\x12", b"\x10\x6c\x00", b"\x10\x6f\x00"


class Store:
    def __init__(self):
        self.models, self.rows = {}, {}
        if os.path.exists(STATE):
            saved = json.load(open(STATE))
            self.models, self.rows = saved["models"], saved["rows"]

    def save(self, rows=True):
        data = {"models": self.models, "rows": self.rows if rows else {}}
        if not rows and os.path.exists(STATE):
            data["rows"] = json.load(open(STATE))["rows"]
        with open(STATE + ".tmp", "w") as f:
            json.dump(data, f)
        os.rename(STATE + ".tmp", STATE)

    def run(self, q, p):
        if re.fullmatch(r"create space (if not exists )?auth", q):
            return EMPTY
        m = re.fullmatch(r"create model (?:if not exists )?auth\.(\w+)\((.*)\)", q)
        if m:
            self.models[m.group(1)] = [f.split(":")[0].strip() for f in m.group(2).split(",")]
            self.rows.setdefault(m.group(1), {})
            self.save(rows=False)  # DDL is durable at once
            return EMPTY
        m = re.fullmatch(r"insert into auth\.(\w+)\(.*\)", q)
        if m:
            rows = self.rows[m.group(1)]
            if p[0] in rows:
                return DUP
            rows[p[0]] = p
            return EMPTY
        m = re.fullmatch(r"update auth\.(\w+) set (.*) where \w+ = \?", q)
        if m:
            fields, row = self.models[m.group(1)], self.rows[m.group(1)].get(p[-1])
            if row is None:
                return NOT_FOUND
            for k, clause in enumerate(m.group(2).split(", ")):
                col, op, _ = clause.split(" ")
                i = fields.index(col)
                row[i] = p[k] if op == "=" else row[i] + (p[k] if op == "+=" else -p[k])
            return EMPTY
        m = re.fullmatch(r"delete from auth\.(\w+) where \w+ = \?", q)
        if m:
            return EMPTY if self.rows[m.group(1)].pop(p[0], None) else NOT_FOUND
        m = re.fullmatch(r"select all \* from auth\.(\w+) limit \?", q)
        if m:
            rows = list(self.rows[m.group(1)].values())[: p[0]]
            out = b"\x13%d\n%d\n" % (len(rows), len(self.models[m.group(1)]))
            return out + b"".join(cell(v) for r in rows for v in r)
        return b"\x10\x20\x00"  # expected statement


def serve(conn, cfg, store, mode):
    buf = b""

    def need(n):
        nonlocal buf
        while len(buf) < n:
            chunk = conn.recv(65536)
            if not chunk:
                raise EOFError
            buf += chunk

    def line():
        nonlocal buf
        while b"\n" not in buf:
            need(len(buf) + 1)
        v, rest = buf.split(b"\n", 1)
        buf = rest
        return int(v)

    need(6)
    buf = buf[6:]
    ulen, plen = line(), line()
    need(ulen + plen)
    user, pw = buf[:ulen].decode(), buf[ulen:ulen + plen].decode()
    buf = buf[ulen + plen:]
    if mode == "bad-password" or user != "root" or pw != cfg["root_pass"]:
        conn.sendall(b"H\x00\x01\x05")
        return
    conn.sendall(b"H\x00\x00\x00")
    while True:
        need(1)
        buf = buf[1:]  # 'S'
        n = line()
        need(n)
        body, buf = buf[:n], buf[n:]
        qlen, i = num(body, 0)
        q = body[i:i + qlen].decode()
        conn.sendall(store.run(q, params_of(body[i + qlen:])))


def main():
    if sys.argv[1:] == ["--version"]:
        print("Skytable v0.8.0 (crashlab fake_skyd.py, not Skytable)")
        return
    if len(sys.argv) != 3 or sys.argv[1] != "--config":
        fail(["fake skyd: expected exactly --config FILE, got %r" % sys.argv[1:]], 2)
    cfg = read_config(sys.argv[2])
    mode = open("fake-mode").read().strip() if os.path.exists("fake-mode") else ""
    print("Skytable v0.8.0 | https://github.com/skytable/skytable", flush=True)
    if os.path.exists(".sky_pid"):
        events = json.load(open(os.path.join(os.path.dirname(__file__), "events.json")))
        fail(events["restarts"]["after-sigkill"]["log"][1:])
    open(".sky_pid", "w").close()
    store = Store()

    def stop(*_):
        if mode == "slow-stop":
            return
        store.save()
        os.unlink(".sky_pid")
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    if mode == "hang":
        while True:
            time.sleep(1)
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", int(cfg["port"])))
    srv.listen(8)
    while True:
        conn, _ = srv.accept()
        try:
            serve(conn, cfg, store, mode)
        except (EOFError, ConnectionError):
            pass
        finally:
            conn.close()


if __name__ == "__main__":
    main()
