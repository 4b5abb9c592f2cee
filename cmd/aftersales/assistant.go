package main

import (
	"bytes"
	"context"
	"fmt"

	"github.com/aftersales/aftersales/internal/assistant"
)

func (m *Main) assistant(ctx context.Context, args []string) error {
	fs := m.flagSet("assistant", "eval [-v]", `The self-service assistant (智能客服):
  eval  answer the held-out questions (half 简体, half English) for a fixture customer with
        a known case and print the share answered right: the intent, and the case's fact
        (the refund amount, the carrier's status, the deadline) in the answer

智能客服:eval 用留出问题集评估答对比例。`)
	verbose := fs.Bool("v", false, "list the questions answered wrong")
	rest, err := m.parse(fs, args)
	if err != nil {
		return err
	}
	if len(rest) != 1 || rest[0] != "eval" {
		return usageErrorf("assistant: give eval")
	}
	qs, err := assistant.ParseQuestions(bytes.NewReader(assistant.HeldOut))
	if err != nil {
		return fmt.Errorf("assistant eval: %w", err)
	}
	s := assistant.Evaluate(qs)
	if *verbose {
		for _, miss := range s.Misses {
			fmt.Fprintf(m.Stdout, "wrong: %q want %s got %s\n", miss.Text, miss.Intent, miss.Got)
		}
	}
	fmt.Fprintf(m.Stdout, "answered right: %d of %d (%.1f%%)\n", s.Right, s.Total, 100*s.Share())
	return nil
}
