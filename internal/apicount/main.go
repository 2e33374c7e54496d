// Command apicount counts the exported names of a Go package directory:
// top-level funcs, types, consts and vars, methods of exported types,
// exported struct fields and interface methods. It is how the size of the
// library's API is measured:
//
//	go run ./internal/apicount ginlogin        # the count
//	go run ./internal/apicount -list ginlogin  # every name, then the count
package main

import (
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

func main() {
	list := flag.Bool("list", false, "print every exported name before the count")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: apicount [-list] DIR")
		os.Exit(2)
	}
	names, err := exportedNames(flag.Arg(0))
	if err != nil {
		fmt.Fprintln(os.Stderr, "apicount:", err)
		os.Exit(1)
	}
	if *list {
		for _, n := range names {
			fmt.Println(n)
		}
	}
	fmt.Println(len(names))
}

// exportedNames returns the sorted exported names of the package in dir,
// test files left out, each prefixed with its kind ("func Login", "field
// Config.LoginURL", "method Device.PublicID", "imethod User.LoginID").
func exportedNames(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	fset := token.NewFileSet()
	var files []*ast.File
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(dir, name), nil, 0)
		if err != nil {
			return nil, err
		}
		files = append(files, f)
	}
	var names []string
	for _, f := range files {
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if !d.Name.IsExported() {
					continue
				}
				if d.Recv != nil {
					t := d.Recv.List[0].Type
					if s, ok := t.(*ast.StarExpr); ok {
						t = s.X
					}
					if id, ok := t.(*ast.Ident); ok && id.IsExported() {
						names = append(names, "method "+id.Name+"."+d.Name.Name)
					}
					continue
				}
				names = append(names, "func "+d.Name.Name)
			case *ast.GenDecl:
				for _, s := range d.Specs {
					switch s := s.(type) {
					case *ast.TypeSpec:
						if !s.Name.IsExported() {
							continue
						}
						names = append(names, "type "+s.Name.Name)
						switch t := s.Type.(type) {
						case *ast.StructType:
							for _, f := range t.Fields.List {
								for _, n := range f.Names {
									if n.IsExported() {
										names = append(names, "field "+s.Name.Name+"."+n.Name)
									}
								}
							}
						case *ast.InterfaceType:
							for _, f := range t.Methods.List {
								for _, n := range f.Names {
									if n.IsExported() {
										names = append(names, "imethod "+s.Name.Name+"."+n.Name)
									}
								}
							}
						}
					case *ast.ValueSpec:
						for _, n := range s.Names {
							if n.IsExported() {
								names = append(names, "value "+n.Name)
							}
						}
					}
				}
			}
		}
	}
	sort.Strings(names)
	return names, nil
}
