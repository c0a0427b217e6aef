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
		{"s5", "testdata/heldout/set5.yaml"},
		{"s6", "testdata/heldout/set6.yaml"},
		{"s7", "testdata/heldout/set7.yaml"},
		{"s8", "testdata/heldout/set8.yaml"},
		{"s11", "testdata/heldout/set11.yaml"},
		{"s12", "testdata/heldout/set12.yaml"},
		{"s13", "testdata/heldout/set13.yaml"},
		{"s14", "testdata/heldout/set14.yaml"},
		{"s15", "testdata/heldout/set15.yaml"},
		{"s22", "testdata/heldout/set22.yaml"},
		{"s23", "testdata/heldout/set23.yaml"},
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
		// Title coverage: the share of the top section's title terms
		// (IDF-weighted) the input has.
		qset := map[string]bool{}
		for _, qt := range q.terms {
			qset[qt.text] = true
		}
		tw, th := 0.0, 0.0
		tokenize(ix.sections[c0.sec].Title, 0, func(t term) {
			w := ix.termIDF(t.text)
			tw += w
			if qset[t.text] {
				th += w
			}
		})
		tcov := 0.0
		if tw > 0 {
			tcov = th / tw
		}
		fmt.Fprintf(f, "%s,%d,%f,%f,%f,%f,%f,%f,%d,%f,%d,%f,%f,%d,%f,%d,%d,%f,%f,%f,%f,%v\n", c.ID, ok, c0.bm25, c0.coverage, c0.sigDeg, c0.rank/cands[1].rank, lengthPenalty(q), maxIDF, nm, coreMass, len(q.units), c0.pairs, c0.score, len(lines), q.unknown, about, coreUnits, coreW, cands[1].coverage, c0.rank, tcov, q.prose)
	}
}

// TestGaps prints, for each missed case (GAPS=1), the error words the
// expected section lacks, those no section has, and the winner's best words.
func TestGaps(t *testing.T) {
	if os.Getenv("GAPS") == "" {
		t.Skip("set GAPS=1 (CASE=substring) to list the words each missed case shares with no expected section")
	}
	secs, _ := Parse("x", DefaultCorpus)
	ix := NewIndex(secs, DefaultServices)
	for _, file := range []string{"../../shared/eval/dev-errors.yaml", "testdata/heldout/set1.yaml", "testdata/heldout/set2.yaml", "testdata/heldout/set3.yaml", "testdata/heldout/set4.yaml", "testdata/heldout/set5.yaml", "testdata/heldout/set6.yaml", "testdata/heldout/set7.yaml", "testdata/heldout/set8.yaml", "testdata/heldout/set11.yaml", "testdata/heldout/set12.yaml", "testdata/heldout/set13.yaml", "testdata/heldout/set14.yaml", "testdata/heldout/set15.yaml", "testdata/heldout/set22.yaml", "testdata/heldout/set23.yaml"} {
		b, _ := os.ReadFile(file)
		cases, _ := ParseCases(b)
		for _, c := range cases {
			if len(c.Expect) == 0 || !strings.Contains(c.ID, os.Getenv("CASE")) {
				continue
			}
			res := ix.Match(c.Text)
			if !res.Abstained && len(res.Matches) > 0 && contains(c.Expect, res.Matches[0].ID) {
				continue
			}
			lines := splitLines(c.Text)
			q := ix.buildQuery(lines)
			q.service = ix.inferService(lines)
			cands := ix.rankQuery(q)
			var exp *candidate
			for _, cd := range cands {
				if contains(c.Expect, ix.sections[cd.sec].ID) {
					exp = cd
					break
				}
			}
			top := cands[0]
			var missing, unknown []string
			for _, u := range q.units {
				if !u.core || u.weight < 1 {
					continue
				}
				hit, known := false, false
				for _, k := range u.terms {
					if exp != nil && exp.hits != nil && exp.hits[k] > 0 {
						hit = true
					}
					known = known || q.terms[k].known
				}
				w := q.terms[u.terms[0]].surface
				if !known {
					unknown = append(unknown, w)
				} else if !hit {
					missing = append(missing, w)
				}
			}
			sort.Strings(missing)
			sort.Strings(unknown)
			ab := ""
			if res.Abstained {
				ab = " ABST"
			}
			eid := "-"
			er := 0.0
			if exp != nil {
				eid, er = ix.sections[exp.sec].ID, exp.rank
			}
			fmt.Printf("%s%s exp %v (%s r%.1f) top %s r%.1f S%.2f\n   missing: %s\n   unknown: %s\n", c.ID, ab, c.Expect, eid, er, ix.sections[top.sec].ID, top.rank, top.score, strings.Join(missing, " "), strings.Join(unknown, " "))
		}
	}
}

