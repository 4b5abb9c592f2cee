package app_test

import "github.com/aftersales/aftersales/internal/store"

func storeOptions() store.Options { return store.Options{} }
