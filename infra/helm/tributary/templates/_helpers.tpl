{{/* Base name of every object: <release>-tributary, or the release name when it already says tributary. */}}
{{- define "tributary.fullname" -}}
{{- if contains "tributary" .Release.Name -}}
{{- .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-tributary" .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* Labels on every object; call with (dict "root" $ "component" "api"). */}}
{{- define "tributary.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
{{ include "tributary.selectorLabels" . }}
{{- end -}}

{{/* The stable subset used in selectors (never change these on upgrade). */}}
{{- define "tributary.selectorLabels" -}}
app.kubernetes.io/name: tributary
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{/* Image reference; call with (dict "root" $ "image" .Values.images.api). */}}
{{- define "tributary.image" -}}
{{- $registry := .root.Values.global.imageRegistry -}}
{{- $tag := .image.tag | default .root.Chart.AppVersion -}}
{{- if $registry -}}
{{- printf "%s/%s:%s" $registry .image.repository $tag -}}
{{- else -}}
{{- printf "%s:%s" .image.repository $tag -}}
{{- end -}}
{{- end -}}

{{/* Name of the Secret holding the api's secrets. */}}
{{- define "tributary.apiSecretName" -}}
{{- .Values.secrets.existingSecret | default (printf "%s-api" (include "tributary.fullname" .)) -}}
{{- end -}}

{{/* In-cluster URL of the api, for the dashboard and the edges. */}}
{{- define "tributary.apiUrl" -}}
{{- printf "http://%s-api:%v" (include "tributary.fullname" .) .Values.api.port -}}
{{- end -}}

{{/* Pod-level settings shared by every workload. */}}
{{- define "tributary.podCommon" -}}
{{- with .Values.global.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
securityContext:
  {{- toYaml .Values.podSecurityContext | nindent 2 }}
{{- end -}}
