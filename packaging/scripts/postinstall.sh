#!/bin/sh
# postinstall.sh — makes a board ready for the onetrip service: the device
# groups, the onetrip user in them, its data directory, the udev rules and
# the service enabled (and started when systemd runs). It is the .deb's
# postinst and also runs on its own on a fresh Pi OS from an unpacked bundle
# (packaging/ beside bin/onetrip), whose files it first puts where the .deb
# would. Running it again changes nothing. POSIX sh; uses
# useradd/groupadd/usermod where they exist, else adduser/addgroup (BusyBox).
#
# Environment: ONETRIP_NO_START=1 enables the service without starting it.
set -eu

user=onetrip
home=/var/lib/onetrip
groups="gpio i2c dialout lp video input render"
unit=onetrip.service
unitfile=/usr/lib/systemd/system/$unit

# As a maintainer script only "configure" sets things up; standalone there
# are no arguments.
case "${1:-configure}" in
configure) ;;
*) exit 0 ;;
esac

have() { command -v "$1" >/dev/null 2>&1; }

# put MODE FROM TO copies a file into place, replacing what was there in one
# step (a running binary included).
put() {
	mkdir -p "$(dirname "$3")"
	cp "$2" "$3.new"
	chmod "$1" "$3.new"
	mv -f "$3.new" "$3"
}

# Standalone from a bundle: install its files (dpkg has done so for a
# postinst). A technician's /etc/default/onetrip is kept.
packaging=$(cd "$(dirname "$0")/.." && pwd)
if [ -z "${DPKG_MAINTSCRIPT_PACKAGE:-}" ] && [ -f "$packaging/systemd/$unit" ]; then
	put 0644 "$packaging/systemd/$unit" "$unitfile"
	put 0644 "$packaging/udev/99-onetrip.rules" /usr/lib/udev/rules.d/99-onetrip.rules
	put 0644 "$packaging/xdg/onetrip-display.desktop" /etc/xdg/autostart/onetrip-display.desktop
	[ -f /etc/default/onetrip ] || put 0644 "$packaging/default/onetrip" /etc/default/onetrip
	if [ "$packaging" = /opt/onetrip/current/packaging ]; then
		# An A/B install (onetrip update): the program is the active slot's.
		ln -sfn /opt/onetrip/current/bin/onetrip /usr/bin/onetrip.new
		mv -f /usr/bin/onetrip.new /usr/bin/onetrip
	elif [ -f "$packaging/../bin/onetrip" ]; then
		put 0755 "$packaging/../bin/onetrip" /usr/bin/onetrip
	fi
fi

group_exists() { grep -q "^$1:" /etc/group; }

user_exists() { grep -q "^$1:" /etc/passwd; }

# in_group USER GROUP: is USER a listed member of GROUP?
in_group() { grep -Eq "^$2:[^:]*:[^:]*:(.*,)?$1(,.*)?\$" /etc/group; }

add_group() {
	if have groupadd; then
		groupadd --system "$1"
	elif addgroup --help 2>&1 | grep -q BusyBox; then
		addgroup -S "$1"
	else
		addgroup --system "$1"
	fi
}

add_user() {
	if have useradd; then
		useradd --system --gid "$user" --home-dir "$home" --no-create-home \
			--shell /usr/sbin/nologin --comment "onetrip terminal" "$user"
	elif adduser --help 2>&1 | grep -q BusyBox; then
		adduser -S -D -H -h "$home" -s /sbin/nologin -G "$user" -g "onetrip terminal" "$user"
	else
		adduser --system --ingroup "$user" --home "$home" --no-create-home \
			--shell /usr/sbin/nologin --gecos "onetrip terminal" "$user"
	fi
}

join_group() {
	if have usermod; then
		usermod -a -G "$2" "$1"
	elif addgroup --help 2>&1 | grep -q BusyBox; then
		addgroup "$1" "$2"
	else
		adduser "$1" "$2"
	fi
}

for g in "$user" $groups; do
	group_exists "$g" || add_group "$g"
done
user_exists "$user" || add_user
for g in $groups; do
	in_group "$user" "$g" || join_group "$user" "$g"
done

mkdir -p "$home"
chown "$user:$user" "$home"
chmod 0750 "$home"
# The A/B slots: the service commits a version on trial and installs staged
# rollouts there as its own user.
if [ -d /opt/onetrip ]; then
	chown -R "$user:$user" /opt/onetrip
fi

# systemd is running: let it and udev read the new files, enable and start.
if [ -d /run/systemd/system ] && have systemctl; then
	if have udevadm; then
		udevadm control --reload-rules || true
		udevadm trigger --subsystem-match=usbmisc --subsystem-match=tty \
			--subsystem-match=gpio --subsystem-match=i2c-dev --subsystem-match=backlight || true
	fi
	systemctl daemon-reload
	systemctl enable "$unit"
	if [ "${ONETRIP_NO_START:-}" != 1 ]; then
		systemctl restart "$unit"
	fi
	exit 0
fi

# No systemd running (an image being built, a chroot): enable it the way
# "systemctl enable" would, through the [Install] section's symlink.
if have systemctl; then
	systemctl enable "$unit"
else
	wants=/etc/systemd/system/multi-user.target.wants
	mkdir -p "$wants"
	ln -sf "$unitfile" "$wants/$unit"
fi
