package knowledge

import (
	"fmt"
	"math"
	"regexp"
	"sort"
	"strings"
	"sync"
	"unicode/utf8"
)

// Limits on what one call reads in document mode; bigger inputs are scanned
// line by line (see Scan).
const (
	docMaxBytes = 32 << 10
	docMaxLines = 120
)

// The abstention rule. Evidence is the best section's BM25F score, scaled by
// how much of the error part of the input the section explains (coverageFloor
// + share), by the margin over the runner-up (a pitfall that stands out), by
// the word pairs it shares with the input (phrases, not loose words), and
// shrunk for long inputs, whose scores add up from many weak words; a corpus
// error string repeated in the input multiplies it. It is divided by
// sqrt(1 + unknown/unknownScale), where unknown is the IDF-weighted mass of
// the error words no section has (nor a prefix relative of): an error the
// corpus has never described says so with words the corpus has never seen,
// whatever rare name it shares with a section — in an error message. An
// operator's description (no line reads as an error) is written in their
// own words, most of which no corpus has: there unknownScale is
// proseUnknown times larger. Two priors raise it: the
// section belongs to the service the input is about (aboutEvidence), and the
// runner-up explains part of the error too (exp(runnerCov × its coverage)):
// an error in a field the corpus covers is half-explained by its neighbours
// as well, one the corpus never met by none of them. The normalised score is
// evidence/(evidence+evidenceMid): 0.5 at the threshold, where the matcher
// abstains.
//
// Only the error lines count for coverage: a command line around the error
// (`tailscale up --login-server…`) matching a section says where, not what.
//
// A file error names the file it failed on; the sections naming that path
// or the deepest directory above it (paths.go) rank pathBoost times higher
// and have pathEvidence times the evidence (their margin over the runner-up
// grows with the rank too): EACCES on /home/node/.openclaw/canvas is the
// volume's owner (§11.2), not the Docker socket's (§11.13), though the
// socket's section has every word of the error but the path. An image that
// cannot be pulled is credited the same way to the sections naming its
// repository (`docker pull ghcr.io/google/cadvisor:v0.55.1`, "manifest
// unknown": §8.3, whose cAdvisor tags have no v).
//
// A section that quotes the error strings it is about (its signatures) and
// an error log that repeats none of them closely enough to count as a
// signature hit: the log's error is most likely another one, met in the
// same place. Its evidence is unquotedEvidence times smaller (an operator's
// description, which quotes nothing, is not concerned). On the development
// sets 0.6 turned 10 answered negatives and 6 wrong answers into
// abstentions for one first answer lost. On the sets kept out of tuning (9,
// 10, 16–19, 21), read to compare 0.6 and 0.7 after the choice: abstention
// 0.820 → 0.850 with either, top-1 0.891 → 0.889 with 0.6 (0.891 with 0.7).
//
// The constants were fitted on the development set, testdata/match and the
// held-out sets 1 to 8, 11 to 15, 22 and 23 (none of them blind any more:
// sets 4 to 23 were each measured once, blind, before use; sets 9, 10 and
// 16 to 21 are kept out of tuning — testdata/heldout/README.md has the
// figures).
// The two priors came from a logistic fit of the decision features,
// cross-validated by set (each set scored by a fit on the others), where
// they were the only features that raised first-answer-right at equal
// abstention recall; evidenceMid and unknownScale from a grid, in the
// middle of the plateau where the mean abstention recall is about 0.9,
// leaving room for unseen negatives. Fitting them instead on the blind
// negatives of sets 8, 11, 12 and 13 (3.4/2.0) did not carry over: on the
// six sets that did not choose it (9, 10, 14–17) it cost 15 first answers
// of 402 for 2 abstentions of 89 (testdata/heldout/README.md). After the
// path and unquoted rules, top-1 had the wider margin on the blind sets
// (all of 8–21 pooled: 0.885 top-1, 0.821 abstention): evidenceMid 3.2 is
// the value of the grid that balances the two margins over the thresholds
// there (0.875 / 0.841; on the development sets 0.873 / 0.875). sigSpan: a
// corpus error string's words must stand within sigSpan × its length (+2)
// words of the input line.
// They are variables only so that the tuning test can sweep them.
var (
	sigSpan          = 2
	proseUnknown     = 6.0 // in prose, words the corpus lacks are the writer's, not the error's
	serviceBoost     = 1.7
	aboutEvidence    = 1.3
	runnerCov        = 1.0
	pairWeight       = 0.25
	evidenceMid      = 3.2
	unknownScale     = 3.0 // weight of never-seen error words that halves evidence at 9
	containerWeight  = 0.3 // a container name's words: where, not what
	pathBoost        = 2.5
	pathEvidence     = 1.5
	unquotedEvidence = 0.6
)

