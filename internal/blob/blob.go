// Package blob keeps the bytes of uploaded evidence behind a small interface, with a
// file-system implementation (one file per blob in a data folder).
package blob

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
)

// ErrNotFound is returned for a blob that does not exist.
var ErrNotFound = errors.New("blob not found")

// Store keeps blobs by id.
type Store interface {
	// Put writes the blob with the given id; it must not exist yet.
	Put(ctx context.Context, id string, r io.Reader) error
	// Open reads a blob.
	Open(ctx context.Context, id string) (io.ReadCloser, error)
	// Delete removes a blob (used when an upload is refused after it was written).
	Delete(ctx context.Context, id string) error
}

// Dir is a Store in a folder.
type Dir struct{ root string }

// NewDir returns a Store that keeps blobs under root, creating it.
func NewDir(root string) (*Dir, error) {
	if err := os.MkdirAll(root, 0o750); err != nil {
		return nil, fmt.Errorf("blob folder: %w", err)
	}
	return &Dir{root: root}, nil
}

var idPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{8,64}$`)

func (d *Dir) path(id string) (string, error) {
	if !idPattern.MatchString(id) {
		return "", fmt.Errorf("bad blob id %q", id)
	}
	return filepath.Join(d.root, id[:2], id), nil
}

// Put implements Store: it writes to a temporary file and renames it into place, so that a
// crash never leaves half a blob under its id.
func (d *Dir) Put(_ context.Context, id string, r io.Reader) error {
	p, err := d.path(id)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o750); err != nil {
		return err
	}
	tmp := p + ".tmp-" + rand.Text()[:8]
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o640)
	if err != nil {
		return err
	}
	_, err = io.Copy(f, r)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		if _, serr := os.Stat(p); serr == nil {
			err = fmt.Errorf("blob %s exists", id)
		}
	}
	if err == nil {
		err = os.Rename(tmp, p)
	}
	if err != nil {
		os.Remove(tmp)
	}
	return err
}

// Open implements Store.
func (d *Dir) Open(_ context.Context, id string) (io.ReadCloser, error) {
	p, err := d.path(id)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(p)
	if errors.Is(err, os.ErrNotExist) {
		return nil, ErrNotFound
	}
	return f, err
}

// Delete implements Store.
func (d *Dir) Delete(_ context.Context, id string) error {
	p, err := d.path(id)
	if err != nil {
		return err
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}
