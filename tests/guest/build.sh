#!/bin/sh
# Builds the vzhost test guest from Debian packages only: the cloud kernel and its
# virtio modules (downloaded and unpacked, nothing installed) and a busybox-static
# initramfs around tests/guest/init.  Output: OUT/vmlinuz and OUT/initrd.img; and
# OUT/initrd-qga.img, the same with qemu-guest-agent (its package's binary and the
# libraries it links, as this Debian host has them) as a second archive the kernel
# merges into the first.  OUT/vmlinuz-full and OUT/initrd-full.img: Debian's generic
# kernel (the cloud one has neither sound nor USB) with the same init, its HDA sound
# and USB storage drivers besides the virtio ones, loaded in the order OUT's
# lib/modules/order gives (each module after what it depends on).
set -eu
here=$(cd "$(dirname "$0")" && pwd -P)
out=${1:-build/guest}
mkdir -p "$out"
out=$(cd "$out" && pwd -P)
if [ -s "$out/vmlinuz" ] && [ -s "$out/initrd.img" ] && [ -s "$out/initrd-qga.img" ] &&
	[ -s "$out/vmlinuz-full" ] && [ -s "$out/initrd-full.img" ] &&
	[ "$out/initrd.img" -nt "$here/init" ] &&
	[ "$out/initrd.img" -nt "$here/build.sh" ]; then
	exit 0 # built once, reused
fi
work=$out/work
rm -rf "$work"
# the packages stay in OUT/debs: a changed init rebuilds without a download
mkdir -p "$out/debs" "$work/root/bin" "$work/root/lib/modules"
cd "$out/debs"
# apt-get download runs unsandboxed as root; its warning is noise here
fetch() {
	ls "$1"_*.deb >/dev/null 2>&1 && return 0
	apt-get download "$@" 2>&1 | grep -v unsandboxed
	ls "$1"_*.deb >/dev/null 2>&1 && return 0
	# a fresh machine has no package lists yet
	apt-get update -qq && apt-get download "$@" 2>&1 | grep -v unsandboxed
	ls "$1"_*.deb >/dev/null 2>&1
}
fetch linux-image-cloud-amd64 busybox-static
fetch qemu-guest-agent
fetch linux-image-amd64
kpkg=$(dpkg-deb -f linux-image-cloud-amd64_*.deb Depends | grep -o 'linux-image-[0-9][^ ,]*-cloud-amd64' | head -n 1)
[ -n "$kpkg" ] || { echo "build.sh: cannot find the versioned cloud kernel" >&2; exit 1; }
fetch "$kpkg"
dpkg -x "$kpkg"_*.deb "$work/k"
dpkg -x busybox-static_*.deb "$work/bb"
dpkg -x qemu-guest-agent_*.deb "$work/qgadeb"
cd "$work"
cp k/boot/vmlinuz-* "$work/vmlinuz"
for m in virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci \
	virtio_blk failover net_failover virtio_net virtio_console virtio-rng \
	virtio_balloon vsock vmw_vsock_virtio_transport_common \
	vmw_vsock_virtio_transport evdev button fuse virtiofs pvpanic pvpanic-mmio; do
	f=$(find k/lib/modules -name "$m.ko" | head -n 1)
	[ -n "$f" ] || { echo "build.sh: module $m not in $kpkg" >&2; exit 1; }
	cp "$f" "$work/root/lib/modules/"
done
cp bb/bin/busybox "$work/root/bin/busybox"
cp "$here/init" "$work/root/init"
chmod 755 "$work/root/init" "$work/root/bin/busybox"
(cd "$work/root" && find . | "$work/bb/bin/busybox" cpio -o -H newc 2>/dev/null | gzip -1) > "$work/initrd.img"

# the generic kernel's guest: its modules with what each depends on (the
# .modinfo section's depends=), each listed after its dependencies
fpkg=$(dpkg-deb -f "$out"/debs/linux-image-amd64_*.deb Depends | grep -o 'linux-image-[0-9][^ ,]*-amd64' | head -n 1)
[ -n "$fpkg" ] || { echo "build.sh: cannot find the versioned generic kernel" >&2; exit 1; }
(cd "$out/debs" && fetch "$fpkg")
dpkg -x "$out/debs/$fpkg"_*.deb "$work/f"
cp "$work"/f/boot/vmlinuz-* "$work/vmlinuz-full"
mkdir -p "$work/full/bin" "$work/full/lib/modules"
cp "$work/root/bin/busybox" "$work/full/bin/"
cp "$work/root/init" "$work/full/init"
: > "$work/full/lib/modules/order"
want() {
	local f n d
	f=$(find "$work/f/lib/modules" -name "$(echo "$1" | sed 's/[-_]/[-_]/g').ko" | head -n 1)
	[ -n "$f" ] || { echo "build.sh: module $1 not in $fpkg" >&2; exit 1; }
	n=$(basename "$f" .ko)
	grep -qx "$n" "$work/full/lib/modules/order" && return 0
	for d in $(tr '\0' '\n' < "$f" | sed -n 's/^depends=//p' | tr ',' ' '); do
		want "$d"
	done
	cp "$f" "$work/full/lib/modules/"
	echo "$n" >> "$work/full/lib/modules/order"
}
for m in virtio_pci virtio_blk virtio_net virtio_console virtio-rng virtio_balloon \
	vmw_vsock_virtio_transport evdev button virtiofs \
	snd-hda-codec-generic snd-hda-intel xhci-pci usb-storage sd_mod; do
	want "$m"
done
(cd "$work/full" && find . | "$work/bb/bin/busybox" cpio -o -H newc 2>/dev/null | gzip -1) > "$work/initrd-full.img"
mkdir -p "$work/qga/usr/sbin"
cp "$work/qgadeb/usr/sbin/qemu-ga" "$work/qga/usr/sbin/"
ldd "$work/qga/usr/sbin/qemu-ga" > "$work/qga.ldd"
if grep -q "not found" "$work/qga.ldd"; then
	echo "build.sh: qemu-ga links libraries this host lacks (apt-get install qemu-guest-agent):" >&2
	grep "not found" "$work/qga.ldd" >&2
	exit 1
fi
for lib in $(grep -o '/[^ ]*' "$work/qga.ldd"); do
	mkdir -p "$work/qga$(dirname "$lib")"
	cp -L "$lib" "$work/qga$lib"
done
(cd "$work/qga" && find . | "$work/bb/bin/busybox" cpio -o -H newc 2>/dev/null | gzip -1) > "$work/qga.img"
cat "$work/initrd.img" "$work/qga.img" > "$work/initrd-qga.img"
mv "$work/vmlinuz" "$out/vmlinuz"
mv "$work/vmlinuz-full" "$out/vmlinuz-full"
mv "$work/initrd-full.img" "$out/initrd-full.img"
mv "$work/initrd-qga.img" "$out/initrd-qga.img"
mv "$work/initrd.img" "$out/initrd.img"
rm -rf "$work"
echo "guest: $out/vmlinuz ($kpkg), $out/initrd.img"