const (
	// aroundWeight is what a line around the error (the command run, a
	// "Connecting to…") weighs, its words and its word pairs, next to the
	// error lines.
	aroundWeight  = 0.6
	coverageFloor = 0.3
	pairRank      = 0.05 // how much shared word pairs weigh in the ranking
	marginCap     = 3.0
	abstainBelow  = 0.5
	highAbove     = 0.75
	longQuery     = 12  // error words beyond which evidence is shrunk
	yieldBand     = 0.9 // see preferExplaining
)

type qterm struct {
	text    string
	weight  float64
	unit    int
	core    bool
	idf     float64 // termIDF, computed once
	surface string  // as written, for evidence
	exact   bool    // the corpus has the term itself, not only relatives
	known   bool    // the corpus has the term or a prefix relative
}

type qunit struct {
	terms  []int // indexes into query.terms
	weight float64
	core   bool
}

type query struct {
	terms []qterm
	units map[int]*qunit
	lines []Line
	// service the input is about; its chapter's sections rank higher.
	service string
	// votes are the operators' net votes per section for this error.
	votes map[string]int
	// lineTerms holds, per line, the index term ids it contains and the
	// position (written word) of their first occurrence (signatures).
	lineTerms []map[int]int
	// unknown is the weight of the error words the corpus has never seen.
	unknown float64
	// errLine tells, per line, whether it reads as an error; prose: none
	// does (an operator's description).
	errLine []bool
	prose   bool
	// scratch holds the candidates rankQuery made, until release.
	scratch *rankScratch
}

// candidate carries the features of one section for one query.
type candidate struct {
	sec      int
	bm25     float64
	coverage float64 // share of the error part of the input the section explains
	sigDeg   float64 // best signature overlap (0..1)
	pairs    float64 // IDF mass of the input's word pairs the section has too
	sigText  string
	sigLine  int
	path     pathCredit // the failing file's directory (or image) it names
	hits     []float64  // per query term: its contribution (0: absent)
	rank     float64
	score    float64
}

var quotedSegRE = regexp.MustCompile("\"([^\"]{3,})\"|'([^']{3,})'|`([^`]{3,})`|\\[([^\\]]{3,})\\]")

// Match diagnoses one text: a pasted error, a few log lines or a whole log.
// Inputs larger than a screenful are scanned line by line.
func (ix *Index) Match(text string) Result {
	if len(text) > docMaxBytes || strings.Count(text, "\n") >= docMaxLines {
		return ix.Scan(strings.NewReader(text))
	}
	lines := splitLines(text)
	res := Result{Lines: len(lines), Scanned: int64(len(text))}
	q := ix.buildQuery(lines)
	res.Service = ix.inferService(q.lines)
	q.service = res.Service
	if len(q.terms) == 0 {
		res.Abstained = true
		return res
	}
	res.Signature = errorSignature(q)
	q.votes = ix.votesFor(res.Signature)
	cands := ix.rankQuery(q)
	res.Matches, res.Abstained = ix.decide(q, cands)
	q.release()
	return res
}

func splitLines(text string) []Line {
	raw := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	out := make([]Line, 0, len(raw))
	for i, r := range raw {
		l := normalizeLine(i+1, r)
		if l.Text == "" {
			continue
		}
		out = append(out, l)
	}
	return out
}

