package update

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/schollz/progressbar/v3"
)

// Download limits: a bundle is tens of megabytes; a hall network is slow
// but not that slow.
const (
	MaxDownload     = 256 << 20
	DownloadTimeout = 10 * time.Minute
)

// Download fetches an http(s) URL into a temporary file in the root (the
// same file system the slots are on) and returns its name; the caller
// verifies and removes it. At most limit bytes are accepted. Progress, if
// not nil, receives a progress bar.
func (r *Root) Download(ctx context.Context, url string, limit int64, progress io.Writer) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, DownloadTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return "", fmt.Errorf("download %s: %w", url, err)
	}
	if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
		return "", fmt.Errorf("download %s: only http and https URLs", url)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", fmt.Errorf("download %s: %w", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("download %s: %s", url, resp.Status)
	}
	if resp.ContentLength > limit {
		return "", fmt.Errorf("download %s: %d bytes is more than the %d a bundle may have", url, resp.ContentLength, limit)
	}
	if err := os.MkdirAll(r.Dir, 0o755); err != nil {
		return "", fmt.Errorf("download %s: %w", url, err)
	}
	f, err := os.CreateTemp(r.Dir, "download-*.part")
	if err != nil {
		return "", fmt.Errorf("download %s: %w", url, err)
	}
	var w io.Writer = f
	if progress != nil {
		bar := progressbar.NewOptions64(resp.ContentLength, progressbar.OptionSetWriter(progress),
			progressbar.OptionShowBytes(true), progressbar.OptionSetDescription("download"),
			progressbar.OptionOnCompletion(func() { fmt.Fprintln(progress) }))
		defer bar.Finish()
		w = io.MultiWriter(f, bar)
	}
	n, err := io.Copy(w, io.LimitReader(resp.Body, limit+1))
	if err == nil && n > limit {
		err = fmt.Errorf("more than the %d bytes a bundle may have", limit)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		return "", fmt.Errorf("download %s: %w", url, err)
	}
	return f.Name(), nil
}

// RemoveDownloads removes what interrupted downloads left in the root.
func (r *Root) RemoveDownloads() {
	names, _ := filepath.Glob(r.path("download-*.part"))
	for _, n := range names {
		os.Remove(n)
	}
}
