package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
)

// An exact provider or Terraform version: "= 1.2.3" or "1.2.3".
var exactVersion = regexp.MustCompile(`^=?\s*\d+\.\d+\.\d+$`)

// runTerraform checks every .tf file of a directory: HCL native syntax, the canonical layout
// that `terraform fmt` writes (hclwrite.Format, the formatter Terraform itself calls), and
// that variables, locals and outputs are consistent. Provider schemas are not available
// offline, so resource arguments are not checked (that is `terraform validate`).
func runTerraform(args []string) ([]string, error) {
	fs := flag.NewFlagSet("terraform", flag.ContinueOnError)
	positional, err := parseArgs(fs, args)
	if err != nil || len(positional) != 1 {
		return nil, fmt.Errorf("usage: va-validate terraform DIR")
	}
	dir := positional[0]
	files, err := filepath.Glob(filepath.Join(dir, "*.tf"))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return []string{dir + ": no .tf files"}, nil
	}
	var problems []string
	declared := map[string]bool{}
	described := map[string]bool{}
	typed := map[string]bool{}
	locals := map[string]bool{}
	used := map[string]bool{}
	usedLocals := map[string]bool{}
	outputs := 0
	for _, path := range files {
		src, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		file, diags := hclsyntax.ParseConfig(src, path, hcl.InitialPos)
		if diags.HasErrors() {
			for _, d := range diags {
				problems = append(problems, d.Error())
			}
			continue
		}
		if formatted := hclwrite.Format(src); !bytes.Equal(formatted, src) {
			problems = append(problems, fmt.Sprintf("%s: not in `terraform fmt` layout (%s)",
				path, firstDifference(src, formatted)))
		}
		body := file.Body.(*hclsyntax.Body)
		problems = append(problems, fmtRewrites(path, body, false)...)
		for _, block := range body.Blocks {
			switch block.Type {
			case "variable":
				name := block.Labels[0]
				if declared[name] {
					problems = append(problems, fmt.Sprintf("%s: variable %q declared twice", path, name))
				}
				declared[name] = true
				_, described[name] = block.Body.Attributes["description"]
				_, typed[name] = block.Body.Attributes["type"]
			case "locals":
				for name := range block.Body.Attributes {
					locals[name] = true
				}
			case "output":
				outputs++
				if _, ok := block.Body.Attributes["description"]; !ok {
					problems = append(problems, fmt.Sprintf("%s: output %q has no description",
						path, block.Labels[0]))
				}
			case "terraform":
				problems = append(problems, checkVersions(path, block)...)
			}
		}
		hclsyntax.VisitAll(body, func(node hclsyntax.Node) hcl.Diagnostics {
			expr, ok := node.(*hclsyntax.ScopeTraversalExpr)
			if !ok || len(expr.Traversal) < 2 {
				return nil
			}
			attr, ok := expr.Traversal[1].(hcl.TraverseAttr)
			if !ok {
				return nil
			}
			switch expr.Traversal.RootName() {
			case "var":
				used[attr.Name] = true
			case "local":
				usedLocals[attr.Name] = true
			}
			return nil
		})
	}
	for _, name := range sortedKeys(declared) {
		if !used[name] {
			problems = append(problems, fmt.Sprintf("variable %q is declared but never used", name))
		}
		if !described[name] || !typed[name] {
			problems = append(problems, fmt.Sprintf("variable %q needs a type and a description", name))
		}
	}
	for _, name := range sortedKeys(used) {
		if !declared[name] {
			problems = append(problems, fmt.Sprintf("var.%s is used but not declared", name))
		}
	}
	for _, name := range sortedKeys(usedLocals) {
		if !locals[name] {
			problems = append(problems, fmt.Sprintf("local.%s is used but not defined", name))
		}
	}
	for _, name := range sortedKeys(locals) {
		if !usedLocals[name] {
			problems = append(problems, fmt.Sprintf("local.%s is defined but never used", name))
		}
	}
	if len(problems) == 0 {
		fmt.Printf("terraform: %s: %d files formatted, %d variables, %d outputs\n",
			dir, len(files), len(declared), outputs)
	}
	return problems, nil
}

// checkVersions: required_version and every required provider pinned to one exact version.
func checkVersions(path string, block *hclsyntax.Block) []string {
	var problems []string
	if attr, ok := block.Body.Attributes["required_version"]; !ok {
		problems = append(problems, path+": terraform block without required_version")
	} else if v, diags := attr.Expr.Value(nil); diags.HasErrors() || !exactVersion.MatchString(v.AsString()) {
		problems = append(problems, path+": required_version must be one exact version")
	}
	for _, inner := range block.Body.Blocks {
		if inner.Type != "required_providers" {
			continue
		}
		for name, attr := range inner.Body.Attributes {
			v, diags := attr.Expr.Value(nil)
			if diags.HasErrors() || !v.Type().IsObjectType() || !v.Type().HasAttribute("version") ||
				!exactVersion.MatchString(v.GetAttr("version").AsString()) {
				problems = append(problems, fmt.Sprintf(
					"%s: provider %q must be pinned to one exact version", path, name))
			}
		}
	}
	return problems
}

func firstDifference(a, b []byte) string {
	line := 1
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] != b[i] {
			return fmt.Sprintf("first difference on line %d", line)
		}
		if a[i] == '\n' {
			line++
		}
	}
	return fmt.Sprintf("first difference on line %d", line)
}

func sortedKeys(m map[string]bool) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// fmtRewrites finds what `terraform fmt` rewrites beyond layout: an attribute that is only an
// interpolation ("${var.x}" becomes var.x) and a variable type in the old quoted or bare
// form ("string", list, map).
func fmtRewrites(path string, body *hclsyntax.Body, inVariable bool) []string {
	var problems []string
	for name, attr := range body.Attributes {
		if _, ok := attr.Expr.(*hclsyntax.TemplateWrapExpr); ok {
			problems = append(problems, fmt.Sprintf("%s:%d: `terraform fmt` unwraps the "+
				"interpolation-only value of %s", path, attr.SrcRange.Start.Line, name))
		}
		if !inVariable || name != "type" {
			continue
		}
		legacy := false
		switch e := attr.Expr.(type) {
		case *hclsyntax.TemplateExpr:
			legacy = true
		case *hclsyntax.ScopeTraversalExpr:
			root := e.Traversal.RootName()
			legacy = len(e.Traversal) == 1 && (root == "list" || root == "map" || root == "set")
		}
		if legacy {
			problems = append(problems, fmt.Sprintf("%s:%d: `terraform fmt` rewrites this "+
				"variable type (use string, list(string), map(any), ...)", path,
				attr.SrcRange.Start.Line))
		}
	}
	for _, block := range body.Blocks {
		problems = append(problems, fmtRewrites(path, block.Body, block.Type == "variable")...)
	}
	sort.Strings(problems)
	return problems
}