// buildQuery splits the input into its error part (lines that read as an
// error, narrowed to a quoted error message when the line holds one) and its
// context, and tokenises both.
func (ix *Index) buildQuery(lines []Line) *query {
	q := &query{units: map[int]*qunit{}, lines: lines}
	anyErr := false
	errLine := make([]bool, len(lines))
	for i, l := range lines {
		if l.Level == "error" || isErrorLike(l.Text) {
			errLine[i], anyErr = true, true
		}
	}
	q.errLine, q.prose = errLine, !anyErr
	seen := map[string]int{}
	unitSeen := map[string]int{}
	unit := 0
	// expandsTo lists, per written word, the thesaurus terms it gives: a
	// word the thesaurus knows is not a word the corpus has never seen.
	expandsTo := map[int][]string{}
	addTerm := func(t term, core bool, factor float64) {
		w := t.weight * factor
		if t.related {
			expandsTo[t.unit] = append(expandsTo[t.unit], t.text)
			// An expansion is a unit of its own that never counts against
			// coverage: unit ids below zero.
			t.unit = -len(q.terms) - 1
			core = false
		}
		if k, ok := seen[t.text]; ok {
			qt := &q.terms[k]
			qt.weight = math.Max(qt.weight, w)
			qt.core = qt.core || core
			return
		}
		seen[t.text] = len(q.terms)
		q.terms = append(q.terms, qterm{text: t.text, weight: w, unit: t.unit, core: core, surface: t.surface})
	}
	// A container name (javisi_grafana, nocodb-1) says where the error
	// happened, not what it is: but for the service's own name, its words
	// count little and never as the error's own.
	container := map[int]string{}
	add := func(text string, core bool, factor float64) {
		unit = tokenize(text, unit, func(t term) {
			c, f := core, factor
			if !t.related && container[t.unit] == "" && strings.ContainsAny(t.text, "_-") {
				container[t.unit] = ix.serviceOf(t.text, false)
			}
			if svc := container[t.unit]; svc != "" && !t.related && t.text != svc {
				c, f = false, factor*containerWeight
			}
			addTerm(t, c, f)
			for _, part := range ix.splitCompound(t) {
				addTerm(part, c, f)
			}
		})
	}
	for i, l := range lines {
		if l.Context != "" {
			// The other fields of a JSON line count as the line does.
			add(l.Context, errLine[i] || !anyErr, 1)
		}
		if ix.servedUnderPath(l.Text) {
			// A service reached under a path of a site is a sub-path
			// deployment, whatever the input calls it.
			add("subpath", errLine[i] || !anyErr, 0.7)
		}
		if !errLine[i] && anyErr {
			// A line around the error (the command run, a "Connecting to…")
			// still says something, at a lower weight, but what the error
			// is, and so how much of it a section explains, is in the
			// error lines.
			add(l.Text, false, aroundWeight)
			continue
		}
		// A quoted error message inside an error line is the error itself;
		// the rest of the line is context ("n8n import … fails with "SyntaxError…"").
		var segs []string
		rest := l.Text
		for _, m := range quotedSegRE.FindAllStringSubmatch(l.Text, -1) {
			seg := m[1] + m[2] + m[3] + m[4]
			if isErrorLike(seg) && len(strings.Fields(seg)) >= 2 {
				segs = append(segs, seg)
				rest = strings.Replace(rest, m[0], " ", 1)
			}
		}
		if len(segs) == 0 {
			add(l.Text, true, 1)
			continue
		}
		for _, s := range segs {
			add(s, true, 1)
		}
		add(rest, false, 0.5)
	}
	for k := range q.terms {
		qt := &q.terms[k]
		qt.idf = ix.termIDF(qt.text)
		_, qt.exact = ix.vocab[qt.text]
		ix.related(qt.text, func(int, float64) { qt.known = true })
	}
	// Units: group the query terms by written word, dedupe repeated words.
	for k, t := range q.terms {
		u := q.units[t.unit]
		if u == nil {
			u = &qunit{}
			q.units[t.unit] = u
		}
		u.terms = append(u.terms, k)
		u.core = u.core || t.core
	}
	for id, u := range q.units {
		parts := make([]string, 0, len(u.terms))
		for _, k := range u.terms {
			parts = append(parts, q.terms[k].text)
		}
		key := strings.Join(parts, " ")
		if other, dup := unitSeen[key]; dup && other != id {
			delete(q.units, id)
			continue
		}
		unitSeen[key] = id
		known := false
		for _, k := range u.terms {
			u.weight = math.Max(u.weight, q.terms[k].weight*q.terms[k].idf)
			known = known || q.terms[k].known
		}
		for _, x := range expandsTo[id] {
			_, ok := ix.vocab[x]
			known = known || ok
		}
		if u.core && !known && !ix.backgroundUnit(q, u) {
			q.unknown += u.weight
		}
	}
	// Per-line term sets for signature matching.
	q.lineTerms = make([]map[int]int, len(lines))
	for i, l := range lines {
		set := map[int]int{}
		tokenize(l.Text, 0, func(t term) {
			if id, ok := ix.vocab[t.text]; ok {
				if _, seen := set[id]; !seen {
					set[id] = t.unit
				}
			}
		})
		q.lineTerms[i] = set
	}
	return q
}

