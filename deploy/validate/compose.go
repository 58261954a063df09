package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/template"
	"github.com/compose-spec/compose-go/v2/types"
	"go.yaml.in/yaml/v4"
)

// A variable whose name says it is a credential must be required (${NAME:?message}): no
// default, no literal value in the file.
var secretName = regexp.MustCompile(`(?i)(SECRET|PASSWORD|TOKEN|API_KEY|_KEYS?$)`)

func runCompose(args []string) ([]string, error) {
	fs := flag.NewFlagSet("compose", flag.ContinueOnError)
	var requireEnv stringList
	fs.Var(&requireEnv, "require-env", "SERVICE=NAME: the service must set NAME (repeatable)")
	positional, err := parseArgs(fs, args)
	if err != nil || len(positional) != 1 {
		return nil, fmt.Errorf("usage: va-validate compose FILE [-require-env SERVICE=NAME]...")
	}
	path, err := filepath.Abs(positional[0])
	if err != nil {
		return nil, err
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var model map[string]any
	if err := yaml.Unmarshal(raw, &model); err != nil {
		return []string{fmt.Sprintf("%s: not YAML: %v", path, err)}, nil
	}
	var problems []string

	// 1. every credential comes from the environment and is required there
	vars := template.ExtractVariables(model, template.DefaultPattern)
	names := make([]string, 0, len(vars))
	for name := range vars {
		names = append(names, name)
	}
	sort.Strings(names)
	var required []string
	for _, name := range names {
		v := vars[name]
		if v.Required {
			required = append(required, name)
		}
		if secretName.MatchString(name) && (!v.Required || v.DefaultValue != "") {
			problems = append(problems, fmt.Sprintf(
				"%s: ${%s} is a credential: write it as ${%s:?message} (required, no default)",
				path, name, name))
		}
	}
	problems = append(problems, literalSecrets(path, model)...)

	// 2. the whole file, interpolated with every variable set, against the compose schema
	env := []string{} // the required ones set; the others keep their defaults
	for _, name := range required {
		env = append(env, name+"=placeholder-value-for-validation-0123456789")
	}
	project, err := load(path, env)
	if err != nil {
		problems = append(problems, fmt.Sprintf("%s: %v", path, err))
	} else {
		for _, svc := range project.Services {
			if svc.Image == "" && svc.Build == nil {
				problems = append(problems, fmt.Sprintf("%s: service %s has neither image nor build",
					path, svc.Name))
			}
			if svc.Image != "" && svc.Build == nil && !pinnedImage(svc.Image) {
				problems = append(problems, fmt.Sprintf(
					"%s: service %s image %q is not pinned (name:tag@sha256:digest)",
					path, svc.Name, svc.Image))
			}
		}
		for _, want := range requireEnv {
			service, name, _ := strings.Cut(want, "=")
			svc, ok := project.Services[service]
			if !ok {
				problems = append(problems, fmt.Sprintf("%s: no service %s", path, service))
			} else if value, ok := svc.Environment[name]; !ok || value == nil || *value == "" {
				problems = append(problems, fmt.Sprintf("%s: service %s does not set %s",
					path, service, name))
			}
		}
		fmt.Printf("compose: %s: %d services, %d volumes, %d required variables\n",
			filepath.Base(path), len(project.Services), len(project.Volumes), len(required))
	}

	// 3. without the environment, loading must fail (the secrets are really required)
	if len(required) == 0 {
		problems = append(problems, fmt.Sprintf("%s: no ${VAR:?message} variables: secrets "+
			"must be required from the environment", path))
	} else if _, err := load(path, nil); err == nil {
		problems = append(problems, fmt.Sprintf(
			"%s: loads with an empty environment: the required variables are not enforced", path))
	}
	return problems, nil
}

func load(path string, env []string) (*types.Project, error) {
	opts, err := cli.NewProjectOptions([]string{path},
		cli.WithEnv(env),
		cli.WithName("voice-assistant"),
		cli.WithWorkingDirectory(filepath.Dir(path)),
		cli.WithDiscardEnvFile,
		cli.WithConsistency(true),
		cli.WithResolvedPaths(true),
	)
	if err != nil {
		return nil, err
	}
	return opts.LoadProject(context.Background())
}

// literalSecrets finds services' environment entries with a credential name and a value that
// does not come from a required variable.
func literalSecrets(path string, model map[string]any) []string {
	var problems []string
	services, _ := model["services"].(map[string]any)
	for name, raw := range services {
		svc, _ := raw.(map[string]any)
		for key, value := range environment(svc["environment"]) {
			if !secretName.MatchString(key) || value == nil {
				continue
			}
			text := fmt.Sprint(value)
			if !strings.HasPrefix(text, "${") || !strings.Contains(text, ":?") {
				problems = append(problems, fmt.Sprintf(
					"%s: service %s sets %s to a value in the file: take it from ${VAR:?message}",
					path, name, key))
			}
		}
	}
	sort.Strings(problems)
	return problems
}

func environment(raw any) map[string]any {
	out := map[string]any{}
	switch env := raw.(type) {
	case map[string]any:
		out = env
	case []any:
		for _, item := range env {
			key, value, found := strings.Cut(fmt.Sprint(item), "=")
			if found {
				out[key] = value
			} else {
				out[key] = nil
			}
		}
	}
	return out
}
