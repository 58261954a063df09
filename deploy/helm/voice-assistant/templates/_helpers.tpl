{{/* Names: <release>-<part>, e.g. va-backend. */}}
{{- define "va.name" -}}
{{- printf "%s-%s" .root.Release.Name .part | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "va.labels" -}}
app.kubernetes.io/name: voice-assistant
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .part }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version }}
{{- end -}}

{{- define "va.selector" -}}
app.kubernetes.io/name: voice-assistant
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .part }}
{{- end -}}

{{/* repository:tag or repository:tag@digest */}}
{{- define "va.image" -}}
{{- $ref := printf "%s:%s" .repository .tag -}}
{{- if .digest -}}{{- $ref = printf "%s@%s" $ref .digest -}}{{- end -}}
{{- $ref -}}
{{- end -}}

{{- define "va.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ . }}
runAsGroup: {{ . }}
fsGroup: {{ . }}
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "va.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: {{ . }}
capabilities:
  drop: [ALL]
{{- end -}}

{{- define "va.secretEnv" -}}
- name: {{ .env }}
  valueFrom:
    secretKeyRef:
      name: {{ .root.Values.secrets.name }}
      key: {{ .key }}
      {{- if .optional }}
      optional: true
      {{- end }}
{{- end -}}

{{- define "va.redisAddress" -}}
{{- if .Values.redis.enabled -}}
{{- printf "%s:6379" (include "va.name" (dict "root" . "part" "redis")) -}}
{{- else -}}
{{- required "externalRedis.address is required when redis.enabled is false" .Values.externalRedis.address -}}
{{- end -}}
{{- end -}}
