#!/usr/bin/env python3
"""Writes the seed corpora of the ctl_argv, ctl_value and replica_apply fuzz targets from
real inputs:

- ctl_argv: every argument line of bins/tests/cases/{nbctl,vsctl}/*.txt (the differential
  tests' command lines, run against the real ovn-nbctl / ovs-vsctl), as
  <tool byte><words separated by NUL>;
- ctl_value: the COL=VALUE / COL:KEY=VALUE arguments of those lines' generic commands (set,
  add, remove, create, find, wait-until), addressed to their column as ctl_value.rs does
  (<u16 LE column index><mode byte><text>);
- replica_apply: sessions recorded from a real ovsdb-server on OVN_Northbound (the client's
  monitor request, then every byte the server sent) while ovn-nbctl makes changes.

It also writes libFuzzer dictionaries fuzz/dicts/<target>.dict (command and option names of
the case lines; table and column names of the schema and the JSON words of monitor updates).

Usage: fuzz/seeds/make_seeds.py [--only argv|value|replica] (from anywhere; writes into
fuzz/corpus/<target>/seed-*). Needs ovsdb-tool, ovsdb-server and ovn-nbctl for replica.
"""

import argparse
import hashlib
import json
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CORPUS = os.path.join(ROOT, "fuzz", "corpus")
SCHEMAS = [
    os.path.join(ROOT, "ovn-nb", "ovn-nb.ovsschema"),
    os.path.join(ROOT, "ovs-vswitch", "vswitch.ovsschema"),
]
FAKE_UUID = "6d1a2e6c-1f2b-4c3d-8e9f-0a1b2c3d4e5f"


def write_seed(target, data):
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    name = "seed-" + hashlib.sha1(data).hexdigest()[:16]
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def case_lines(tool):
    """Each argument vector of the case files of `tool`, markers and env words removed."""
    d = os.path.join(ROOT, "bins", "tests", "cases", tool)
    for name in sorted(os.listdir(d)):
        pending = ""
        for raw in open(os.path.join(d, name), encoding="utf-8"):
            line = raw.strip()
            if not pending and (not line or line.startswith("#")):
                continue
            if line.endswith("\\"):
                pending += line[:-1] + " "
                continue
            line, pending = pending + line, ""
            line = re.sub(r"\$\{[A-Za-z0-9_]+(:[0-9]+)?\}", FAKE_UUID, line)
            try:
                words = shlex.split(line)
            except ValueError:
                continue
            while words and (words[0] in ("!", "~", "~~", "~tree") or words[0].endswith(":=")
                             or re.match(r"^[A-Z][A-Z0-9_]*=", words[0])):
                words.pop(0)
            if words:
                yield words


def columns():
    """(db, table, column, column schema) sorted as fuzz_targets/common/mod.rs sorts them."""
    out = []
    for path in SCHEMAS:
        s = json.load(open(path))
        for t, ts in s["tables"].items():
            for c, cs in ts["columns"].items():
                out.append((s["name"], t, c, cs))
    out.sort(key=lambda x: (x[0], x[1], x[2]))
    return out


def loose(names, typed):
    """db-ctl-base's loose name match (exact, else the unique best prefix)."""
    if typed in names:
        return typed
    fold = lambda s: s.lower().replace("-", "_")
    hits = [n for n in names if fold(n).startswith(fold(typed))]
    return hits[0] if len(hits) == 1 else None


ARG = re.compile(r"^([A-Za-z_][A-Za-z0-9_-]*)(?::(.*?))?"
                 r"(\{!=\}|\{>=\}|\{<=\}|\{=\}|\{<\}|\{>\}|\{in\}|\{not-in\}|!=|>=|<=|=|<|>)(.*)$",
                 re.S)


