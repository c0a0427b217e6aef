package knowledge

import (
	"fmt"
	"path"
	"regexp"
	"strings"
)

// A file error names the file it failed on: "EACCES: permission denied,
// mkdir '/home/node/.openclaw/canvas'", "open /etc/headscale/config.yaml: no
// such file or directory". A section that names that path, or a directory
// above it, is about that file, whatever other words the two share: the
// words of a permission error are the same for every file, the path is not.
// The sections naming the deepest such directory are credited; those naming
// only a shallower one are not.

// absPathRE finds absolute paths of two components or more, not the path of
// a URL (its slash follows a host).
var absPathRE = regexp.MustCompile("(?:^|[\\s'\"(=:,`\\[«\u00a0\u202f])(/[\\p{L}\\p{N}._@-]+(?:/[\\p{L}\\p{N}._@-]+)+)")

// fileErrWords tell a line that reports a failure on a file, as the C
// library, Node and Go word it in English, and glibc and coreutils in French
// (accents folded). Plain substrings of the lower-cased line: a regular
// expression cost a fifth of a line's matching time.
var fileErrWords = []string{
	"permission denied", "eacces", "enoent", "eperm", "no such file", "read-only file system",
	"not permitted", "cannot open", "cannot create", "cannot read", "cannot write", "cannot access",
	"cannot stat", "failed to open", "failed to create", "failed to read", "failed to write",
	"failed to mkdir", "failed to stat",
	"permission refusee", "permission non accordee", "operation non permise",
	"aucun fichier ou dossier", "aucun fichier ou repertoire", "en lecture seule",
}

// isFileError reports whether a line reports a failure on a file.
func isFileError(text string) bool { return containsFolded(text, fileErrWords) }

// minPathDepth: a directory this deep or deeper says which file;
// /usr/local or /var/lib do not.
const minPathDepth = 3

// pathsOf returns the absolute paths a text names, cleaned (no trailing
// slash, full stop, "." or "..").
func pathsOf(text string) []string {
	var out []string
	for _, m := range absPathRE.FindAllStringSubmatch(text, -1) {
		p := strings.TrimRight(m[1], "/")
		if !strings.HasSuffix(p, "/..") && !strings.HasSuffix(p, "/.") {
			p = strings.TrimSuffix(p, ".") // a sentence's full stop
		}
		p = path.Clean(p)
		if strings.Count(p, "/") >= 2 {
			out = append(out, p)
		}
	}
	return out
}

// indexPaths records which sections name each path, and the depth of the
// deepest one.
func (ix *Index) indexPaths() {
	ix.pathSecs = ix.sectionsNaming(pathsOf)
	for p := range ix.pathSecs {
		ix.maxPathDepth = max(ix.maxPathDepth, strings.Count(p, "/"))
	}
}

// sectionsNaming lists, per name that names finds in a section's body, the
// sections naming it, each once, in corpus order.
func (ix *Index) sectionsNaming(names func(string) []string) map[string][]int {
	bySecs := map[string][]int{}
	for i := range ix.sections {
		for _, n := range names(ix.sections[i].Body) {
			if ss := bySecs[n]; len(ss) == 0 || ss[len(ss)-1] != i {
				bySecs[n] = append(ss, i)
			}
		}
	}
	return bySecs
}

// lineMessage is what a line says: its message and its other fields.
func lineMessage(l Line) string {
	if l.Context == "" {
		return l.Text
	}
	return l.Text + "\n" + l.Context
}

// failedPath is a path a file error of the input names, and its line.
type failedPath struct {
	path string
	line int
}

// failedPaths returns the paths the input's file errors name, in the
// message and the other fields of the line.
func failedPaths(lines []Line) []failedPath {
	var out []failedPath
	for _, l := range lines {
		text := lineMessage(l)
		if !strings.Contains(text, "/") || !isFileError(text) {
			continue
		}
		for _, p := range pathsOf(text) {
			out = append(out, failedPath{p, l.No})
		}
	}
	return out
}

// pathCredit is what pathHits found for one section: the directory it
// names, the file that failed under it and the input line — or, for an
// image, the repository it names and the reference that failed to pull.
type pathCredit struct {
	sec       int
	dir, file string
	line      int
	image     bool
}

