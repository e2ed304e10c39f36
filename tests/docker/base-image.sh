# tests/docker/base-image.sh — provides a local debian:bookworm-slim (sourced).
# No image registry is reachable here, so the base image is made with
# debootstrap --variant=minbase from the apt mirror this machine already uses,
# trimmed like Docker's official -slim images, and `docker import`ed. The
# rootfs tarball is cached in $JOBD_DOCKER_CACHE/base so later runs (or a
# fresh engine data root) only pay for the import.
# shellcheck shell=bash

BASE_IMAGE=debian:bookworm-slim

# The first non-security Debian URI configured for bookworm in apt's sources
# (deb822 *.sources first, then one-line *.list), else deb.debian.org.
base_mirror() {
	local uri
	uri=$(awk '
		/^[[:space:]]*$/ { if (u != "" && s ~ /(^| )bookworm( |$)/ && e != "no") { print u; exit } u = s = e = ""; next }
		tolower($1) == "uris:"    { u = $2 }
		tolower($1) == "suites:"  { $1 = ""; s = $0 " " }
		tolower($1) == "enabled:" { e = tolower($2) }
		END { if (u != "" && s ~ /(^| )bookworm( |$)/ && e != "no") print u }
	' /etc/apt/sources.list.d/*.sources 2>/dev/null | grep -v security | head -n1)
	[ -n "$uri" ] || uri=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
		awk '$1 == "deb" && $0 ~ / bookworm / && $0 !~ /security/ { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { print $i; exit } }')
	echo "${uri:-http://deb.debian.org/debian}"
}

# Docker's -slim trimming: no docs, man pages or translations, now or later.
base_slimify() {
	local root=$1
	cat >"$root/etc/dpkg/dpkg.cfg.d/docker-slim" <<'CFG'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/locale/*
CFG
	printf 'APT::Install-Recommends "false";\n' >"$root/etc/apt/apt.conf.d/docker-norecommends"
	find "$root/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
	rm -rf "$root"/usr/share/{man,groff,info,lintian,locale}/* \
		"$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb \
		"$root"/var/lib/apt/lists/* "$root"/var/log/*.log
}

# Writes the cached rootfs tarball if it is missing.
base_tarball() {
	local tar=$JOBD_DOCKER_CACHE/base/bookworm-minbase.tar root mirror
	[ -s "$tar" ] && { echo "$tar"; return 0; }
	mkdir -p "$JOBD_DOCKER_CACHE/base"
	root=$(mktemp -d "$JOBD_DOCKER_CACHE/base/rootfs.XXXXXX")
	mirror=$(base_mirror)
	say "debootstrap bookworm from $mirror (once; cached in $tar)"
	if ! debootstrap --variant=minbase bookworm "$root" "$mirror" >"$root.log" 2>&1; then
		tail -n 20 "$root.log" >&2
		rm -rf "$root"
		return 1
	fi
	base_slimify "$root"
	tar --numeric-owner -C "$root" -cf "$tar.tmp" . && mv "$tar.tmp" "$tar"
	rm -rf "$root" "$root.log"
	echo "$tar"
}

# Makes sure the engine has $BASE_IMAGE.
base_image_ensure() {
	local tar
	docker image inspect "$BASE_IMAGE" >/dev/null 2>&1 && return 0
	tar=$(base_tarball) || return 1
	say "importing $tar as $BASE_IMAGE"
	docker import --change 'CMD ["bash"]' "$tar" "$BASE_IMAGE" >/dev/null
}
