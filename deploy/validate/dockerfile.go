package main

import (
	"flag"
	"fmt"
	"os"
	"regexp"
	"strings"
)

// name[:tag]@sha256:<64 hex>, with an exact tag (no "latest").
var pinnedRef = regexp.MustCompile(`^[a-z0-9./_-]+:([A-Za-z0-9._-]+)@sha256:[0-9a-f]{64}$`)

func pinnedImage(ref string) bool {
	m := pinnedRef.FindStringSubmatch(ref)
	return m != nil && m[1] != "latest"
}

type instruction struct {
	line int
	cmd  string // upper case
	args string
}

// parseDockerfile joins continuation lines and drops comments (enough for the rules below;
// heredocs are not used in this project's Dockerfiles and are refused).
func parseDockerfile(text string) ([]instruction, error) {
	var out []instruction
	var cur strings.Builder
	start := 0
	for i, line := range strings.Split(text, "\n") {
		trimmed := strings.TrimSpace(line)
		if cur.Len() == 0 && (trimmed == "" || strings.HasPrefix(trimmed, "#")) {
			continue
		}
		if cur.Len() > 0 && strings.HasPrefix(trimmed, "#") {
			continue // a comment inside a continued instruction
		}
		if cur.Len() == 0 {
			start = i + 1
		}
		if strings.HasSuffix(trimmed, "\\") {
			cur.WriteString(strings.TrimSuffix(trimmed, "\\") + " ")
			continue
		}
		cur.WriteString(trimmed)
		full := cur.String()
		cur.Reset()
		if strings.Contains(full, "<<") {
			return nil, fmt.Errorf("line %d: heredocs are not supported by this checker", start)
		}
		cmd, args, _ := strings.Cut(full, " ")
		out = append(out, instruction{start, strings.ToUpper(cmd), strings.TrimSpace(args)})
	}
	if cur.Len() > 0 {
		return nil, fmt.Errorf("the file ends inside a continued line")
	}
	return out, nil
}

var (
	fromFlags   = regexp.MustCompile(`^(--\S+\s+)*`)
	uvSync      = regexp.MustCompile(`\buv\s+sync\b`)
	uvFrozen    = regexp.MustCompile(`(^|\s)--(frozen|locked)(\s|$)`)
	pipInstall  = regexp.MustCompile(`\bpip3?\s+install\b`)
	npmInstall  = regexp.MustCompile(`\bnpm\s+(install|i)\b`)
	aptInstall  = regexp.MustCompile(`\bapt(-get)?\s+install\b`)
	secretInEnv = regexp.MustCompile(`(?i)^(\S*(SECRET|PASSWORD|TOKEN|API_KEY)\S*)[= ]\s*\S`)
)

func runDockerfile(args []string) ([]string, error) {
	fs := flag.NewFlagSet("dockerfile", flag.ContinueOnError)
	var require stringList
	fs.Var(&require, "require", "text some RUN instruction must contain (repeatable)")
	positional, err := parseArgs(fs, args)
	if err != nil || len(positional) != 1 {
		return nil, fmt.Errorf("usage: va-validate dockerfile FILE [-require TEXT]...")
	}
	path := positional[0]
	text, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	steps, err := parseDockerfile(string(text))
	if err != nil {
		return []string{fmt.Sprintf("%s: %v", path, err)}, nil
	}
	problems := checkDockerfile(steps, require)
	for i := range problems {
		problems[i] = path + ": " + problems[i]
	}
	if len(problems) == 0 {
		fmt.Printf("dockerfile: %s: %d instructions ok\n", path, len(steps))
	}
	return problems, nil
}

// unpinned lists the packages that the install commands in a RUN name without a version.
func unpinned(run string, install *regexp.Regexp, pin string) []string {
	var out []string
	for _, part := range regexp.MustCompile(`&&|;|\|\|`).Split(run, -1) {
		loc := install.FindStringIndex(part)
		if loc == nil {
			continue
		}
		for _, word := range strings.Fields(part[loc[1]:]) {
			if !strings.HasPrefix(word, "-") && !strings.Contains(word, pin) {
				out = append(out, word)
			}
		}
	}
	return out
}

func checkDockerfile(steps []instruction, require []string) []string {
	var problems []string
	stages := map[string]bool{}
	var lastUser *instruction // in the current (in the end: final) stage
	froms := 0
	var runs []string
	for i := range steps {
		s := steps[i]
		switch s.cmd {
		case "FROM":
			froms++
			lastUser = nil
			fields := strings.Fields(fromFlags.ReplaceAllString(s.args, ""))
			if len(fields) == 0 {
				problems = append(problems, fmt.Sprintf("line %d: FROM without an image", s.line))
				continue
			}
			image := fields[0]
			if !stages[strings.ToLower(image)] && !pinnedImage(image) {
				problems = append(problems, fmt.Sprintf(
					"line %d: FROM %s is not pinned: use name:exact-tag@sha256:digest", s.line, image))
			}
			if len(fields) == 3 && strings.EqualFold(fields[1], "AS") {
				stages[strings.ToLower(fields[2])] = true
			}
		case "USER":
			lastUser = &steps[i]
		case "RUN":
			runs = append(runs, s.args)
			if uvSync.MatchString(s.args) && (!uvFrozen.MatchString(s.args) ||
				strings.Contains(s.args, "--no-frozen")) {
				problems = append(problems, fmt.Sprintf(
					"line %d: `uv sync` without --frozen (the image must use uv.lock as is)", s.line))
			}
			if npmInstall.MatchString(s.args) {
				problems = append(problems, fmt.Sprintf(
					"line %d: `npm install`: use `npm ci` (package-lock.json as is)", s.line))
			}
			for _, pkg := range unpinned(s.args, aptInstall, "=") {
				problems = append(problems, fmt.Sprintf(
					"line %d: apt installs %q without an exact version (=)", s.line, pkg))
			}
			for _, pkg := range unpinned(s.args, pipInstall, "==") {
				problems = append(problems, fmt.Sprintf(
					"line %d: pip installs %q without an exact version (==)", s.line, pkg))
			}
		case "ADD":
			if strings.Contains(s.args, "://") {
				problems = append(problems, fmt.Sprintf(
					"line %d: ADD from a URL (unpinned download): fetch it in a RUN with a checksum",
					s.line))
			}
		case "ENV", "ARG":
			if secretInEnv.MatchString(s.args) {
				problems = append(problems, fmt.Sprintf(
					"line %d: %s bakes a credential into the image: pass it at run time",
					s.line, s.cmd))
			}
		}
	}
	if froms == 0 {
		problems = append(problems, "no FROM")
	}
	if lastUser == nil {
		problems = append(problems, "the final stage has no USER: it would run as root")
	} else {
		user, _, _ := strings.Cut(strings.Fields(lastUser.args + " ")[0], ":")
		if user == "root" || user == "0" {
			problems = append(problems, fmt.Sprintf("line %d: the final stage runs as root (USER %s)",
				lastUser.line, lastUser.args))
		}
	}
	for _, want := range require {
		found := false
		for _, run := range runs {
			found = found || strings.Contains(run, want)
		}
		if !found {
			problems = append(problems, fmt.Sprintf("no RUN instruction contains %q", want))
		}
	}
	return problems
}
