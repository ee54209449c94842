// Package vm proves the kiosk on a display with no desktop: its test boots
// a virtual machine (qemu-system-x86_64 with the Debian kernel installed on
// this machine, qemu's standard VGA driven by the kernel's bochs DRM module,
// a virtual tablet for the touchscreen) from a small initramfs holding the
// statically built firmware and init (./init). Taps go in through qemu's
// monitor (QMP input-send-event); the screen is read back with the
// monitor's screendump and compared with the headless kiosk's rendering of
// the same screens.
package vm
