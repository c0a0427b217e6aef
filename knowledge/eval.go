package knowledge

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Case is one evaluation case (format in shared/DESIGN.md).
type Case struct {
	ID     string   `yaml:"id"`
	Text   string   `yaml:"text"`
	Expect []string `yaml:"expect"`
	Kind   string   `yaml:"kind"`
	Source string   `yaml:"source"`
}

// ParseCases reads an evaluation file; errors name the case.
func ParseCases(data []byte) ([]Case, error) {
	var cases []Case
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&cases); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("no cases: the file is empty")
		}
		return nil, fmt.Errorf("not an evaluation file (a YAML list of {id, text, expect, kind}): %w", err)
	}
	seen := map[string]bool{}
	for i, c := range cases {
		switch {
		case c.ID == "":
			return nil, fmt.Errorf("case %d: id is required", i+1)
		case seen[c.ID]:
			return nil, fmt.Errorf("case %s: id used twice", c.ID)
		case strings.TrimSpace(c.Text) == "":
			return nil, fmt.Errorf("case %s: text is empty", c.ID)
		}
		seen[c.ID] = true
		if cases[i].Kind == "" {
			cases[i].Kind = "real"
			if len(c.Expect) == 0 {
				cases[i].Kind = "negative"
			}
		}
	}
	if len(cases) == 0 {
		return nil, errors.New("no cases in the file")
	}
	return cases, nil
}

// KindScore is the tally of one kind of case.
type KindScore struct {
	Kind  string  `json:"kind"`
	Cases int     `json:"cases"`
	Top1  float64 `json:"top1"`
	Top3  float64 `json:"top3"`
}

// Miss is a case the matcher got wrong.
type Miss struct {
	ID        string   `json:"id"`
	Kind      string   `json:"kind"`
	Expect    []string `json:"expect"`
	Got       []string `json:"got"`
	Abstained bool     `json:"abstained"`
	Why       string   `json:"why"`
}

// Report is what `vigie eval` prints.
type Report struct {
	Cases            int         `json:"cases"`
	Top1             float64     `json:"top1"`
	Top3             float64     `json:"top3"`
	AbstainPrecision float64     `json:"abstain_precision"`
	AbstainRecall    float64     `json:"abstain_recall"`
	Kinds            []KindScore `json:"kinds"`
	Misses           []Miss      `json:"misses"`
}

// Evaluate runs every case. Top-1 and top-3 count the cases that expect a
// section. Top-1 is the decision: the first answer is right and the matcher
// did not abstain. Top-3 is the ranking: an expected section is among the
// first three shown, answers or, when abstaining, the nearest candidates the
// reply lists. Abstention recall is the share of negative cases abstained on;
// precision the share of abstentions that were on negative cases.
func (ix *Index) Evaluate(cases []Case) Report {
	return EvaluateWith(cases, func(c Case) Answer {
		res := ix.Match(c.Text)
		a := Answer{Abstained: res.Abstained}
		for _, m := range res.Matches {
			a.IDs = append(a.IDs, m.ID)
		}
		return a
	})
}

// Answer is what an evaluated diagnoser says about one case: the sections
// it shows, best first, and whether it abstained (the sections then being
// the nearest ones).
type Answer struct {
	IDs       []string
	Abstained bool
}

// EvaluateWith scores answer on cases as Evaluate scores the matcher, so
// that a diagnoser built over the matcher (the model-assisted one) is
// measured by the same rules.
func EvaluateWith(cases []Case, answer func(Case) Answer) Report {
	var r Report
	type tally struct{ n, t1, t3 int }
	kinds := map[string]*tally{}
	all := &tally{}
	abstained, abstainedNeg, negs := 0, 0, 0
	for _, c := range cases {
		res := answer(c)
		got := res.IDs
		if res.Abstained {
			abstained++
		}
		k := kinds[c.Kind]
		if k == nil {
			k = &tally{}
			kinds[c.Kind] = k
		}
		if len(c.Expect) == 0 {
			negs++
			if res.Abstained {
				abstainedNeg++
			} else {
				r.Misses = append(r.Misses, Miss{ID: c.ID, Kind: c.Kind, Got: got, Why: "answered, expected no known pitfall"})
			}
			continue
		}
		k.n++
		all.n++
		hit1, hit3 := false, false
		for i, id := range got {
			if contains(c.Expect, id) {
				hit3 = hit3 || i < 3
				hit1 = hit1 || i == 0 && !res.Abstained
			}
		}
		if hit1 {
			k.t1++
			all.t1++
		}
		if hit3 {
			k.t3++
			all.t3++
		}
		if !hit1 {
			why := "wrong first answer"
			switch {
			case res.Abstained:
				why = "abstained"
			case hit3:
				why = "expected section not first"
			}
			r.Misses = append(r.Misses, Miss{ID: c.ID, Kind: c.Kind, Expect: c.Expect, Got: got, Abstained: res.Abstained, Why: why})
		}
	}
	r.Cases = len(cases)
	r.Top1, r.Top3 = ratio(all.t1, all.n), ratio(all.t3, all.n)
	r.AbstainRecall = ratio(abstainedNeg, negs)
	r.AbstainPrecision = ratio(abstainedNeg, abstained)
	if abstained == 0 && negs == 0 {
		r.AbstainPrecision = 1
	}
	for name, k := range kinds {
		if k.n == 0 {
			continue
		}
		r.Kinds = append(r.Kinds, KindScore{Kind: name, Cases: k.n, Top1: ratio(k.t1, k.n), Top3: ratio(k.t3, k.n)})
	}
	if negs > 0 {
		r.Kinds = append(r.Kinds, KindScore{Kind: "negative", Cases: negs, Top1: ratio(abstainedNeg, negs), Top3: ratio(abstainedNeg, negs)})
	}
	sort.Slice(r.Kinds, func(i, j int) bool { return r.Kinds[i].Kind < r.Kinds[j].Kind })
	return r
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 1
	}
	return float64(a) / float64(b)
}
