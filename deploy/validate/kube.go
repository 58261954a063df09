package main

import (
	"fmt"
	"strconv"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer/json"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes/scheme"
)

const componentLabel = "app.kubernetes.io/component"

// Names that look like credentials but are not: the LiveKit API key id is the `iss` claim of
// every token a browser receives; its secret is LIVEKIT_API_SECRET.
var publicNames = map[string]bool{"LIVEKIT_API_KEY": true}

// decodeStrict decodes each manifest into its Kubernetes API type; an unknown or duplicate
// field, a wrong type or an unregistered kind is a problem.
func decodeStrict(manifests []string) ([]runtime.Object, []string) {
	codec := json.NewSerializerWithOptions(json.DefaultMetaFactory, scheme.Scheme, scheme.Scheme,
		json.SerializerOptions{Yaml: true, Strict: true})
	var objects []runtime.Object
	var problems []string
	for _, doc := range manifests {
		source := "manifest"
		for _, line := range strings.Split(doc, "\n") {
			if strings.HasPrefix(line, "# Source: ") {
				source = strings.TrimPrefix(line, "# Source: ")
				break
			}
		}
		obj, gvk, err := codec.Decode([]byte(doc), nil, nil)
		if err != nil {
			what := source
			if gvk != nil {
				what += " (" + gvk.Kind + ")"
			}
			problems = append(problems, fmt.Sprintf("%s: %v", what, err))
			continue
		}
		objects = append(objects, obj)
	}
	return objects, problems
}

type workload struct {
	kind, name string
	replicas   *int32
	template   *corev1.PodTemplateSpec
}

func (w workload) String() string { return w.kind + "/" + w.name }

func checkPolicy(objects []runtime.Object, externalSecrets []string) []string {
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	var workloads []workload
	secrets := map[string]map[string]bool{}
	configMaps := map[string]bool{}
	var policies []*networkingv1.NetworkPolicy
	var hpas []*autoscalingv2.HorizontalPodAutoscaler
	var services []*corev1.Service
	for _, name := range externalSecrets {
		secrets[name] = nil // keys unknown
	}
	for _, obj := range objects {
		switch o := obj.(type) {
		case *appsv1.Deployment:
			workloads = append(workloads, workload{"Deployment", o.Name, o.Spec.Replicas, &o.Spec.Template})
			if o.Spec.Selector == nil || !selects(o.Spec.Selector, o.Spec.Template.Labels) {
				add("Deployment/%s: its selector does not match its pod template", o.Name)
			}
		case *appsv1.StatefulSet:
			workloads = append(workloads, workload{"StatefulSet", o.Name, o.Spec.Replicas, &o.Spec.Template})
			if o.Spec.Selector == nil || !selects(o.Spec.Selector, o.Spec.Template.Labels) {
				add("StatefulSet/%s: its selector does not match its pod template", o.Name)
			}
		case *corev1.Secret:
			keys := map[string]bool{}
			for k := range o.Data {
				keys[k] = true
			}
			for k := range o.StringData {
				keys[k] = true
			}
			secrets[o.Name] = keys
		case *corev1.ConfigMap:
			configMaps[o.Name] = true
		case *networkingv1.NetworkPolicy:
			policies = append(policies, o)
		case *autoscalingv2.HorizontalPodAutoscaler:
			hpas = append(hpas, o)
		case *corev1.Service:
			services = append(services, o)
		}
	}
	if len(workloads) == 0 {
		add("no Deployment or StatefulSet rendered")
	}
	if len(policies) == 0 {
		add("no NetworkPolicy rendered")
	}

	for _, w := range workloads {
		spec := &w.template.Spec
		problems = append(problems, checkPod(w, spec, secrets, configMaps)...)
		if !spec.HostNetwork {
			covered := false
			for _, p := range policies {
				covered = covered || selects(&p.Spec.PodSelector, w.template.Labels)
			}
			if !covered {
				add("%s: no NetworkPolicy selects its pods", w)
			}
		}
		switch w.template.Labels[componentLabel] {
		case "backend":
			for _, c := range spec.Containers {
				for kind, probe := range map[string]*corev1.Probe{
					"readinessProbe": c.ReadinessProbe, "livenessProbe": c.LivenessProbe,
				} {
					if probe == nil || probe.HTTPGet == nil || probe.HTTPGet.Path != "/api/health" {
						add("%s: container %s needs a %s on GET /api/health", w, c.Name, kind)
					}
				}
			}
		case "agent":
			problems = append(problems, checkAgentDrain(w, spec)...)
			scaled := false
			for _, h := range hpas {
				scaled = scaled || (h.Spec.ScaleTargetRef.Kind == w.kind && h.Spec.ScaleTargetRef.Name == w.name)
			}
			if !scaled {
				add("%s: no HorizontalPodAutoscaler scales the agent", w)
			}
		}
	}
	for _, h := range hpas {
		found := false
		for _, w := range workloads {
			found = found || (h.Spec.ScaleTargetRef.Kind == w.kind && h.Spec.ScaleTargetRef.Name == w.name)
		}
		if !found {
			add("HorizontalPodAutoscaler/%s: its target %s/%s is not rendered", h.Name,
				h.Spec.ScaleTargetRef.Kind, h.Spec.ScaleTargetRef.Name)
		}
		if h.Spec.MinReplicas == nil || *h.Spec.MinReplicas < 1 || h.Spec.MaxReplicas < *h.Spec.MinReplicas {
			add("HorizontalPodAutoscaler/%s: needs 1 <= minReplicas <= maxReplicas", h.Name)
		}
		if len(h.Spec.Metrics) == 0 {
			add("HorizontalPodAutoscaler/%s: no metrics", h.Name)
		}
	}
	for _, s := range services {
		if len(s.Spec.Selector) == 0 {
			continue
		}
		var target *workload
		for i, w := range workloads {
			if labels.SelectorFromSet(s.Spec.Selector).Matches(labels.Set(w.template.Labels)) {
				target = &workloads[i]
			}
		}
		if target == nil {
			add("Service/%s: its selector matches no pod template", s.Name)
			continue
		}
		for _, port := range s.Spec.Ports {
			if port.TargetPort.Type == intstr.String && !hasPort(target.template, port.TargetPort.StrVal) {
				add("Service/%s: targetPort %q is not a named port of %s", s.Name,
					port.TargetPort.StrVal, target)
			}
		}
	}
	return problems
}