def value_seeds():
    cols = columns()
    for tool, db in (("nbctl", "OVN_Northbound"), ("vsctl", "Open_vSwitch")):
        tables = sorted({t for d, t, _, _ in cols if d == db})
        for words in case_lines(tool):
            while words and words[0].startswith("-"):
                words.pop(0)
            if len(words) < 3 or words[0] not in ("set", "add", "remove", "create", "find",
                                                  "wait-until"):
                continue
            table = loose(tables, words[1])
            if table is None:
                continue
            skip = 2 if words[0] in ("create", "find") else 3
            names = sorted(c for d, t, c, _ in cols if d == db and t == table)
            for arg in words[skip:]:
                if words[0] in ("add", "remove") and "=" not in arg:
                    # `add T R COL VALUE...`: a value of column words[3].
                    col = loose(names, words[3]) if len(words) > 3 else None
                    if col is None or arg == words[3]:
                        continue
                    yield col_index(cols, db, table, col), 0, arg
                    continue
                m = ARG.match(arg)
                if not m:
                    continue
                col = loose(names, m.group(1))
                if col is None:
                    continue
                i = col_index(cols, db, table, col)
                if m.group(2) is not None:
                    yield i, 4, m.group(2)
                    yield i, 6, m.group(4)
                else:
                    yield i, 0, m.group(4)
                    yield i, 7, arg


def col_index(cols, db, table, col):
    for i, (d, t, c, _) in enumerate(cols):
        if (d, t, c) == (db, table, col):
            return i
    raise KeyError((db, table, col))


def argv_seeds():
    for byte, tool in ((0, "nbctl"), (1, "vsctl")):
        for words in case_lines(tool):
            yield bytes([byte]) + b"\0".join(w.encode() for w in words)


# ---- replica sessions recorded from a real ovsdb-server ----

NBCTL_SCRIPT = [
    ["ls-add", "sw0"],
    ["lsp-add", "sw0", "p1"],
    ["lsp-set-addresses", "p1", "00:00:00:00:00:01 10.0.0.1", "unknown"],
    ["set", "Logical_Switch_Port", "p1", "external_ids:iface-id=vm1", "tag_request=7"],
    ["lsp-add", "sw0", "p2", "--", "lsp-set-type", "p2", "router"],
    ["lr-add", "r0"],
    ["lrp-add", "r0", "rp0", "00:00:00:00:01:01", "10.0.0.254/24"],
    ["acl-add", "sw0", "to-lport", "100", "ip4 && tcp.dst == 80", "drop"],
    ["lb-add", "lb0", "10.0.0.10:80", "10.0.0.1:80,10.0.0.2:80"],
    ["ls-lb-add", "sw0", "lb0"],
    ["remove", "Logical_Switch_Port", "p1", "addresses", "unknown"],
    ["lsp-del", "p1"],
    ["lr-del", "r0"],
]


