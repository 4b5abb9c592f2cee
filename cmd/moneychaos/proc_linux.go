package main

import "syscall"

// sysProcAttr makes the server die with this process, so that a run stopped by anything
// leaves no server on the port, and puts it in a process group of its own, so that a
// Ctrl-C in the terminal stops the run, which then kills the server, rather than the
// server alone (the run would take that for a crash).
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}
}