func checkPod(w workload, spec *corev1.PodSpec, secrets map[string]map[string]bool,
	configMaps map[string]bool) []string {
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	podNonRoot := spec.SecurityContext != nil && spec.SecurityContext.RunAsNonRoot != nil &&
		*spec.SecurityContext.RunAsNonRoot
	if spec.SecurityContext != nil && spec.SecurityContext.RunAsUser != nil && *spec.SecurityContext.RunAsUser == 0 {
		add("%s: pod runs as user 0", w)
	}
	if spec.AutomountServiceAccountToken == nil || *spec.AutomountServiceAccountToken {
		add("%s: automountServiceAccountToken must be false (no pod here talks to the API server)", w)
	}
	all := append(append([]corev1.Container{}, spec.InitContainers...), spec.Containers...)
	for _, c := range all {
		sc := c.SecurityContext
		nonRoot := podNonRoot || (sc != nil && sc.RunAsNonRoot != nil && *sc.RunAsNonRoot)
		if !nonRoot {
			add("%s: container %s may run as root (set runAsNonRoot: true)", w, c.Name)
		}
		if sc != nil && sc.RunAsUser != nil && *sc.RunAsUser == 0 {
			add("%s: container %s runs as user 0", w, c.Name)
		}
		if sc == nil || sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
			add("%s: container %s must set allowPrivilegeEscalation: false", w, c.Name)
		}
		if sc != nil && sc.Privileged != nil && *sc.Privileged {
			add("%s: container %s is privileged", w, c.Name)
		}
		for _, res := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
			if _, ok := c.Resources.Requests[res]; !ok {
				add("%s: container %s has no %s request", w, c.Name, res)
			}
			if _, ok := c.Resources.Limits[res]; !ok {
				add("%s: container %s has no %s limit", w, c.Name, res)
			}
		}
		image := c.Image
		tag := ""
		if i := strings.LastIndex(image, ":"); i > strings.LastIndex(image, "/") {
			tag = image[i+1:]
		}
		if strings.Contains(image, "@sha256:") {
			tag = "digest"
		}
		if tag == "" || tag == "latest" {
			add("%s: container %s image %q has no exact tag", w, c.Name, image)
		}
		for _, e := range c.Env {
			if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
				ref := e.ValueFrom.SecretKeyRef
				problems = append(problems, secretKey(w, c.Name, ref.Name, ref.Key, ref.Optional, secrets)...)
			}
			if e.ValueFrom != nil && e.ValueFrom.ConfigMapKeyRef != nil && !configMaps[e.ValueFrom.ConfigMapKeyRef.Name] {
				add("%s: container %s reads ConfigMap %q, which is not rendered", w, c.Name,
					e.ValueFrom.ConfigMapKeyRef.Name)
			}
			if e.Value != "" && secretName.MatchString(e.Name) && !publicNames[e.Name] &&
				!strings.Contains(e.Value, "$(") {
				add("%s: container %s sets %s to a literal: take it from a Secret", w, c.Name, e.Name)
			}
		}
		for _, from := range c.EnvFrom {
			if from.SecretRef != nil {
				problems = append(problems, secretKey(w, c.Name, from.SecretRef.Name, "", from.SecretRef.Optional, secrets)...)
			}
		}
	}
	for _, v := range spec.Volumes {
		if v.Secret != nil {
			problems = append(problems, secretKey(w, "volume "+v.Name, v.Secret.SecretName, "", v.Secret.Optional, secrets)...)
		}
		if v.ConfigMap != nil && !configMaps[v.ConfigMap.Name] {
			add("%s: volume %s uses ConfigMap %q, which is not rendered", w, v.Name, v.ConfigMap.Name)
		}
	}
	return problems
}

