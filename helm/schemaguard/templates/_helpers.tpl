{{/* Name of the chart's objects: the release name, or "<release>-schemaguard" when it lacks "schemaguard". */}}
{{- define "schemaguard.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "schemaguard.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: operator
{{- end -}}

{{- define "schemaguard.labels" -}}
{{ include "schemaguard.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}

{{- define "schemaguard.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{/* The Lease name is fixed in the operator (io.schemaguard.operator.LeaderElection). */}}
{{- /* One Lease per release, so two releases in one namespace never share a leader. */ -}}
{{- define "schemaguard.leaseName" -}}{{ include "schemaguard.fullname" . }}-leader{{- end -}}
