package update

import (
	"runtime"
	"testing"
)

// bigBundle is the size of a real bundle: the program, boards, assets.
const bigBundle = 30 << 20

// BenchmarkUpdate is onetrip update of a 30 MB bundle: verify the
// signature and every file, extract into the free slot with fsyncs, check
// the slot on disk, write the state and switch current.
func BenchmarkUpdate(b *testing.B) {
	k := newKey(b)
	dir := b.TempDir()
	v2 := k.bundleFile(b, dir, "v2.0.0", bigBundle-len(programs["v2.0.0"]))
	r := New(b.TempDir())
	install(b, r, k, k.bundleFile(b, dir, "v1.0.0", 0))
	b.SetBytes(bigBundle)
	for b.Loop() {
		s, err := r.InstallFile(v2, k.pub, runtime.GOARCH, trialPolicy)
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		if _, err := r.Commit(s.Active); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
}

// BenchmarkRollback is the boot check that gives up a 30 MB version after
// its last failed start: check its slot, write the state, switch back.
func BenchmarkRollback(b *testing.B) {
	k := newKey(b)
	dir := b.TempDir()
	v1 := k.bundleFile(b, dir, "v1.0.0", 0)
	v2 := k.bundleFile(b, dir, "v2.0.0", bigBundle-len(programs["v2.0.0"]))
	r := New(b.TempDir())
	install(b, r, k, v1)
	for b.Loop() {
		b.StopTimer()
		install(b, r, k, v2)
		for range trialPolicy.MaxStarts {
			if _, err := r.BootCheck(); err != nil {
				b.Fatal(err)
			}
		}
		b.StartTimer()
		boot, err := r.BootCheck()
		if err != nil || boot.RolledBack == "" {
			b.Fatalf("%+v %v", boot, err)
		}
	}
}
