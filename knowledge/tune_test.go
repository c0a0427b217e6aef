package knowledge

import (
	"fmt"
	"math"
	"os"
	"sort"
	"strings"
	"testing"
)

// TestDebugEval prints, per evaluation case, the top candidates and their
// features (VIGIE_TUNE=1; CASE=substring for one case's terms; DATA=1 or
// BLIND=1 for the other case sets). A tuning aid, not a check.
func TestDebugEval(t *testing.T) {
	if os.Getenv("VIGIE_TUNE") == "" {
		t.Skip("set VIGIE_TUNE=1 to print the matcher's features per case")
	}
	data, err := os.ReadFile("../../shared/eval/dev-errors.yaml")
	if err != nil {
		t.Skip()
	}
	cases, err := ParseCases(data)
	if err != nil {
		t.Fatal(err)
	}
	if os.Getenv("DATA") != "" {
		cases = loadDataCases(t)
	}
	if f := os.Getenv("BLIND"); f != "" {
		if f == "1" {
			f = "/tmp/blind/blind-errors.yaml"
		}
		b, _ := os.ReadFile(f)
		cases, _ = ParseCases(b)
	}
	secs, _ := Parse("x", DefaultCorpus)
	ix := NewIndex(secs, DefaultServices)
	only := os.Getenv("CASE")
	for _, c := range cases {
		if only != "" && !strings.Contains(c.ID, only) {
			continue
		}
		lines := splitLines(c.Text)
		q := ix.buildQuery(lines)
		q.service = ix.inferService(lines)
		cands := ix.rankQuery(q)
		s := ""
		for i := 0; i < 3; i++ {
			cd := cands[i]
			s += fmt.Sprintf(" | %s r%.1f b%.1f c%.2f g%.2f", ix.sections[cd.sec].ID, cd.rank, cd.bm25, cd.coverage, cd.sigDeg)
			if i == 0 {
				s += fmt.Sprintf(" S=%.2f", cd.score)
			}
		}
		ok := " "
		if len(c.Expect) == 0 {
			ok = "N"
		} else if contains(c.Expect, ix.sections[cands[0].sec].ID) {
			ok = "+"
		} else {
			ok = "-"
		}
		fmt.Printf("%s %-40s %-12v ratio=%.2f%s\n", ok, c.ID, c.Expect, cands[0].bm25/cands[1].bm25, s)
		if only != "" {
			for _, qt := range q.terms {
				fmt.Printf("   term %-20s w=%.2f core=%v idf=%.2f\n", qt.text, qt.weight, qt.core, ix.termIDF(qt.text))
			}
			for i := 0; i < 4; i++ {
				cd := cands[i]
				type kv struct {
					k string
					v float64
				}
				var l []kv
				for k, v := range cd.hits {
					l = append(l, kv{q.terms[k].text, v})
				}
				sort.Slice(l, func(a, b int) bool { return l[a].v > l[b].v })
				fmt.Printf("  %s: %v\n", ix.sections[cd.sec].ID, l)
			}
		}
	}
	r := ix.Evaluate(cases)
	fmt.Printf("top1=%.2f top3=%.2f abst P=%.2f R=%.2f\n", r.Top1, r.Top3, r.AbstainPrecision, r.AbstainRecall)
}

// TestDumpFeatures writes the decision features of every case to
// /tmp/feat.csv, for fitting the abstention constants.
func TestDumpFeatures(t *testing.T) {
	if os.Getenv("FEAT") == "" {
		t.Skip("set FEAT=1 to write /tmp/feat.csv for fitting the abstention constants")
	}
	var cases []Case
	for _, set := range []struct{ name, file string }{
		{"dev", "../../shared/eval/dev-errors.yaml"},
		{"s1", "testdata/heldout/set1.yaml"},
		{"s2", "testdata/heldout/set2.yaml"},
		{"s3", "testdata/heldout/set3.yaml"},
		{"s4", "testdata/heldout/set4.yaml"},
	} {
		b, err := os.ReadFile(set.file)
		if err != nil {
			continue
		}
		bc, err := ParseCases(b)
		if err != nil {
			t.Fatal(err)
		}
		for i := range bc {
			bc[i].ID = set.name + ":" + bc[i].ID
		}
		cases = append(cases, bc...)
	}
	for _, c := range loadDataCases(t) {
		c.ID = "data:" + c.ID
		cases = append(cases, c)
	}
	secs, _ := Parse("x", DefaultCorpus)
	ix := NewIndex(secs, DefaultServices)
	f, _ := os.Create("/tmp/feat.csv")
	defer f.Close()
	for _, c := range cases {
		lines := splitLines(c.Text)
		q := ix.buildQuery(lines)
		q.service = ix.inferService(lines)
		cands := ix.rankQuery(q)
		ok := 0
		if len(c.Expect) == 0 {
			ok = -1
		} else if contains(c.Expect, ix.sections[cands[0].sec].ID) {
			ok = 1
		}
		c0 := cands[0]
		maxIDF, nm, coreMass := 0.0, 0, 0.0
		for _, u := range q.units {
			if !u.core {
				continue
			}
			b := 0.0
			for _, k := range u.terms {
				if c0.hits != nil && c0.hits[k] > 0 {
					b = math.Max(b, q.terms[k].idf*q.terms[k].weight)
				}
			}
			if b > 0 {
				nm++
				coreMass += b
			}
			maxIDF = math.Max(maxIDF, b)
		}
		about := 0
		if q.service != "" && ix.about(c0.sec, q.service) {
			about = 1
		}
		coreUnits, coreW := 0, 0.0
		for _, u := range q.units {
			if u.core {
				coreUnits++
				coreW += u.weight
			}
		}
		fmt.Fprintf(f, "%s,%d,%f,%f,%f,%f,%f,%f,%d,%f,%d,%f,%f,%d,%f,%d,%d,%f,%f,%f\n", c.ID, ok, c0.bm25, c0.coverage, c0.sigDeg, c0.rank/cands[1].rank, lengthPenalty(q), maxIDF, nm, coreMass, len(q.units), c0.pairs, c0.score, len(lines), q.unknown, about, coreUnits, coreW, cands[1].coverage, c0.rank)
	}
}
