#!/bin/sh
# preremove.sh — stops and disables the onetrip service before the package
# goes away. The onetrip user and /var/lib/onetrip stay: the ticket store
# and the audit trail must outlive a reinstall. On an upgrade nothing is
# stopped here; the new package's postinst restarts the service.
set -eu

unit=onetrip.service

case "${1:-remove}" in
remove | deconfigure) ;;
*) exit 0 ;;
esac

if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
	systemctl stop "$unit" || true
	systemctl disable "$unit" || true
elif command -v systemctl >/dev/null 2>&1; then
	systemctl disable "$unit" || true
else
	rm -f "/etc/systemd/system/multi-user.target.wants/$unit"
fi
