package main

import (
	"flag"
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/cli/values"
	"helm.sh/helm/v3/pkg/lint"
	"helm.sh/helm/v3/pkg/lint/support"
	"helm.sh/helm/v3/pkg/releaseutil"
)

// The cluster version the chart is rendered for (Capabilities.KubeVersion).
const kubeVersion = "v1.33.0"

func runHelm(args []string) ([]string, error) {
	fs := flag.NewFlagSet("helm", flag.ContinueOnError)
	var valueFiles, externalSecrets stringList
	fs.Var(&valueFiles, "f", "values file (repeatable, later ones win)")
	fs.Var(&externalSecrets, "external-secret",
		"a Secret the cluster already has (not rendered by the chart; repeatable)")
	namespace := fs.String("namespace", "voice-assistant", "namespace to render into")
	show := fs.Bool("print", false, "print the rendered manifests (like helm template)")
	positional, err := parseArgs(fs, args)
	if err != nil || len(positional) != 1 {
		return nil, fmt.Errorf("usage: va-validate helm CHART [-f VALUES]... [-external-secret NAME]...")
	}
	dir := positional[0]
	kv, err := chartutil.ParseKubeVersion(kubeVersion)
	if err != nil {
		return nil, err
	}
	vals, err := (&values.Options{ValueFiles: valueFiles}).MergeValues(nil)
	if err != nil {
		return nil, err
	}
	label := filepath.Base(dir)
	if len(valueFiles) > 0 {
		names := []string{}
		for _, f := range valueFiles {
			names = append(names, filepath.Base(f))
		}
		label += " with " + strings.Join(names, ", ")
	}
	var problems []string

	// 1. helm lint (strict: warnings fail too)
	linter := lint.AllWithKubeVersion(dir, vals, *namespace, kv)
	for _, msg := range linter.Messages {
		if msg.Severity >= support.WarningSev {
			problems = append(problems, "helm lint: "+msg.Error())
		}
	}

	// 2. helm template (action.Install, dry run, client only)
	chart, err := loader.Load(dir)
	if err != nil {
		return append(problems, fmt.Sprintf("%s: %v", dir, err)), nil
	}
	install := action.NewInstall(&action.Configuration{Log: func(string, ...any) {}})
	install.DryRun = true
	install.ClientOnly = true
	install.Replace = true
	install.ReleaseName = "va"
	install.Namespace = *namespace
	install.KubeVersion = kv
	install.DisableHooks = false
	rel, err := install.Run(chart, vals)
	if err != nil {
		return append(problems, fmt.Sprintf("helm template %s: %v", label, err)), nil
	}
	docs := releaseutil.SplitManifests(rel.Manifest)
	keys := make([]string, 0, len(docs))
	for k := range docs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var manifests []string
	for _, k := range keys {
		if strings.TrimSpace(docs[k]) != "" {
			manifests = append(manifests, docs[k])
		}
	}
	for _, hook := range rel.Hooks {
		manifests = append(manifests, hook.Manifest)
	}

	if *show {
		fmt.Println("---\n" + strings.Join(manifests, "\n---\n"))
	}

	// 3. strict decoding against the Kubernetes API types, then the chart's own rules
	objects, decodeProblems := decodeStrict(manifests)
	problems = append(problems, decodeProblems...)
	problems = append(problems, checkPolicy(objects, externalSecrets)...)
	if len(problems) == 0 {
		kinds := map[string]int{}
		for _, o := range objects {
			kinds[o.GetObjectKind().GroupVersionKind().Kind]++
		}
		parts := []string{}
		for k, n := range kinds {
			parts = append(parts, fmt.Sprintf("%d %s", n, k))
		}
		sort.Strings(parts)
		fmt.Printf("helm: %s: lint ok, %d manifests decoded strictly (%s)\n",
			label, len(objects), strings.Join(parts, ", "))
	}
	return problems, nil
}
