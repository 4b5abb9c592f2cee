//go:build !linux

package main

import "syscall"

// sysProcAttr is nil where the system has no parent-death signal: the run kills its
// server on every way out it controls.
func sysProcAttr() *syscall.SysProcAttr { return nil }
