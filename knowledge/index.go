package knowledge

import (
	"math"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
)

// Fields of a section, each with its weight and length normalisation.
const (
	fTitle = iota
	fChapter
	fSymptom // symptom part and signatures: how the pitfall shows itself
	fBody
	nFields
)

var (
	fieldWeight = [nFields]float64{3.0, 1.0, 2.0, 1.0}
	fieldB      = [nFields]float64{0.3, 0.3, 0.5, 0.8}
)

// bm25K1 is a variable only so that the tuning test can sweep it.
var bm25K1 = 1.2

const (
	prefixFactor = 0.6 // a prefix-related term counts this much of an exact one
	prefixLen    = 5
)

type posting struct {
	sec int32
	tf  [nFields]float32
}

type signature struct {
	sec   int
	text  string
	units [][]int // per written word: the term ids it gives
	mass  float64 // sum over units of the best idf
}

// Index is the searchable form of a corpus. It is read-only once built and
// safe for concurrent use.
type Index struct {
	sections  []Section
	byID      map[string]int
	vocab     map[string]int
	terms     []string
	idf       []float64
	postings  [][]posting
	prefix    map[string][]int
	fieldLen  [nFields][]float64
	avgLen    [nFields]float64
	sigs      []signature
	sigByTerm map[int][]int
	maxIDF    float64
	// titleWords holds, per section, the folded words of its title and
	// chapter, split at - _ . as well: what the section is about.
	titleWords []map[string]bool
	services   []string

	// pairs holds, per section, the unordered pairs of neighbouring words
	// (within pairWindow): "sudo password" meets "mot de passe sudo".
	pairs []map[uint64]bool
	// pathSecs lists, per absolute path the corpus names, its sections;
	// maxPathDepth is the number of components of the deepest.
	pathSecs     map[string][]int
	maxPathDepth int
	// imageSecs lists, per image repository the corpus names, its sections.
	imageSecs map[string][]int

	votes atomic.Pointer[Votes]

	pfOnce sync.Once
	pf     *prefilter
}

// NewIndex builds the index of sections. services lists the compose service
// names the stack runs, used to tell what an input is about.
func NewIndex(sections []Section, services []string) *Index {
	ix := &Index{
		pairs:     make([]map[uint64]bool, len(sections)),
		sections:  sections,
		byID:      make(map[string]int, len(sections)),
		vocab:     map[string]int{},
		prefix:    map[string][]int{},
		sigByTerm: map[int][]int{},
		services:  normaliseServices(services),
	}
	type acc struct{ tf [nFields]float32 }
	perSec := make([]map[int]*acc, len(sections))
	for i := range sections {
		s := &sections[i]
		ix.byID[s.ID] = i
		perSec[i] = map[int]*acc{}
		add := func(f int, text string) {
			n := 0
			for _, line := range strings.Split(text, "\n") {
				// Tables and long enumerations are inventories (model lists,
				// UID tables), not descriptions of a pitfall: they weigh half.
				lw := float32(1)
				if t := strings.TrimSpace(line); strings.HasPrefix(t, "|") || strings.Count(t, ",") >= 5 {
					lw = 0.5
				}
				tokenize(line, 0, func(t term) {
					id := ix.termID(t.text)
					a := perSec[i][id]
					if a == nil {
						a = &acc{}
						perSec[i][id] = a
					}
					a.tf[f] += float32(t.weight) * lw
					n++
				})
			}
			for len(ix.fieldLen[f]) <= i {
				ix.fieldLen[f] = append(ix.fieldLen[f], 0)
			}
			ix.fieldLen[f][i] += float64(n)
		}
		add(fTitle, s.Title)
		add(fChapter, s.Chapter)
		sym := strings.Join(s.Signatures, "\n")
		for _, p := range s.Parts {
			if p.Kind == PartSymptom {
				sym += "\n" + p.Text
			}
		}
		// Bold code leads ("- **`fallbacks`** : …") name the setting each
		// bullet is about: they count with the symptom.
		for _, m := range boldRE.FindAllStringSubmatch(s.Body, -1) {
			if _, isLabel := labelKind(m[1]); !isLabel && strings.ContainsAny(m[1], "`_") {
				sym += "\n" + m[1]
			}
		}
		add(fSymptom, sym)
		add(fBody, s.Body)
		ix.pairs[i] = pairSet(s.Title + "\n" + s.Body)
	}
	n := float64(len(sections))
	ix.idf = make([]float64, len(ix.vocab))
	ix.postings = make([][]posting, len(ix.vocab))
	for i := range sections {
		for id, a := range perSec[i] {
			ix.postings[id] = append(ix.postings[id], posting{sec: int32(i), tf: a.tf})
		}
	}
	for id, ps := range ix.postings {
		sort.Slice(ps, func(a, b int) bool { return ps[a].sec < ps[b].sec })
		df := float64(len(ps))
		ix.idf[id] = math.Log(1 + (n-df+0.5)/(df+0.5))
	}
	ix.maxIDF = math.Log(1 + (n+0.5)/0.5)
	ix.titleWords = make([]map[string]bool, len(sections))
	for i := range sections {
		set := map[string]bool{}
		for _, w := range wordRE.FindAllString(fold(sections[i].Title+" "+sections[i].Chapter), -1) {
			set[w] = true
			for _, p := range strings.FieldsFunc(w, func(r rune) bool { return r == '-' || r == '_' || r == '.' }) {
				set[p] = true
			}
		}
		ix.titleWords[i] = set
	}
	for f := 0; f < nFields; f++ {
		total := 0.0
		for _, l := range ix.fieldLen[f] {
			total += l
		}
		if n > 0 {
			ix.avgLen[f] = math.Max(total/n, 1)
		}
	}
	for t, id := range ix.vocab {
		if len(t) >= prefixLen && isAlpha(t) {
			ix.prefix[t[:prefixLen]] = append(ix.prefix[t[:prefixLen]], id)
		}
	}
	for i := range sections {
		for _, sig := range sections[i].Signatures {
			ix.addSignature(i, sig)
		}
	}
	ix.indexPaths()
	ix.imageSecs = ix.sectionsNaming(imageRepos)
	return ix
}