func secretKey(w workload, who, name, key string, optional *bool, secrets map[string]map[string]bool) []string {
	if optional != nil && *optional {
		return nil
	}
	keys, ok := secrets[name]
	if !ok {
		return []string{fmt.Sprintf("%s: %s reads Secret %q, which is neither rendered nor "+
			"declared external (-external-secret)", w, who, name)}
	}
	if key != "" && keys != nil && !keys[key] {
		return []string{fmt.Sprintf("%s: %s reads key %q of Secret %q, which has no such key",
			w, who, key, name)}
	}
	return nil
}

// checkAgentDrain: the pod's grace period covers the worker's drain (AGENT_DRAIN_TIMEOUT_S),
// so a scale-down lets running calls finish, and not much more.
func checkAgentDrain(w workload, spec *corev1.PodSpec) []string {
	drain := -1
	for _, c := range spec.Containers {
		for _, e := range c.Env {
			if e.Name == "AGENT_DRAIN_TIMEOUT_S" {
				if n, err := strconv.Atoi(e.Value); err == nil {
					drain = n
				}
			}
		}
	}
	if drain <= 0 {
		return []string{fmt.Sprintf("%s: the agent container must set AGENT_DRAIN_TIMEOUT_S", w)}
	}
	grace := spec.TerminationGracePeriodSeconds
	if grace == nil || *grace < int64(drain) || *grace > int64(drain)+300 {
		got := "unset"
		if grace != nil {
			got = strconv.FormatInt(*grace, 10)
		}
		return []string{fmt.Sprintf("%s: terminationGracePeriodSeconds (%s) must cover the "+
			"drain (AGENT_DRAIN_TIMEOUT_S=%d) plus at most 300 s", w, got, drain)}
	}
	return nil
}

func selects(selector *metav1.LabelSelector, podLabels map[string]string) bool {
	s, err := metav1.LabelSelectorAsSelector(selector)
	return err == nil && !s.Empty() && s.Matches(labels.Set(podLabels)) ||
		err == nil && s.Empty() && len(selector.MatchLabels) == 0 && len(selector.MatchExpressions) == 0
}

func hasPort(t *corev1.PodTemplateSpec, name string) bool {
	for _, c := range t.Spec.Containers {
		for _, p := range c.Ports {
			if p.Name == name {
				return true
			}
		}
	}
	return false
}
