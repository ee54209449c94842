package drm

import (
	"strings"
	"testing"
	"unsafe"
)

// The structures are the kernel's (include/uapi/drm/drm_mode.h); a field
// out of place would have the kernel read the wrong bytes.
func TestStructuresHaveTheKernelsSizes(t *testing.T) {
	for _, s := range []struct {
		name      string
		got, want uintptr
	}{
		{"drm_mode_card_res", unsafe.Sizeof(cardRes{}), 64},
		{"drm_mode_get_connector", unsafe.Sizeof(getConnector{}), 80},
		{"drm_mode_get_encoder", unsafe.Sizeof(getEncoder{}), 20},
		{"drm_mode_modeinfo", unsafe.Sizeof(Mode{}), 68},
		{"drm_mode_crtc", unsafe.Sizeof(modeCRTC{}), 104},
		{"drm_mode_create_dumb", unsafe.Sizeof(createDumb{}), 32},
		{"drm_mode_map_dumb", unsafe.Sizeof(mapDumb{}), 16},
		{"drm_mode_fb_cmd", unsafe.Sizeof(fbCmd{}), 28},
		{"drm_mode_fb_cmd2", unsafe.Sizeof(fbCmd2{}), 104},
		{"drm_mode_crtc_page_flip", unsafe.Sizeof(pageFlip{}), 24},
	} {
		if s.got != s.want {
			t.Errorf("%s is %d bytes, the kernel's is %d", s.name, s.got, s.want)
		}
	}
}

// The ioctl numbers libdrm's headers give.
func TestIoctlNumbers(t *testing.T) {
	for _, n := range []struct {
		name      string
		got, want uintptr
	}{
		{"GETRESOURCES", iowr(nrGetResources, unsafe.Sizeof(cardRes{})), 0xc04064a0},
		{"GETCONNECTOR", iowr(nrGetConnector, unsafe.Sizeof(getConnector{})), 0xc05064a7},
		{"SETCRTC", iowr(nrSetCRTC, unsafe.Sizeof(modeCRTC{})), 0xc06864a2},
		{"PAGE_FLIP", iowr(nrPageFlip, unsafe.Sizeof(pageFlip{})), 0xc01864b0},
		{"CREATE_DUMB", iowr(nrCreateDumb, unsafe.Sizeof(createDumb{})), 0xc02064b2},
		{"ADDFB2", iowr(nrAddFB2, unsafe.Sizeof(fbCmd2{})), 0xc06864b8},
	} {
		if n.got != n.want {
			t.Errorf("DRM_IOCTL_MODE_%s = %#x, want %#x", n.name, n.got, n.want)
		}
	}
}

func mode(w, h uint16, preferred bool) Mode {
	m := Mode{HDisplay: w, VDisplay: h, VRefresh: 60}
	if preferred {
		m.Type = 1 << 3
	}
	return m
}

func TestPickTakesTheConnectedConnectorsPreferredMode(t *testing.T) {
	conns := []Connector{
		{ID: 31, Connected: false, Modes: []Mode{mode(1920, 1080, true)}}, // HDMI, nothing plugged
		{ID: 32, Connected: true}, // connected, no modes read
		{ID: 33, Connected: true, Modes: []Mode{mode(1024, 768, false), mode(1280, 800, true)}}, // the panel
	}
	c, m, err := Pick(conns)
	if err != nil || c.ID != 33 || m.String() != "1280x800@60" {
		t.Fatalf("Pick = connector %d mode %v, %v; want 33 1280x800@60", c.ID, m, err)
	}
	conns[2].Modes[1].Type = 0
	if _, m, _ := Pick(conns); m.String() != "1024x768@60" {
		t.Fatalf("with no preferred mode Pick = %v, want the first listed", m)
	}
	_, _, err = Pick(conns[:1])
	if err == nil || !strings.Contains(err.Error(), "no connected display among 1 connectors") {
		t.Fatalf("nothing connected: %v", err)
	}
}
