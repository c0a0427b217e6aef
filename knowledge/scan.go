package knowledge

import (
	"bufio"
	"errors"
	"io"
	"sort"
	"strconv"
	"strings"
)

// MaxLineBytes bounds one log line; longer lines are cut there.
const MaxLineBytes = 64 << 10

// maxEvents bounds the distinct error lines matched in one scan; a log that
// repeats one error a million times costs one match.
const maxEvents = 4096

// ErrEmpty says an input held nothing to diagnose.
var ErrEmpty = errors.New("nothing to diagnose: the input is empty")

// Scan diagnoses a whole log, line by line. Lines that carry neither an error
// word nor a word of a corpus signature are skipped by a fast prefilter; the
// distinct remaining lines are each matched, and sections are ranked by
// their best line, then by how many lines support them.
func (ix *Index) Scan(r io.Reader) Result {
	res, _ := ix.ScanErr(r)
	return res
}

// ScanErr is Scan that also reports a read error.
func (ix *Index) ScanErr(r io.Reader) (Result, error) {
	br := bufio.NewReaderSize(r, 256<<10)
	var (
		res          Result
		lineNo       int
		agg          = map[int]*scanAgg{}
		cache        = map[uint64]*lineVerdict{}
		events       int
		pf           = ix.prefilter()
		firstService string
	)
	for {
		line, err := readLine(br)
		if len(line) > 0 || err == nil {
			lineNo++
			res.Scanned += int64(len(line)) + 1
			if pf.interesting(line) {
				h := shapeHash(line)
				v, ok := cache[h]
				if !ok && events < maxEvents {
					events++
					v = ix.matchLine(lineNo, string(line))
					cache[h] = v
				}
				if v != nil {
					if firstService == "" && v.service != "" {
						firstService = v.service
					}
					for _, m := range v.matches {
						a := agg[m.sec]
						if a == nil {
							a = &scanAgg{best: m}
							agg[m.sec] = a
						}
						a.count++
						if m.score > a.best.score {
							a.best = m
						}
						if len(a.lines) < 5 {
							a.lines = append(a.lines, lineNo)
						}
					}
				}
			}
		}
		if err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			res.Lines = lineNo
			return res, err
		}
	}
	res.Lines = lineNo
	res.Service = firstService
	list := make([]*scanAgg, 0, len(agg))
	for _, a := range agg {
		list = append(list, a)
	}
	sort.Slice(list, func(i, j int) bool {
		if list[i].best.score != list[j].best.score {
			return list[i].best.score > list[j].best.score
		}
		if list[i].count != list[j].count {
			return list[i].count > list[j].count
		}
		return list[i].best.sec < list[j].best.sec
	})
	confident := false
	for _, a := range list {
		if a.best.score >= abstainBelow {
			confident = true
		}
	}
	res.Abstained = !confident
	for _, a := range list {
		if len(res.Matches) == MaxMatches {
			break
		}
		if confident && a.best.score < abstainBelow {
			continue
		}
		m := a.best.match
		m.Lines = a.lines
		if confident {
			m.Evidence = append([]string{plural(a.count, "matching line")}, m.Evidence...)
		} else {
			m.Confidence = Low
		}
		res.Matches = append(res.Matches, m)
	}
	return res, nil
}

type scanAgg struct {
	best  lineMatch
	count int
	lines []int
}

type lineMatch struct {
	sec   int
	score float64
	match Match
}

type lineVerdict struct {
	matches []lineMatch
	service string
}

// matchLine matches one log line as a document of its own.
func (ix *Index) matchLine(no int, raw string) *lineVerdict {
	l := normalizeLine(no, raw)
	if l.Text == "" {
		return nil
	}
	q := ix.buildQuery([]Line{l})
	if len(q.terms) == 0 {
		return nil
	}
	q.service = ix.inferService(q.lines)
	cands := ix.rankQuery(q)
	// In a log, a line that does not read as an error is flagged only when
	// it repeats an error string of the corpus.
	if l.Level != "error" && l.Level != "warn" && !isErrorLike(l.Text) && cands[0].sigDeg == 0 {
		q.release()
		return nil
	}
	matches, abstain := ix.decide(q, cands)
	q.release()
	v := &lineVerdict{service: q.service}
	for i, m := range matches {
		if abstain && i > 0 {
			break
		}
		m.Excerpt = clip(strings.TrimSpace(l.Raw), 300)
		v.matches = append(v.matches, lineMatch{sec: ix.byID[m.ID], score: m.Score, match: m})
	}
	return v
}

// readLine reads one line without its newline, cutting it at MaxLineBytes.
func readLine(br *bufio.Reader) ([]byte, error) {
	line, err := br.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		// Keep the first MaxLineBytes, drop the rest of the line.
		keep := append([]byte(nil), line...)
		for errors.Is(err, bufio.ErrBufferFull) {
			line, err = br.ReadSlice('\n')
			if len(keep) < MaxLineBytes {
				keep = append(keep, line...)
			}
		}
		if len(keep) > MaxLineBytes {
			keep = keep[:MaxLineBytes]
		}
		line = keep
	}
	if n := len(line); n > 0 && line[n-1] == '\n' {
		line = line[:n-1]
	}
	return line, err
}

// shapeHash hashes a line with digits and hex runs left out, so the same
// error at another time or for another id is matched once.
func shapeHash(b []byte) uint64 {
	const (
		offset = 14695981039346656037
		prime  = 1099511628211
	)
	h := uint64(offset)
	for _, c := range b {
		if c >= '0' && c <= '9' {
			continue
		}
		h ^= uint64(c)
		h *= prime
	}
	return h
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return strconv.Itoa(n) + " " + what + "s"
}