// TestSweep evaluates every case set over a grid of the abstention
// constants (SWEEP=1).
func TestSweep(t *testing.T) {
	if os.Getenv("SWEEP") == "" {
		t.Skip("set SWEEP=1 (or SWEEP=grid) to evaluate every case set over the abstention constants")
	}
	if a := os.Getenv("DW"); a != "" { // tokenising: before the index
		defer func(w float64) { domainWeight = w }(domainWeight)
		fmt.Sscan(a, &domainWeight)
	}
	secs, _ := Parse("x", DefaultCorpus)
	ix := NewIndex(secs, DefaultServices)
	var sets [][]Case
	for _, file := range []string{"../../shared/eval/dev-errors.yaml", "testdata/heldout/set1.yaml", "testdata/heldout/set2.yaml", "testdata/heldout/set3.yaml", "testdata/heldout/set4.yaml", "testdata/heldout/set5.yaml", "testdata/heldout/set6.yaml", "testdata/heldout/set7.yaml", "testdata/heldout/set8.yaml", "testdata/heldout/set11.yaml", "testdata/heldout/set12.yaml", "testdata/heldout/set13.yaml", "testdata/heldout/set14.yaml", "testdata/heldout/set15.yaml", "testdata/heldout/set22.yaml", "testdata/heldout/set23.yaml"} {
		b, _ := os.ReadFile(file)
		cases, _ := ParseCases(b)
		sets = append(sets, cases)
	}
	sets = append(sets, loadDataCases(t))
	mids := []float64{evidenceMid}
	scales := []float64{unknownScale}
	if os.Getenv("SWEEP") == "grid" {
		mids = []float64{2.2, 2.4, 2.6, 2.8, 3.0, 3.2, 3.4, 3.6, 3.8, 4.0, 4.4}
		scales = []float64{2, 3, 5, 8}
	}
	defer func(m, s float64) { evidenceMid, unknownScale = m, s }(evidenceMid, unknownScale)
	if a := os.Getenv("FW"); a != "" {
		fmt.Sscan(a, &fieldWeight[0], &fieldWeight[1], &fieldWeight[2], &fieldWeight[3], &bm25K1)
	}
	if a := os.Getenv("FB"); a != "" {
		fmt.Sscan(a, &fieldB[0], &fieldB[1], &fieldB[2], &fieldB[3])
	}
	if a := os.Getenv("PW"); a != "" {
		fmt.Sscan(a, &pairWeight)
	}
	if a := os.Getenv("SS"); a != "" {
		fmt.Sscan(a, &sigSpan)
	}
	if a := os.Getenv("PU"); a != "" {
		fmt.Sscan(a, &proseUnknown)
	}
	if a := os.Getenv("SB"); a != "" {
		fmt.Sscan(a, &serviceBoost)
	}
	if a := os.Getenv("AB"); a != "" {
		fmt.Sscan(a, &aboutEvidence, &runnerCov)
	}
	if a := os.Getenv("PB"); a != "" {
		defer func(b, e float64) { pathBoost, pathEvidence = b, e }(pathBoost, pathEvidence)
		fmt.Sscan(a, &pathBoost, &pathEvidence)
	}
	if a := os.Getenv("UQ"); a != "" {
		defer func(v float64) { unquotedEvidence = v }(unquotedEvidence)
		fmt.Sscan(a, &unquotedEvidence)
	}
	if a := os.Getenv("CW"); a != "" {
		fmt.Sscan(a, &containerWeight)
	}

	for _, sc := range scales {
		for _, m := range mids {
			evidenceMid, unknownScale = m, sc
			line := fmt.Sprintf("mid %.1f scale %4.1f |", m, sc)
			t1, ab, rk := 0.0, 0.0, 0
			for _, cs := range sets {
				r := ix.Evaluate(cs)
				if os.Getenv("MISSES") != "" {
					for _, m := range r.Misses {
						fmt.Println("  miss", m.ID, m.Got, m.Why)
					}
				}
				line += fmt.Sprintf(" %.3f/%.3f/%.3f", r.Top1, r.Top3, r.AbstainRecall)
				for _, c := range cs {
					if m := ix.Match(c.Text); len(c.Expect) > 0 && len(m.Matches) > 0 && contains(c.Expect, m.Matches[0].ID) {
						rk++
					}
				}
				t1 += r.Top1
				ab += r.AbstainRecall
			}
			fmt.Printf("%s | mean top1 %.3f abst %.3f | ranked first %d\n", line, t1/float64(len(sets)), ab/float64(len(sets)), rk)
		}
	}
}

// TestExplainText prints how one text is read and scored (TXT=the text,
// SEC=comma-separated section ids to show besides the first three).
func TestExplainText(t *testing.T) {
	if os.Getenv("TXT") == "" {
		t.Skip("set TXT to the text to explain")
	}
	secs, _ := Parse("x", DefaultCorpus)
	ix := NewIndex(secs, DefaultServices)
	q := ix.buildQuery(splitLines(os.Getenv("TXT")))
	q.service = ix.inferService(q.lines)
	for _, qt := range q.terms {
		fmt.Printf("%s w=%.2f core=%v known=%v exact=%v idf=%.2f unit=%d\n", qt.text, qt.weight, qt.core, qt.known, qt.exact, qt.idf, qt.unit)
	}
	fmt.Println("unknown", q.unknown, "service", q.service)
	cands := ix.rankQuery(q)
	for i, c := range cands {
		id := ix.sections[c.sec].ID
		if i < 3 || strings.Contains(","+os.Getenv("SEC")+",", ","+id+",") {
			var hs []string
			for k, v := range c.hits {
				if v > 0 {
					hs = append(hs, fmt.Sprintf("%s:%.2f", q.terms[k].text, v))
				}
			}
			fmt.Printf("#%d %s rank=%.2f bm25=%.2f cov=%.2f sig=%.2f pairs=%.2f S=%.2f %v\n", i, id, c.rank, c.bm25, c.coverage, c.sigDeg, c.pairs, c.score, hs)
		}
	}
}
