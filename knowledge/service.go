package knowledge

import (
	"regexp"
	"strings"
)

// DefaultServices are the compose services of the stack vigie serves.
var DefaultServices = []string{
	"postgresql", "redis", "qdrant", "caddy", "grafana", "loki", "victoriametrics", "alloy",
	"cadvisor", "n8n", "litellm", "openclaw", "nocodb", "palais", "opencut", "headscale", "kaneo",
}

var replicaRE = regexp.MustCompile(`[-_]\d+$`)

var wordRE = regexp.MustCompile(`[A-Za-z0-9][A-Za-z0-9_.-]*`)

// inferService tells which compose service a text is about: a compose log
// prefix first, then a container name such as `javisi_nocodb`, then a
// service named in the error lines, then anywhere.
func (ix *Index) inferService(lines []Line) string {
	for _, l := range lines {
		if l.Service != "" {
			return ix.serviceOf(l.Service, true)
		}
	}
	// Container names: <project>_<service>[_N] or <project>-<service>-N.
	for _, l := range lines {
		for _, w := range wordRE.FindAllString(l.Raw, -1) {
			if s := ix.containerService(w); s != "" {
				return s
			}
		}
	}
	var errLines, other []Line
	for _, l := range lines {
		if l.Level == "error" || isErrorLike(l.Text) {
			errLines = append(errLines, l)
		} else {
			other = append(other, l)
		}
	}
	// A service named as the host a lookup failed on is the peer the
	// erring program wanted to reach (Grafana's "lookup postgresql … no
	// such host"): never the service the text is about.
	for _, group := range [][]Line{errLines, other} {
		for _, l := range group {
			prev := ""
			for _, w := range wordRE.FindAllString(strings.ToLower(l.Text), -1) {
				w = strings.Trim(w, ".-_")
				if ix.hasService(w) && prev != "lookup" {
					return w
				}
				prev = w
			}
		}
	}
	// Last, a service's well-known port on a local address
	// (curl http://127.0.0.1:4000/health is LiteLLM).
	for _, l := range lines {
		for _, m := range localPortRE.FindAllStringSubmatch(l.Raw, -1) {
			if s := defaultPorts[m[1]]; s != "" && ix.hasService(s) {
				return s
			}
		}
	}
	return ""
}

// defaultPorts are the ports the stack's services listen on by default,
// as their images ship them. Ports other programs of the stack use as well
// are left out: 3000 (Grafana, Palais, Node apps), 3100 (Loki, OpenCut on
// the Pi), 8080.
var defaultPorts = map[string]string{
	"4000": "litellm", "6333": "qdrant", "6334": "qdrant", "5678": "n8n", "5432": "postgresql",
	"6379": "redis", "8428": "victoriametrics", "18789": "openclaw", "2019": "caddy", "12345": "alloy",
}

var localPortRE = regexp.MustCompile(`(?:localhost|127\.0\.0\.1|0\.0\.0\.0|\[::1\]):(\d{2,5})\b`)

// containerService is the service a word names when it reads as a compose
// container name: lower-case, as Compose writes every project and service
// name, with the service as its last part (javisi_nocodb, javisi-n8n-1).
// A data source called PostgreSQL-n8n or a plugin id such as
// grafana-postgresql-datasource are not containers.
func (ix *Index) containerService(w string) string {
	if !strings.ContainsAny(w, "_-") || strings.ToLower(w) != w {
		return ""
	}
	comps := strings.FieldsFunc(replicaRE.ReplaceAllString(w, ""), func(r rune) bool { return r == '_' || r == '-' })
	if len(comps) < 2 || !ix.hasService(comps[len(comps)-1]) {
		return ""
	}
	return comps[len(comps)-1]
}

// hasService reports whether s is one of the stack's service names.
func (ix *Index) hasService(s string) bool {
	for _, x := range ix.services {
		if x == s {
			return true
		}
	}
	return false
}

// serviceOf maps a container or compose name to a known service:
// "javisi_nocodb_1" → "nocodb", "openclaw-gateway-1" → "openclaw-gateway"
// when raw is true (a compose prefix names the service even if unknown).
func (ix *Index) serviceOf(name string, raw bool) string {
	n := strings.ToLower(replicaRE.ReplaceAllString(name, ""))
	if ix.hasService(n) {
		return n
	}
	comps := strings.FieldsFunc(n, func(r rune) bool { return r == '_' || r == '-' || r == '.' })
	// The service is the last known component: javisi_nocodb, javisi-n8n.
	for i := len(comps) - 1; i >= 0; i-- {
		if ix.hasService(comps[i]) && (i > 0 || len(comps) == 1 || raw) {
			if raw && i == 0 && len(comps) > 1 {
				return n // "openclaw-gateway" is its own service
			}
			return comps[i]
		}
	}
	if raw {
		return n
	}
	return ""
}
