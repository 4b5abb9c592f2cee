package postgres

import (
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/store"
	"github.com/aftersales/aftersales/internal/store/storetest"
)

func TestConformance(t *testing.T) {
	testURL(t)
	storetest.Run(t, func(t *testing.T, now func() time.Time) store.Store {
		return MustOpen(t, store.Options{Now: now})
	})
}
