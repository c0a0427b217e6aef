package knowledge

import (
	"regexp"
	"slices"
	"strings"
)

// A file error names the file it failed on: "EACCES: permission denied,
// mkdir '/home/node/.openclaw/canvas'", "open /etc/headscale/config.yaml: no
// such file or directory". A section that names that path, or a directory
// above it, is about that file, whatever other words the two share: the
// words of a permission error are the same for every file, the path is not.
// The section naming the deepest such directory wins; sections naming it
// equally deep all do.

// absPathRE finds absolute paths of two components or more, not the path of
// a URL (its slash follows a host).
var absPathRE = regexp.MustCompile("(?:^|[\\s'\"(=:,`\\[])(/[A-Za-z0-9._@-]+(?:/[A-Za-z0-9._@-]+)+)")

// fileErrRE tells a line that reports a failure on a file, in English or
// French, as the C library, Node and Go word it.
var fileErrRE = regexp.MustCompile(`(?i)permission denied|\beacces\b|\benoent\b|\beperm\b|no such file|read-only file system|not permitted|cannot (?:open|create|read|write|access|stat)|failed to (?:open|create|read|write|mkdir|stat)|permission refus[ée]e|aucun fichier ou (?:dossier|r[ée]pertoire)`)

// minPathDepth: a directory this deep or deeper says which file;
// /usr/local or /var/lib do not.
const minPathDepth = 3

// pathsOf returns the absolute paths a text names, without a trailing
// slash or full stop.
func pathsOf(text string) []string {
	var out []string
	for _, m := range absPathRE.FindAllStringSubmatch(text, -1) {
		p := strings.TrimRight(m[1], "./")
		if strings.Count(p, "/") >= 2 {
			out = append(out, p)
		}
	}
	return out
}

// indexPaths records which sections name each path.
func (ix *Index) indexPaths() {
	ix.pathSecs = map[string][]int{}
	for i := range ix.sections {
		seen := map[string]bool{}
		for _, p := range pathsOf(ix.sections[i].Body) {
			if !seen[p] {
				seen[p] = true
				ix.pathSecs[p] = append(ix.pathSecs[p], i)
			}
		}
	}
}

// failedPath is a path a file error of the input names, and its line.
type failedPath struct {
	path string
	line int
}

// failedPaths returns the paths the input's file errors name.
func failedPaths(lines []Line) []failedPath {
	var out []failedPath
	for _, l := range lines {
		if !fileErrRE.MatchString(l.Raw) {
			continue
		}
		for _, p := range pathsOf(l.Raw) {
			out = append(out, failedPath{p, l.No})
		}
	}
	return out
}

// pathHits marks the sections that name the deepest directory (or the file
// itself) of a path the input's file errors fail on.
func (ix *Index) pathHits(q *query, cands []*candidate) {
	paths := failedPaths(q.lines)
	if len(paths) == 0 {
		return
	}
	depth, found, line := 0, "", 0
	var secs []int
	for _, fp := range paths {
		// From the path itself up to its ancestors minPathDepth deep.
		cut := fp.path
		for d := strings.Count(cut, "/"); d >= minPathDepth && d >= depth; d-- {
			if ss := ix.pathSecs[cut]; len(ss) > 0 {
				if d > depth {
					depth, found, line, secs = d, cut, fp.line, nil
				}
				secs = append(secs, ss...)
				break
			}
			cut = cut[:strings.LastIndexByte(cut, '/')]
		}
	}
	if depth == 0 {
		return
	}
	for _, c := range cands {
		if c.hits != nil && slices.Contains(secs, c.sec) {
			c.path, c.pathLine = found, line
		}
	}
}