// backgroundUnit reports whether a written word is one any log carries
// (background): the corpus lacking it says nothing against a section.
func (ix *Index) backgroundUnit(q *query, u *qunit) bool {
	for _, k := range u.terms {
		if background[q.terms[k].text] {
			return true
		}
	}
	return false
}

// termIDF is the IDF of a term, the maximum for words the corpus lacks: an
// unexplained word in an error is evidence against every section.
func (ix *Index) termIDF(t string) float64 {
	if id, ok := ix.vocab[t]; ok {
		return ix.idf[id]
	}
	best := 0.0
	ix.related(t, func(id int, f float64) { best = math.Max(best, ix.idf[id]) })
	if best > 0 {
		return best
	}
	if background[t] {
		return ix.maxIDF / 4
	}
	return ix.maxIDF
}

// scoreTop bounds the candidates whose coverage and score are computed:
// only the first few are ever shown or decide anything.
const scoreTop = 8

func (ix *Index) rankQuery(q *query) []*candidate {
	n := len(ix.sections)
	nt := len(q.terms)
	// The candidates, their hits and the per-section scratch come from a
	// pool, reused query after query: a query allocating a candidate per
	// section pays for it in GC pauses, which is what a p99 latency sees.
	sc, _ := scratchPool.Get().(*rankScratch)
	if sc == nil || len(sc.arr) != n {
		sc = &rankScratch{arr: make([]candidate, n), cands: make([]*candidate, n), best: make([]float64, n), touched: make([]int, 0, n)}
	}
	q.scratch = sc
	cands, arr, best := sc.cands, sc.arr, sc.best
	for i := range cands {
		arr[i] = candidate{sec: i}
		cands[i] = &arr[i]
	}
	clear(best)
	// Most queries touch a few dozen sections: room for 64 in one slab.
	if len(sc.slab) < nt*64 {
		sc.slab = make([]float64, nt*64)
	}
	slab := sc.slab
	touched := sc.touched[:0]
	for k, qt := range q.terms {
		touched = touched[:0]
		ix.related(qt.text, func(id int, factor float64) {
			idf := ix.idf[id]
			for _, p := range ix.postings[id] {
				s := int(p.sec)
				tf := 0.0
				for f := 0; f < nFields; f++ {
					if p.tf[f] == 0 {
						continue
					}
					norm := 1 - fieldB[f] + fieldB[f]*ix.fieldLen[f][s]/ix.avgLen[f]
					tf += fieldWeight[f] * float64(p.tf[f]) / norm
				}
				c := qt.weight * factor * idf * tf / (bm25K1 + tf)
				if best[s] == 0 {
					touched = append(touched, s)
				}
				if c > best[s] {
					best[s] = c
				}
			}
		})
		for _, s := range touched {
			if cands[s].hits == nil {
				if len(slab) < nt {
					slab = make([]float64, nt*16)
				}
				cands[s].hits, slab = slab[:nt:nt], slab[nt:]
				clear(cands[s].hits)
			}
			cands[s].hits[k] = best[s]
			best[s] = 0
		}
	}
	// A written word counts once: "kimi-k2" gives kimi-k2, kimi and k2, and
	// the section gets the best of them plus a little for the others.
	for _, c := range cands {
		if c.hits == nil {
			continue
		}
		for _, u := range q.units {
			top, sum := 0.0, 0.0
			for _, k := range u.terms {
				h := c.hits[k]
				sum += h
				top = math.Max(top, h)
			}
			c.bm25 += top + 0.25*(sum-top)
		}
	}
	ix.signatureHits(q, cands)
	ix.pairHits(q, cands)
	ix.pathHits(q, cands)
	for _, c := range cands {
		c.rank = c.bm25 * (1 + c.sigDeg) * (1 + pairRank*math.Log1p(c.pairs))
		if c.path.dir != "" {
			c.rank *= pathBoost
		}
		if ix.sections[c.sec].Archived {
			c.rank *= 0.8
		}
		if q.service != "" && ix.about(c.sec, q.service) {
			c.rank *= serviceBoost
		}
		if n := q.votes[ix.sections[c.sec].ID]; n != 0 {
			c.rank *= voteFactor(n)
		}
	}
	sort.SliceStable(cands, func(a, b int) bool { return cands[a].rank > cands[b].rank })
	lp := lengthPenalty(q)
	for i, c := range cands {
		if i == scoreTop || c.hits == nil {
			break
		}
		c.coverage = ix.coverage(q, c)
	}
	preferExplaining(cands)
	// A corpus of one section has no runner-up: nothing to compare with.
	runnerUp := &candidate{}
	if len(cands) > 1 {
		runnerUp = cands[1]
	}
	for i, c := range cands {
		if i == scoreTop || c.hits == nil {
			break
		}
		margin := marginCap
		if i == 0 && runnerUp.rank > 0 {
			margin = math.Min(marginCap, c.rank/runnerUp.rank)
		} else if i > 0 && cands[0].rank > 0 {
			// Below the best, the margin is against the best.
			margin = math.Min(1, c.rank/cands[0].rank)
		}
		ev := c.bm25 * (coverageFloor + c.coverage) * (1 + c.sigDeg) * math.Sqrt(margin) * (1 + pairWeight*math.Log1p(c.pairs)) / lp
		us := unknownScale
		if q.prose {
			us *= proseUnknown
		}
		ev /= math.Sqrt(1 + q.unknown/us)
		if q.service != "" && ix.about(c.sec, q.service) {
			ev *= aboutEvidence
		}
		if c.path.dir != "" {
			ev *= pathEvidence
		}
		if !q.prose && c.sigDeg == 0 && len(ix.sections[c.sec].Signatures) > 0 {
			ev *= unquotedEvidence
		}
		if i == 0 {
			ev *= math.Exp(runnerCov * runnerUp.coverage)
		}
		c.score = ev / (ev + evidenceMid)
	}
	return cands
}

