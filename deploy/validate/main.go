// Command va-validate checks the deploy files without a container engine or a cluster:
//
//	va-validate compose    FILE                      compose-go: schema, interpolation, secrets
//	va-validate helm       CHART [-f VALUES]...      helm lint + render, strict k8s decoding, policy
//	va-validate dockerfile FILE [-require TEXT]...   pinned FROM, non-root USER, locked installs
//	va-validate terraform  DIR                       HCL syntax, `terraform fmt` layout, var/output use
//
// Each prints what it checked and exits 1 with one line per problem.
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"
)

type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	var problems []string
	var err error
	switch os.Args[1] {
	case "compose":
		problems, err = runCompose(os.Args[2:])
	case "helm":
		problems, err = runHelm(os.Args[2:])
	case "dockerfile":
		problems, err = runDockerfile(os.Args[2:])
	case "terraform":
		problems, err = runTerraform(os.Args[2:])
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "va-validate %s: %v\n", os.Args[1], err)
		os.Exit(2)
	}
	for _, p := range problems {
		fmt.Fprintf(os.Stderr, "FAIL %s\n", p)
	}
	if len(problems) > 0 {
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: va-validate compose|helm|dockerfile|terraform ARGS (see main.go)")
	os.Exit(2)
}

// parseArgs parses flags that may come before or after the positional arguments.
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return positional, nil
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:]
	}
}
