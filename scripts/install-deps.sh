#!/usr/bin/env bash
# Installs the real OVSDB/OVN programs every test and demo runs against (Debian packages),
# but only when something is missing, so it is cheap to call before every run.
set -euo pipefail

# iproute2 and util-linux give ip, unshare and setpriv: the OVN sandbox's own network namespace
# (real veth pairs) and processes that die with their parent; openssl signs test certificates.
PACKAGES=(openvswitch-switch openvswitch-common ovn-central ovn-common ovn-host python3-openvswitch
          iproute2 util-linux openssl)

missing=()
for prog in ovsdb-server ovsdb-tool ovsdb-client ovs-vsctl ovs-vswitchd ovs-pki \
            ovn-nbctl ovn-northd ovn-controller ip unshare setpriv openssl; do
    command -v "$prog" >/dev/null 2>&1 || [ -x "/usr/sbin/$prog" ] || missing+=("$prog")
done
for file in /usr/share/ovn/ovn-nb.ovsschema /usr/share/ovn/ovn-sb.ovsschema \
            /usr/share/openvswitch/vswitch.ovsschema; do
    [ -f "$file" ] || missing+=("$file")
done
/usr/bin/python3 -c 'import ovs.db.idl' >/dev/null 2>&1 || missing+=("python3-openvswitch")

if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi

echo "install-deps: missing ${missing[*]}; installing ${PACKAGES[*]}" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq "${PACKAGES[@]}" >/dev/null
# The packages' init scripts may start system daemons; the tests start their own in private
# directories and never touch the system ones.