// preferExplaining: a first section that explains none of the error's
// words (it matched the command run, the service, the host) yields to a
// close runner-up, within yieldBand of its rank, that explains part of them
// — "tailscale up --login-server=… --authkey=…" then "authkey already used"
// is the used key (§0.7), not the login server (§0.6).
func preferExplaining(cands []*candidate) {
	if len(cands) < 2 || cands[0].hits == nil || cands[0].coverage >= 0.1 {
		return
	}
	for i := 1; i < scoreTop && i < len(cands) && cands[i].hits != nil && cands[i].rank >= yieldBand*cands[0].rank; i++ {
		if cands[i].coverage >= 0.3 {
			c := cands[i]
			copy(cands[1:i+1], cands[:i])
			cands[0] = c
			return
		}
	}
}

// rankScratch is the memory of one rankQuery, kept in scratchPool between
// queries of the same index size.
type rankScratch struct {
	arr     []candidate
	cands   []*candidate
	best    []float64
	touched []int
	slab    []float64 // the candidates' hits
}

var scratchPool sync.Pool

// release returns a query's candidates to the pool once nothing refers to
// them any more (the matches made from them are copies).
func (q *query) release() {
	if q.scratch != nil {
		scratchPool.Put(q.scratch)
		q.scratch = nil
	}
}

// coverage is the IDF-weighted share of the input's error words that the
// section contains. Context words do not count: they say where, not what.
func (ix *Index) coverage(q *query, c *candidate) float64 {
	total, got := 0.0, 0.0
	for _, u := range q.units {
		if !u.core || u.weight == 0 {
			continue
		}
		total += u.weight
		b := 0.0
		for _, k := range u.terms {
			if c.hits[k] > 0 {
				// The section has the term (or a prefix relative): the term's
				// own weight, scaled by how it was matched.
				qt := &q.terms[k]
				f := 1.0
				if !qt.exact {
					f = prefixFactor
				}
				b = math.Max(b, qt.weight*f*qt.idf)
			}
		}
		got += math.Min(b, u.weight)
	}
	if total == 0 {
		return 0
	}
	return got / total
}

