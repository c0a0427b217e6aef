package knowledge

import "strings"

// prefilter decides fast, without allocating, whether a log line may be
// worth matching: it holds an error word, or a rare word of a corpus
// signature. Words are hashed while the bytes are read, lower-cased on the
// fly, and looked up in a small open-addressing table.
type prefilter struct {
	table []uint64
	mask  uint64
}

// triggerWords read as an error on their own, in English and French.
var triggerWords = []string{
	"error", "errors", "err", "erreur", "fail", "failed", "failure", "fails", "fatal", "exception",
	"denied", "refused", "cannot", "unable", "invalid", "unrecognized", "unknown", "missing",
	"illegal", "panic", "panicked", "timeout", "eacces", "enoent", "eperm", "econnrefused", "found",
	"exist", "existe", "expected", "crash", "crashed", "rejected", "abort", "aborted", "traceback",
	"unhealthy", "forbidden", "unauthorized", "expired", "killed", "oom", "oomkilled", "conflict",
	"critical", "crit", "emerg", "alert", "warn", "warning", "echoue", "échoué", "échoue", "echec",
	"échec", "refusé", "impossible", "manquant", "introuvable", "bloqué", "bloque", "unreachable",
	"segfault", "exited", "inaccessible",
}

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

var wordByte = func() (t [256]bool) {
	for c := 0; c < 256; c++ {
		t[c] = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80
	}
	return t
}()

func hashWord(w string) uint64 {
	h := uint64(fnvOffset)
	for i := 0; i < len(w); i++ {
		c := w[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		h ^= uint64(c)
		h *= fnvPrime
	}
	return h | 1 // 0 marks an empty slot
}

func (ix *Index) prefilter() *prefilter {
	ix.pfOnce.Do(func() {
		words := map[string]bool{}
		for _, w := range triggerWords {
			words[w] = true
		}
		// Rare words of signatures: a signature line without an error word
		// ("sudo: unrecognized option", "Empty Ring") still gets through.
		for _, sig := range ix.sigs {
			for _, w := range splitASCIIWords(sig.text) {
				lw := strings.ToLower(w)
				if len(lw) >= 4 && !stopwords[lw] && !lowValue[lw] {
					if id, ok := ix.vocab[stem(lw)]; ok && ix.idf[id] >= 2.5 {
						words[lw] = true
					}
				}
			}
		}
		size := 1
		for size < len(words)*4 {
			size <<= 1
		}
		pf := &prefilter{table: make([]uint64, size), mask: uint64(size - 1)}
		for w := range words {
			h := hashWord(w)
			i := h & pf.mask
			for pf.table[i] != 0 && pf.table[i] != h {
				i = (i + 1) & pf.mask
			}
			pf.table[i] = h
		}
		ix.pf = pf
	})
	return ix.pf
}

func splitASCIIWords(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r < 0x80 && !wordByte[byte(r)] })
}

func (pf *prefilter) has(h uint64) bool {
	h |= 1
	i := h & pf.mask
	for {
		v := pf.table[i]
		if v == h {
			return true
		}
		if v == 0 {
			return false
		}
		i = (i + 1) & pf.mask
	}
}

// interesting reports whether line holds a trigger word, or a camelCase
// word ending in Error or Exception (SyntaxError, AnthropicException).
func (pf *prefilter) interesting(line []byte) bool {
	h := uint64(fnvOffset)
	start := -1
	for i := 0; i <= len(line); i++ {
		var c byte
		in := false
		if i < len(line) {
			c = line[i]
			in = wordByte[c]
		}
		if in {
			if start < 0 {
				start = i
				h = fnvOffset
			}
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			h ^= uint64(c)
			h *= fnvPrime
			continue
		}
		if start >= 0 {
			if pf.has(h) || endsWithErrorWord(line[start:i]) {
				return true
			}
			start = -1
		}
	}
	return false
}

func endsWithErrorWord(w []byte) bool {
	n := len(w)
	if n > 5 && w[n-5]|0x20 == 'e' && w[n-4] == 'r' && w[n-3] == 'r' && w[n-2] == 'o' && w[n-1] == 'r' {
		return true
	}
	if n > 9 && string(w[n-9:]) == "Exception" {
		return true
	}
	return false
}