class Server:
    """A private ovsdb-server on OVN_Northbound (killed by its pid at the end)."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="fuzz-seeds-")
        db = os.path.join(self.dir, "nb.db")
        subprocess.run(["ovsdb-tool", "create", db, SCHEMAS[0]], check=True)
        self.sock = os.path.join(self.dir, "nb.sock")
        self.proc = subprocess.Popen(
            ["ovsdb-server", db, "--remote=punix:" + self.sock,
             "--unixctl=" + os.path.join(self.dir, "ctl"),
             "--log-file=" + os.path.join(self.dir, "log"), "--no-chdir"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(100):
            if os.path.exists(self.sock):
                break
            time.sleep(0.05)

    def nbctl(self, *args):
        subprocess.run(["ovn-nbctl", "--db=unix:" + self.sock, *args], check=True,
                       stdout=subprocess.DEVNULL)

    def close(self):
        self.proc.kill()
        self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


class Session:
    """One client connection that records what it sends (requests) and everything it gets."""

    def __init__(self, server):
        self.s = socket.socket(socket.AF_UNIX)
        self.s.connect(server.sock)
        self.record = b""

    def send(self, msg, keep=True):
        data = json.dumps(msg).encode()
        self.s.sendall(data)
        if keep:
            self.record += data

    def drain(self, wait=0.3):
        """Reads what the server sends until it has been quiet for `wait` seconds."""
        self.s.settimeout(wait)
        while True:
            try:
                chunk = self.s.recv(65536)
            except socket.timeout:
                return
            if not chunk:
                return
            self.record += chunk


def monitor_params(method, mid, columns=None):
    reqs = {}
    for t in json.load(open(SCHEMAS[0]))["tables"]:
        r = {"columns": columns[t]} if columns and t in columns else {}
        reqs[t] = r if method == "monitor" else [r]
    params = ["OVN_Northbound", mid, reqs]
    if method == "monitor_cond_since":
        params.append("00000000-0000-0000-0000-000000000000")
    return params


def replica_seeds():
    cases = [
        ("monitor", None, False),
        ("monitor_cond", None, False),
        ("monitor_cond_since", None, True),
        ("monitor_cond", {"Logical_Switch_Port": ["name", "addresses", "external_ids"],
                          "Logical_Switch": ["name", "ports"]}, False),
    ]
    for method, cols, resync in cases:
        server = Server()
        try:
            sess = Session(server)
            if cols:
                sess.send({"id": 90, "method": "add_index",
                           "params": ["Logical_Switch_Port", "external_ids:iface-id"]})
            sess.send({"id": 1, "method": method, "params": monitor_params(method, "m1", cols)})
            sess.drain()
            # The first half of the changes, a resync (a second monitor's initial view), the
            # rest.
            half = len(NBCTL_SCRIPT) // 2
            for cmd in NBCTL_SCRIPT[:half]:
                server.nbctl(*cmd)
                sess.drain(0.2)
            if resync or method == "monitor":
                sess.send({"id": 2, "method": method,
                           "params": monitor_params(method, "m2", cols)}, keep=False)
                sess.drain()
            for cmd in NBCTL_SCRIPT[half:]:
                server.nbctl(*cmd)
                sess.drain(0.2)
            sess.s.close()
        finally:
            server.close()
        write_seed("replica_apply", sess.record)
        print(f"replica_apply: {method} session of {len(sess.record)} bytes", file=sys.stderr)


def write_dict(target, words):
    d = os.path.join(ROOT, "fuzz", "dicts")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, target + ".dict"), "w") as f:
        for w in sorted(set(words)):
            f.write('"' + "".join(dict_escape(b) for b in w.encode()) + '"\n')


def dict_escape(b):
    """One byte as a libFuzzer dictionary writes it."""
    c = chr(b)
    if c in '"\\':
        return "\\" + c
    return c if 0x20 <= b < 0x7f else "\\x%02x" % b


def dicts():
    words = []
    for tool in ("nbctl", "vsctl"):
        for line in case_lines(tool):
            opts = [w.split("=")[0] for w in line if w.startswith("--")]
            cmds = [line[i] for i in range(len(line))
                    if not line[i].startswith("-") and (i == 0 or line[i - 1] == "--"
                                                        or line[i - 1].startswith("-"))]
            words += [w + "\0" for w in opts + cmds]
    write_dict("ctl_argv", words + ["\0--\0", "\0-t\0", "="])
    nb = json.load(open(SCHEMAS[0]))
    words = ["insert", "modify", "delete", "initial", "old", "new", "set", "map", "uuid",
             "named-uuid", "update", "update2", "update3", "monitor_canceled", "monitor",
             "monitor_cond", "monitor_cond_since", "add_index", "columns", "result", "method",
             "params", "id", "null", "true", "false", FAKE_UUID, "_version", "_uuid"]
    for t, ts in nb["tables"].items():
        words.append(t)
        words += list(ts["columns"])
    write_dict("replica_apply", ['"%s"' % w for w in words])
    write_dict("ctl_value", list(":=, []{}!<>\\\"") + ["[]", "{}", "true", "false", "@row",
                                                        FAKE_UUID, "0x", "1-4096", "inf", "nan",
                                                        "\\u00e9", "1e308"])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", choices=["argv", "value", "replica"])
    a = ap.parse_args()
    if a.only in (None, "argv"):
        seeds = set(argv_seeds())
        for s in seeds:
            write_seed("ctl_argv", s)
        print(f"ctl_argv: {len(seeds)} seeds", file=sys.stderr)
    if a.only in (None, "value"):
        seeds = {i.to_bytes(2, "little") + bytes([mode]) + text.encode()
                 for i, mode, text in value_seeds()}
        for s in seeds:
            write_seed("ctl_value", s)
        print(f"ctl_value: {len(seeds)} seeds", file=sys.stderr)
    if a.only in (None, "replica"):
        replica_seeds()
    dicts()


if __name__ == "__main__":
    main()