// pathHits credits the sections that name the deepest directory (or the
// file itself) of a path the input's file errors fail on; failing that,
// those naming an image the input could not pull.
func (ix *Index) pathHits(q *query, cands []*candidate) {
	credits := ix.pathCredits(q.lines)
	if len(credits) == 0 {
		credits = ix.imageCredits(q.lines)
	}
	if len(credits) == 0 {
		return
	}
	bySec := make(map[int]pathCredit, len(credits))
	for _, pc := range credits {
		if _, ok := bySec[pc.sec]; !ok {
			bySec[pc.sec] = pc
		}
	}
	for _, c := range cands {
		if pc, ok := bySec[c.sec]; ok && c.hits != nil {
			c.path = pc
		}
	}
}

// pathCredits: the sections naming the deepest directory, minPathDepth
// deep or more, above a path the input's file errors fail on.
func (ix *Index) pathCredits(lines []Line) []pathCredit {
	if len(ix.pathSecs) == 0 {
		return nil
	}
	depth := 0
	var credits []pathCredit
	for _, fp := range failedPaths(lines) {
		// No corpus path is deeper than maxPathDepth: start there.
		cut := fp.path
		d := strings.Count(cut, "/")
		for ; d > ix.maxPathDepth; d-- {
			cut = cut[:strings.LastIndexByte(cut, '/')]
		}
		// From there up to the ancestors minPathDepth deep.
		for ; d >= minPathDepth && d >= depth; d-- {
			if ss := ix.pathSecs[cut]; len(ss) > 0 {
				if d > depth {
					depth, credits = d, credits[:0]
				}
				for _, s := range ss {
					credits = append(credits, pathCredit{s, cut, fp.path, fp.line, false})
				}
				break
			}
			cut = cut[:strings.LastIndexByte(cut, '/')]
		}
	}
	return credits
}

// An image error names the image it could not pull, on its line ("manifest
// for ghcr.io/google/cadvisor:v0.55.1 not found") or on the pull command
// before it ("docker pull …" then "manifest unknown"). The sections naming
// that image's repository — its tags, its registry — are about it.

// imageRefRE finds image references: a repository of two parts or more,
// with a registry host or a tag.
var imageRefRE = regexp.MustCompile("(?:^|[\\s'\"(=,`\\[])((?:[a-z0-9-]+(?:\\.[a-z0-9-]+)+(?::[0-9]+)?/)?[a-z0-9._-]+(?:/[a-z0-9._-]+)+)(:[A-Za-z0-9_][A-Za-z0-9_.-]*)?")

// imageErrWords tell a line that reports an image that could not be pulled.
var imageErrWords = []string{
	"manifest unknown", "manifest for", "not found: manifest", "manifest not found", "no matching manifest",
	"pull access denied", "failed to resolve reference", "repository does not exist",
}

// imageRefs returns the image repositories a text names, with the
// reference as written.
func imageRefs(text string) (repos, refs []string) {
	for _, m := range imageRefRE.FindAllStringSubmatch(text, -1) {
		repo := m[1]
		first := repo[:strings.IndexByte(repo, '/')]
		registry := strings.Contains(first, ".") && strings.ContainsFunc(first, func(r rune) bool { return r >= 'a' && r <= 'z' })
		if !registry && m[2] == "" {
			continue
		}
		repos, refs = append(repos, repo), append(refs, repo+m[2])
	}
	return repos, refs
}

// imageRepos returns the image repositories a text names.
func imageRepos(text string) []string {
	repos, _ := imageRefs(text)
	return repos
}

// imageCredits: when a line of the input reports an image that could not
// be pulled, the sections naming a repository any line of the input names.
func (ix *Index) imageCredits(lines []Line) []pathCredit {
	if len(ix.imageSecs) == 0 {
		return nil
	}
	failed := false
	for _, l := range lines {
		if containsFolded(lineMessage(l), imageErrWords) {
			failed = true
			break
		}
	}
	if !failed {
		return nil
	}
	var credits []pathCredit
	for _, l := range lines {
		repos, refs := imageRefs(l.Raw)
		for k, r := range repos {
			for _, s := range ix.imageSecs[r] {
				credits = append(credits, pathCredit{s, r, refs[k], l.No, true})
			}
		}
	}
	return credits
}

// evidence is the evidence line of a credit.
func (pc pathCredit) evidence() string {
	switch {
	case pc.image:
		return fmt.Sprintf("line %d: image %s cannot be pulled; the section names %s", pc.line, pc.file, pc.dir)
	case pc.file == pc.dir:
		return fmt.Sprintf("line %d: fails on %s, which the section names", pc.line, pc.dir)
	}
	return fmt.Sprintf("line %d: fails on %s, under %s, which the section names", pc.line, pc.file, pc.dir)
}
