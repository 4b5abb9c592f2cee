package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// envPrefix starts the environment twin of every flag: --database-url ↔ AFTERSALES_DATABASE_URL.
const envPrefix = "AFTERSALES_"

// envName is the environment twin of a flag.
func envName(flagName string) string {
	return envPrefix + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// flagSet returns a FlagSet for a command whose help shows the synopsis, the description
// and every flag with its environment twin.
func (m *Main) flagSet(name, synopsis, description string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {
		w := m.Stdout
		fmt.Fprintf(w, "Usage: aftersales %s", name)
		if synopsis != "" {
			fmt.Fprintf(w, " %s", synopsis)
		}
		fmt.Fprintf(w, "\n\n%s\n", description)
		n := 0
		fs.VisitAll(func(*flag.Flag) { n++ })
		if n > 0 {
			fmt.Fprintf(w, "\nFlags (each also read from the environment variable shown; a flag given on the command line wins):\n")
		}
		fs.VisitAll(func(f *flag.Flag) {
			typ, usage := flag.UnquoteUsage(f)
			fmt.Fprintf(w, "  --%s", f.Name)
			if typ != "" {
				fmt.Fprintf(w, " %s", typ)
			}
			fmt.Fprintf(w, "   [$%s]\n", envName(f.Name))
			fmt.Fprintf(w, "      %s", strings.ReplaceAll(usage, "\n", "\n      "))
			if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0" && f.DefValue != "0s" {
				fmt.Fprintf(w, " (default %s)", f.DefValue)
			}
			fmt.Fprintln(w)
		})
	}
	return fs
}

// parse sets every flag from its environment twin, then from args, and returns the
// positional arguments. Flags may come before, between or after the positional arguments;
// everything after "--" is positional.
func (m *Main) parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var envErr error
	fs.VisitAll(func(f *flag.Flag) {
		name := envName(f.Name)
		v, ok := m.LookupEnv(name)
		if !ok || envErr != nil {
			return
		}
		if err := f.Value.Set(v); err != nil {
			envErr = usageErrorf("%s: environment variable %s=%q: %v", fs.Name(), name, v, err)
		}
	})
	if envErr != nil {
		return nil, envErr
	}
	var rest []string
	if i := indexOf(args, "--"); i >= 0 {
		args, rest = args[:i], args[i+1:]
	}
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) { // the FlagSet has printed the help
				return nil, errHelp
			}
			return nil, usageErrorf("%s: %v (see aftersales help %s)", fs.Name(), err, fs.Name())
		}
		if fs.NArg() == 0 {
			break
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:]
	}
	return append(positional, rest...), nil
}

func indexOf(args []string, s string) int {
	for i, a := range args {
		if a == s {
			return i
		}
	}
	return -1
}

// storeFlags choose the database: SQLite in the data folder, or PostgreSQL.
type storeFlags struct {
	data        string
	databaseURL string
}

func (s *storeFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&s.data, "data", "./data", "folder `DIR` of the SQLite database (DIR/aftersales.db) and of uploaded evidence (DIR/blobs)")
	fs.StringVar(&s.databaseURL, "database-url", "", "PostgreSQL `URL` (postgres://user:pass@host:5432/db?sslmode=disable) to use instead of SQLite;\nuploaded evidence stays in --data/blobs")
}
