#!/usr/bin/python3
"""Peer: single-row inserts with the python-ovs IDL, one commit per transaction.

Usage: idl_txn.py REMOTE SCHEMA COUNT PREFIX

Inserts COUNT Logical_Switch rows named PREFIX-i, each in its own transaction, waiting for
each commit (Transaction.commit_block) as the IDL's API does, as fast as it can. Prints one
JSON line with the time spent inserting (after the initial sync).
"""

import json
import os
import sys
import time

import ovs.db.idl
import ovs.poller


def main():
    remote, schema, count, prefix = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    helper = ovs.db.idl.SchemaHelper(location=schema)
    helper.register_all()
    idl = ovs.db.idl.Idl(remote, helper)
    seqno = idl.change_seqno
    while True:
        idl.run()
        if idl.change_seqno != seqno:
            break
        poller = ovs.poller.Poller()
        idl.wait(poller)
        poller.block()
    started = time.monotonic()
    for i in range(count):
        txn = ovs.db.idl.Transaction(idl)
        row = txn.insert(idl.tables["Logical_Switch"])
        row.name = "%s-%d" % (prefix, i)
        status = txn.commit_block()
        if status != ovs.db.idl.Transaction.SUCCESS:
            sys.stderr.write("transaction %d: %s %s\n" % (i, status, txn.get_error()))
            sys.exit(1)
    secs = time.monotonic() - started
    sys.stdout.write(json.dumps({"count": count, "secs": secs, "rows_per_sec": count / secs}) + "\n")
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