// signatureHits finds, per section, the corpus error string that the input
// lines repeat best.
func (ix *Index) signatureHits(q *query, cands []*candidate) {
	bySec := make([]*candidate, len(ix.sections))
	for _, c := range cands {
		bySec[c.sec] = c
	}
	tried := map[int]bool{}
	for li, set := range q.lineTerms {
		clear(tried)
		for id := range set {
			for _, k := range ix.sigByTerm[id] {
				if tried[k] {
					continue
				}
				tried[k] = true
				sig := &ix.sigs[k]
				got, units := 0.0, 0
				first, last := math.MaxInt, -1
				for _, ids := range sig.units {
					b := 0.0
					for _, t := range ids {
						if pos, ok := set[t]; ok {
							b = math.Max(b, ix.idf[t])
							first, last = min(first, pos), max(last, pos)
						}
					}
					if b > 0 {
						units++
					}
					got += b
				}
				deg := got / sig.mass
				// Most of its words, and two at least when it has two.
				if units < 2 && len(sig.units) >= 2 || float64(units) < 0.7*float64(len(sig.units)) {
					continue
				}
				// Close together, as a phrase repeated: words of it
				// scattered over a long line are not the error string.
				if sigSpan > 0 && last-first+1 > sigSpan*len(sig.units)+2 {
					continue
				}
				if deg < 0.6 {
					continue
				}
				c := bySec[sig.sec]
				if deg > c.sigDeg {
					c.sigDeg, c.sigText, c.sigLine = deg, sig.text, q.lines[li].No
				}
			}
		}
	}
}

// decide turns ranked candidates into matches, or an abstention with the
// nearest candidates marked low.
func (ix *Index) decide(q *query, cands []*candidate) ([]Match, bool) {
	if len(cands) == 0 || cands[0].bm25 == 0 {
		return nil, true
	}
	top := cands[0]
	abstain := top.score < abstainBelow
	var out []Match
	for i, c := range cands {
		if i >= MaxMatches || c.bm25 == 0 {
			break
		}
		// Past the third, others are kept only when close to the best; the
		// first three are always shown, the weak ones marked low, so that
		// an operator sees where else to look.
		close := c.rank >= 0.5*top.rank && c.score >= abstainBelow
		if !abstain && i >= 3 && !close {
			break
		}
		m := ix.toMatch(q, c, abstain, top)
		if !abstain && i > 0 && !close {
			m.Confidence = Low
		}
		out = append(out, m)
	}
	return out, abstain
}

func (ix *Index) toMatch(q *query, c *candidate, abstain bool, top *candidate) Match {
	s := &ix.sections[c.sec]
	m := Match{ID: s.ID, Title: s.Title, Archived: s.Archived, Score: round2(c.score)}
	switch {
	case abstain:
		m.Confidence = Low
	case c.score >= highAbove && (c == top || c.rank >= 0.8*top.rank):
		m.Confidence = High
	case c.score >= abstainBelow:
		m.Confidence = Medium
	default:
		m.Confidence = Low
	}
	if c.sigText != "" {
		m.Evidence = append(m.Evidence, fmt.Sprintf("line %d: corpus error «%s»", c.sigLine, clip(c.sigText, 90)))
		m.Lines = append(m.Lines, c.sigLine)
	}
	if c.path.dir != "" {
		m.Evidence = append(m.Evidence, c.path.evidence())
		if len(m.Lines) == 0 {
			m.Lines = append(m.Lines, c.path.line)
		}
	}
	type hit struct {
		text string
		v    float64
	}
	// One word per written unit: its best-scoring term.
	byUnit := map[int]hit{}
	for k, v := range c.hits {
		qt := q.terms[k]
		// Thesaurus expansions (units below zero) are words the input
		// did not write: evidence names what it wrote.
		if v > 0 && qt.weight >= 0.5 && qt.unit >= 0 && v > byUnit[qt.unit].v {
			byUnit[qt.unit] = hit{qt.surface, v}
		}
	}
	hs := make([]hit, 0, len(byUnit))
	for _, h := range byUnit {
		hs = append(hs, h)
	}
	sort.Slice(hs, func(a, b int) bool { return hs[a].v > hs[b].v || hs[a].v == hs[b].v && hs[a].text < hs[b].text })
	var words []string
	for i, h := range hs {
		if i == 6 {
			break
		}
		words = append(words, h.text)
	}
	if len(words) > 0 {
		m.Evidence = append(m.Evidence, "terms: "+strings.Join(words, ", "))
	}
	if len(m.Lines) == 0 {
		m.Lines = ix.supportingLines(q, c)
	}
	if len(m.Lines) > 0 {
		for _, l := range q.lines {
			if l.No == m.Lines[0] {
				m.Excerpt = clip(strings.TrimSpace(l.Raw), 300)
				break
			}
		}
	}
	return m
}

