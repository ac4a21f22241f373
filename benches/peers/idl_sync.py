#!/usr/bin/python3
"""Peer: a full replica with the python-ovs IDL (Debian python3-openvswitch).

Usage: idl_sync.py REMOTE SCHEMA EXPECTED_ROWS

Registers every table and column (SchemaHelper.register_all), runs the IDL until its
change_seqno moves after the initial sync and the replica holds EXPECTED_ROWS rows, then prints
one JSON line and exits at once (like ours, it is measured until its data is in).
"""

import json
import os
import sys
import time

import ovs.db.idl
import ovs.poller


def main():
    remote, schema, expected = sys.argv[1], sys.argv[2], int(sys.argv[3])
    started = time.monotonic()
    helper = ovs.db.idl.SchemaHelper(location=schema)
    helper.register_all()
    idl = ovs.db.idl.Idl(remote, helper)
    seqno = idl.change_seqno
    rows = 0
    while True:
        idl.run()
        if idl.change_seqno != seqno:
            seqno = idl.change_seqno
            rows = sum(len(t.rows) for t in idl.tables.values())
            if rows >= expected:
                break
        poller = ovs.poller.Poller()
        idl.wait(poller)
        poller.block()
    ready = time.monotonic() - started
    sys.stdout.write(json.dumps({"ready_secs": ready, "rows": rows}) + "\n")
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
