package postgres

import (
	"testing"

	"github.com/aftersales/aftersales/internal/store"
	"github.com/aftersales/aftersales/internal/store/storetest"
)

func TestConformance(t *testing.T) {
	testURL(t)
	storetest.Run(t, func(t *testing.T) store.Store { return MustOpen(t, store.Options{}) })
}