// supportingLines returns the input lines holding the section's best terms.
func (ix *Index) supportingLines(q *query, c *candidate) []int {
	var out []int
	for i, set := range q.lineTerms {
		hit := 0.0
		for k, v := range c.hits {
			if id, ok := ix.vocab[q.terms[k].text]; ok && v > 0 && inSet(set, id) {
				hit += v
			}
		}
		if hit > 0.3*c.bm25 {
			out = append(out, q.lines[i].No)
		}
		if len(out) == 3 {
			break
		}
	}
	return out
}

func inSet(set map[int]int, id int) bool { _, ok := set[id]; return ok }

func round2(f float64) float64 { return math.Round(f*100) / 100 }

func clip(s string, n int) string {
	if len(s) <= n || utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// about reports whether a section's title or chapter names the service.
func (ix *Index) about(sec int, service string) bool {
	return ix.titleWords[sec][service]
}

// splitCompound splits a word the corpus lacks into two words it has
// ("authkey" → "auth" + "key"), each at a reduced weight, so run-together
// spellings meet the corpus's spaced or underscored ones.
func (ix *Index) splitCompound(t term) []term {
	w := t.text
	if len(w) < 6 || !isAlpha(w) {
		return nil
	}
	if _, ok := ix.vocab[w]; ok {
		return nil
	}
	for i := 4; i <= len(w)-3; i++ {
		a, b := w[:i], w[i:]
		if _, ok := ix.vocab[a]; !ok || stopwords[a] {
			continue
		}
		if _, ok := ix.vocab[stem(b)]; !ok || stopwords[b] {
			continue
		}
		return []term{
			{text: a, weight: 0.8 * t.weight, unit: t.unit, surface: t.surface},
			{text: stem(b), weight: 0.8 * t.weight, unit: t.unit, surface: t.surface},
		}
	}
	return nil
}

// lengthPenalty shrinks the evidence of inputs with many error words.
func lengthPenalty(q *query) float64 {
	n := 0.0
	for _, u := range q.units {
		if u.core {
			n += math.Min(1, u.weight/4)
		}
	}
	if n <= longQuery {
		return 1
	}
	return math.Sqrt(n / longQuery)
}

// pairHits adds, per section, the weight of the input's neighbouring word
// pairs that the section has as neighbours too: the error lines' pairs, and
// those of the lines around them at aroundWeight (a command's pairs say
// where, like its words).
func (ix *Index) pairHits(q *query, cands []*candidate) {
	type qp struct {
		key uint64
		w   float64
	}
	var pairs []qp
	seen := map[uint64]bool{}
	var errs, around []string
	for i, l := range q.lines {
		if q.errLine[i] || q.prose {
			errs = append(errs, l.Text)
		} else {
			around = append(around, l.Text)
		}
	}
	for _, g := range []struct {
		lines []string
		f     float64
	}{{errs, 1}, {around, aroundWeight}} {
		for _, text := range g.lines {
			forPairs(text, func(a, b string) {
				k := pairKey(a, b)
				if seen[k] {
					return
				}
				seen[k] = true
				pairs = append(pairs, qp{k, g.f * (ix.termIDF(a) + ix.termIDF(b)) / 2})
			})
		}
	}
	if len(pairs) == 0 {
		return
	}
	for _, c := range cands {
		if c.hits == nil {
			continue
		}
		set := ix.pairs[c.sec]
		for _, p := range pairs {
			if set[p.key] {
				c.pairs += p.w
			}
		}
	}
}

var underPathRE = regexp.MustCompile(`(?:https?://[A-Za-z0-9.-]+(?::\d+)?|\b[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?::\d+)?|(?:^|\s)|[\s"'(=])/([A-Za-z0-9_-]+)(?:/|$|[\s"')])`)

// servedUnderPath reports whether a line names a known service as the first
// segment of a URL's path (https://example.org/grafana/, or without its
// scheme: example.org/n8n/), as a lone path (/n8n/) or as a path setting's
// value (N8N_PATH=/n8n/): the service served under a sub-path.
func (ix *Index) servedUnderPath(text string) bool {
	if !strings.Contains(text, "/") {
		return false
	}
	for _, m := range underPathRE.FindAllStringSubmatch(text, -1) {
		if ix.hasService(strings.ToLower(m[1])) {
			return true
		}
	}
	return false
}
