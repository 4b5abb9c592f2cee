package main

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

// The embedded dictionary must be what gendict makes from gse's dictionary and the
// product's text as they are now: a word added to a page or a template is a word the
// search and the triage must know.
func TestDictionaryIsCurrent(t *testing.T) {
	full, err := GSEDictionary()
	if err != nil {
		t.Fatal(err)
	}
	defer full.Close()
	corpus, err := Corpus("../../..")
	if err != nil {
		t.Fatal(err)
	}
	var want bytes.Buffer
	if _, _, err := Trim(full, corpus, DefaultMinFreq, &want); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("../zh_s.txt")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want.Bytes()) {
		t.Fatalf("internal/kb/zh_s.txt is out of date (%d bytes, want %d): run go generate ./internal/kb", len(got), want.Len())
	}
}

func TestTrimKeepsFrequentSingleAndTheProductsWords(t *testing.T) {
	dict := strings.Join([]string{
		"开发票 3 v",   // rare, in the product's text: kept
		"开发 500 v",  // frequent: kept
		"罕见词 3 n",   // rare, not in the text: dropped
		"票 40 n",    // one character: kept
		"4S店 3 n",   // not Chinese only: dropped
		"发票 2000 n", // frequent
	}, "\n")
	var out bytes.Buffer
	kept, total, err := Trim(strings.NewReader(dict), []string{"请帮我开发票。"}, 12, &out)
	if err != nil {
		t.Fatal(err)
	}
	want := "开发票 3 v\n开发 500 v\n票 40 n\n发票 2000 n\n"
	if kept != 4 || total != 6 || out.String() != want {
		t.Fatalf("Trim kept %d of %d:\n%s\nwant 4 of 6:\n%s", kept, total, out.String(), want)
	}
}
