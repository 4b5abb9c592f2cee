package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
)

// Exit codes.
const (
	exitOK      = 0
	exitError   = 1
	exitBadRows = 2  // import: some rows were bad and skipped; the good ones are stored
	exitUsage   = 64 // a wrong command line (sysexits EX_USAGE)
)

// Main is the program: Run executes one command line, Close releases what it opened.
// The fields are the program's surroundings, so that tests can run it in-process.
type Main struct {
	// Stdin is where passwords are read from (user create, user set --password-stdin).
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	// LookupEnv reads the environment twins of the flags (AFTERSALES_…).
	LookupEnv func(string) (string, bool)
	// Version is shown by "version", /healthz and the OpenAPI document.
	Version string

	closers []func() error
}

// NewMain returns a Main on the process's standard streams and environment.
func NewMain() *Main {
	return &Main{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, LookupEnv: os.LookupEnv, Version: "dev"}
}

// command is a subcommand.
type command struct {
	name    string
	summary string
	run     func(m *Main, ctx context.Context, args []string) error
}

var commands []command

func init() {
	commands = []command{
		{"serve", "run the HTTP API (SQLite in --data, or PostgreSQL with --database-url)", (*Main).serve},
		{"migrate", "apply the database migrations and exit", (*Main).migrate},
		{"seed", "fill an empty store with demo data (--demo)", (*Main).seed},
		{"import", "import orders or carrier events from a CSV or XLSX file: import orders FILE, import shipment-events FILE", (*Main).importCmd},
		{"reports", "report aggregates: reports verify|rebuild|fold|score (verify exits 3 on differences)", (*Main).reports},
		{"assistant", "the self-service assistant: assistant eval (the share of held-out questions answered right)", (*Main).assistant},
		{"triage", "smart triage: triage eval [--data FILE] (exits 1 below the accuracy thresholds)", (*Main).triageCmd},
		{"reconcile", "compare the ledger with the payment gateway's record (exit 3 on mismatches)", (*Main).reconcile},
		{"token", "API tokens: token create --role ROLE, token list, token revoke ID", (*Main).token},
		{"user", "staff accounts: user create|list|set", (*Main).user},
		{"shop", "shop systems' login links: shop secret|link --shop CODE", (*Main).shop},
		{"version", "print the version", (*Main).versionCmd},
		{"help", "show help for a command: help COMMAND", (*Main).help},
	}
}

// Run executes one command line (without the program name). It returns when the command
// is done; serve returns after ctx is cancelled and the server has shut down.
func (m *Main) Run(ctx context.Context, args []string) error {
	if len(args) == 0 {
		m.usage(m.Stderr)
		return usageErrorf("no command given")
	}
	name := args[0]
	switch name {
	case "-h", "-help", "--help":
		m.usage(m.Stdout)
		return nil
	case "-version", "--version":
		name = "version"
	}
	i := slices.IndexFunc(commands, func(c command) bool { return c.name == name })
	if i < 0 {
		m.usage(m.Stderr)
		return usageErrorf("unknown command %q", name)
	}
	return commands[i].run(m, ctx, args[1:])
}

// Close releases what Run opened (the store), last opened first. It may be called more
// than once.
func (m *Main) Close() error {
	var errs []error
	for i := len(m.closers) - 1; i >= 0; i-- {
		errs = append(errs, m.closers[i]())
	}
	m.closers = nil
	return errors.Join(errs...)
}

func (m *Main) onClose(fn func() error) { m.closers = append(m.closers, fn) }

func (m *Main) usage(w io.Writer) {
	fmt.Fprintf(w, `aftersales — after-sales service platform (售后服务平台)

Usage:
  aftersales COMMAND [flags] [arguments]

Commands:
`)
	for _, c := range commands {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
	}
	fmt.Fprintf(w, `
Every flag has an environment twin: --database-url is AFTERSALES_DATABASE_URL,
--data is AFTERSALES_DATA, and so on; a flag on the command line wins.
Run "aftersales help COMMAND" for a command's flags.

Exit status: 0 done; 1 failed; 2 import finished but skipped bad rows; 64 wrong usage.
`)
}

func (m *Main) help(_ context.Context, args []string) error {
	if len(args) == 0 {
		m.usage(m.Stdout)
		return nil
	}
	for _, c := range commands {
		if c.name == args[0] && c.name != "help" {
			return c.run(m, context.Background(), []string{"-help"})
		}
	}
	return usageErrorf("unknown command %q", args[0])
}

func (m *Main) versionCmd(_ context.Context, args []string) error {
	fs := m.flagSet("version", "", "Prints the version of aftersales and of the Go toolchain that built it.")
	if _, err := m.parse(fs, args); err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "aftersales %s (%s %s/%s)\n", m.version(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
	return nil
}

// version is Version, or the module version when installed with go install and not set.
func (m *Main) version() string {
	if m.Version != "" && m.Version != "dev" {
		return m.Version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

// exitCodeError ends the program with a code other than 1.
type exitCodeError struct {
	code int
	msg  string
}

func (e *exitCodeError) Error() string { return e.msg }

func usageErrorf(format string, args ...any) error {
	return &exitCodeError{code: exitUsage, msg: fmt.Sprintf(format, args...)}
}

// errHelp is returned after -help printed a command's help: nothing failed.
var errHelp = &exitCodeError{code: exitOK}

// ExitCode is the process exit status for the error Run returned.
func ExitCode(err error) int {
	var ec *exitCodeError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &ec):
		return ec.code
	}
	return exitError
}

// ErrorMessage is what to print for the error Run returned, "" for nothing.
func ErrorMessage(err error) string {
	if err == nil {
		return ""
	}
	return strings.TrimSpace(err.Error())
}
