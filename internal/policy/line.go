package policy

import (
	"errors"
	"regexp"
	"strconv"

	"go.yaml.in/yaml/v3"
)

// Where in a document a problem is: the line of the key a ParseError or FloorError names,
// so that an editor of the document can be shown the line.

var (
	// yamlLine is where the YAML library says a problem is ("yaml: line 3: …", "line 5: …").
	yamlLine = regexp.MustCompile(`\bline (\d+)\b`)
	// pathStep is one step of a field path: a key, or an index in brackets.
	pathStep = regexp.MustCompile(`([^.\[\]]+)|\[(\d+)\]`)
)

// located gives err, a *ParseError or *FloorError about data, the line it is about when it
// has none; other errors, and nil, are returned as they are.
func located(data []byte, err error) error {
	var pe *ParseError
	var fe *FloorError
	switch {
	case errors.As(err, &pe) && pe.Line == 0:
		if m := yamlLine.FindStringSubmatch(pe.Msg); m != nil {
			pe.Line, _ = strconv.Atoi(m[1])
		} else if pe.Field != "" {
			pe.Line = fieldLine(data, pe.Field)
		}
	case errors.As(err, &fe) && fe.Line == 0:
		fe.Line = fieldLine(data, fe.Field)
	}
	return err
}

// fieldLine is the line of the key at path (windows[2].length, deadlines.merchant_respond[1])
// in the document, or of the deepest key on the path that is there; 0 when not even the
// first is, or the document cannot be read.
func fieldLine(data []byte, path string) int {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil || len(root.Content) == 0 {
		return 0
	}
	n, line := root.Content[0], 0
	for _, m := range pathStep.FindAllStringSubmatch(path, -1) {
		next := (*yaml.Node)(nil)
		switch {
		case m[2] != "" && n.Kind == yaml.SequenceNode:
			if i, _ := strconv.Atoi(m[2]); i < len(n.Content) {
				next, line = n.Content[i], n.Content[i].Line
			}
		case m[1] != "" && n.Kind == yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				if n.Content[i].Value == m[1] {
					next, line = n.Content[i+1], n.Content[i].Line
					break
				}
			}
		}
		if next == nil {
			break
		}
		n = next
	}
	return line
}
