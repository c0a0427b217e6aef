// Package doccheck enforces the documentation rule of CONVENTIONS.md in a
// package's tests: a package comment, and a comment starting with the name
// on every exported name; no package-level variables.
package doccheck

import (
	"go/ast"
	"go/doc"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Check fails t for each documentation problem of the package in dir.
func Check(t testing.TB, dir, importPath, name string) {
	t.Helper()
	fset := token.NewFileSet()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var files []*ast.File
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".go") || strings.HasSuffix(e.Name(), "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(dir, e.Name()), nil, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	pkg, err := doc.NewFromFiles(fset, files, importPath)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(pkg.Doc, "Package "+name+" ") {
		t.Errorf("package comment must start with %q: %q", "Package "+name+" ", pkg.Doc)
	}
	check := func(name, comment string) {
		if !strings.HasPrefix(comment, name+" ") {
			t.Errorf("%s: doc comment must start with %q, got %q", name, name+" ", comment)
		}
	}
	values := func(vs []*doc.Value) {
		for _, v := range vs {
			for _, spec := range v.Decl.Specs {
				for _, n := range spec.(*ast.ValueSpec).Names {
					if n.IsExported() {
						check(n.Name, spec.(*ast.ValueSpec).Doc.Text())
					}
				}
			}
		}
	}
	values(pkg.Consts)
	values(pkg.Vars)
	for _, f := range pkg.Funcs {
		check(f.Name, f.Doc)
	}
	for _, typ := range pkg.Types {
		check(typ.Name, typ.Doc)
		values(typ.Consts)
		values(typ.Vars)
		for _, f := range typ.Funcs {
			check(f.Name, f.Doc)
		}
		for _, m := range typ.Methods {
			check(m.Name, m.Doc)
		}
		for _, spec := range typ.Decl.Specs {
			st, ok := spec.(*ast.TypeSpec).Type.(*ast.StructType)
			if !ok {
				continue
			}
			for _, field := range st.Fields.List {
				for _, n := range field.Names {
					if n.IsExported() {
						check(typ.Name+"."+n.Name, typ.Name+"."+field.Doc.Text())
					}
				}
			}
		}
	}
	if len(pkg.Vars) > 0 {
		t.Errorf("package-level variables are not allowed: %d found", len(pkg.Vars))
	}
}