func (ix *Index) termID(t string) int {
	if id, ok := ix.vocab[t]; ok {
		return id
	}
	id := len(ix.vocab)
	ix.vocab[t] = id
	ix.terms = append(ix.terms, t)
	return id
}

func (ix *Index) newSignature(sec int, text string) (signature, bool) {
	sig := signature{sec: sec, text: text}
	byUnit := map[int][]int{}
	var order []int
	// Units are the words of the signature; a compound counts by its parts,
	// so ERR_ERL_UNEXPECTED_X_FORWARDED_FOR is not matched by "unexpected".
	n := 0
	tokenize(text, 0, func(t term) {
		if t.weight < 1 || t.whole {
			return
		}
		n++
		t.unit = n
		id, ok := ix.vocab[t.text]
		if !ok {
			return
		}
		if _, seen := byUnit[t.unit]; !seen {
			order = append(order, t.unit)
		}
		byUnit[t.unit] = append(byUnit[t.unit], id)
	})
	for _, u := range order {
		ids := byUnit[u]
		best := 0.0
		for _, id := range ids {
			best = math.Max(best, ix.idf[id])
		}
		sig.units = append(sig.units, ids)
		sig.mass += best
	}
	return sig, len(sig.units) > 0 && sig.mass > 0
}

func (ix *Index) addSignature(sec int, text string) {
	sig, ok := ix.newSignature(sec, text)
	if !ok {
		return
	}
	k := len(ix.sigs)
	ix.sigs = append(ix.sigs, sig)
	seen := map[int]bool{}
	for _, ids := range sig.units {
		for _, id := range ids {
			if !seen[id] {
				seen[id] = true
				ix.sigByTerm[id] = append(ix.sigByTerm[id], k)
			}
		}
	}
}

// related returns the index terms a query term stands for: itself, and terms
// one is a prefix of (expir ~ expiration), at a reduced factor.
func (ix *Index) related(t string, fn func(id int, factor float64)) {
	id, exact := ix.vocab[t]
	if exact {
		fn(id, 1)
	}
	if len(t) < prefixLen || !isAlpha(t) {
		return
	}
	for _, cand := range ix.prefix[t[:prefixLen]] {
		if exact && cand == id {
			continue
		}
		if prefixRelated(t, ix.terms[cand]) {
			fn(cand, prefixFactor)
		}
	}
}

// prefixRelated: the shorter word starts the longer one and the longer adds
// at most four letters (model ~ models, config ~ configuration is too far).
func prefixRelated(a, b string) bool {
	if len(a) > len(b) {
		a, b = b, a
	}
	return len(a) >= prefixLen && strings.HasPrefix(b, a) && len(b)-len(a) <= 4
}

// Sections returns the corpus sections in corpus order.
func (ix *Index) Sections() []Section { return ix.sections }

// Section returns the section with the given id.
func (ix *Index) Section(id string) (Section, bool) {
	i, ok := ix.byID[strings.TrimSpace(id)]
	if !ok {
		return Section{}, false
	}
	return ix.sections[i], true
}

func normaliseServices(in []string) []string {
	var out []string
	for _, s := range in {
		s = strings.ToLower(strings.TrimSpace(s))
		if s != "" {
			out = append(out, s)
		}
	}
	// Longest first, so "victoriametrics" wins over "metrics".
	sort.Slice(out, func(i, j int) bool { return len(out[i]) > len(out[j]) })
	return out
}

// pairWindow is how far apart two words may be and still make a pair.
const pairWindow = 3

func pairKey(a, b string) uint64 {
	if a > b {
		a, b = b, a
	}
	h := uint64(fnvOffset)
	for i := 0; i < len(a); i++ {
		h ^= uint64(a[i])
		h *= fnvPrime
	}
	h ^= 0xff
	h *= fnvPrime
	for i := 0; i < len(b); i++ {
		h ^= uint64(b[i])
		h *= fnvPrime
	}
	return h
}

// pairSet collects the pairs of neighbouring informative words of a text,
// line by line; compound wholes and expansions are left out.
func pairSet(text string) map[uint64]bool {
	set := map[uint64]bool{}
	for _, line := range strings.Split(text, "\n") {
		forPairs(line, func(a, b string) { set[pairKey(a, b)] = true })
	}
	return set
}

func forPairs(line string, fn func(a, b string)) {
	var win []string
	lastUnit, lastSeg := -1, -1
	tokenize(line, 0, func(t term) {
		// The parts of one compound ("model_scores", "PermissionDenied")
		// are one word and make no pair; the segments of a path or URL
		// ("/home/node/.openclaw", "pkgs.tailscale.com/stable/debian") are
		// words of their own, and a shared path is a phrase.
		if t.whole || t.related || t.weight < 0.5 || t.unit == lastUnit && t.seg == lastSeg {
			return
		}
		lastUnit, lastSeg = t.unit, t.seg
		for _, w := range win {
			if w != t.text {
				fn(w, t.text)
			}
		}
		win = append(win, t.text)
		if len(win) > pairWindow {
			win = win[1:]
		}
	})
}
