#!/bin/bash
# First boot of a onetrip terminal on Raspberry Pi OS (Bookworm).
#
# onetrip flash puts this script on the boot partition and starts it the
# way Raspberry Pi Imager starts its own: cmdline.txt ends with
#   systemd.run=/boot/firmware/firstrun.sh systemd.run_success_action=reboot
#   systemd.unit=kernel-command-line.target
# It installs the release bundle and the provisioning that onetrip flash
# checked, removes itself and the secrets from the boot partition, and takes
# itself off the command line; systemd then reboots into the terminal.
# What it did is in onetrip-firstrun.log on the boot partition (no secrets).
set -euo pipefail

BOOT=/boot/firmware
[ -d "$BOOT" ] || BOOT=/boot
SRC="$BOOT/onetrip"
exec >>"$BOOT/onetrip-firstrun.log" 2>&1
trap 'echo "onetrip first boot FAILED at line $LINENO: $BASH_COMMAND"' ERR
echo "onetrip first boot $(date -u +%Y-%m-%dT%H:%M:%SZ)"

# shellcheck source=/dev/null
. "$SRC/firstrun.env" # ONETRIP_BUNDLE, ONETRIP_BOARD, ONETRIP_TIME_ZONE, ONETRIP_WIFI_COUNTRY

# The release goes into the first of the A/B slots that onetrip update
# keeps in /opt/onetrip, installed by the bundle's own program, which checks
# the signature once more against the provisioned update key. Then the
# package's own step: the unit and the udev rules in place, /usr/bin/onetrip
# pointing at the active slot, the service user and its groups, the service
# enabled. It starts after the reboot, with the provisioning in place.
unpacked=$(mktemp -d)
tar --no-same-owner -xf "$SRC/$ONETRIP_BUNDLE" -C "$unpacked" bin/onetrip
"$unpacked/bin/onetrip" update "$SRC/$ONETRIP_BUNDLE" --root /opt/onetrip \
	--provision "$SRC/provision.toml" --restart=false
rm -rf "$unpacked"
ONETRIP_NO_START=1 /opt/onetrip/current/packaging/scripts/postinstall.sh
echo "installed $ONETRIP_BUNDLE"

# The provisioning, readable by the service and nobody else.
install -d -m 0750 -o root -g onetrip /etc/onetrip
install -m 0640 -o root -g onetrip "$SRC/provision.toml" /etc/onetrip/provision.toml
if [ -f "$SRC/bus.creds" ]; then
	install -m 0640 -o root -g onetrip "$SRC/bus.creds" /etc/onetrip/bus.creds
fi
# The service reads it (a technician's own ONETRIP_ARGS are kept).
sed -i "s|^ONETRIP_ARGS=\"\"\$|ONETRIP_ARGS=\"--board $ONETRIP_BOARD --provision /etc/onetrip/provision.toml\"|" /etc/default/onetrip
echo "installed /etc/onetrip/provision.toml"

# Wi-Fi: a NetworkManager connection, the radio's country, the radio on.
if [ -f "$SRC/wifi.nmconnection" ]; then
	install -m 0600 -o root -g root "$SRC/wifi.nmconnection" \
		/etc/NetworkManager/system-connections/onetrip-wifi.nmconnection
	if command -v raspi-config >/dev/null; then
		raspi-config nonint do_wifi_country "$ONETRIP_WIFI_COUNTRY"
	fi
	if command -v rfkill >/dev/null; then
		rfkill unblock wifi
	fi
	for state in /var/lib/systemd/rfkill/*:wlan; do
		[ -e "$state" ] && echo 0 >"$state"
	done
	echo "Wi-Fi set (country $ONETRIP_WIFI_COUNTRY)"
fi

# The time zone, as raspi-config sets it.
ln -sf "/usr/share/zoneinfo/$ONETRIP_TIME_ZONE" /etc/localtime
echo "$ONETRIP_TIME_ZONE" >/etc/timezone
echo "time zone $ONETRIP_TIME_ZONE"

# Done: nothing secret stays on the boot partition, and this never runs again.
rm -rf "$SRC"
sed -i 's| systemd.run.*||g' "$BOOT/cmdline.txt"
rm -f "$BOOT/firstrun.sh"
sync
echo "onetrip first boot done"
