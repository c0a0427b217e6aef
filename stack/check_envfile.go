package stack

import (
	"bufio"
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
)

// envFileDrift compares a service's env files, as they are on disk now, with
// the environment the container was created with: a restart never rereads
// them, only a recreate does (41.2, 11.18). Key names only, never values.
type envFileDrift struct{}

func (envFileDrift) Name() string { return "env_file drift" }

func (envFileDrift) Run(ctx context.Context, t *Target) ([]Finding, error) {
	if !t.Local || t.ReadFile == nil {
		return nil, nil // the compose files are on another machine
	}
	var out []Finding
	for _, c := range t.Containers {
		if c.Service == "" || len(c.ConfigFiles) == 0 {
			continue
		}
		svc, dir, err := composeService(t, c)
		if err != nil {
			out = append(out, finding(c, Info, "compose file unreadable, env_file drift not checked: "+err.Error()))
			continue
		}
		if svc == nil || len(svc.EnvFiles) == 0 {
			continue
		}
		env := c.EnvMap()
		var changed, missing []string
		for _, f := range svc.EnvFiles {
			p := f.Path
			if !filepath.IsAbs(p) {
				p = filepath.Join(dir, p)
			}
			data, err := t.ReadFile(p)
			if err != nil {
				if f.Required {
					out = append(out, finding(c, Warning, fmt.Sprintf("env file %s is unreadable (%v): the next recreate will fail", p, shortErr(err)), "41.2"))
				}
				continue
			}
			for k, v := range parseEnvFile(string(data)) {
				if _, set := svc.Environment[k]; set {
					continue // environment: wins over env_file
				}
				if strings.Contains(v, "${") {
					continue // interpolated by compose: not comparable
				}
				cur, ok := env[k]
				switch {
				case !ok:
					missing = append(missing, k)
				case cur != v:
					changed = append(changed, k)
				}
			}
		}
		if len(changed)+len(missing) == 0 {
			continue
		}
		sort.Strings(changed)
		sort.Strings(missing)
		f := finding(c, Warning, "env file changed since the container was created: force-recreate needed (a restart keeps the old environment)", "41.2", "11.18")
		if len(changed) > 0 {
			f.Details = append(f.Details, "changed: "+strings.Join(changed, ", "))
		}
		if len(missing) > 0 {
			f.Details = append(f.Details, "new in the file: "+strings.Join(missing, ", "))
		}
		out = append(out, f)
	}
	return out, nil
}

type envFileRef struct {
	Path     string
	Required bool
}

type composeSvc struct {
	EnvFiles    []envFileRef
	Environment map[string]bool
}

// composeService reads the compose files named by the container's labels
// and returns its service, merged over the files, and the project
// directory. Compose v2 writes absolute paths in the label; v1.29 writes
// them as the -f arguments were given (see composeFilePaths).
func composeService(t *Target, c Container) (*composeSvc, string, error) {
	dir := c.WorkingDir
	var svc *composeSvc
	for _, f := range c.ConfigFiles {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		paths := composeFilePaths(c, f)
		p := paths[0]
		data, err := t.ReadFile(p)
		for _, alt := range paths[1:] {
			if err == nil {
				break
			}
			if d, e := t.ReadFile(alt); e == nil {
				p, data, err = alt, d, nil
			}
		}
		if dir == "" {
			dir = filepath.Dir(p)
		}
		if err != nil {
			return nil, dir, fmt.Errorf("%s: %s", p, shortErr(err))
		}
		var doc struct {
			Services map[string]struct {
				EnvFile     yaml.Node `yaml:"env_file"`
				Environment yaml.Node `yaml:"environment"`
			} `yaml:"services"`
		}
		if err := yaml.Unmarshal(data, &doc); err != nil {
			return nil, dir, fmt.Errorf("%s: not valid YAML", p)
		}
		s, ok := doc.Services[c.Service]
		if !ok {
			continue
		}
		if svc == nil {
			svc = &composeSvc{Environment: map[string]bool{}}
		}
		if refs := envFileRefs(&s.EnvFile); refs != nil {
			svc.EnvFiles = refs // a later file replaces the list
		}
		for _, k := range environmentKeys(&s.Environment) {
			svc.Environment[k] = true
		}
	}
	return svc, dir, nil
}

// composeFilePaths returns where a config_files entry may be, most likely
// first. Compose v1.29 writes each -f argument as given, relative to the
// directory compose ran in, which no label records; working_dir is the
// project directory, the first file's. So the run directory is working_dir
// less the first file's directory when it ends with it; else the entry is
// tried under working_dir, then its base name there.
func composeFilePaths(c Container, f string) []string {
	dir := c.WorkingDir
	if filepath.IsAbs(f) {
		return []string{f}
	}
	if dir == "" || len(c.ConfigFiles) == 0 {
		return []string{filepath.Join(dir, f)}
	}
	var out []string
	add := func(p string) {
		for _, q := range out {
			if q == p {
				return
			}
		}
		out = append(out, p)
	}
	if first := strings.TrimSpace(c.ConfigFiles[0]); !filepath.IsAbs(first) {
		d := filepath.Dir(filepath.Clean(first))
		sep := string(filepath.Separator)
		if d != "." && d != ".." && !strings.HasPrefix(d, ".."+sep) && strings.HasSuffix(dir, sep+d) {
			add(filepath.Join(strings.TrimSuffix(dir, d), f))
		}
	}
	add(filepath.Join(dir, f))
	add(filepath.Join(dir, filepath.Base(f)))
	return out
}

// envFileRefs reads env_file: a string, a list of strings, or a list of
// {path, required} (compose v2).
func envFileRefs(n *yaml.Node) []envFileRef {
	switch n.Kind {
	case yaml.ScalarNode:
		return []envFileRef{{Path: n.Value, Required: true}}
	case yaml.SequenceNode:
		var out []envFileRef
		for _, it := range n.Content {
			switch it.Kind {
			case yaml.ScalarNode:
				out = append(out, envFileRef{Path: it.Value, Required: true})
			case yaml.MappingNode:
				r := envFileRef{Required: true}
				for i := 0; i+1 < len(it.Content); i += 2 {
					switch it.Content[i].Value {
					case "path":
						r.Path = it.Content[i+1].Value
					case "required":
						r.Required = it.Content[i+1].Value != "false"
					}
				}
				if r.Path != "" {
					out = append(out, r)
				}
			}
		}
		return out
	}
	return nil
}

// environmentKeys reads environment: a map or a list of KEY=VALUE / KEY.
func environmentKeys(n *yaml.Node) []string {
	var out []string
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i < len(n.Content); i += 2 {
			out = append(out, n.Content[i].Value)
		}
	case yaml.SequenceNode:
		for _, it := range n.Content {
			k, _, _ := strings.Cut(it.Value, "=")
			out = append(out, k)
		}
	}
	return out
}

// parseEnvFile reads KEY=VALUE lines as compose does: comments, blank
// lines, an optional `export `, quoted values.
func parseEnvFile(s string) map[string]string {
	out := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(s))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		line = strings.TrimPrefix(line, "export ")
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		k = strings.TrimSpace(k)
		v = strings.TrimSpace(v)
		if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
			v = v[1 : len(v)-1]
		} else if i := strings.Index(v, " #"); i >= 0 {
			v = strings.TrimSpace(v[:i])
		}
		if k != "" {
			out[k] = v
		}
	}
	return out
}

func shortErr(err error) string {
	s := err.Error()
	if i := strings.LastIndex(s, ": "); i >= 0 && strings.Contains(s, "/") {
		return s[i+2:]
	}
	return s
}
